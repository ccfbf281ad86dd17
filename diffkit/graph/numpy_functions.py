"""NumPy functions and ndarray methods on traced values, built from diffkit's ops.

Each function here takes the array first and NumPy's other arguments in
NumPy's order, so one function serves both ``np.std(x, ...)`` (through
``__array_function__``) and ``x.std(...)`` (as a :class:`~.tracing.Tracer`
method).  Arguments that only shape memory (``order`` of a copy, ``subok``)
are accepted and ignored; arguments that would change values and are not
supported (``out``, ``initial``, ``where``, a dtype other than float64)
raise an :class:`~diffkit.errors.UnsupportedError` naming them.

Nothing here knows about derivatives: every result is an op call.
"""
import numpy as np

from .. import ops
from ..errors import ShapeError, TraceError, UnsupportedError

# NumPy callables -> op names, read off the op table.
NUMPY_TO_OP = {fn: op.name for op in ops.all_ops() if not op.internal for fn in op.numpy}


def no_extras(fname, kwargs):
    """Reject the arguments in ``kwargs`` that are given (not None, not NumPy's default)."""
    extra = {k: v for k, v in kwargs.items()
             if v is not None and v is not np._NoValue and not (k == "where" and v is True)}
    if extra:
        raise UnsupportedError(f"np.{fname}: argument(s) {sorted(extra)} are not supported "
                               "on traced values")


def _check_float64(fname, dtype):
    if dtype is not None and np.dtype(dtype) != np.float64:
        raise UnsupportedError(f"np.{fname}: dtype={np.dtype(dtype)} is not supported on "
                               "traced values; diffkit computes in float64, so leave dtype "
                               "out or pass dtype=float")


def _c_order(fname, order, fix):
    if order != "C":
        raise UnsupportedError(f"{fname}(order={order!r}) is not supported on traced values, "
                               f"only order='C': {fix}")


# -- reductions ------------------------------------------------------------------

def reduction(name):
    """np.sum / np.mean / np.prod and the methods of the same name."""
    def reduce(a, axis=None, dtype=None, out=None, keepdims=False, initial=None, where=True):
        _check_float64(name, dtype)
        no_extras(name, {"out": out, "initial": initial, "where": where})
        return ops.call(name, a, axis=axis, keepdims=bool(keepdims))
    return reduce


def extremum(name):
    """np.max / np.min and the methods: NumPy's argument order has no dtype."""
    reduce = reduction(name)

    def extreme(a, axis=None, out=None, keepdims=False, initial=None, where=True):
        return reduce(a, axis, None, out, keepdims, initial, where)
    return extreme


def moment(name):
    """np.var / np.std and the methods, with NumPy's arithmetic.

    Like NumPy: the mean (kept as a reduced axis) is subtracted, the
    deviations squared and summed, and the sum divided by
    ``max(n - ddof, 0)``; std is the square root of that.  ``correction``
    is NumPy 2's other name for ``ddof``; ``mean`` a precomputed mean
    with ``keepdims=True``.
    """
    def var_or_std(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *, where=True,
                   mean=None, correction=None):
        _check_float64(name, dtype)
        no_extras(name, {"out": out, "where": where})
        if correction is not None:
            if ddof != 0:
                raise TraceError(f"np.{name}: ddof and correction are the same argument; "
                                 "pass one of them")
            ddof = correction
        shape = np.shape(a)
        count = ops.size([shape[i] for i in ops.normalize_axis(axis, len(shape))])
        if mean is None:
            mean = ops.call("mean", a, axis=axis, keepdims=True)
        squares = ops.call("square", ops.call("sub", a, mean))
        var = ops.call("div", ops.call("sum", squares, axis=axis, keepdims=bool(keepdims)),
                       float(max(count - ddof, 0)))
        return ops.call("sqrt", var) if name == "std" else var
    return var_or_std


# -- values ------------------------------------------------------------------------

def clip(a, a_min=None, a_max=None, out=None, *, min=None, max=None, **kwargs):
    """np.clip and ``x.clip``: bounds by position, as a_min/a_max or as min/max."""
    no_extras("clip", dict(kwargs, out=out))
    if (a_min is not None and min is not None) or (a_max is not None and max is not None):
        raise TraceError("np.clip: a bound was given twice (a_min and min, or a_max and "
                         "max); pass each bound once")
    lo = a_min if a_min is not None else min
    hi = a_max if a_max is not None else max
    return ops.call("clip", a, -np.inf if lo is None else lo, np.inf if hi is None else hi)


def where(condition, x=None, y=None):
    """np.where with three arguments."""
    if x is None or y is None:
        raise UnsupportedError("np.where(condition) with one argument returns indices, which "
                               "depend on values; use np.where(condition, x, y)")
    return ops.call("where", condition, x, y)


# -- structure -----------------------------------------------------------------------

def reshape(a, shape=None, order="C", *, newshape=None, copy=None):
    """np.reshape and ``x.reshape``; ``newshape`` is NumPy 1's name for ``shape``."""
    _c_order("reshape", order, "x.reshape(s, order='F') is x.T.reshape(s[::-1]).T")
    return ops.call("reshape", a, shape=newshape if shape is None else shape)


def ravel(a, order="C"):
    """np.ravel, ``x.ravel`` and ``x.flatten``."""
    _c_order("ravel", order, "x.ravel('F') is x.T.ravel()")
    return ops.call("reshape", a, shape=(-1,))


def transpose(a, axes=None):
    return ops.call("transpose", a, axes=axes)


def squeeze(a, axis=None):
    return ops.call("squeeze", a, axis=axis)


def swapaxes(a, axis1, axis2):
    """np.swapaxes and ``x.swapaxes``: a transpose."""
    axes = list(range(np.ndim(a)))
    i, j = (ops.normalize_axis(k, len(axes))[0] for k in (axis1, axis2))
    axes[i], axes[j] = axes[j], axes[i]
    return ops.call("transpose", a, axes=tuple(axes))


def matrix_transpose(a):
    """``x.mT``: the last two axes swapped."""
    if np.ndim(a) < 2:
        raise ShapeError(f"x.mT needs at least 2 dimensions, the array has shape "
                         f"{np.shape(a)}; use x.T or x[:, None] for a vector")
    return swapaxes(a, -1, -2)


def _join(name):
    def join(arrays, axis=0, out=None, **kwargs):
        no_extras(name, dict(kwargs, out=out))
        return ops.call(name, *arrays, axis=axis)
    return join


def _roll(a, shift, axis=None):
    if axis is None and np.ndim(a) != 1:
        flat = ops.call("reshape", a, shape=(-1,))
        return ops.call("reshape", ops.call("roll", flat, shift=shift, axis=0), shape=a.shape)
    return ops.call("roll", a, shift=shift, axis=axis)


#: np.* functions that need argument handling; the others map straight to an op.
FUNCTIONS = {
    np.sum: reduction("sum"), np.mean: reduction("mean"), np.prod: reduction("prod"),
    np.max: extremum("max"), np.min: extremum("min"),
    np.amax: extremum("max"), np.amin: extremum("min"),
    np.var: moment("var"), np.std: moment("std"),
    np.clip: clip, np.where: where,
    np.concatenate: _join("concatenate"), np.stack: _join("stack"), np.roll: _roll,
    np.reshape: reshape, np.ravel: ravel, np.transpose: transpose, np.squeeze: squeeze,
    np.expand_dims: lambda a, axis: ops.call("expand_dims", a, axis=axis),
    np.broadcast_to: lambda a, shape, subok=False: ops.call("broadcast_to", a, shape=shape),
    np.swapaxes: swapaxes,
    np.shape: lambda a: a.shape, np.ndim: lambda a: a.ndim, np.size: lambda a: a.size,
}


#: ndarray methods that traced values get from family modules (name -> function
#: taking the array first); the methods common to every array are Tracer's own.
METHODS = {}


def _add_family(module):
    """Take a family module's ``FUNCTIONS`` and ``METHODS`` (np.* and x.* it supports)."""
    FUNCTIONS.update(getattr(module, "FUNCTIONS", {}))
    METHODS.update(getattr(module, "METHODS", {}))


def supported(fn):
    """Whether the NumPy callable ``fn`` works on traced values."""
    return fn in FUNCTIONS or fn in NUMPY_TO_OP


#: Where users reach the callables diffkit traces, as they write them.
_NAMESPACES = (("np.linalg", "numpy.linalg"), ("np.fft", "numpy.fft"), ("np", "numpy"),
               ("scipy.special", "scipy.special"))


def qualified_name(fn):
    """``fn`` as a user writes it: ``np.linalg.det``, ``np.sin``, ``scipy.special.erf``.

    Examples
    --------
    >>> qualified_name(np.linalg.det), qualified_name(np.sin)
    ('np.linalg.det', 'np.sin')
    """
    import sys
    name = getattr(fn, "__name__", repr(fn))
    for short, module_name in _NAMESPACES:
        module = sys.modules.get(module_name)  # scipy only if the user imported it
        if module is not None and getattr(module, name, None) is fn:
            return f"{short}.{name}"
    module_name = getattr(fn, "__module__", None) or "np"
    return f"{module_name}.{name}"


def surface():
    """Every NumPy-level callable and ndarray method traced values support, by name.

    The list the README's "Supported NumPy surface" prints.

    Examples
    --------
    >>> names = surface()
    >>> "np.sin" in names and "np.linalg.norm" in names and "x.sum()" in names
    True
    """
    from .numpy_build import _NUMPY  # the constructors a trace replaces
    names = {qualified_name(fn) for fn in (*FUNCTIONS, *NUMPY_TO_OP, *_NUMPY.values())
             if not getattr(fn, "__module__", "").startswith("diffkit")}  # relu: diffkit's
    import inspect
    from .tracing import Tracer
    methods = {name for name, value in vars(Tracer).items()
               if not name.startswith("_") and hasattr(np.ndarray, name)}
    methods |= set(METHODS)
    properties = {name for name in methods if isinstance(inspect.getattr_static(
        Tracer, name, None), property)}
    names |= {f"x.{m}" if m in properties else f"x.{m}()" for m in methods}
    from ..ops.special import SCIPY_OPS
    names |= {f"scipy.special.{name}" for name in SCIPY_OPS}
    return sorted(names)


from . import numpy_scans  # noqa: E402  (the families use the helpers above)
_add_family(numpy_scans)
from . import numpy_structure, numpy_products, numpy_einsum, numpy_statistics  # noqa: E402
from .numpy_products import dot  # noqa: E402,F401  (x.dot)
_add_family(numpy_structure)
_add_family(numpy_products)
_add_family(numpy_einsum)
_add_family(numpy_statistics)
from . import numpy_build  # noqa: E402
_add_family(numpy_build)
from . import numpy_rounding  # noqa: E402
_add_family(numpy_rounding)
from . import numpy_linalg  # noqa: E402
_add_family(numpy_linalg)
from . import numpy_sorting  # noqa: E402
_add_family(numpy_sorting)
