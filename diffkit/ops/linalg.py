"""Products that contract an axis: matmul, dot, inner, outer.

All four are bilinear, so their JVP is ``op(ta, b) + op(a, tb)``.  Their VJPs
are matmuls against the other operand, transposed.  Lowering maps every one
of them onto the same matrix-product kernel.
"""
import numpy as np

from ..errors import ShapeError
from .core import Op, broadcast_shapes, call, register, size, unbroadcast


def _swap(x):
    """Swap the last two axes of a (traced or NumPy) array."""
    axes = tuple(range(x.ndim - 2)) + (x.ndim - 1, x.ndim - 2)
    return call("transpose", x, axes=axes)


def matmul_shape(sa, sb):
    sa, sb = tuple(sa), tuple(sb)
    if not sa or not sb:
        raise ShapeError("matmul does not take 0-d operands; multiply with * instead")
    a2 = sa if len(sa) >= 2 else (1,) + sa
    b2 = sb if len(sb) >= 2 else sb + (1,)
    if a2[-1] != b2[-2]:
        raise ShapeError(
            f"matmul: shapes {sa} and {sb} are not aligned ({a2[-1]} != {b2[-2]}); "
            "transpose an operand (x.T) or reshape it")
    out = broadcast_shapes(a2[:-2], b2[:-2]) + (a2[-2], b2[-1])
    if len(sb) == 1:
        out = out[:-1]
    if len(sa) == 1:
        out = out[:-2] + out[-1:] if len(sb) > 1 else out[:-1]
    return out


def matmul_vjp(g, args, out, **params):
    """Cotangents of a @ b for any ranks NumPy's matmul accepts."""
    a, b = args
    # matrix times vector and vector times matrix, the products of recurrent nets:
    # an outer product and one matmul, the same numbers as the general rule in 2 nodes, not 8
    if a.ndim == 2 and b.ndim == 1:
        return call("outer", g, b), call("matmul", _swap(a), g)
    if a.ndim == 1 and b.ndim == 2:
        return call("matmul", b, g), call("outer", a, g)
    a2 = call("expand_dims", a, axis=0) if a.ndim == 1 else a
    b2 = call("expand_dims", b, axis=1) if b.ndim == 1 else b
    if b.ndim == 1:
        g = call("expand_dims", g, axis=g.ndim)
    if a.ndim == 1:
        g = call("expand_dims", g, axis=g.ndim - 1)
    ga = call("reshape", unbroadcast(call("matmul", g, _swap(b2)), a2.shape), shape=a.shape)
    gb = call("reshape", unbroadcast(call("matmul", _swap(a2), g), b2.shape), shape=b.shape)
    return ga, gb


def _bilinear_jvp(name):
    def jvp(tangents, args, out, **params):
        ta, tb = tangents
        a, b = args
        terms = []
        if ta is not None:
            terms.append(call(name, ta, b))
        if tb is not None:
            terms.append(call(name, a, tb))
        return terms[0] if len(terms) == 1 else terms[0] + terms[1]
    return jvp


def _contract_flops(out_shape, sa, sb, **params):
    return 2 * size(out_shape) * (sa[-1] if sa else 1)


def _linalg(name, impl, shape, vjp, flops=_contract_flops, numpy=()):
    register(Op(name=name, arity=2, kind="linalg", impl=impl, shape=shape, flops=flops,
                jvp=_bilinear_jvp(name), vjp=vjp, numpy=numpy, symbol="@" if name == "matmul"
                else None, domain=((-2.0, 2.0), (-2.0, 2.0))))


def _at_most_2d(name, sa, sb, other_axis):
    """The dot and inner ops take 1-d and 2-d operands; traced code gets every other
    dimension from np.dot and np.inner, which compose tensordots."""
    if not 1 <= len(sa) <= 2 or not 1 <= len(sb) <= 2:
        raise ShapeError(f"the {name} op takes 1-d and 2-d operands, got shapes {tuple(sa)} "
                         f"and {tuple(sb)}; np.{name} of these (a sum over the last axis of a "
                         f"and axis {other_axis} of b) is np.tensordot(a, b, axes=([-1], "
                         f"[{other_axis}])), and a 0-d operand is a product a * b")


def _dot_shape(sa, sb):
    _at_most_2d("dot", sa, sb, -2 if len(sb) >= 2 else -1)
    return matmul_shape(sa, sb)


def _inner_shape(sa, sb):
    _at_most_2d("inner", sa, sb, -1)
    if sa[-1] != sb[-1]:
        raise ShapeError(f"inner: last axes of shapes {tuple(sa)} and {tuple(sb)} differ")
    return tuple(sa[:-1]) + tuple(sb[:-1])


def _inner_vjp(g, args, out):
    # inner(a, b) == a @ b.T, so reuse matmul's rule with b transposed.
    a, b = args
    if b.ndim == 1:
        return matmul_vjp(g, (a, b), out)
    ga, gbt = matmul_vjp(g, (a, _swap(b)), out)
    return ga, _swap(gbt)


def _outer_vjp(g, args, out):
    a, b = args
    fa = call("reshape", a, shape=(a.size,))
    fb = call("reshape", b, shape=(b.size,))
    ga = call("reshape", call("matmul", g, fb), shape=a.shape)
    gb = call("reshape", call("matmul", _swap(g), fa), shape=b.shape)
    return ga, gb


_linalg("matmul", np.matmul, matmul_shape, matmul_vjp, numpy=(np.matmul,))
_linalg("dot", np.dot, _dot_shape, matmul_vjp, numpy=(np.dot,))
_linalg("inner", np.inner, _inner_shape, _inner_vjp, numpy=(np.inner,))
_linalg("outer", np.outer, lambda sa, sb: (size(sa), size(sb)), _outer_vjp,
        flops=lambda out_shape, sa, sb: size(out_shape), numpy=(np.outer,))
