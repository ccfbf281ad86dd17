"""NumPy's memory semantics for traced arrays: views, writes and in-place operators.

A traced array has no memory, but code written for NumPy relies on what its
memory would do: ``y[i] = v`` changes ``y``, and every view of ``y`` (``y[1:]``,
``y.T``, ``y.reshape(...)``) sees the change; ``v = y[1:]; v[0] = 1`` writes
into ``y``.  diffkit reproduces this with functional updates:

* An array that owns its entries (an input, an op's result, a copy) gets, on
  first need, a buffer of *positions* ``np.arange(size)``.  A unary
  structural op applied to a traced array is applied to its positions too:
  when NumPy returns a view of the buffer, the result is a view of the owner
  in NumPy as well, and the positions say which entry of the owner each of
  its entries is (so NumPy itself decides what is a view: a basic index,
  a transpose, a reshape that needs no copy).
* A write (``t[index] = value``, ``t += value``) becomes a new node: the owner
  with the written positions replaced, ``where(written, value entries,
  owner)``.  The owner's tracer object is rebound to that node
  (``Tracer.node`` changes), and so is every live view of it (each view is
  recomputed from the new owner by its op).  A name bound to the same object
  (``z = y``) sees the write, as in NumPy; a copy (``y.copy()``,
  ``np.copy``) does not.
* Which value lands where is decided by NumPy on arrays of positions, so
  broadcasting and duplicate indices follow NumPy: ``y[[0, 0]] = v`` keeps
  the last write, and ``y[[0, 0]] += v`` adds once.

Derivatives flow to the old value of the array (where it was not written)
and to the written value, through ``where`` and ``getitem``.  Each write costs
one node of the owner's size (a loop writing n entries one by one records
O(n^2) work; build with ``np.stack`` to keep it linear).  0-d arrays that are
not views act like NumPy scalars: ``s += v`` binds ``s`` to a new value.
"""
import weakref

import numpy as np

from .. import ops
from ..errors import DiffkitError, ShapeError, TraceError


class Memory:
    """The positions of an owner's entries (``buffer``, flat; ``shaped``, a view of it
    in the owner's shape) and its live views, in creation order."""

    __slots__ = ("buffer", "shaped", "views")

    def __init__(self, shape):
        self.buffer = np.arange(ops.size(shape), dtype=np.int64)
        self.shaped = self.buffer.reshape(shape)
        self.views = []


class View:
    """How a view was made: from ``parent`` by op ``name`` with ``params``; ``positions``
    are the owner's flat positions of its entries (read-only where NumPy's view is)."""

    __slots__ = ("parent", "owner", "name", "params", "positions")

    def __init__(self, parent, owner, name, params, positions):
        self.parent, self.owner, self.name = parent, owner, name
        self.params, self.positions = params, positions


def _memory(owner):
    if owner.memory is None:
        owner.memory = Memory(owner.shape)
    return owner.memory


def positions(t):
    """The owner's flat positions of the entries of tracer ``t``, shaped like ``t``."""
    if t.view is not None:
        return t.view.positions
    return _memory(t).shaped


def track(result, arg, op, params):
    """Record ``result = op(arg)`` as a view of ``arg``'s owner where NumPy would."""
    owner = arg if arg.view is None else arg.view.owner
    memory = _memory(owner)
    out = op.impl(positions(arg), **params)
    if isinstance(out, np.ndarray) and out.base is memory.buffer:
        result.view = View(arg, owner, op.name, params, out)
        memory.views.append(weakref.ref(result))


def _rebind(owner, node):
    """Point ``owner`` at ``node`` and recompute its live views from it."""
    owner.node = node
    memory = owner.memory
    if memory is None:
        return
    live = []
    add_op = owner.builder.add_op
    for ref in memory.views:  # creation order: a view's parent comes before it
        t = ref()
        if t is not None:
            view = t.view
            t.node = add_op(view.name, [view.parent.node], view.params)
            live.append(ref)
    memory.views = live


def _is_same_view(t, index, value):
    """Whether ``value`` is ``t[index]`` itself (the store of ``t[index] += v``, whose
    add already wrote through the view)."""
    view = value.view if isinstance(value, type(t)) else None
    if view is None or view.parent is not t or view.name != "getitem":
        return False
    try:
        return view.params["index"] == ops.get("getitem").normalize(
            [t.shape], index)["index"]
    except (DiffkitError, TypeError, ValueError):  # an index getitem refuses
        return False


def write(t, index, value):
    """``t[index] = value`` on tracer ``t``: a functional update of its owner."""
    view = t.view
    if view is not None and not view.positions.flags.writeable:
        raise TraceError(f"this traced array is a read-only view (made by {view.name}), as "
                         "in NumPy: copy it first (x = x.copy()) and write into the copy")
    if _is_same_view(t, index, value):
        return
    owner = t if view is None else view.owner
    # Which entry of value lands in each entry of t: NumPy's own assignment, done on
    # positions, decides broadcasting and which of duplicate indices wins.
    vshape = np.shape(value)
    source = np.full(t.shape, -1, dtype=np.int64)
    try:
        source[index] = np.arange(ops.size(vshape), dtype=np.int64).reshape(vshape)
    except (IndexError, ValueError, TypeError) as err:
        raise ShapeError(f"cannot assign a value of shape {vshape} to [{index!r}] of an "
                         f"array of shape {t.shape}: {err}") from None
    written = source >= 0
    if not written.any():
        return
    at = np.full(owner.size, -1, dtype=np.int64)
    at[positions(t)[written]] = source[written]
    mask = (at >= 0).reshape(owner.shape)
    entries = ops.call("getitem", ops.call("reshape", value, shape=(-1,)),
                       index=np.maximum(at, 0).reshape(owner.shape))
    # NumPy casts what it writes to the array's dtype
    is_bool = (value.dtype if hasattr(value, "dtype") else np.asarray(value).dtype) == bool
    if owner.dtype == np.bool_ and not is_bool:
        entries = ops.call("ne", entries, 0.0)
    elif owner.dtype != np.bool_ and is_bool:
        entries = ops.call("where", entries, 1.0, 0.0)
    _rebind(owner, ops.call("where", mask, entries, owner).node)


def in_place(t, result, symbol):
    """``t <symbol>= v`` whose out-of-place value is ``result``: ``t`` takes it, as
    NumPy writes the result into ``t``; returns the object the name is bound to."""
    if t.ndim == 0 and t.view is None:
        return result  # a NumPy scalar: immutable, the name takes the new value
    if result.shape != t.shape:
        raise ShapeError(f"{symbol}= would change the array's shape from {t.shape} to "
                         f"{result.shape}; NumPy refuses this too: write x = x {symbol} y")
    if t.dtype == np.bool_ and result.dtype != np.bool_:
        raise TraceError(f"{symbol}= cannot store {result.dtype} values in a boolean array "
                         f"(NumPy refuses this too): write x = x {symbol} y")
    if t.view is None:
        _rebind(t, result.node)
    else:
        write(t, Ellipsis, result)
    return t
