"""NumPy's products on traced values: dot, inner, tensordot, kron and cross.

Each follows NumPy's definition for every dimension NumPy accepts, built
from existing ops.  ``np.tensordot`` is NumPy's own algorithm (transpose,
reshape to matrices, one ``dot``), so its values are NumPy's bits.
``np.dot`` and ``np.inner`` of arrays with more than 2 dimensions are
tensordots (NumPy loops over the output entries instead, so the sums may
round differently in the last bits); with at most 2 dimensions they are the
``dot`` and ``inner`` ops, with a 0-d operand a product.
"""
import operator

import numpy as np

from .. import ops
from ..errors import ShapeError
from .numpy_functions import no_extras
from .numpy_structure import moveaxis


def _arranged(x, axes, shape):
    """``x`` transposed to ``axes`` and reshaped to ``shape``, skipping identities."""
    if tuple(axes) != tuple(range(np.ndim(x))):
        x = ops.call("transpose", x, axes=tuple(axes))
    if tuple(shape) != np.shape(x):
        x = ops.call("reshape", x, shape=tuple(shape))
    return x


def _axis_list(fname, axes, nd):
    try:
        axes = [operator.index(axes)]
    except TypeError:
        axes = [operator.index(a) for a in axes]
    for a in axes:
        if not -nd <= a < nd:
            raise ShapeError(f"np.{fname}: axis {a} is out of bounds for an operand of "
                             f"dimension {nd}")
    return [a % nd for a in axes]


def tensordot(a, b, axes=2):
    """np.tensordot: ``axes`` an int (the last axes of a with the first of b) or a pair.

    Examples
    --------
    >>> import numpy as np, diffkit
    >>> a, b = np.arange(24.0).reshape(2, 3, 4), np.arange(12.0).reshape(4, 3)
    >>> f = lambda a: np.tensordot(a, b, axes=([2, 1], [0, 1]))
    >>> bool(np.array_equal(diffkit.trace(f, a)(a), f(a)))
    True
    """
    sa, sb = np.shape(a), np.shape(b)
    try:
        n = operator.index(axes)
    except TypeError:
        axes_a, axes_b = axes
    else:
        if not 0 <= n <= min(len(sa), len(sb)):
            raise ShapeError(f"np.tensordot: axes={n} but the operands have shapes {sa} "
                             f"and {sb}")
        axes_a, axes_b = list(range(len(sa) - n, len(sa))), list(range(n))
    axes_a, axes_b = _axis_list("tensordot", axes_a, len(sa)), _axis_list(
        "tensordot", axes_b, len(sb))
    if len(axes_a) != len(axes_b) or any(sa[i] != sb[j] for i, j in zip(axes_a, axes_b)):
        raise ShapeError(f"np.tensordot: axes {axes_a} of shape {sa} and {axes_b} of shape "
                         f"{sb} do not have the same lengths")
    free_a = [k for k in range(len(sa)) if k not in axes_a]
    free_b = [k for k in range(len(sb)) if k not in axes_b]
    summed = ops.size([sa[k] for k in axes_a])
    at = _arranged(a, free_a + axes_a, (ops.size([sa[k] for k in free_a]), summed))
    bt = _arranged(b, axes_b + free_b, (summed, ops.size([sb[k] for k in free_b])))
    out = ops.call("dot", at, bt)
    return ops.call("reshape", out, shape=tuple(sa[k] for k in free_a) + tuple(
        sb[k] for k in free_b))


def dot(a, b, out=None):
    """np.dot and ``x.dot``: a product with a 0-d operand, the ``dot`` op up to 2
    dimensions, else a sum over the last axis of a and the second-to-last of b."""
    no_extras("dot", {"out": out})
    na, nb = np.ndim(a), np.ndim(b)
    if na == 0 or nb == 0:
        return ops.call("mul", a, b)
    if na <= 2 and nb <= 2:
        return ops.call("dot", a, b)
    return tensordot(a, b, axes=([-1], [-2 if nb >= 2 else -1]))


def inner(a, b):
    """np.inner: a sum over the last axes of a and b, for any dimensions."""
    na, nb = np.ndim(a), np.ndim(b)
    if na == 0 or nb == 0:
        return ops.call("mul", a, b)
    if na <= 2 and nb <= 2:
        return ops.call("inner", a, b)
    return tensordot(a, b, axes=([-1], [-1]))


def kron(a, b):
    """np.kron: every product of an entry of a and one of b, in NumPy's block order."""
    sa, sb = np.shape(a), np.shape(b)
    if not sa or not sb:
        return ops.call("mul", a, b)
    nd = max(len(sa), len(sb))
    sa, sb = (1,) * (nd - len(sa)) + sa, (1,) * (nd - len(sb)) + sb
    # a's axes interleaved with unit axes for b's, and the other way around
    spread_a = ops.call("reshape", a, shape=sum(((n, 1) for n in sa), ()))
    spread_b = ops.call("reshape", b, shape=sum(((1, n) for n in sb), ()))
    return ops.call("reshape", ops.call("mul", spread_a, spread_b),
                    shape=tuple(m * n for m, n in zip(sa, sb)))


def cross(a, b, axisa=-1, axisb=-1, axisc=-1, axis=None):
    """np.cross of 3-vectors and 2-vectors (the z component of 2-vectors is 0), with
    NumPy's arithmetic."""
    if axis is not None:
        axisa = axisb = axisc = axis
    if np.ndim(a) < 1 or np.ndim(b) < 1:
        raise ShapeError("np.cross: an operand is 0-d; both must hold vectors")
    a = moveaxis(a, _axis_list("cross", axisa, np.ndim(a))[0], -1)
    b = moveaxis(b, _axis_list("cross", axisb, np.ndim(b))[0], -1)
    m, n = np.shape(a)[-1], np.shape(b)[-1]
    if m not in (2, 3) or n not in (2, 3):
        raise ShapeError(f"np.cross: vectors of length {m} and {n}; the lengths must be 2 "
                         "or 3")
    ac = [a[..., k] for k in range(m)]
    bc = [b[..., k] for k in range(n)]
    z = ac[0] * bc[1] - ac[1] * bc[0]
    if m == n == 2:
        return z
    if m == 2:
        x, y = ac[1] * bc[2], -(ac[0] * bc[2])
    elif n == 2:
        x, y = -(ac[2] * bc[1]), ac[2] * bc[0]
    else:
        x, y = ac[1] * bc[2] - ac[2] * bc[1], ac[2] * bc[0] - ac[0] * bc[2]
    # every component has the broadcast shape of a[..., 0] and b[..., 0]
    return moveaxis(ops.call("stack", x, y, z, axis=-1), -1,
                    _axis_list("cross", axisc, np.ndim(z) + 1)[0])


FUNCTIONS = {np.dot: dot, np.inner: inner, np.tensordot: tensordot, np.kron: kron,
             np.cross: cross}
