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
ARRAY.update(dense.DENSE_RULES)  # solve, det, slogdet, cholesky
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
