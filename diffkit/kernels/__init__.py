"""The numba kernels that execute lowered programs, and the runtime that calls them.

* :func:`values` runs a program: the forward sweep.
* :func:`tangents` runs it with a block of tangents: the tangent sweep
  (forward mode, one or many directions at once).
* :mod:`.run` holds what the backends call: :func:`load` checks a program
  and returns the compiled kernels; the runners execute it on io arrays.

Reverse mode needs no kernel of its own: the adjoint graph
(:mod:`diffkit.program.adjoint`) runs through :func:`values`.
This package imports only the program format (:mod:`diffkit.program.format`)
of the rest of diffkit, and numba in :mod:`diffkit.kernels.build` only.  The
compiled kernels are cached on disk (:mod:`diffkit.kernels.cache`); a cache
that cannot be used as configured, or was damaged and rebuilt, is reported by
one :class:`KernelCacheWarning`.

Examples
--------
>>> import numpy as np, diffkit
>>> from diffkit.program.lower import lower
>>> values(lower(diffkit.parse("sin(x) * y")), np.array([0.0, 2.0]))
array([0.])
"""
from .cache import KernelCacheWarning
from .run import direction_runner, load, tangent_runner, tangents, values, values_runner
from .validate import validate


def source():
    """The source text numba compiles: structured kernels, sweeps, generated dispatch."""
    from .build import source as _source
    return _source()


__all__ = ["KernelCacheWarning", "direction_runner", "load", "source", "tangent_runner",
           "tangents", "validate", "values", "values_runner"]
