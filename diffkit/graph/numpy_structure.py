"""NumPy's structure functions on traced values: entries moved, repeated or selected.

Every function here is a composition of existing ops, so all four backends
differentiate it with no code of its own.  Most are one gather: NumPy's own
function is applied to the array of flat *positions* of the operand (a
constant integer array known while tracing), and the result indexes the
flattened operand (``getitem`` with a constant integer array).  So
``np.repeat``, ``np.tile``, ``np.pad``, ``np.diagonal``, ``np.take``,
``np.delete``, ``np.insert``... follow NumPy's semantics to the letter and
give NumPy's values bit for bit.  Entries that NumPy fills with constants
(``np.pad``'s constant mode, the zeros of ``np.diag`` or ``np.tril``) are
position ``-1`` and come from constants appended to the flattened operand.

Indices, repeat counts and split points must be known while tracing
(Python ints or NumPy arrays); traced ones raise an error naming the
argument.
"""
import numpy as np

from .. import ops
from ..errors import OptionError, ShapeError, TraceError, UnsupportedError
from .numpy_functions import _check_float64, no_extras


def _traced(value):
    return hasattr(type(value), "_diffkit_apply")


def _constant(fname, what, value):
    """Reject a traced ``value`` where NumPy needs a number known while tracing."""
    if _traced(value) or (isinstance(value, (list, tuple)) and any(map(_traced, value))):
        raise UnsupportedError(f"np.{fname}: {what} must be known when tracing (Python "
                               "ints or NumPy arrays), not traced values")
    return value


def _positions(shape):
    """Flat positions plus one: 0 marks an entry that NumPy fills with a constant."""
    return np.arange(1, ops.size(shape) + 1).reshape(shape)


def gather(x, index, fill=0.0):
    """Entries of ``x`` at flat positions ``index``; ``-1`` takes ``fill`` instead.

    ``fill`` is a number or an array of ``index``'s shape (read where index is -1).
    """
    index = np.asarray(index, dtype=np.int64)
    shape = np.shape(x)
    if index.shape == shape and np.array_equal(index.ravel(), np.arange(index.size)):
        return x  # the identity rearrangement (np.tile(x, 1), np.pad(x, 0)...)
    flat = ops.call("reshape", x, shape=(-1,))
    holes = index < 0
    if holes.any():
        values = np.broadcast_to(np.asarray(fill, dtype=float), index.shape)[holes]
        flat = ops.call("concatenate", flat, values, axis=0)
        index = index.copy()
        index[holes] = ops.size(shape) + np.arange(values.size)
    return ops.call("getitem", flat, index=ops.IndexArray(index))


def rearrange(x, fn, fill=0.0):
    """``fn`` (a NumPy function of one array) applied to ``x`` by one gather.

    ``fn`` sees the array of ``x``'s positions (from 1) and may fill entries
    with 0: those entries take ``fill``.

    Examples
    --------
    >>> import numpy as np, diffkit
    >>> g = diffkit.trace(lambda x: np.pad(np.repeat(x, 2), 1, mode="edge"), np.zeros(2))
    >>> g(np.array([1.0, 2.0]))
    array([1., 1., 1., 2., 2., 2.])
    >>> diffkit.grad(lambda x: np.sum(np.tril(np.tile(x, (3, 1)))))(np.ones(3))
    array([3., 2., 1.])
    """
    return gather(x, fn(_positions(np.shape(x))) - 1, fill)


def _numpy(fname, fn, *args, **kwargs):
    """Call NumPy's own ``fn`` on positions; its argument errors become diffkit errors."""
    try:
        return fn(*args, **kwargs)
    except IndexError as err:
        raise ShapeError(f"np.{fname}: {err}") from None
    except (ValueError, TypeError) as err:
        raise ShapeError(f"np.{fname}: {err}; see NumPy's documentation of np.{fname}") \
            from None


# -- repeated, flipped, padded ------------------------------------------------------

def repeat(a, repeats, axis=None):
    """np.repeat and ``x.repeat``."""
    _constant("repeat", "repeats", repeats)
    return rearrange(a, lambda p: _numpy("repeat", np.repeat, p, repeats, axis))


def tile(A, reps):
    """np.tile."""
    _constant("tile", "reps", reps)
    return rearrange(A, lambda p: _numpy("tile", np.tile, p, reps))


def flip(m, axis=None):
    """np.flip: reversed slices, as NumPy's view."""
    nd = np.ndim(m)
    axes = ops.normalize_axis(axis, nd)
    return m[tuple(slice(None, None, -1) if i in axes else slice(None) for i in range(nd))]


def fliplr(m):
    if np.ndim(m) < 2:
        raise ShapeError(f"np.fliplr needs at least 2 dimensions, got shape {np.shape(m)}; "
                         "use np.flip(x) for a vector")
    return flip(m, 1)


def flipud(m):
    if np.ndim(m) < 1:
        raise ShapeError("np.flipud needs at least 1 dimension, got a 0-d array")
    return flip(m, 0)


def rot90(m, k=1, axes=(0, 1)):
    """np.rot90: flips and a transpose, as NumPy composes them."""
    nd = np.ndim(m)
    if len(axes) != 2 or nd < 2:
        raise ShapeError(f"np.rot90 needs 2 axes of an array of at least 2 dimensions, got "
                         f"axes={axes} and shape {np.shape(m)}")
    a0, a1 = (ops.normalize_axis(a, nd)[0] for a in axes)
    if a0 == a1:
        raise ShapeError(f"np.rot90: axes {axes} are the same axis; give two different axes")
    k %= 4
    if k == 0:
        return m
    if k == 2:
        return flip(flip(m, a0), a1)
    perm = list(range(nd))
    perm[a0], perm[a1] = perm[a1], perm[a0]
    if k == 1:
        return ops.call("transpose", flip(m, a1), axes=tuple(perm))
    return flip(ops.call("transpose", m, axes=tuple(perm)), a1)


#: np.pad's modes that only rearrange entries, and those that compute new ones.
_PAD_GATHER = ("edge", "reflect", "symmetric", "wrap")


def pad(array, pad_width, mode="constant", **kwargs):
    """np.pad: the constant mode and the modes that copy entries (edge, reflect,
    symmetric, wrap)."""
    _constant("pad", "pad_width", pad_width)
    if mode == "constant":
        values = _constant("pad", "constant_values", kwargs.pop("constant_values", 0))
        no_extras("pad", kwargs)
        # the constants NumPy writes, at the entries it pads (position 0)
        fill = _numpy("pad", np.pad, np.zeros(np.shape(array)), pad_width,
                      constant_values=values)
        return rearrange(array, lambda p: _numpy("pad", np.pad, p, pad_width), fill)
    if mode not in _PAD_GATHER:
        raise UnsupportedError(f"np.pad(mode={mode!r}) is not supported on traced values; "
                               f"the modes are 'constant', {', '.join(map(repr, _PAD_GATHER))}")
    if kwargs.get("reflect_type", "even") != "even":
        raise UnsupportedError("np.pad(reflect_type='odd') is not supported on traced values; "
                               "use the default reflect_type='even'")
    kwargs.pop("reflect_type", None)
    no_extras("pad", kwargs)
    return rearrange(array, lambda p: _numpy("pad", np.pad, p, pad_width, mode))


# -- diagonals and triangles ----------------------------------------------------------

def diagonal(a, offset=0, axis1=0, axis2=1):
    """np.diagonal and ``x.diagonal``."""
    return rearrange(a, lambda p: _numpy("diagonal", np.diagonal, p, offset, axis1, axis2))


def diag(v, k=0):
    """np.diag: a vector onto a diagonal of zeros, or a matrix's diagonal."""
    if np.ndim(v) not in (1, 2):
        raise ShapeError(f"np.diag takes a 1-d or 2-d array, got shape {np.shape(v)}; use "
                         "np.diagonal for more dimensions")
    return rearrange(v, lambda p: np.diag(p, k))


def trace(a, offset=0, axis1=0, axis2=1, dtype=None, out=None):
    """np.trace and ``x.trace``: the diagonal summed, as NumPy sums it."""
    _check_float64("trace", dtype)
    no_extras("trace", {"out": out})
    return ops.call("sum", diagonal(a, offset, axis1, axis2), axis=-1)


def _triangle(fname, fn):
    def triangle(m, k=0):
        if np.ndim(m) < 2:
            raise ShapeError(f"np.{fname} needs at least 2 dimensions, got shape "
                             f"{np.shape(m)}")
        return rearrange(m, lambda p: fn(p, k))
    triangle.__doc__ = f"np.{fname}: the entries off the triangle are zero."
    return triangle


# -- pieces: split, take, delete, insert ----------------------------------------------

def _split_points(n, sections, equal):
    try:
        count = int(sections) if np.ndim(sections) == 0 else None
    except TypeError:
        count = None
    if count is None:
        return [0] + [int(i) for i in sections] + [n]
    if count <= 0:
        raise ShapeError(f"np.split: the number of sections must be larger than 0, got {count}")
    if equal and n % count:
        raise ShapeError(f"np.split: an axis of length {n} does not split into {count} equal "
                         "parts; use np.array_split for unequal parts")
    each, extras = divmod(n, count)
    return np.cumsum([0] + extras * [each + 1] + (count - extras) * [each]).tolist()


def _splitter(fname, equal=False, fixed_axis=None, min_ndim=1):
    def split(ary, indices_or_sections, axis=0):
        _constant(fname, "indices_or_sections", indices_or_sections)
        nd = np.ndim(ary)
        if nd < min_ndim:
            raise ShapeError(f"np.{fname} needs at least {min_ndim} dimension(s), got shape "
                             f"{np.shape(ary)}")
        if fixed_axis is not None:
            axis = fixed_axis(nd)
        axis = ops.normalize_axis(axis, nd)[0]
        points = _split_points(np.shape(ary)[axis], indices_or_sections, equal)
        lead = (slice(None),) * axis
        return [ary[lead + (slice(lo, hi),)] for lo, hi in zip(points[:-1], points[1:])]
    split.__doc__ = f"np.{fname}: a list of slices."
    return split


def take(a, indices, axis=None, out=None, mode="raise"):
    """np.take and ``x.take`` with indices known when tracing; all of NumPy's modes."""
    no_extras("take", {"out": out})
    if _traced(indices):
        raise UnsupportedError("np.take: traced indices are not supported; indices must be "
                               "known when tracing")
    return rearrange(a, lambda p: _numpy("take", np.take, p, indices, axis, mode=mode))


def take_along_axis(arr, indices, axis=-1):
    """np.take_along_axis with an index array known when tracing."""
    if _traced(indices):
        raise UnsupportedError(
            "np.take_along_axis: indices computed from traced values (np.argsort, "
            "np.argmax of a traced array) are not supported yet; indices must be known "
            "when tracing")
    return rearrange(arr, lambda p: _numpy("take_along_axis", np.take_along_axis, p,
                                           np.asarray(indices), axis))


def delete(arr, obj, axis=None):
    """np.delete with ``obj`` known when tracing."""
    _constant("delete", "obj", obj)
    return rearrange(arr, lambda p: _numpy("delete", np.delete, p, obj, axis))


def insert(arr, obj, values, axis=None):
    """np.insert; ``values`` may be traced.

    The inserted entries are positions past the end of ``arr``, so NumPy's
    own insert places (and broadcasts) them; one gather from ``arr`` and
    ``values`` flattened together builds the result.
    """
    _constant("insert", "obj", obj)
    arr = arr if _traced(arr) else np.asarray(arr, dtype=float)
    values = values if _traced(values) else np.asarray(values, dtype=float)
    n, shape = ops.size(np.shape(arr)), np.shape(values)
    index = _numpy("insert", np.insert, np.arange(n).reshape(np.shape(arr)), obj,
                   n + np.arange(ops.size(shape)).reshape(shape), axis)
    both = ops.call("concatenate", ops.call("reshape", arr, shape=(-1,)),
                    ops.call("reshape", values, shape=(-1,)), axis=0)
    return gather(both, index)


# -- axes ---------------------------------------------------------------------------

def _axes(fname, axes, nd):
    axes = (axes,) if np.ndim(axes) == 0 else tuple(axes)
    out = []
    for a in axes:
        if not -nd <= int(a) < nd:
            raise ShapeError(f"np.{fname}: axis {a} is out of bounds for an array of "
                             f"dimension {nd}")
        out.append(int(a) % nd)
    if len(set(out)) != len(out):
        raise ShapeError(f"np.{fname}: repeated axis in {axes}")
    return out


def moveaxis(a, source, destination):
    """np.moveaxis: a transpose."""
    nd = np.ndim(a)
    source, destination = _axes("moveaxis", source, nd), _axes("moveaxis", destination, nd)
    if len(source) != len(destination):
        raise ShapeError("np.moveaxis: source and destination must have the same number of "
                         f"axes, got {len(source)} and {len(destination)}")
    order = [n for n in range(nd) if n not in source]
    for dest, src in sorted(zip(destination, source)):
        order.insert(dest, src)
    return ops.call("transpose", a, axes=tuple(order))


def rollaxis(a, axis, start=0):
    """np.rollaxis: a transpose."""
    nd = np.ndim(a)
    axis = _axes("rollaxis", axis, nd)[0]
    if not -nd <= start <= nd:
        raise ShapeError(f"np.rollaxis: start={start} must be in [{-nd}, {nd}]")
    start = start + nd if start < 0 else start
    if axis < start:
        start -= 1
    order = [n for n in range(nd) if n != axis]
    order.insert(start, axis)
    return ops.call("transpose", a, axes=tuple(order))


# -- built from several arrays --------------------------------------------------------

def select(condlist, choicelist, default=0):
    """np.select: the first true condition's choice, else ``default``; where ops."""
    if len(condlist) != len(choicelist):
        raise ShapeError(f"np.select: {len(condlist)} conditions but {len(choicelist)} "
                         "choices; give one choice per condition")
    if not condlist:
        raise ShapeError("np.select needs at least one condition")
    for cond in condlist:
        if (cond.dtype if _traced(cond) else np.asarray(cond).dtype) != bool:
            raise TraceError("np.select: conditions must be boolean arrays, such as x > 0")
    shape = ops.broadcast_shapes(*(np.shape(v) for v in [*condlist, *choicelist, default]))
    result = default
    for cond, choice in zip(condlist[::-1], choicelist[::-1]):
        result = ops.call("where", cond, choice, result)
    return ops.call("broadcast_to", result, shape=shape)


def meshgrid(*xi, copy=True, sparse=False, indexing="xy"):
    """np.meshgrid: each input reshaped along its own axis and broadcast."""
    if indexing not in ("xy", "ij"):
        raise OptionError(f"np.meshgrid: indexing={indexing!r}; use 'xy' or 'ij'")
    nd = len(xi)
    lines = []
    for i, x in enumerate(xi):
        shape = [1] * nd
        shape[i] = ops.size(np.shape(x))
        if indexing == "xy" and nd > 1 and i < 2:
            shape[0], shape[1] = shape[1], shape[0]
        lines.append(ops.call("reshape", x, shape=tuple(shape)))
    if not sparse and lines:
        full = ops.broadcast_shapes(*(np.shape(v) for v in lines))
        lines = [ops.call("broadcast_to", v, shape=full) for v in lines]
    return tuple(lines)


FUNCTIONS = {
    np.repeat: repeat, np.tile: tile, np.flip: flip, np.fliplr: fliplr, np.flipud: flipud,
    np.rot90: rot90, np.pad: pad, np.diag: diag, np.diagonal: diagonal, np.trace: trace,
    np.tril: _triangle("tril", np.tril), np.triu: _triangle("triu", np.triu),
    np.split: _splitter("split", equal=True), np.array_split: _splitter("array_split"),
    np.hsplit: _splitter("hsplit", equal=True, fixed_axis=lambda nd: 1 if nd > 1 else 0),
    np.vsplit: _splitter("vsplit", equal=True, fixed_axis=lambda nd: 0, min_ndim=2),
    np.dsplit: _splitter("dsplit", equal=True, fixed_axis=lambda nd: 2, min_ndim=3),
    np.take: take, np.take_along_axis: take_along_axis, np.delete: delete,
    np.insert: insert, np.moveaxis: moveaxis, np.rollaxis: rollaxis, np.select: select,
    np.meshgrid: meshgrid,
}
METHODS = {"repeat": repeat, "diagonal": diagonal, "trace": trace, "take": take}
