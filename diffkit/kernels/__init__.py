"""The numba kernels that execute lowered programs.

* :func:`values` runs a program: the forward sweep.
* :func:`tangents` runs it with a block of tangents: the tangent sweep
  (forward mode, one or many directions at once).

Reverse mode needs no kernel of its own: the adjoint graph
(:mod:`diffkit.program.adjoint`) runs through :func:`values`.
numba is imported in :mod:`diffkit.kernels.build` only.  The compiled
kernels are cached on disk (:mod:`diffkit.kernels.cache`); a cache that
cannot be used as configured, or was damaged and rebuilt, is reported by
one :class:`KernelCacheWarning`.
"""
import numpy as np

from ..errors import ShapeError
from ..graph.evaluate import real_array
from ..program.format import O_SIZE
from .cache import KernelCacheWarning
from .validate import validate


def _io(program, x):
    """Validate ``program`` and return a fresh io array holding ``x`` and room for the outputs.

    Every size comes from the program's own header and output table, the
    numbers the kernels index with, and ``x`` is checked against them: a
    short or long ``x`` never reaches a kernel.
    """
    validate(program.ints, program.consts)
    n_in, n_values = program.n_inputs, int(program.outputs()[:, O_SIZE].sum())
    x = real_array("the packed inputs x", x)
    if x.shape != (n_in,):
        raise ShapeError(f"the packed inputs x have shape {x.shape}; this program takes a "
                         f"1-d vector of {n_in} values (its inputs, flattened and joined)")
    io = np.empty(n_in + n_values)
    io[:n_in] = x
    return io, n_in


def values(program, x):
    """Packed outputs of ``program`` at packed inputs ``x`` (a float vector).

    Checks the program and the length of ``x`` first; the backends check once
    at compile time and call the compiled kernels directly.

    Examples
    --------
    >>> import numpy as np, diffkit
    >>> from diffkit.program.lower import lower
    >>> program = lower(diffkit.parse("x * y + 1"))
    >>> values(program, np.array([2.0, 3.0]))
    array([7.])
    >>> values(program, np.array([2.0]))
    Traceback (most recent call last):
    ...
    diffkit.errors.ShapeError: the packed inputs x have shape (1,); this program takes a 1-d vector of 2 values (its inputs, flattened and joined)
    """
    from .build import kernels
    io, n_in = _io(program, x)
    kernels().values(program.ints, program.consts, io)
    return io[n_in:]


def tangents(program, x, tx):
    """(packed outputs, (K, n_out) tangents) for a (K, n_inputs) block ``tx``; checks first."""
    from .build import kernels
    io, n_in = _io(program, x)
    tx = np.ascontiguousarray(real_array("the tangent block tx", tx))
    if tx.ndim != 2 or tx.shape[1] != n_in:
        raise ShapeError(f"the tangent block tx has shape {tx.shape}; this program takes "
                         f"(K, {n_in}): one row of {n_in} input tangents per direction")
    tout = np.empty((tx.shape[0], io.size - n_in))
    kernels().tangents(program.ints, program.consts, io, tx, tout)
    return io[n_in:], tout


def source():
    """The source text numba compiles: structured kernels, sweeps, generated dispatch."""
    from .build import source as _source
    return _source()


__all__ = ["KernelCacheWarning", "source", "tangents", "validate", "values"]
