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


def run_tangents(program, kern, x, columns, block=None, directions=None):
    """Tangents of all outputs along unit vectors (``columns`` of the packed input)
    or along the rows of ``directions`` (K, n_inputs).

    Returns (outputs, T) with T of shape (K, n_outputs).  Blocks of rows keep
    the tangent workspace within :data:`BLOCK_BUDGET`.
    """
    k = len(columns) if directions is None else directions.shape[0]
    width = block_width(program, k, block)
    io = np.empty(x.size + program.n_outputs)
    tout = np.empty((k, program.n_outputs))
    for start in range(0, max(k, 1), width):
        stop = min(start + width, k)
        if directions is None:
            tx = np.zeros((stop - start, x.size))
            tx[np.arange(stop - start), columns[start:stop]] = 1.0
        else:
            tx = np.ascontiguousarray(directions[start:stop])
        io[:x.size] = x
        kern.tangents(program.ints, program.consts, io, tx, tout[start:stop])
    return io[x.size:], tout


def tangent_cost(method, program, k, f_flops, block=None):
    """Cost of pushing k tangent directions through ``program``."""
    from ..cost import Cost
    blocks = n_blocks(program, k, block)
    return Cost(method, blocks * program.flops + k * program.tangent_flops, f_flops, blocks, k,
                program.workspace_bytes * (1 + min(k, block_width(program, k, block))),
                program.op_counts)
