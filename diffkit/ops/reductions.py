"""Reductions over axes: sum, mean, prod, max, min and the 2-norm.

Parameters are normalized when a node is built: ``axis`` is a sorted tuple
of non-negative axes (all axes for ``axis=None``) and ``keepdims`` a bool.

Conventions: ties in max and min split the derivative evenly among the tied
elements; prod is differentiated exactly where entries are zero (the
product of the other entries, never ``out / x``); norm'(0) = 0.
"""
import numpy as np

from ..errors import ShapeError
from .core import Op, Reduce, call, normalize_axis, register, size


def reduced_shape(shape, axis, keepdims):
    if keepdims:
        return tuple(1 if i in axis else n for i, n in enumerate(shape))
    return tuple(n for i, n in enumerate(shape) if i not in axis)


def _expand(v, x, axis, keepdims):
    """Reshape a reduced value to keepdims form and broadcast it over x."""
    if not keepdims:
        v = call("reshape", v, shape=reduced_shape(x.shape, axis, True))
    return call("broadcast_to", v, shape=tuple(x.shape))


def _reduce_flops(out_shape, x_shape, **params):
    return size(x_shape)


def _reduction(name, impl, reduce, numpy, weights=None, jvp=None, vjp=None, smooth=True,
               kink="", flops=_reduce_flops, shape=reduced_shape, at_kink=None):
    """Register a reduction; a nonlinear one states its derivative once, as ``weights``."""
    if weights is not None:
        def jvp(t, args, out, axis, keepdims):
            return call("sum", t[0] * weights(args[0], out, axis, keepdims), axis=axis,
                        keepdims=keepdims)

        def vjp(g, args, out, axis, keepdims):
            return (_expand(g, args[0], axis, keepdims) * weights(args[0], out, axis, keepdims),)
    register(Op(
        name=name, arity=1, kind="reduction", impl=impl, numpy=numpy, shape=shape,
        flops=flops, jvp=jvp, vjp=vjp, smooth=smooth, kink=kink, normalize=_normalize,
        at_kink=at_kink, reduce=reduce, weights=weights))


def _normalize(shapes, axis=None, keepdims=False):
    return {"axis": normalize_axis(axis, len(shapes[0])), "keepdims": bool(keepdims)}


def _in_float(fn):
    """``fn`` over axes in float64, booleans included; complex arrays (the complex
    step of finite differences) stay complex."""
    def impl(x, axis, keepdims):
        return fn(x, axis=axis, keepdims=keepdims, dtype=complex if np.iscomplexobj(x) else float)
    return impl


# sum and mean are linear: their JVP is the op itself on the tangent.
_sum, _mean = _in_float(np.sum), _in_float(np.mean)


def _inverse_count(x, axis):
    """1 / the number of entries per group; any factor serves an empty x (its
    cotangent is empty), so 0 groups of size 0 give 1, not a division by 0."""
    return 1.0 / max(size([x.shape[i] for i in axis]), 1)


_reduction(
    "sum", _sum, Reduce("add"), numpy=(np.sum,),
    jvp=lambda t, args, out, axis, keepdims: call("sum", t[0], axis=axis, keepdims=keepdims),
    vjp=lambda g, args, out, axis, keepdims: (_expand(g, args[0], axis, keepdims),))
_reduction(
    "mean", _mean, Reduce("add", finish="mean"), numpy=(np.mean,),
    jvp=lambda t, args, out, axis, keepdims: call("mean", t[0], axis=axis, keepdims=keepdims),
    vjp=lambda g, args, out, axis, keepdims: (
        _expand(g, args[0], axis, keepdims) * _inverse_count(args[0], axis),))


_prod = _in_float(np.prod)


def prod_of_others(x, axis):
    """For each entry, the product of the other entries of its reduction group.

    Exact where entries are zero, in value and in first derivative (so
    Hessians of prod are right there too).  With R the product of the nonzero
    entries and Z the sum of the zero entries (0, with derivative 1 for each):

    * no zero: R / x;
    * one zero: R for the zero entry, R / x * Z for the others (0, but their
      derivative for the zero entry is R / x);
    * two zeros: for each zero entry, R times the other zero (Z - x);
    * more: 0, with derivative 0 (every such product keeps two zero factors).
    """
    zero = x == 0
    n_zero = call("sum", zero, axis=axis, keepdims=True)
    rest = call("prod", np.where(zero, 1.0, x), axis=axis, keepdims=True)
    zeros = call("sum", np.where(zero, x, 0.0), axis=axis, keepdims=True)
    of_nonzero = rest / np.where(zero, 1.0, x) * np.where(
        n_zero == 0, 1.0, np.where(n_zero == 1, zeros, 0.0))
    of_zero = rest * np.where(n_zero == 1, 1.0, np.where(n_zero == 2, zeros - x, 0.0))
    return np.where(zero, of_zero, of_nonzero)


_reduction("prod", _prod, Reduce("mul"), numpy=(np.prod,),
           weights=lambda x, out, axis, keepdims: prod_of_others(x, axis))


def _tie_weights(x, out, axis, keepdims):
    """1/count on the entries equal to the extreme of their group, 0 elsewhere."""
    hit = (x == _expand(out, x, axis, keepdims)) * 1.0
    count = call("sum", hit, axis=axis, keepdims=True)
    return hit / count


def _nonempty_shape(name):
    """Shape rule of max and min: like NumPy, refuse to reduce an axis of length 0."""
    def shape(s, axis, keepdims):
        empty = [i for i in axis if s[i] == 0]
        if empty:
            raise ShapeError(
                f"{name} over axis {empty[0]} of an array of shape {tuple(s)}: that axis has "
                f"length 0 and {name} of nothing has no value (NumPy raises 'zero-size array "
                f"to reduction operation'); check the size first or reduce other axes")
        return reduced_shape(s, axis, keepdims)
    return shape


def _tied(x, out, axis, keepdims):
    """Groups in which more than one entry equals the extreme."""
    hit = x == np.reshape(out, reduced_shape(x.shape, axis, True))
    return np.sum(hit, axis=axis) > 1


def _extremum(name, fn):
    _reduction(
        name, lambda x, axis, keepdims: fn(x, axis=axis, keepdims=keepdims), Reduce(name),
        numpy=(fn,), weights=_tie_weights, smooth=False,
        kink="ties split the derivative evenly among the tied entries",
        shape=_nonempty_shape(name), at_kink=_tied)


_extremum("max", np.max)
_extremum("min", np.min)


def _norm(x, axis, keepdims):
    if len(axis) == x.ndim:
        # the same arithmetic as np.linalg.norm(x) on the flattened array
        flat = np.ravel(x).astype(float)
        value = np.sqrt(np.dot(flat, flat))
        return np.reshape(value, reduced_shape(x.shape, axis, keepdims))
    return np.sqrt(np.sum(x * x, axis=axis, keepdims=keepdims, dtype=float))


def _unit(x, out, axis, keepdims):
    """x / norm, with 0 where the norm is 0 (the minimal-norm subgradient)."""
    n = _expand(out, x, axis, keepdims)
    return np.where(n == 0, 0.0, x / n)


_reduction(
    "norm", _norm, Reduce("add", square=True, finish="sqrt"), numpy=(np.linalg.norm,),
    weights=_unit, smooth=False, kink="norm'(0) = 0 (the minimal-norm subgradient)",
    at_kink=lambda x, out, axis, keepdims: out == 0,
    flops=lambda out_shape, x_shape, **p: 2 * size(x_shape))
