"""Reductions that compose from diffkit's ops: np.average, np.ptp, np.diff, np.linalg.norm.

Each repeats NumPy's own arithmetic step by step, so the values are NumPy's
bits.  Their derivatives follow the conventions of the ops they are made of:
``abs'(0) = 0`` inside norms, ties of a max or min split the derivative
evenly (ptp, the 1-, inf- and -inf-norms), and the 2-norm's derivative at 0
is 0.  ``ord=0`` counts the nonzero entries: piecewise constant, so its
derivative is 0.
"""
import operator

import numpy as np

from .. import ops
from ..errors import NonFiniteError, OptionError, ShapeError, UnsupportedError
from .numpy_functions import no_extras


def _axis_tuple(fname, axis, nd):
    """``axis`` as a tuple of non-negative axes in the order given (None: None)."""
    if axis is None:
        return None
    axes = (axis,) if np.ndim(axis) == 0 else tuple(axis)
    ops.normalize_axis(axes, nd)  # bounds and repeats
    return tuple(operator.index(a) % max(nd, 1) for a in axes)


def _traced(value):
    return hasattr(type(value), "_diffkit_apply")


def average(a, axis=None, weights=None, returned=False, *, keepdims=np._NoValue):
    """np.average: the mean, or the weighted mean ``sum(a * w) / sum(w)``.

    With weights known when tracing, weights that sum to zero are an error,
    as in NumPy; traced weights cannot be checked, and give inf or nan there.
    """
    nd = np.ndim(a)
    axis = _axis_tuple("average", axis, nd)
    keep = keepdims is not np._NoValue and bool(keepdims)
    if weights is None:
        avg = ops.call("mean", a, axis=axis, keepdims=keep)
        scale = np.float64(ops.size(np.shape(a)) / max(ops.size(np.shape(avg)), 1))
    else:
        w = weights if _traced(weights) else np.asarray(weights, dtype=float)
        if np.shape(w) != np.shape(a):
            if axis is None:
                raise ShapeError(f"np.average: weights of shape {np.shape(w)} for an array "
                                 f"of shape {np.shape(a)}; give the axis the weights run "
                                 "along, or weights of the array's shape")
            if np.shape(w) != tuple(np.shape(a)[i] for i in axis):
                raise ShapeError(f"np.average: weights of shape {np.shape(w)} do not fit "
                                 f"axis {axis} of shape {np.shape(a)}")
            w = ops.call("transpose", w, axes=tuple(np.argsort(axis)))
            w = ops.call("reshape", w, shape=tuple(n if i in axis else 1
                                                   for i, n in enumerate(np.shape(a))))
        scale = ops.call("sum", w, axis=axis, keepdims=keep)
        if not _traced(scale) and np.any(scale == 0.0):
            raise NonFiniteError("np.average: the weights sum to zero, so the average is "
                                 "not defined; give weights with a nonzero sum")
        avg = ops.call("div", ops.call("sum", ops.call("mul", a, w), axis=axis, keepdims=keep),
                       scale)
    if not returned:
        return avg
    if np.shape(scale) != np.shape(avg):
        scale = ops.call("broadcast_to", scale, shape=np.shape(avg))
    return avg, scale


def ptp(a, axis=None, out=None, keepdims=False):
    """np.ptp: the max minus the min."""
    no_extras("ptp", {"out": out})
    return ops.call("sub", ops.call("max", a, axis=axis, keepdims=keepdims),
                    ops.call("min", a, axis=axis, keepdims=keepdims))


def diff(a, n=1, axis=-1, prepend=np._NoValue, append=np._NoValue):
    """np.diff: differences of neighbours along ``axis``, ``n`` times."""
    if n < 0:
        raise ShapeError(f"np.diff: the order n={n} must be non-negative")
    if n == 0:
        return a
    nd = np.ndim(a)
    if nd == 0:
        raise ShapeError("np.diff needs an array of at least 1 dimension, got a 0-d value")
    axis = ops.normalize_axis(axis, nd)[0]
    edge = tuple(1 if i == axis else m for i, m in enumerate(np.shape(a)))
    parts = []
    for end in (prepend, a, append):
        if end is np._NoValue:
            continue
        if np.ndim(end) == 0:
            end = ops.call("broadcast_to", end, shape=edge)
        parts.append(end)
    if len(parts) > 1:
        a = ops.call("concatenate", *parts, axis=axis)
    lead = (slice(None),) * axis
    for _ in range(n):
        a = ops.call("sub", a[lead + (slice(1, None),)], a[lead + (slice(None, -1),)])
    return a


# -- np.linalg.norm ---------------------------------------------------------------------

def _two_norm(x, axis, keepdims):
    """sqrt(sum(x * x)): the norm op, summed as NumPy sums it."""
    nd = np.ndim(x)
    if axis is not None and nd and len(ops.normalize_axis(axis, nd)) == nd:
        # NumPy sums x*x with add.reduce for an explicit axis but uses dot for axis=None,
        # as the op does when it reduces every axis.  Reduce all but a new unit axis to
        # get NumPy's bits.
        axes = tuple(range(1, nd + 1))
        out = ops.call("norm", ops.call("expand_dims", x, axis=0), axis=axes,
                       keepdims=keepdims)
        return ops.call("reshape", out, shape=(1,) * nd if keepdims else ())
    return ops.call("norm", x, axis=axis, keepdims=keepdims)


def _extreme(name, v, axis, keepdims=False):
    """max or min over one axis; NumPy's max in norms starts from 0 (initial=0), so an
    empty axis gives 0."""
    if name == "max" and np.shape(v)[axis] == 0:
        shape = list(np.shape(v))
        shape[axis] = 1
        return np.zeros(shape if keepdims else shape[:axis] + shape[axis + 1:])
    return ops.call(name, v, axis=axis, keepdims=keepdims)


def _vector_norm(x, ord, axis, keepdims):
    if ord is None or ord == 2:
        return _two_norm(x, axis, keepdims)
    if isinstance(ord, str):
        raise OptionError(f"np.linalg.norm: ord={ord!r} is a matrix norm; vector norms take "
                          "a number (1, 2, np.inf, -np.inf, 0 or any p)")
    absx = ops.call("abs", x)
    if ord == np.inf:
        return _extreme("max", absx, axis[0], keepdims)
    if ord == -np.inf:
        return _extreme("min", absx, axis[0], keepdims)
    if ord == 0:
        nonzero = ops.call("where", ops.call("ne", x, 0.0), 1.0, 0.0)
        return ops.call("sum", nonzero, axis=axis, keepdims=keepdims)
    if ord == 1:
        return ops.call("sum", absx, axis=axis, keepdims=keepdims)
    total = ops.call("sum", ops.call("pow", absx, float(ord)), axis=axis, keepdims=keepdims)
    return ops.call("pow", total, np.reciprocal(float(ord)))


def _matrix_norm(x, ord, axis, keepdims):
    nd = np.ndim(x)
    row, col = (ops.normalize_axis(a, nd)[0] for a in axis)
    if row == col:
        raise ShapeError(f"np.linalg.norm: axis={axis} names one axis twice; a matrix norm "
                         "takes two different axes")
    if ord in (2, -2, "nuc"):
        raise UnsupportedError(f"np.linalg.norm(x, {ord!r}) of a matrix needs its singular "
                               "values, which traced values do not support yet; the matrix "
                               "norms are ord=None, 'fro', 1, -1, np.inf and -np.inf")
    if ord in (None, "fro", "f"):
        ret = _two_norm(x, axis, False)
    elif ord in (1, -1, np.inf, -np.inf):
        # column sums for 1 and -1, row sums for inf and -inf; then their extreme
        summed, other = (row, col) if ord in (1, -1) else (col, row)
        sums = ops.call("sum", ops.call("abs", x), axis=summed)
        ret = _extreme("max" if ord > 0 else "min", sums, other - (other > summed))
    else:
        raise OptionError(f"np.linalg.norm: ord={ord!r} is not a matrix norm; use None, "
                          "'fro', 'nuc', 1, -1, 2, -2, np.inf or -np.inf")
    if keepdims:
        ret = ops.call("reshape", ret, shape=tuple(1 if i in (row, col) else n
                                                   for i, n in enumerate(np.shape(x))))
    return ret


def norm(x, ord=None, axis=None, keepdims=False):
    """np.linalg.norm: every vector norm and the matrix norms that need no singular values.

    Examples
    --------
    >>> import numpy as np, diffkit
    >>> x = np.array([3.0, -4.0, 0.0])
    >>> diffkit.grad(lambda v: np.linalg.norm(v, 1))(x)  # sign(x); abs'(0) = 0
    array([ 1., -1.,  0.])
    >>> diffkit.grad(lambda v: np.linalg.norm(v, np.inf))(x)
    array([ 0., -1.,  0.])
    """
    nd = np.ndim(x)
    if axis is None and (ord is None or (ord in ("f", "fro") and nd == 2)
                         or (ord == 2 and nd == 1)):
        return _two_norm(x, None, keepdims)
    if axis is None:
        axis = tuple(range(nd))
    elif not isinstance(axis, tuple):
        axis = (operator.index(axis),)
    if len(axis) == 1:
        return _vector_norm(x, ord, axis, keepdims)
    if len(axis) == 2:
        return _matrix_norm(x, ord, axis, keepdims)
    raise ShapeError(f"np.linalg.norm of {len(axis)} axes: NumPy's norms are of vectors (1 "
                     "axis) or matrices (2 axes); give axis=")


FUNCTIONS = {np.average: average, np.ptp: ptp, np.diff: diff, np.linalg.norm: norm}
