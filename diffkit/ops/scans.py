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
"""
import numpy as np

from ..errors import ShapeError
from .core import ArrayKernel, Op, call, normalize_axis, register, size


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
    """A scan's loops stay in bounds: the result and its operand have outer * length * inner entries."""
    outer, length, inner = geometry[0], geometry[1], geometry[2]
    ok = min(outer, length, inner) >= 0 and len(geometry) == 4 and geometry[3] in (0, 1)
    return ok and outer * length * inner == n == sizes[0]


def _normalize_scan(shapes, axis, reverse=False):
    if not shapes[0]:
        raise ShapeError("a scan needs an axis: the array is 0-d; reshape it to (1,) "
                         "(np.cumsum(x) without an axis does)")
    return {"axis": normalize_axis(axis, len(shapes[0]))[0], "reverse": bool(reverse)}


def _cumsum_impl(x, axis, reverse):
    if reverse:
        return np.flip(np.cumsum(np.flip(x, axis), axis), axis)
    return np.cumsum(x, axis)


def cumsum_kernel(v, out, n, a, na, b, nb, c, nc, ints, aux, naux):
    """Cumulative sums along the axis, from its end when ``reverse`` (ints[aux + 3])."""
    outer, length, inner, reverse = ints[aux], ints[aux + 1], ints[aux + 2], ints[aux + 3]
    for o in range(outer):
        for j in range(inner):
            acc = 0.0
            for k in range(length):
                at = (o * length + (length - 1 - k if reverse else k)) * inner + j
                acc += v[a + at]
                v[out + at] = acc


register(Op(
    name="cumsum", arity=1, kind="array", impl=_cumsum_impl, shape=lambda s, axis, reverse: s,
    flops=lambda out_shape, s, **params: size(s), normalize=_normalize_scan,
    jvp=lambda t, args, out, axis, reverse: call("cumsum", t[0], axis=axis, reverse=reverse),
    vjp=lambda g, args, out, axis, reverse: (call("cumsum", g, axis=axis, reverse=not reverse),),
    array_kernel=ArrayKernel(
        values=cumsum_kernel, check=axis_check,
        geometry=lambda out_shape, s, axis, reverse: axis_geometry(s, axis) + (int(reverse),))))
