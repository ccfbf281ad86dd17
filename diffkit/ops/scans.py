"""Scans along an axis: ops with a compiled loop of their own (kind ``"array"``).

A scan's result at position k along its axis depends on the entries before
it (or after it, ``reverse=True``), which no gather, elementwise loop or
reduction expresses in O(n).  Each scan is one record whose
:class:`~diffkit.ops.core.ArrayKernel` loops over the workspace; its
geometry is the array seen as (outer, length, inner) around the axis.

cumsum is linear: its tangent is itself, and its adjoint the cumulative sum
in the other direction (``reverse``), so reverse mode needs no other op.
Summation is sequential, as NumPy's ``add.accumulate``, so the values are
NumPy's to the last bit.

cumprod multiplies in NumPy's order too.  Its derivatives never divide by
x, so they are exact where entries are zero: the tangent is the recurrence
dP_k = x_k dP_{k-1} + dx_k P_{k-1}, the adjoint the reverse recurrence
S_j = g_j + x_{j+1} S_{j+1} times the prefix product P_{j-1}.  Both are
``linrec``, a first-order linear recurrence whose own derivatives are
recurrences again, so derivatives of every order follow (Hessians by
forward over reverse).
"""
import numpy as np

from ..errors import ShapeError
from .core import ArrayKernel, Op, call, normalize_axis, register, size, zmul


def axis_geometry(shape, axis):
    """(outer, length, inner): ``shape`` around ``axis`` as a 3-d block in C order.

    Examples
    --------
    >>> axis_geometry((2, 3, 4), 1)
    (2, 3, 4)
    >>> axis_geometry((5,), 0)
    (1, 5, 1)
    """
    return size(shape[:axis]), shape[axis], size(shape[axis + 1:])


def axis_check(geometry, n, sizes):
    """A scan's loops stay in bounds: the result and its operand have outer * length * inner
    entries."""
    outer, length, inner = geometry[0], geometry[1], geometry[2]
    ok = min(outer, length, inner) >= 0 and len(geometry) == 4 and geometry[3] in (0, 1)
    return ok and outer * length * inner == n == sizes[0]


def _normalize_scan(shapes, axis=None, reverse=False):
    """The scan's axis as a non-negative int; a vector's only axis by default.

    Unlike np.cumsum, the op does not flatten (its result keeps the operand's
    shape), so an array of several dimensions needs its axis.
    """
    if not shapes[0]:
        raise ShapeError("a scan needs an axis: the array is 0-d; reshape it to (1,) "
                         "(np.cumsum(x) without an axis does)")
    if axis is None:
        if len(shapes[0]) != 1:
            raise ShapeError(f"a scan of an array of shape {tuple(shapes[0])} needs its axis "
                             "(cumsum(x, 0)); to scan the flattened array as np.cumsum(x) "
                             "does, reshape it first: cumsum(reshape(x, -1), 0)")
        axis = 0
    return {"axis": normalize_axis(axis, len(shapes[0]))[0], "reverse": bool(reverse)}


def _cumsum_impl(x, axis, reverse):
    if reverse:
        return np.flip(np.cumsum(np.flip(x, axis), axis), axis)
    return np.cumsum(x, axis)


def scan_loop(v, out, a, b, ints, aux, recurrence):
    """y_k = x_k + y_{k-1} along the axis, or y_k = x_k + c_k y_{k-1} with the
    coefficients at ``b`` when ``recurrence`` (c_{k+1} y_{k+1} from the end when
    ``reverse``, ints[aux + 3]).  The first entry is copied, as NumPy's
    ``add.accumulate`` does (so -0.0 stays -0.0)."""
    outer, length, inner, reverse = ints[aux], ints[aux + 1], ints[aux + 2], ints[aux + 3]
    for o in range(outer):
        for j in range(inner):
            acc = 0.0
            for k in range(length):
                at = (o * length + (length - 1 - k if reverse else k)) * inner + j
                if k == 0:
                    acc = v[a + at]
                elif recurrence:
                    acc = v[a + at] + v[b + (at + inner if reverse else at)] * acc
                else:
                    acc = v[a + at] + acc
                v[out + at] = acc


def cumsum_kernel(v, out, n, a, na, b, nb, c, nc, ints, aux, naux):
    """Cumulative sums along the axis, from its end when ``reverse`` (ints[aux + 3])."""
    scan_loop(v, out, a, b, ints, aux, False)


register(Op(
    name="cumsum", arity=1, kind="array", impl=_cumsum_impl, shape=lambda s, axis, reverse: s,
    flops=lambda out_shape, s, **params: size(s), normalize=_normalize_scan,
    jvp=lambda t, args, out, axis, reverse: call("cumsum", t[0], axis=axis, reverse=reverse),
    vjp=lambda g, args, out, axis, reverse: (call("cumsum", g, axis=axis, reverse=not reverse),),
    array_kernel=ArrayKernel(
        values=cumsum_kernel, check=axis_check, helpers=(scan_loop,),
        geometry=lambda out_shape, s, axis, reverse: axis_geometry(s, axis) + (int(reverse),))))


# -- linear recurrences and cumprod -------------------------------------------

def _along(axis, item):
    """An index that applies ``item`` along ``axis`` and keeps every other axis."""
    return (slice(None),) * axis + (item,)


def shift(y, axis, fill, forward=True):
    """``y`` moved one step along ``axis`` (to later positions if ``forward``), ``fill``
    entering at the vacated end; for arrays and traced values.

    Examples
    --------
    >>> shift(np.array([1.0, 2.0, 3.0]), 0, 1.0)
    array([1., 1., 2.])
    >>> shift(np.array([1.0, 2.0, 3.0]), 0, 0.0, forward=False)
    array([2., 3., 0.])
    """
    shape = tuple(np.shape(y))
    if shape[axis] == 0:
        return y
    # a scatter into zeros (plus the fill), not a concatenation with a constant: that
    # can lower to an alias that starts among the constants, whose tangent reads as zero
    src, dst = (slice(None, -1), slice(1, None)) if forward else (slice(1, None), slice(None, -1))
    moved = call("getitem_t", call("getitem", y, index=_along(axis, src)),
                 indices=(_along(axis, dst),), shape=shape)
    if fill == 0:
        return moved
    edge = np.zeros(shape)
    edge[_along(axis, 0 if forward else -1)] = fill
    return call("add", moved, edge)


def _linrec_impl(x, c, axis, reverse):
    # a Python loop over the axis, so that it runs on object arrays (SymPy) as well
    y = np.array(x, dtype=np.result_type(x, c))
    n = y.shape[axis]
    steps = range(n - 2, -1, -1) if reverse else range(1, n)
    for k in steps:
        prev, coef = (k + 1, k + 1) if reverse else (k - 1, k)
        y[_along(axis, k)] = x[_along(axis, k)] + c[_along(axis, coef)] * y[_along(axis, prev)]
    return y


def _normalize_linrec(shapes, axis, reverse=False):
    if tuple(shapes[0]) != tuple(shapes[1]):
        raise ShapeError(f"linrec: the terms {tuple(shapes[0])} and the coefficients "
                         f"{tuple(shapes[1])} must have one shape")
    return _normalize_scan(shapes, axis, reverse)


def linrec_kernel(v, out, n, a, na, b, nb, c, nc, ints, aux, naux):
    """y_k = x_k + c_k y_{k-1} along the axis (y_k = x_k + c_{k+1} y_{k+1} when reverse)."""
    scan_loop(v, out, a, b, ints, aux, True)


def linrec_tangent(v, t, out, n, a, na, b, nb, c, nc, ints, aux, naux):
    """dy_k = dx_k + dc_k y_{k-1} + c_k dy_{k-1}; a zero dc_k contributes zero."""
    outer, length, inner, reverse = ints[aux], ints[aux + 1], ints[aux + 2], ints[aux + 3]
    for o in range(outer):
        for j in range(inner):
            acc = 0.0
            for k in range(length):
                at = (o * length + (length - 1 - k if reverse else k)) * inner + j
                coef = at + inner if reverse else at
                if k == 0:
                    acc = t[a + at]
                else:
                    prev = at + inner if reverse else at - inner
                    dc, y = t[b + coef], v[out + prev]
                    term = 0.0 if dc == 0.0 or y == 0.0 else dc * y
                    acc = t[a + at] + term + v[b + coef] * acc
                t[out + at] = acc


def _linrec_check(geometry, n, sizes):
    return axis_check(geometry, n, sizes) and sizes[1] == n


def _linrec_jvp(t, args, out, axis, reverse):
    dx, dc = t
    dy = np.zeros(np.shape(out)) if dx is None else dx
    if dc is not None:
        if reverse:  # the coefficient of y_{k+1} is c_{k+1}
            dy = dy + shift(zmul(dc, out), axis, 0.0, forward=False)
        else:
            dy = dy + zmul(dc, shift(out, axis, 0.0))
    return call("linrec", dy, args[1], axis=axis, reverse=reverse)


def _linrec_vjp(g, args, out, axis, reverse):
    # forward, y = L x with L lower triangular, L_kj = c_{j+1} ... c_k; L^T is the
    # reverse recurrence with the same coefficients, and the other way round
    u = call("linrec", g, args[1], axis=axis, reverse=not reverse)
    if reverse:
        return u, zmul(shift(u, axis, 0.0), out)
    return u, zmul(u, shift(out, axis, 0.0))


# A first-order linear recurrence, the derivative of cumprod: its derivatives are
# recurrences again, so derivatives of every order of cumprod exist without a
# division by x (exact where entries are zero).
register(Op(
    name="linrec", arity=2, kind="array", impl=_linrec_impl, shape=lambda s, t, **p: s,
    flops=lambda out_shape, s, t, **params: 2 * size(s), normalize=_normalize_linrec,
    jvp=_linrec_jvp, vjp=_linrec_vjp, internal=True,
    array_kernel=ArrayKernel(
        values=linrec_kernel, tangent=linrec_tangent, check=_linrec_check,
        helpers=(scan_loop,),
        geometry=lambda out_shape, s, t, axis, reverse: axis_geometry(s, axis) + (int(reverse),))))


def cumprod_kernel(v, out, n, a, na, b, nb, c, nc, ints, aux, naux):
    """Cumulative products along the axis, in NumPy's order."""
    outer, length, inner = ints[aux], ints[aux + 1], ints[aux + 2]
    for o in range(outer):
        for j in range(inner):
            acc = 1.0
            for k in range(length):
                at = (o * length + k) * inner + j
                acc = v[a + at] if k == 0 else acc * v[a + at]
                v[out + at] = acc


def cumprod_tangent(v, t, out, n, a, na, b, nb, c, nc, ints, aux, naux):
    """dP_k = x_k dP_{k-1} + dx_k P_{k-1}; a zero dx_k contributes zero."""
    outer, length, inner = ints[aux], ints[aux + 1], ints[aux + 2]
    for o in range(outer):
        for j in range(inner):
            acc = 0.0
            for k in range(length):
                at = (o * length + k) * inner + j
                if k == 0:
                    acc = t[a + at]
                else:
                    dx, p = t[a + at], v[out + at - inner]
                    term = 0.0 if dx == 0.0 or p == 0.0 else dx * p
                    acc = v[a + at] * acc + term
                t[out + at] = acc


def _cumprod_jvp(t, args, out, axis):
    return call("linrec", zmul(t[0], shift(out, axis, 1.0)), args[0], axis=axis, reverse=False)


def _cumprod_vjp(g, args, out, axis):
    # d out_k / d x_j = P_{j-1} x_{j+1} ... x_k (k >= j): the reverse recurrence
    # S_j = g_j + x_{j+1} S_{j+1} times the exclusive prefix product, never out / x
    return (zmul(shift(out, axis, 1.0), call("linrec", g, args[0], axis=axis, reverse=True)),)


register(Op(
    name="cumprod", arity=1, kind="array", impl=lambda x, axis: np.cumprod(x, axis),
    shape=lambda s, axis: s,
    flops=lambda out_shape, s, **params: size(s),
    normalize=lambda shapes, axis: {"axis": _normalize_scan(shapes, axis)["axis"]},
    jvp=_cumprod_jvp, vjp=_cumprod_vjp,
    array_kernel=ArrayKernel(
        values=cumprod_kernel, tangent=cumprod_tangent, check=axis_check,
        geometry=lambda out_shape, s, axis: axis_geometry(s, axis) + (0,))))
