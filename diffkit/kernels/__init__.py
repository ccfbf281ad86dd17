"""The numba kernels that execute lowered programs.

* :func:`values` runs a program: the forward sweep.
* :func:`tangents` runs it with a block of tangents: the tangent sweep
  (forward mode, one or many directions at once).

Reverse mode needs no kernel of its own: the adjoint graph
(:mod:`diffkit.program.adjoint`) runs through :func:`values`.
numba is imported in :mod:`diffkit.kernels.build` only.
"""
import numpy as np

from .validate import validate


def values(program, x):
    """Packed outputs of ``program`` at packed inputs ``x`` (float64 vector).

    Validates the program first; the backends validate once at compile time
    and call the compiled kernels directly.
    """
    from .build import kernels
    validate(program.ints, program.consts)
    io = np.empty(x.size + program.n_outputs)
    io[:x.size] = x
    kernels().values(program.ints, program.consts, io)
    return io[x.size:]


def tangents(program, x, tx):
    """(packed outputs, (K, n_out) tangents) for a (K, n_inputs) block ``tx``; validates first."""
    from .build import kernels
    validate(program.ints, program.consts)
    tx = np.ascontiguousarray(tx, dtype=float)
    io = np.empty(x.size + program.n_outputs)
    io[:x.size] = x
    tout = np.empty((tx.shape[0], program.n_outputs))
    kernels().tangents(program.ints, program.consts, io, tx, tout)
    return io[x.size:], tout


def source():
    """The source text numba compiles: structured kernels, sweeps, generated dispatch."""
    from .build import source as _source
    return _source()


__all__ = ["source", "tangents", "validate", "values"]
