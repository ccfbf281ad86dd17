"""Sorting and value-dependent positions on traced values.

``np.argsort``, ``np.argmax`` and ``np.argmin`` (and the methods) give
positions with no derivative; ``np.take_along_axis`` and ``x[i]`` with
traced positions gather by them (derivative: the gathered entry's own);
``np.sort`` is the gather by ``argsort``, so the derivative of a sorted
entry routes to the entry it came from, ties in the stable order (the
earlier entry fills the earlier slot, whatever ``kind`` says).
``np.median``, ``np.quantile`` and ``np.percentile`` interpolate between
sorted entries with NumPy's formulas, so their values are NumPy's bits and
their derivatives are the interpolation weights on the entries picked.

Positions that are not integers in range give NaN (see
:mod:`diffkit.ops.sorting`): a compiled loop cannot raise NumPy's IndexError.

Examples
--------
>>> import numpy as np, diffkit
>>> x = np.array([3.0, 1.0, 2.0, 1.0])
>>> diffkit.grad(lambda x: np.sort(x)[0] + 2 * np.median(x))(x)  # ties: the first 1.0
array([0., 2., 1., 0.])
"""
import numpy as np

from .. import ops
from ..errors import ArgumentError, OptionError, ShapeError, TraceError, UnsupportedError
from .numpy_functions import no_extras
from .numpy_structure import take_along_axis as _take_along_known


def _traced(value):
    return hasattr(type(value), "_diffkit_apply")


def _flat(a):
    return ops.call("reshape", a, shape=(-1,))


def _kind(fname, kind, order, stable):
    no_extras(fname, {"order": order})
    if kind not in (None, "quicksort", "mergesort", "heapsort", "stable") or stable is False:
        raise OptionError(f"np.{fname}: kind={kind!r}, stable={stable!r}: diffkit sorts "
                          "stably whatever the kind; leave kind and stable out")


def argsort(a, axis=-1, kind=None, order=None, *, stable=None):
    """np.argsort and ``x.argsort``: stable, ties in their order (NaN last)."""
    _kind("argsort", kind, order, stable)
    if axis is None:
        a, axis = _flat(a), 0
    return ops.call("argsort", a, axis=axis)


def sort(a, axis=-1, kind=None, order=None, *, stable=None):
    """np.sort: the entries gathered in argsort's order; derivatives follow the entries."""
    _kind("sort", kind, order, stable)
    if axis is None:
        a, axis = _flat(a), 0
    return ops.call("take_along", a, ops.call("argsort", a, axis=axis), axis=axis)


def _extremum(name):
    def arg(a, axis=None, out=None, *, keepdims=False):
        no_extras(name, {"out": out})
        return ops.call(name, a, axis=axis, keepdims=keepdims)
    arg.__name__ = arg.__qualname__ = name
    arg.__doc__ = f"np.{name} and ``x.{name}``: the first position of the extreme (or NaN)."
    return arg


argmax, argmin = _extremum("argmax"), _extremum("argmin")


def _check_positions(fname, indices):
    if np.dtype(indices.dtype) == np.bool_:
        raise TraceError(f"{fname}: a traced boolean mask selects a number of entries that "
                         "depends on values; use np.where(mask, x, other) instead")
    if np.dtype(indices.dtype) != np.int64:
        raise TraceError(f"{fname}: positions must be integers, as in NumPy; this traced "
                         f"value is {np.dtype(indices.dtype)} (positions come from np.argmax, "
                         "np.argmin or np.argsort)")


def take_along_axis(arr, indices, axis=-1):
    """np.take_along_axis; traced positions (from np.argsort, np.argmax...) gather at run time."""
    if not _traced(indices):
        return _take_along_known(arr, indices, axis)
    _check_positions("np.take_along_axis", indices)
    if axis is None:
        arr, axis = _flat(arr), 0
        if len(indices.shape) != 1:
            raise ShapeError("np.take_along_axis with axis=None needs 1-d indices")
    s, t = tuple(np.shape(arr)), tuple(indices.shape)
    if len(s) != len(t):
        raise ShapeError(f"np.take_along_axis: indices of shape {t} and an array of shape {s} "
                         "must have the same number of dimensions")
    axis = ops.normalize_axis(axis, len(s))[0]
    other = ops.broadcast_shapes(s[:axis] + (1,) + s[axis + 1:], t[:axis] + (1,) + t[axis + 1:])
    arr = _broadcast(arr, other[:axis] + (s[axis],) + other[axis + 1:])
    indices = _broadcast(indices, other[:axis] + (t[axis],) + other[axis + 1:])
    return ops.call("take_along", arr, indices, axis=axis)


def _broadcast(x, shape):
    return x if tuple(np.shape(x)) == shape else ops.call("broadcast_to", x, shape=shape)


def getitem_traced(x, index):
    """``x[i]`` with a traced integer array (or number) ``i``: entries along the first axis.

    Tracer.__getitem__ hands indices that hold a traced value here.
    """
    if isinstance(index, tuple):
        if len(index) != 1:
            raise TraceError("indexing with traced positions works on the first axis only "
                             "(x[i]); for other axes gather with np.take_along_axis(x, i, axis)")
        index = index[0]
    _check_positions("x[i]", index)
    shape = tuple(np.shape(x))
    if not shape:
        raise ShapeError("a 0-d traced value cannot be indexed")
    rest = shape[1:]
    m = ops.size(index.shape)
    lines = ops.call("reshape", x, shape=(shape[0], ops.size(rest)))
    at = ops.call("broadcast_to", ops.call("reshape", index, shape=(m, 1)),
                  shape=(m, ops.size(rest)))
    out = ops.call("take_along", lines, at, axis=0)
    return ops.call("reshape", out, shape=tuple(index.shape) + rest)


# -- median, quantile, percentile ----------------------------------------------

def _reduced_last(fname, a, axis):
    """``a`` with the reduced axes merged into the last one, and the kept dims' shape
    for keepdims (NumPy's _ureduce)."""
    shape = tuple(np.shape(a))
    if axis is None:
        return _flat(a), (1,) * len(shape)
    if not shape:
        raise ShapeError(f"np.{fname}: axis {axis} is out of bounds for a 0-d array")
    axes = ops.normalize_axis(axis, len(shape))
    keep = [i for i in range(len(shape)) if i not in axes]
    moved = a if keep + list(axes) == list(range(len(shape))) else ops.call(
        "transpose", a, axes=tuple(keep + list(axes)))
    merged = tuple(shape[i] for i in keep) + (ops.size([shape[i] for i in axes]),)
    kept = tuple(1 if i in axes else n for i, n in enumerate(shape))
    return ops.call("reshape", moved, shape=merged), kept


def _last(s, item):
    return ops.call("getitem", s, index=(Ellipsis, item))


def _nan_where_last_is(s, result):
    """NumPy's NaN check: where a sorted line ends in NaN, the result is that NaN."""
    last = _last(s, -1)
    return ops.call("where", ops.call("ne", last, last), last, result)


def median(a, axis=None, out=None, overwrite_input=False, keepdims=False):
    """np.median: the mean of the middle entries of the sorted lines, as NumPy computes it."""
    no_extras("median", {"out": out})
    lines, kept = _reduced_last("median", a, axis)
    n = lines.shape[-1]
    if n == 0:
        raise ShapeError("np.median of an empty array is not supported on traced values")
    s = sort(lines, axis=-1)
    mid = slice(n // 2, n // 2 + 1) if n % 2 else slice(n // 2 - 1, n // 2 + 1)
    result = _nan_where_last_is(s, ops.call("mean", _last(s, mid), axis=-1, keepdims=False))
    return ops.call("reshape", result, shape=kept) if keepdims else result


def _quantile(fname, a, q, axis, out, method, keepdims, weights, interpolation):
    no_extras(fname, {"out": out, "weights": weights, "interpolation": interpolation})
    if method != "linear":
        raise UnsupportedError(f"np.{fname}: method={method!r} is not supported on traced "
                               "values; only method='linear' (NumPy's default)")
    if _traced(q):
        raise UnsupportedError(f"np.{fname}: q must be known when tracing (a number or a "
                               "NumPy array), not a traced value")
    q = np.asanyarray(q)
    if q.ndim > 2 or not np.all((q >= 0) & (q <= 1)):
        raise ArgumentError(f"np.{fname}: quantiles must be in [0, 1] (percentiles in "
                            "[0, 100]), as a number or an array of at most 2 dimensions")
    lines, kept = _reduced_last(fname, a, axis)
    n = lines.shape[-1]
    if n == 0:
        raise ShapeError(f"np.{fname} of an empty array is not supported on traced values")
    ordered = sort(lines, axis=-1)
    # the sorted axis first, where NumPy's arr[index] picks entries
    s = ops.call("transpose", ordered, axes=(lines.ndim - 1,) + tuple(range(lines.ndim - 1)))
    virtual = (n - 1) * q
    if np.issubdtype(virtual.dtype, np.integer):  # no interpolation: NumPy takes the entries
        result = ops.call("getitem", s, index=ops.IndexArray(virtual))
    else:
        previous = np.array(np.floor(virtual))
        following = np.array(previous + 1)
        previous[virtual >= n - 1] = following[virtual >= n - 1] = -1
        previous[virtual < 0] = following[virtual < 0] = 0
        gamma = (virtual - previous).reshape(q.shape + (1,) * (s.ndim - 1))
        lo = ops.call("getitem", s, index=ops.IndexArray(previous.astype(np.int64)))
        hi = ops.call("getitem", s, index=ops.IndexArray(following.astype(np.int64)))
        diff = hi - lo  # NumPy's _lerp, branch by branch with the same operations
        result = ops.call("where", gamma >= 0.5, hi - diff * (1 - gamma), lo + diff * gamma)
    result = _nan_where_last_is(ordered, result)
    if keepdims:
        result = ops.call("reshape", result, shape=q.shape + kept)
    return result


def quantile(a, q, axis=None, out=None, overwrite_input=False, method="linear",
             keepdims=False, *, weights=None, interpolation=None):
    """np.quantile with method='linear'; q known when tracing."""
    return _quantile("quantile", a, q, axis, out, method, keepdims, weights, interpolation)


def percentile(a, q, axis=None, out=None, overwrite_input=False, method="linear",
               keepdims=False, *, weights=None, interpolation=None):
    """np.percentile with method='linear'; q known when tracing."""
    if not _traced(q):
        q = np.true_divide(q, 100)
    return _quantile("percentile", a, q, axis, out, method, keepdims, weights, interpolation)


FUNCTIONS = {np.argsort: argsort, np.sort: sort, np.argmax: argmax, np.argmin: argmin,
             np.take_along_axis: take_along_axis, np.median: median, np.quantile: quantile,
             np.percentile: percentile}
METHODS = {"argsort": argsort, "argmax": argmax, "argmin": argmin}
