"""Value-dependent indices: argsort, argmax, argmin, and gathers by traced indices.

``argsort``, ``argmax`` and ``argmin`` give integer positions (dtype
``"int64"``): piecewise constant in their operand, they have no derivative
and the sweeps skip them.  ``take_along`` gathers entries of an array along
an axis at such positions (NumPy's ``take_along_axis``); it is linear in the
values, and its adjoint ``take_along_t`` adds cotangents back at the same
positions.  Sorting is ``take_along(x, argsort(x))``: the derivative of a
sorted entry is that of the entry it came from, and ties follow the stable
order (the earlier entry comes first and takes the first slot).

The workspace holds the positions as float64 numbers (exact up to 2**53).
A position that is not an integer in ``[-length, length)`` cannot raise in a
compiled loop: the gather gives NaN there (with a NaN tangent) and the
scatter drops it, on every backend; the reference implementation does the
same.  NaN sorts last, as in NumPy; argmax and argmin return the first NaN.
"""
import numpy as np

from ..errors import ShapeError
from .core import ArrayKernel, Op, call, no_flops, normalize_axis, register, size
from .scans import axis_geometry

_NO_DERIVATIVE = ("piecewise constant: positions change only where entries tie or cross, "
                  "and have no derivative")


def _normalize_axis1(shapes, axis=-1, **params):
    if not shapes[0]:
        raise ShapeError("an axis is needed: the array is 0-d; reshape it to (1,)")
    return {"axis": normalize_axis(axis, len(shapes[0]))[0], **params}


def _sort_flops(out_shape, s, **params):
    n = max(s[params["axis"]], 2) if s else 2
    return int(size(s) * np.ceil(np.log2(n)))


# -- argsort -------------------------------------------------------------------

def argsort_kernel(v, out, n, a, na, b, nb, c, nc, ints, aux, naux):
    """Stable ascending order of each line along the axis (NaN last), as float positions."""
    outer, length, inner = ints[aux], ints[aux + 1], ints[aux + 2]
    line = np.empty(length)
    for o in range(outer):
        for j in range(inner):
            start = o * length * inner + j
            for k in range(length):
                line[k] = v[a + start + k * inner]
            order = np.argsort(line, kind="mergesort")
            for k in range(length):
                v[out + start + k * inner] = order[k]


def _argsort_check(geometry, n, sizes):
    outer, length, inner = geometry[0], geometry[1], geometry[2]
    return (len(geometry) == 3 and min(outer, length, inner) >= 0
            and outer * length * inner == n == sizes[0])


def _tie_in_line(x, out, axis):
    """Lines along ``axis`` in which two entries are equal: sorting them is a kink."""
    ordered = np.sort(x, axis=axis)
    return np.any(np.diff(ordered, axis=axis) == 0, axis=axis)


register(Op(
    name="argsort", arity=1, kind="array", dtype="int64", at_kink=_tie_in_line,
    impl=lambda x, axis: np.argsort(x, axis=axis, kind="stable"),
    shape=lambda s, axis: s, flops=_sort_flops, normalize=_normalize_axis1,
    smooth=False, kink="ties keep their order (stable); " + _NO_DERIVATIVE,
    numpy=(np.argsort,),
    array_kernel=ArrayKernel(values=argsort_kernel, check=_argsort_check,
                             geometry=lambda out_shape, s, axis: axis_geometry(s, axis))))


# -- argmax and argmin ---------------------------------------------------------

def arg_extremum_kernel(v, out, n, a, na, b, nb, c, nc, ints, aux, naux):
    """First position of the minimum (ints[aux + 3] == 1) or maximum (-1) of each line;
    the first NaN if a line has one."""
    outer, length, inner, sign = ints[aux], ints[aux + 1], ints[aux + 2], ints[aux + 3]
    for o in range(outer):
        for j in range(inner):
            start = o * length * inner + j
            best, at = sign * v[a + start], 0
            if best == best:
                for k in range(1, length):
                    x = sign * v[a + start + k * inner]
                    if x != x:
                        at = k
                        break
                    if x < best:
                        best, at = x, k
            v[out + o * inner + j] = at


def _arg_extremum_check(geometry, n, sizes):
    outer, length, inner = geometry[0], geometry[1], geometry[2]
    return (len(geometry) == 4 and geometry[3] in (1, -1) and min(outer, inner) >= 0
            and length >= 1 and outer * length * inner == sizes[0] and outer * inner == n)


def _normalize_extremum(name):
    def normalize(shapes, axis=None, keepdims=False):
        s = shapes[0]
        if axis is not None:
            if not s:
                raise ShapeError(f"{name}: axis {axis} is out of bounds for a 0-d array")
            axis = normalize_axis(axis, len(s))[0]
        if (size(s) if axis is None else s[axis]) == 0:
            raise ShapeError(f"{name} of an empty sequence: the axis has length 0")
        return {"axis": axis, "keepdims": bool(keepdims)}
    return normalize


def _extremum_shape(s, axis, keepdims):
    """None: the flattened array, as NumPy's."""
    if axis is None:
        return (1,) * len(s) if keepdims else ()
    return tuple(1 if i == axis else m for i, m in enumerate(s) if keepdims or i != axis)


def _tied_extreme(fn):
    """Lines whose extreme is taken by more than one entry."""
    def tied(x, out, axis, keepdims):
        pick = np.take_along_axis(x.ravel() if axis is None else x, np.reshape(
            out, -1 if axis is None else _extremum_shape(x.shape, axis, True)),
            0 if axis is None else axis)
        return np.sum(x == pick, axis=axis) > 1
    return tied


def _arg_extremum(name, fn, sign):
    register(Op(
        name=name, arity=1, kind="array", dtype="int64",
        impl=lambda x, axis, keepdims: fn(x, axis=axis, keepdims=keepdims),
        shape=_extremum_shape, flops=lambda out_shape, s, **params: size(s),
        normalize=_normalize_extremum(name),
        smooth=False, kink="ties: the first position; " + _NO_DERIVATIVE, numpy=(fn,),
        at_kink=_tied_extreme(fn),
        array_kernel=ArrayKernel(
            values=arg_extremum_kernel, check=_arg_extremum_check,
            geometry=lambda out_shape, s, axis, keepdims: (
                (1, size(s), 1) if axis is None else axis_geometry(s, axis)) + (sign,))))


_arg_extremum("argmax", np.argmax, -1)
_arg_extremum("argmin", np.argmin, 1)


# -- gathers and scatters by positions known only when running ----------------

def _positions(idx, length):
    """(valid, positions in [0, length)): entries of ``idx`` that name an entry of the axis."""
    i = np.real(idx)
    valid = (i == np.floor(i)) & (i >= -length) & (i < length)
    pos = np.where(valid, i, 0).astype(np.int64)
    return valid, np.where(pos < 0, pos + length, pos)


def _take_along_impl(x, idx, axis):
    valid, pos = _positions(idx, x.shape[axis])
    return np.where(valid, np.take_along_axis(x, pos, axis), np.nan)


def _take_along_t_impl(g, idx, axis, length):
    valid, pos = _positions(idx, length)
    out = np.zeros(g.shape[:axis] + (length,) + g.shape[axis + 1:],
                   dtype=np.result_type(float, g))
    where = list(np.indices(g.shape))
    where[axis] = pos
    np.add.at(out, tuple(w[valid] for w in where), g[valid])
    return out


def _linear_jvp(name):
    """The op applied to the values' tangent (zero when only the positions vary)."""
    def jvp(t, args, out, **params):
        dx = np.zeros(np.shape(args[0])) if t[0] is None else t[0]
        return call(name, dx, args[1], **params)
    return jvp


def position(p, length):
    """The entry a stored position p names along an axis of ``length`` (negative ones
    count from the end, as in NumPy), or -1 where p is not an integer in range."""
    if p == np.floor(p) and -length <= p < length:
        return int(p) + (length if p < 0 else 0)
    return -1


def take_along_loop(src, ind, dst, out, a, b, ints, aux):
    """dst[out] = src[a] at the positions ind[b] along the axis (NaN where not a position)."""
    outer, length, inner, m = ints[aux], ints[aux + 1], ints[aux + 2], ints[aux + 3]
    for o in range(outer):
        for k in range(m):
            for j in range(inner):
                at = (o * m + k) * inner + j
                q = position(ind[b + at], length)
                dst[out + at] = src[a + (o * length + q) * inner + j] if q >= 0 else np.nan


def take_along_kernel(v, out, n, a, na, b, nb, c, nc, ints, aux, naux):
    take_along_loop(v, v, v, out, a, b, ints, aux)


def take_along_tangent(v, t, out, n, a, na, b, nb, c, nc, ints, aux, naux):
    take_along_loop(t, v, t, out, a, b, ints, aux)


def scatter_along_loop(src, ind, dst, out, a, b, ints, aux):
    """dst[out] = zeros, plus src[a] added at the positions ind[b] along the axis."""
    outer, length, inner, m = ints[aux], ints[aux + 1], ints[aux + 2], ints[aux + 3]
    for at in range(outer * length * inner):
        dst[out + at] = 0.0
    for o in range(outer):
        for k in range(m):
            for j in range(inner):
                at = (o * m + k) * inner + j
                q = position(ind[b + at], length)
                if q >= 0:
                    dst[out + (o * length + q) * inner + j] += src[a + at]


def take_along_t_kernel(v, out, n, a, na, b, nb, c, nc, ints, aux, naux):
    scatter_along_loop(v, v, v, out, a, b, ints, aux)


def take_along_t_tangent(v, t, out, n, a, na, b, nb, c, nc, ints, aux, naux):
    scatter_along_loop(t, v, t, out, a, b, ints, aux)


def _along_check(full, part):
    """Bounds of a gather (``full`` is operand 0, ``part`` the result) or a scatter."""
    def check(geometry, n, sizes):
        if len(geometry) != 4 or min(geometry) < 0:
            return False
        outer, length, inner, m = geometry
        sizes = {"x": sizes[0], "idx": sizes[1], "out": n}
        return (sizes[full] == outer * length * inner and
                sizes["idx"] == sizes[part] == outer * m * inner)
    return check


def _along_geometry(full_shape, part_shape, axis):
    return axis_geometry(full_shape, axis) + (part_shape[axis],)


def _normalize_take_along(shapes, axis):
    s, t = shapes
    params = _normalize_axis1(shapes, axis)
    axis = params["axis"]
    if len(s) != len(t) or any(a != b for i, (a, b) in enumerate(zip(s, t)) if i != axis):
        raise ShapeError(f"take_along: positions of shape {tuple(t)} do not fit an array of "
                         f"shape {tuple(s)} along axis {axis}: the other axes must match")
    return params


def _normalize_take_along_t(shapes, axis, length):
    if len(shapes[0]) != len(shapes[1]) or tuple(shapes[0]) != tuple(shapes[1]):
        raise ShapeError(f"take_along_t: cotangents {tuple(shapes[0])} and positions "
                         f"{tuple(shapes[1])} must have one shape")
    return _normalize_axis1(shapes, axis, length=int(length))


register(Op(
    name="take_along", arity=2, kind="array", impl=_take_along_impl,
    shape=lambda s, t, axis: tuple(t), flops=no_flops, normalize=_normalize_take_along,
    jvp=_linear_jvp("take_along"),
    vjp=lambda g, args, out, axis: (
        call("take_along_t", g, args[1], axis=axis, length=args[0].shape[axis]), None),
    array_kernel=ArrayKernel(
        values=take_along_kernel, tangent=take_along_tangent,
        helpers=(take_along_loop, position),
        check=_along_check("x", "out"),
        geometry=lambda out_shape, s, t, axis: _along_geometry(s, t, axis))))

# The adjoint of take_along: cotangents added at the positions they were taken from.
register(Op(
    name="take_along_t", arity=2, kind="array", impl=_take_along_t_impl, internal=True,
    shape=lambda s, t, axis, length: tuple(length if i == axis else m for i, m in enumerate(s)),
    flops=lambda out_shape, s, t, **params: size(s), normalize=_normalize_take_along_t,
    jvp=_linear_jvp("take_along_t"),
    vjp=lambda g, args, out, axis, length: (call("take_along", g, args[1], axis=axis), None),
    array_kernel=ArrayKernel(
        values=take_along_t_kernel, tangent=take_along_t_tangent,
        helpers=(scatter_along_loop, position), check=_along_check("out", "x"),
        geometry=lambda out_shape, s, t, axis, length: _along_geometry(out_shape, s, axis))))
