"""Running lowered programs from Python: the thin layer between backends and kernels."""
import numpy as np

from ..kernels import validate
from ..program.lower import lower

#: Largest tangent block, in float64 values (rows x workspace), before chunking.
BLOCK_BUDGET = 1 << 22


def compile_program(graph):
    """Lower ``graph``, check the program, and return it with its kernels."""
    from ..kernels.build import kernels
    program = lower(graph)
    validate(program.ints, program.consts)
    return program, kernels()


def run_values(program, kern, x):
    out = np.empty(program.n_outputs)
    kern.values(program.ints, program.consts, x, out)
    return out


def run_tangents(program, kern, x, columns, block=None):
    """Tangents of all outputs along the unit vectors ``columns`` of the packed input.

    Returns (outputs, T) with T of shape (len(columns), n_outputs).  Blocks of
    rows keep the tangent workspace within :data:`BLOCK_BUDGET`.
    """
    k = len(columns)
    block = block or max(1, min(k, BLOCK_BUDGET // max(program.n_slots, 1)))
    out = np.empty(program.n_outputs)
    tout = np.empty((k, program.n_outputs))
    for start in range(0, max(k, 1), block):
        rows = columns[start:start + block]
        tx = np.zeros((len(rows), x.size))
        tx[np.arange(len(rows)), rows] = 1.0
        kern.tangents(program.ints, program.consts, x, tx, out, tout[start:start + len(rows)])
    return out, tout


def n_blocks(program, k, block=None):
    block = block or max(1, min(k, BLOCK_BUDGET // max(program.n_slots, 1)))
    return -(-max(k, 1) // block)
