"""Compiling graphs for the AD backends: lowering, checking, and the cost of tangents.

The runtime that runs the programs is :mod:`diffkit.kernels.run`.

Examples
--------
>>> import numpy as np, diffkit
>>> program, kern = compile_program(diffkit.parse("x * y"))
>>> cost = tangent_cost("forward", program, 2, f_flops=1)
>>> cost.evaluations, cost.tangents, cost.flops    # one block of both directions
(1, 2, 5)
"""
from ..cost import Cost
from ..kernels import load
from ..kernels.run import block_width, n_blocks
from ..program.lower import lower


def compile_program(graph):
    """Lower ``graph``, check the program, and return it with its kernels."""
    program = lower(graph)
    return program, load(program)


def tangent_cost(method, program, k, f_flops, block=None):
    """Cost of pushing k tangent directions through ``program``, ``block`` at a time."""
    blocks = n_blocks(program, k, block)
    width = block_width(program, k, block)
    return Cost(method=method, flops=blocks * program.flops + k * program.tangent_flops,
                function_flops=f_flops, evaluations=blocks, tangents=k,
                stored_bytes=program.workspace_bytes * (1 + min(k, width)), ops=program.op_counts)
