"""Building arrays on traced values: stacks, ``atleast_*d``, ``append``, ``*_like``, copies.

All are compositions of reshape and concatenate, so every backend handles
them.  Like NumPy, ``atleast_*d`` and the reshapes inside the stacks are
views, and a copy (``np.copy``, ``x.copy()``, ``x.astype(float)``) is a new
array that later writes into the original do not reach
(:mod:`diffkit.graph.memory`).

``np.zeros_like(x)`` (and ``ones_like``, ``full_like``, ``empty_like``) of a
traced ``x`` is a traced constant, so code can write traced values into it
(``z = np.zeros_like(x); z[0] = x[0]``); ``empty_like`` gives zeros, never
uninitialised memory.  A dtype other than float64 or bool gives a plain NumPy
array, which holds no traced values.

``np.array``, ``np.asarray`` and ``np.asanyarray`` do not dispatch to
traced values: NumPy converts each element of a list itself.  While a
function is traced, the ``numpy`` module's three constructors are therefore
replaced by :func:`constructors`' versions, which stack (nested) lists and
tuples holding traced values (``np.array([a * x, -c * y])``) and return a
traced value itself, and hand everything else to NumPy's own function.
Code that imported them by name before tracing (``from numpy import
array``) calls NumPy's, whose error names ``np.stack``.
"""
import contextlib
import functools
import threading

import numpy as np

from .. import ops
from ..errors import ShapeError, TraceError, UnsupportedError
from .numpy_functions import no_extras

#: NumPy's own constructors, taken before any trace replaces them.
_NUMPY = {name: getattr(np, name) for name in ("array", "asarray", "asanyarray")}
_patch_lock = threading.Lock()
_patch_depth = 0


def _new(a):
    """A new traced array holding the value of tracer ``a`` (its node): not a view."""
    return type(a)(a.builder, a.node)


def copy(a, order="K", subok=False):
    """np.copy and ``x.copy``: a new array; later writes into ``a`` do not reach it."""
    return _new(a)


def astype(a, dtype, order="K", casting="unsafe", subok=True, copy=True, device=None):
    """np.astype and ``x.astype``: float64 and bool, the dtypes traced values have."""
    target = np.dtype(dtype)
    if not np.can_cast(a.dtype, target, casting):
        raise TraceError(f"astype: cannot cast {a.dtype} to {target} with casting="
                         f"{casting!r}; use casting='unsafe' (the default)")
    if target == a.dtype:
        return _new(a) if copy else a
    if target == np.float64:
        return ops.call("where", a, 1.0, 0.0)
    if target == np.bool_:
        return ops.call("ne", a, 0.0)
    raise UnsupportedError(f"astype({target}) is not supported on traced values: diffkit "
                           "computes in float64, so use astype(float), or a comparison such "
                           "as x != 0 for a mask")


def _like(name, fill):
    def like(a, dtype=None, order="K", subok=True, shape=None, *, device=None):
        return full_like(a, fill, dtype, order, subok, shape, device=device)
    like.__doc__ = f"np.{name}: a traced constant of ``a``'s shape ({fill})."
    return like


def full_like(a, fill_value, dtype=None, order="K", subok=True, shape=None, *, device=None):
    """np.full_like: a traced array (the fill may be traced) when it holds float64 or bool."""
    shape = np.shape(a) if shape is None else shape
    dtype = np.dtype(a.dtype if dtype is None else dtype)
    if dtype not in (np.float64, np.bool_):
        return np.full(shape, fill_value, dtype=dtype)
    if not isinstance(fill_value, type(a)):
        value = np.full(shape, fill_value, dtype=dtype)
        return type(a)(a.builder, a.builder.add_const(value))
    if dtype == np.bool_ and fill_value.dtype != np.bool_:
        fill_value = ops.call("ne", fill_value, 0.0)
    elif dtype == np.float64 and fill_value.dtype == np.bool_:
        fill_value = ops.call("where", fill_value, 1.0, 0.0)
    # a copy: the broadcast itself is a read-only view, the result is writable
    return _new(ops.call("broadcast_to", fill_value, shape=shape))


# -- dimensions -------------------------------------------------------------------

def _at_least(nd, where):
    """np.atleast_{nd}d: ``where(shape)`` is the shape a smaller array takes."""
    def one(a):
        shape = np.shape(a)
        return a if len(shape) >= nd else ops.call("reshape", a, shape=where(shape))

    def at_least(*arys):
        out = tuple(one(a) for a in arys)
        return out[0] if len(out) == 1 else out
    at_least.__doc__ = f"np.atleast_{nd}d: views (reshapes) of the arrays with fewer axes."
    return at_least


# NumPy's rules: a vector (n,) is a row (1, n) in 2-d and (1, n, 1) in 3-d; a matrix
# (m, n) is (m, n, 1)
atleast_1d = _at_least(1, lambda s: (1,))
atleast_2d = _at_least(2, lambda s: (1,) * (2 - len(s)) + s)
atleast_3d = _at_least(3, lambda s: {0: (1, 1, 1), 1: (1,) + s + (1,)}.get(len(s), s + (1,)))


# -- joining ----------------------------------------------------------------------

def _concatenate(fname, arrays, axis, kwargs):
    no_extras(fname, kwargs)
    if not arrays:
        raise ValueError("need at least one array to concatenate")
    return ops.call("concatenate", *arrays, axis=axis)


def vstack(tup, *, dtype=None, casting="same_kind"):
    """np.vstack: rows; vectors become rows."""
    return _concatenate("vstack", [atleast_2d(a) for a in tup], 0, {"dtype": dtype})


def hstack(tup, *, dtype=None, casting="same_kind"):
    """np.hstack: along the second axis, or the first for vectors."""
    arrays = [atleast_1d(a) for a in tup]
    axis = 0 if arrays and np.ndim(arrays[0]) == 1 else 1
    return _concatenate("hstack", arrays, axis, {"dtype": dtype})


def dstack(tup):
    """np.dstack: along the third axis."""
    return _concatenate("dstack", [atleast_3d(a) for a in tup], 2, {})


def column_stack(tup):
    """np.column_stack: vectors become columns, then joined along the second axis."""
    arrays = [ops.call("reshape", a, shape=(-1, 1)) if np.ndim(a) < 2 else a for a in tup]
    return _concatenate("column_stack", arrays, 1, {})


def append(arr, values, axis=None):
    """np.append: both flattened and joined, or joined along ``axis``."""
    if axis is None:
        arr, values = (ops.call("reshape", a, shape=(-1,)) for a in (arr, values))
        axis = 0
    return ops.call("concatenate", arr, values, axis=axis)


def _is_traced(a):
    return hasattr(type(a), "_diffkit_apply")


def _holds_traced(obj):
    if _is_traced(obj):
        return True
    return type(obj) in (list, tuple) and any(_holds_traced(o) for o in obj)


def _nested(obj):
    """A (nested) list or tuple holding traced values as one traced array: a stack per level."""
    if type(obj) not in (list, tuple):
        return obj
    if not _holds_traced(obj):
        return _NUMPY["asarray"](obj, dtype=float)
    parts = [_nested(o) for o in obj]
    shapes = {np.shape(p) for p in parts}
    if len(shapes) > 1:
        raise ShapeError(f"np.array of a list whose entries have the shapes {sorted(shapes)}: "
                         "an array needs entries of one shape (NumPy raises 'inhomogeneous "
                         "shape' here); pad or reshape the entries, or join them with "
                         "np.concatenate")
    return ops.call("stack", *parts, axis=0)


def _checked_dtype(fname, dtype):
    if dtype is not None and np.dtype(dtype) not in (np.float64, np.bool_):
        raise UnsupportedError(f"np.{fname}(..., dtype={np.dtype(dtype)}) of traced values: "
                               "diffkit computes in float64, so leave dtype out or pass "
                               "dtype=float")


def _constructor(fname, copies):
    numpy_fn = _NUMPY[fname]

    @functools.wraps(numpy_fn)
    def construct(obj, dtype=None, *args, **kwargs):
        if _is_traced(obj):
            _checked_dtype(fname, dtype)
            return astype(obj, float if dtype is None else dtype, copy=copies)
        if type(obj) in (list, tuple) and _holds_traced(obj):
            _checked_dtype(fname, dtype)
            ndmin = kwargs.get("ndmin", 0)
            out = _nested(obj)
            if dtype is not None and np.dtype(dtype) != out.dtype:
                out = astype(out, dtype)
            return out if out.ndim >= ndmin else ops.call(
                "reshape", out, shape=(1,) * (ndmin - out.ndim) + tuple(out.shape))
        return numpy_fn(obj, dtype, *args, **kwargs)
    return construct


_CONSTRUCTORS = {"array": _constructor("array", True), "asarray": _constructor("asarray", False),
                 "asanyarray": _constructor("asanyarray", False)}


@contextlib.contextmanager
def constructors():
    """While tracing: ``np.array``, ``np.asarray`` and ``np.asanyarray`` accept traced values.

    Process-wide and reentrant (traces may nest or run in threads); for any
    argument without traced values the replacements call NumPy's own
    function with the same arguments, so other code sees no difference.
    """
    global _patch_depth
    with _patch_lock:
        if _patch_depth == 0:
            for name, fn in _CONSTRUCTORS.items():
                setattr(np, name, fn)
        _patch_depth += 1
    try:
        yield
    finally:
        with _patch_lock:
            _patch_depth -= 1
            if _patch_depth == 0:
                for name, fn in _NUMPY.items():
                    setattr(np, name, fn)


FUNCTIONS = {
    np.copy: copy, np.zeros_like: _like("zeros_like", 0.0),
    np.ones_like: _like("ones_like", 1.0), np.empty_like: _like("empty_like", 0.0),
    np.full_like: full_like,
    np.atleast_1d: atleast_1d, np.atleast_2d: atleast_2d, np.atleast_3d: atleast_3d,
    np.vstack: vstack,
    np.hstack: hstack, np.dstack: dstack, np.column_stack: column_stack, np.append: append,
}
if hasattr(np, "astype"):  # NumPy >= 2.1
    FUNCTIONS[np.astype] = astype
