"""Running lowered programs from Python: the thin layer between backends and kernels."""
import threading

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


#: Workspaces of at least this many values are kept per thread and reused:
#: the pages of a fresh large allocation cost more than the work on them.
REUSE_SLOTS = 1 << 16


def values_runner(program, kern):
    """``run(io)``: execute ``program`` on the io array (inputs in, outputs after them)."""
    ints, consts = program.ints, program.consts
    if program.n_slots < REUSE_SLOTS:
        values = kern.values
        return lambda io: values(ints, consts, io)
    local, values_in, n_slots = threading.local(), kern.values_in, program.n_slots

    def run(io):
        buf = getattr(local, "buf", None)
        if buf is None:
            buf = local.buf = np.empty(n_slots)
        values_in(ints, consts, io, buf)

    return run


def block_width(program, k, block=None):
    """Tangent directions per kernel run: all k, unless the workspace would be too big."""
    return block or max(1, min(k, BLOCK_BUDGET // max(program.n_slots, 1)))


def n_blocks(program, k, block=None):
    return -(-max(k, 1) // block_width(program, k, block))


def unit_tangents(program, kern, columns, block=None):
    """``run(x) -> (outputs, T)``: tangents of all outputs along the unit vectors
    ``columns`` of the packed input; T has shape (len(columns), n_outputs).

    Blocks of directions keep the tangent workspace within
    :data:`BLOCK_BUDGET`; they are built once here when they fit that budget
    too (small problems, where rebuilding them per call cost several times
    the kernel), and per call otherwise.
    """
    k, n_in, n_out = len(columns), program.n_inputs, program.n_outputs
    width = block_width(program, k, block)
    starts = list(range(0, max(k, 1), width))

    def unit_block(start):
        rows = columns[start:start + width]
        tx = np.zeros((len(rows), n_in))
        tx[np.arange(len(rows)), rows] = 1.0
        return tx

    kept = [unit_block(s) for s in starts] if k * n_in <= BLOCK_BUDGET else None
    ints, consts, tangents = program.ints, program.consts, kern.tangents

    def run(x):
        io = np.empty(n_in + n_out)
        tout = np.empty((k, n_out))
        for i, start in enumerate(starts):
            tx = kept[i] if kept is not None else unit_block(start)
            io[:n_in] = x
            tangents(ints, consts, io, tx, tout[start:start + tx.shape[0]])
        return io[n_in:], tout

    return run


def run_direction(program, kern, x, direction):
    """Outputs and their tangents along one direction of the packed input."""
    io = np.empty(x.size + program.n_outputs)
    io[:x.size] = x
    tout = np.empty((1, program.n_outputs))
    kern.tangents(program.ints, program.consts, io, direction.reshape(1, -1), tout)
    return io[x.size:], tout[0]


def tangent_cost(method, program, k, f_flops, block=None):
    """Cost of pushing k tangent directions through ``program``."""
    from ..cost import Cost
    blocks = n_blocks(program, k, block)
    return Cost(method, blocks * program.flops + k * program.tangent_flops, f_flops, blocks, k,
                program.workspace_bytes * (1 + min(k, block_width(program, k, block))),
                program.op_counts)
