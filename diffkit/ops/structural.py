"""Structural ops: they move or select entries and do no arithmetic.

All of them are linear, so their JVP is the op applied to the tangents and
their VJP is the transposed movement.  Lowering turns every one of them into
a single gather whose index map it computes by applying ``impl`` to arrays of
positions, so the kernels need no code per structural op.
"""
import numpy as np

from ..errors import ShapeError, UnsupportedError
from .core import Op, Scatter, call, no_flops, normalize_axis, register, size, unbroadcast


def _linear_jvp(name):
    def jvp(tangents, args, out, **params):
        ts = [np.zeros(np.shape(a)) if t is None else t for t, a in zip(tangents, args)]
        return call(name, *ts, **params)
    return jvp


def _structural(name, impl, shape, vjp, normalize=None, arity=1, numpy=(), internal=False):
    register(Op(
        name=name, arity=arity, kind="structural", impl=impl, shape=shape,
        flops=no_flops, jvp=_linear_jvp(name), vjp=vjp, normalize=normalize,
        numpy=numpy, internal=internal))


# -- reshape, expand_dims, squeeze: the same entries in a new shape ----------

def _normalize_reshape(shapes, shape):
    shape = (shape,) if isinstance(shape, (int, np.integer)) else tuple(int(n) for n in shape)
    n = size(shapes[0])
    if shape.count(-1) == 1:
        known = size([m for m in shape if m != -1])
        if known and n % known == 0:
            shape = tuple(n // known if m == -1 else m for m in shape)
    if size(shape) != n or any(m < 0 for m in shape):
        raise ShapeError(f"cannot reshape an array of shape {tuple(shapes[0])} into {shape}")
    return {"shape": shape}


_structural(
    "reshape", lambda x, shape: np.reshape(x, shape), lambda s, shape: shape,
    vjp=lambda g, args, out, shape: (call("reshape", g, shape=args[0].shape),),
    normalize=_normalize_reshape, numpy=(np.reshape,))


def _normalize_expand(shapes, axis):
    return {"axis": normalize_axis(axis, len(shapes[0]) + (
        1 if isinstance(axis, (int, np.integer)) else len(axis)))}


def _expanded_shape(s, axis):
    out, rest = [], iter(s)
    for i in range(len(s) + len(axis)):
        out.append(1 if i in axis else next(rest))
    return tuple(out)


_structural(
    "expand_dims", lambda x, axis: np.expand_dims(x, axis), _expanded_shape,
    vjp=lambda g, args, out, axis: (call("reshape", g, shape=args[0].shape),),
    normalize=_normalize_expand, numpy=(np.expand_dims,))


def _normalize_squeeze(shapes, axis=None):
    s = shapes[0]
    if axis is None:
        return {"axis": tuple(i for i, n in enumerate(s) if n == 1)}
    axis = normalize_axis(axis, len(s))
    if any(s[i] != 1 for i in axis):
        raise ShapeError(f"cannot squeeze axis {axis} of shape {tuple(s)}: its length is not 1")
    return {"axis": axis}


_structural(
    "squeeze", lambda x, axis: np.squeeze(x, axis), lambda s, axis: tuple(
        n for i, n in enumerate(s) if i not in axis),
    vjp=lambda g, args, out, axis: (call("reshape", g, shape=args[0].shape),),
    normalize=_normalize_squeeze, numpy=(np.squeeze,))


# -- transpose, roll, broadcast_to -------------------------------------------

def _normalize_transpose(shapes, axes=None):
    nd = len(shapes[0])
    axes = tuple(reversed(range(nd))) if axes is None else tuple(int(a) % max(nd, 1) for a in axes)
    if sorted(axes) != list(range(nd)):
        raise ShapeError(f"axes {axes} are not a permutation of the {nd} axes")
    return {"axes": axes}


_structural(
    "transpose", lambda x, axes: np.transpose(x, axes),
    lambda s, axes: tuple(s[a] for a in axes),
    vjp=lambda g, args, out, axes: (call("transpose", g, axes=tuple(np.argsort(axes))),),
    normalize=_normalize_transpose, numpy=(np.transpose,))


def _normalize_roll(shapes, shift, axis=None):
    if axis is None:
        if not isinstance(shift, (int, np.integer)):
            raise UnsupportedError("np.roll without axis takes a single integer shift")
        return {"shift": int(shift), "axis": None}
    if isinstance(axis, (int, np.integer)):
        axis = (axis,)
        shift = (shift,)
    nd = len(shapes[0])
    return {"shift": tuple(int(s) for s in shift),
            "axis": tuple(int(a) % max(nd, 1) for a in axis)}


def _negate_shift(shift):
    return -shift if isinstance(shift, int) else tuple(-s for s in shift)


_structural(
    "roll", lambda x, shift, axis: np.roll(x, shift, axis), lambda s, shift, axis: tuple(s),
    vjp=lambda g, args, out, shift, axis: (
        call("roll", g, shift=_negate_shift(shift), axis=axis),),
    normalize=_normalize_roll, numpy=(np.roll,))


def _normalize_broadcast(shapes, shape):
    shape = (shape,) if isinstance(shape, (int, np.integer)) else tuple(int(n) for n in shape)
    s = tuple(shapes[0])
    ok = len(shape) >= len(s) and all(
        a in (1, b) for a, b in zip(s[::-1], shape[::-1]))
    if not ok:
        raise ShapeError(f"cannot broadcast an array of shape {s} to {shape}")
    return {"shape": shape}


_structural(
    "broadcast_to", lambda x, shape: np.broadcast_to(x, shape), lambda s, shape: shape,
    vjp=lambda g, args, out, shape: (unbroadcast(g, args[0].shape),),
    normalize=_normalize_broadcast, numpy=(np.broadcast_to,))


# -- concatenate and stack: several operands into one ------------------------

def _normalize_join(shapes, axis=0, stacking=False):
    if not shapes:
        raise ShapeError("need at least one array to join")
    nd = len(shapes[0]) + stacking
    axis = normalize_axis(axis, nd)[0]
    first = tuple(shapes[0])
    for s in shapes[1:]:
        same = (tuple(s) == first if stacking else len(s) == len(first) and all(
            a == b for i, (a, b) in enumerate(zip(s, first)) if i != axis))
        if not same:
            raise ShapeError(
                f"cannot {'stack' if stacking else 'concatenate'} arrays of shapes "
                f"{[tuple(t) for t in shapes]} along axis {axis}")
    return {"axis": axis}


def _concatenate_vjp(g, args, out, axis):
    cuts = np.cumsum([0] + [a.shape[axis] for a in args])
    lead = (slice(None),) * axis
    return tuple(call("getitem", g, index=make_index(lead + (slice(int(lo), int(hi)),)))
                 for lo, hi in zip(cuts[:-1], cuts[1:]))


_structural(
    "concatenate", lambda *xs, axis: np.concatenate(xs, axis),
    lambda *s, axis: tuple(sum(t[axis] for t in s) if i == axis else n
                           for i, n in enumerate(s[0])),
    vjp=_concatenate_vjp, arity=-1, numpy=(np.concatenate,),
    normalize=lambda shapes, axis=0: _normalize_join(shapes, axis))


def _stack_vjp(g, args, out, axis):
    lead = (slice(None),) * axis
    return tuple(call("getitem", g, index=make_index(lead + (k,))) for k in range(len(args)))


_structural(
    "stack", lambda *xs, axis: np.stack(xs, axis),
    lambda *s, axis: tuple(s[0][:axis]) + (len(s),) + tuple(s[0][axis:]),
    vjp=_stack_vjp, arity=-1, numpy=(np.stack,),
    normalize=lambda shapes, axis=0: _normalize_join(shapes, axis, stacking=True))


# -- indexing and slicing ----------------------------------------------------

class IndexArray:
    """An integer index array held in op parameters (hashable, read-only)."""

    __slots__ = ("array", "_key")

    def __init__(self, array):
        self.array = np.array(array, dtype=np.int64)
        self.array.setflags(write=False)
        self._key = (self.array.shape, self.array.tobytes())

    def __eq__(self, other):
        return isinstance(other, IndexArray) and self._key == other._key

    def __hash__(self):
        return hash(self._key)

    def __repr__(self):
        return np.array2string(self.array, separator=", ", threshold=8)


def make_index(index):
    """Canonical, hashable form of a NumPy index (slices become tagged tuples)."""
    if not isinstance(index, tuple):
        index = (index,)
    out = []
    for item in index:
        if isinstance(item, slice):
            out.append(("slice", item.start, item.stop, item.step))
        elif isinstance(item, tuple) and len(item) == 4 and item[0] == "slice":
            out.append(item)  # already canonical: normalizing twice changes nothing
        elif item is None or item is Ellipsis:
            out.append(item)
        elif isinstance(item, (bool, np.bool_)):
            raise UnsupportedError("indexing with a Python bool is not supported")
        elif isinstance(item, (int, np.integer)):
            out.append(int(item))
        elif isinstance(item, IndexArray):
            out.append(item)
        else:
            arr = np.asarray(item)
            if arr.dtype == bool:
                out.extend(IndexArray(a) for a in np.nonzero(arr))
            elif np.issubdtype(arr.dtype, np.integer):
                out.append(IndexArray(arr))
            else:
                raise UnsupportedError(
                    f"cannot index with {item!r}: use ints, slices, None, ... or integer "
                    "arrays whose values are known when tracing")
    return tuple(out)


def numpy_index(index):
    """The NumPy index that a canonical index stands for."""
    return tuple(slice(*item[1:]) if isinstance(item, tuple)
                 else item.array if isinstance(item, IndexArray) else item for item in index)


def _index_shape(s, index):
    if len(index) <= len(s) and all(type(i) is int for i in index):
        # x[i], A[i, j]: the index of loops over elements, without building an array
        if all(-n <= i < n for i, n in zip(index, s)):
            return tuple(s[len(index):])
    try:
        return np.broadcast_to(np.empty(()), s)[numpy_index(index)].shape
    except IndexError as err:
        raise ShapeError(f"index {format_index(index)} does not fit shape {tuple(s)}: {err}")


def format_index(index):
    """Index as written in code: ``1:3, None, ...``."""
    def one(item):
        if isinstance(item, tuple):
            start, stop, step = ("" if v is None else str(v) for v in item[1:])
            return f"{start}:{stop}" + (f":{step}" if step else "")
        if item is None:
            return "None"
        return "..." if item is Ellipsis else repr(item)
    return ", ".join(one(i) for i in index)


def _getitem_t(*gs, indices, shape):
    # result_type keeps complex (complex step) and object (SymPy) entries
    out = np.zeros(shape, dtype=np.result_type(float, *gs))
    for g, index in zip(gs, indices):
        np.add.at(out, numpy_index(index), g)
    return out


def _normalize_getitem_t(shapes, indices, shape):
    indices = tuple(make_index(i) for i in indices)
    shape = tuple(int(n) for n in shape)
    if len(indices) != len(shapes):
        raise ShapeError(f"getitem_t: {len(shapes)} pieces but {len(indices)} indices")
    for s, index in zip(shapes, indices):
        if tuple(s) != _index_shape(shape, index):
            raise ShapeError(f"getitem_t: a piece of shape {tuple(s)} does not fit "
                             f"[{format_index(index)}] of shape {shape}")
    return {"indices": indices, "shape": shape}


_structural(
    "getitem", lambda x, index: x[numpy_index(index)], _index_shape,
    vjp=lambda g, args, out, index: (Scatter(index, g),),
    normalize=lambda shapes, index: {"index": make_index(index)})
# The adjoint of indexing: pieces added into zeros at their indices.  Several
# pieces in one node keep the adjoint of many slices of one array O(size).
_structural(
    "getitem_t", _getitem_t, lambda *s, indices, shape: tuple(shape),
    vjp=lambda g, args, out, indices, shape: tuple(
        call("getitem", g, index=index) for index in indices),
    normalize=_normalize_getitem_t, arity=-1, internal=True)
