"""THE SymPy mapping of diffkit's ops: one entry per op in :mod:`diffkit.ops`.

The table lives here rather than in the op records so that ``import diffkit``
never imports SymPy; ``tests/symbolic`` fails for any op without an entry.

Elementwise ops (and comparisons) map scalar SymPy expressions to a scalar
expression and are broadcast over object arrays; every other op maps object
arrays (one SymPy expression per entry) and the node's parameters to an
object array.  Structural, linear-algebra and array ops (scans) simply run their NumPy
implementation on object arrays.

Conventions at kinks match the AD backends: abs' = sign (sign(0) = 0);
sign' = 0; relu'(0) = 0; ties in maximum, minimum, max and min split
evenly; clip is minimum(maximum(x, lo), hi), so d/dx = 1 on the closed
interval and d/dhi = 1 when lo > hi; a branch ``where`` did not select
contributes nothing (:class:`~diffkit.symbolic.functions.Select`);
sqrt'(0) = inf; norm'(0) = 0.  Comparisons are the opaque 0-or-1 functions
of :mod:`~diffkit.symbolic.functions`, so SymPy cannot rewrite a condition
into one that rounds differently, and a boolean is simply the number 0 or 1.
"""
import numpy as np
import sympy as sp
from sympy.codegen.cfunctions import expm1, log1p, log2, log10

from .. import ops
from . import dense
from .functions import (Abs, Arccos, Arcsin, Equal, Greater, GreaterEqual, Less, LessEqual, Log,
                        LogAddExp, Maximum, Minimum, Norm, Power, Select, Sign, Sqrt, Unequal)
from .functions import (Arcsinh, Cbrt, Ceil, CopySign, Digamma, Erf, Erfc, Expit, Floor,
                        FloorDivide, FMax, FMin, FMod, Gammaln, Heaviside, Hypot, LogAddExp2,
                        Logit, LogNdtr, Ndtr, Remainder, Rint, Sinc, Trunc, Xlog1py, Xlogy)


def _pow(a, b):
    return a ** b if b.is_number else Power(a, b)


def _div(a, b):
    # SymPy's a/0 is zoo, which has no sign and no code; NumPy's is a * inf
    return a * sp.oo if b == 0 else a / b


def _clip(x, lo, hi):
    # NumPy's minimum(maximum(x, lo), hi): hi wherever lo > hi, and nan if any operand is
    # (every comparison with nan is false, so without the first test nan would pick a branch)
    nan = Unequal(x, x) + Unequal(lo, lo) + Unequal(hi, hi)
    return Select(nan, x + lo + hi, Select(Greater(lo, hi), hi, Select(
        Greater(x, hi), hi, Select(Less(x, lo), lo, x))))


def _tie(pick, a, b):
    """maximum (``pick=Greater``) or minimum (``Less``) with the derivative split at ties."""
    return Select(pick(a, b), a, Select(pick(b, a), b, (a + b) / 2))


#: Elementwise ops: scalar expressions in, a scalar expression out.
ELEMENTWISE = {
    "neg": lambda x: -x,
    "abs": Abs,
    "sign": Sign,
    "sqrt": Sqrt,
    "square": lambda x: x ** 2,
    "exp": sp.exp,
    "expm1": expm1,
    "log": Log,
    "log1p": log1p,
    "log2": log2,
    "log10": log10,
    "sin": sp.sin,
    "cos": sp.cos,
    "tan": sp.tan,
    "arcsin": Arcsin,
    "arccos": Arccos,
    "arctan": sp.atan,
    "sinh": sp.sinh,
    "cosh": sp.cosh,
    "tanh": sp.tanh,
    "relu": lambda x: Select(LessEqual(x, 0), 0, x),  # relu(nan) is nan, as np.maximum's
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "zmul": lambda a, b: a * b,
    "div": _div,
    "pow": _pow,
    "arctan2": sp.atan2,
    "logaddexp": LogAddExp,
    "maximum": lambda a, b: _tie(Greater, a, b),
    "minimum": lambda a, b: _tie(Less, a, b),
    "lt": Less,
    "le": LessEqual,
    "gt": Greater,
    "ge": GreaterEqual,
    "eq": Equal,
    "ne": Unequal,
    "where": Select,
    "clip": _clip,
}
ELEMENTWISE.update({
    "exp2": lambda x: 2 ** x,
    "cbrt": Cbrt,
    "reciprocal": lambda x: _div(sp.S.One, x),
    "deg2rad": lambda x: x * (sp.pi / 180),
    "rad2deg": lambda x: x * (180 / sp.pi),
    "arcsinh": Arcsinh,
    "arccosh": sp.acosh,
    "arctanh": sp.atanh,
    "sinc": Sinc,
    "floor": Floor,
    "ceil": Ceil,
    "trunc": Trunc,
    "rint": Rint,
    "hypot": Hypot,
    "logaddexp2": LogAddExp2,
    "fmax": FMax,
    "fmin": FMin,
    "copysign": CopySign,
    "heaviside": Heaviside,
    "floor_divide": FloorDivide,
    "remainder": Remainder,
    "fmod": FMod,
    "float_power": _pow,
    "erf": Erf,
    "erfc": Erfc,
    "expit": Expit,
    "logit": Logit,
    "gammaln": Gammaln,
    "digamma": Digamma,
    "ndtr": Ndtr,
    "log_ndtr": LogNdtr,
    "xlogy": Xlogy,
    "xlog1py": Xlog1py,
})


def obj_array(value, shape=None):
    """An object ndarray holding SymPy expressions (a 0-d one for a scalar)."""
    out = np.empty(np.shape(value) if shape is None else shape, dtype=object)
    out[...] = value
    return out


def _groups(x, axis, keepdims, fn):
    """Apply ``fn(*entries)`` to each reduction group of ``x`` over ``axis``."""
    keep = [i for i in range(x.ndim) if i not in axis]
    moved = np.transpose(x, keep + list(axis))
    lead = moved.shape[:len(keep)]
    flat = moved.reshape(lead + (ops.size([x.shape[i] for i in axis]),))  # -1 fails for size 0
    out = obj_array(None, lead)
    for idx in np.ndindex(*lead):
        out[idx] = fn(*flat[idx])
    if keepdims:
        out = out.reshape(tuple(1 if i in axis else n for i, n in enumerate(x.shape)))
    return out


def _sum(x, axis, keepdims):
    return _groups(x, axis, keepdims, lambda *e: sp.Add(*e))


def _mean(x, axis, keepdims):
    n = ops.size([x.shape[i] for i in axis])
    return _groups(x, axis, keepdims, lambda *e: sp.Add(*e) / n)



_SYMPIFY = np.vectorize(sp.sympify, otypes=[object])


def _array_op(name):
    """The op's own NumPy impl on object arrays; plain numbers it creates (the
    zeros of getitem_t) become SymPy numbers."""
    impl = ops.get(name).impl
    return lambda *xs, **params: obj_array(_SYMPIFY(impl(*xs, **params)))


#: Every other op: object arrays (and the node's params) in, an object array out.
ARRAY = {
    "sum": _sum,
    "mean": _mean,
    "prod": lambda x, axis, keepdims: _groups(x, axis, keepdims, lambda *e: sp.Mul(*e)),
    "max": lambda x, axis, keepdims: _groups(x, axis, keepdims, Maximum),
    "min": lambda x, axis, keepdims: _groups(x, axis, keepdims, Minimum),
    "norm": lambda x, axis, keepdims: _groups(x, axis, keepdims, Norm),
}
# -- positions (argsort, argmax...) and gathers by them: sums of 0-or-1 comparisons --

def _lines(x, axis, fn, keep=True):
    """``fn(entries)`` on each line of ``x`` along ``axis``: a line of results if
    ``keep``, else one result per line (the axis removed)."""
    moved = np.moveaxis(x, axis, -1)
    out = obj_array(None, moved.shape if keep else moved.shape[:-1])
    for idx in np.ndindex(*moved.shape[:-1]):
        out[idx] = fn(list(moved[idx]))
    return np.moveaxis(out, -1, axis) if keep else out


def _nan(a):
    return Unequal(a, a)


def _argsort(xs):
    # stable ascending order, NaN last: x_j sorts before x_i if smaller, or a number before NaN
    def before(a, b):
        return Less(a, b) + (1 - _nan(a)) * _nan(b)
    ranks = [sp.Add(*[before(b, a) for b in xs]) + sp.Add(*[
        1 - before(b, a) - before(a, b) for b in xs[:i]]) for i, a in enumerate(xs)]
    return [sp.Add(*[i * Equal(r, k) for i, r in enumerate(ranks)]) for k in range(len(xs))]


def _argmin(xs):
    # the first smallest entry, or the first NaN
    def beats(a, b):
        return Less(a, b) + _nan(a) * (1 - _nan(b))
    return sp.Add(*[i * sp.Mul(*[beats(a, b) for b in xs[:i]], *[1 - beats(b, a)
                                                                 for b in xs[i + 1:]])
                    for i, a in enumerate(xs)])


def _extremum_position(pick):
    def rule(x, axis, keepdims):
        if axis is None:
            return obj_array(pick(list(x.ravel())), (1,) * x.ndim if keepdims else ())
        out = _lines(x, axis, pick, keep=False)
        return np.expand_dims(out, axis) if keepdims else out
    return rule


def _hit(i, j, n):
    """1 if position expression ``i`` names entry j of a line of n (negative ones too)."""
    return Equal(i, j) + Equal(i, j - n)


def _take_along(x, idx, axis):
    xm, im = np.moveaxis(x, axis, -1), np.moveaxis(idx, axis, -1)
    out = obj_array(None, im.shape)
    for pos in np.ndindex(*im.shape):
        line, e = xm[pos[:-1]], sp.nan  # not a position: NaN, as the kernels give
        for j in reversed(range(len(line))):
            e = Select(_hit(im[pos], j, len(line)), line[j], e)
        out[pos] = e
    return np.moveaxis(out, -1, axis)


def _take_along_t(g, idx, axis, length):
    gm, im = np.moveaxis(g, axis, -1), np.moveaxis(idx, axis, -1)
    out = obj_array(sp.S.Zero, gm.shape[:-1] + (length,))
    for pos in np.ndindex(*gm.shape):
        for j in range(length):
            out[pos[:-1] + (j,)] += Select(_hit(im[pos], j, length), gm[pos], 0)
    return np.moveaxis(out, -1, axis)


ARRAY.update({
    "argsort": lambda x, axis: _lines(x, axis, _argsort),
    "argmin": _extremum_position(_argmin),
    "argmax": _extremum_position(lambda xs: _argmin([-a for a in xs])),
    "take_along": _take_along,
    "take_along_t": _take_along_t,
})
ARRAY.update(dense.DENSE_RULES)  # solve, det, slogdet, cholesky, eigh
for _op in ops.all_ops():
    if _op.kind in ("structural", "linalg", "array") and _op.name not in ARRAY:
        ARRAY[_op.name] = _array_op(_op.name)


def rule(name):
    """``("elementwise", fn)`` or ``("array", fn)`` for op ``name``; KeyError if missing."""
    if name in ELEMENTWISE:
        return "elementwise", ELEMENTWISE[name]
    return "array", ARRAY[name]


def missing():
    """Names of ops (internal ones included) that have no SymPy mapping."""
    return [op.name for op in ops.all_ops() if op.name not in ELEMENTWISE
            and op.name not in ARRAY]
