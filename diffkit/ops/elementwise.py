"""Elementwise ops: arithmetic, transcendental functions, comparisons, where, clip.

An elementwise op's derivative is given as its local partials: one array per
operand, broadcastable to the output.  Forward mode multiplies tangents by
them, reverse mode multiplies the cotangent by them and sums over broadcast
axes; both use the zero-wins product :func:`~diffkit.ops.core.zmul`.

Conventions at kinks (tested on every backend):

* abs'(0) = sign(0) = 0; sign' = 0 everywhere.
* relu'(0) = 0, but np.maximum(x, 0) at a tie splits the derivative evenly
  (0.5 to each operand), as do minimum, max and min.
* clip(x, lo, hi): d/dx = 1 on the closed interval lo <= x <= hi; with
  lo > hi the value is hi (NumPy's minimum(maximum(x, lo), hi)), so d/dhi = 1.
* sqrt'(0) = inf; a branch np.where did not select contributes exactly 0.

Each record's ``at_kink`` says where an evaluation sits on the point its
``kink`` convention is about; ``kernel`` is its scalar form in the compiled
kernels, by default the NumPy ufunc itself (``np.sin({a})``) or its infix
operator.
"""
import numpy as np

from .core import Op, broadcast_shapes, elementwise_flops, register, zmul_impl

LN2, LN10 = np.log(2.0), np.log(10.0)
POS = ((0.2, 3.0),)          # logs, sqrt: stay away from the singularity at 0
UNIT = ((-0.9, 0.9),)        # arcsin, arccos


def _ufunc_kernel(fn, arity):
    """``np.sin({a})``: numba compiles NumPy's ufuncs on scalars."""
    return f"np.{fn.__name__}({', '.join('{' + x + '}' for x in 'abc'[:arity])})"


def _at_zero(x, out):
    return x == 0


def _unary(name, fn, partial, domain=((-2.0, 2.0),), smooth=True, kink="", at_kink=None):
    register(Op(
        name=name, arity=1, kind="elementwise", impl=fn, numpy=(fn,),
        shape=lambda s: tuple(s), flops=elementwise_flops,
        partials=lambda x, out: (partial(x, out),),
        kernel=_ufunc_kernel(fn, 1) if isinstance(fn, np.ufunc) else None,
        domain=domain, smooth=smooth, kink=kink, at_kink=at_kink))


def _relu(x):
    return np.maximum(x, 0.0)


def _at_unit(x, out):
    return np.abs(x) == 1


_unary("neg", np.negative, lambda x, y: -1.0)
_unary("abs", np.absolute, lambda x, y: np.sign(x), smooth=False,
       kink="abs'(0) = sign(0) = 0", at_kink=_at_zero)
# a constant 0, not 0 * x: that is nan at x = +-inf, where sign is 1 or -1 and flat
_unary("sign", np.sign, lambda x, y: 0.0, smooth=False,
       kink="sign'(x) = 0 everywhere, including at 0 and +-inf", at_kink=_at_zero)
_unary("sqrt", np.sqrt, lambda x, y: 0.5 / y, domain=POS,
       kink="sqrt'(0) = inf", at_kink=_at_zero)
_unary("square", np.square, lambda x, y: 2.0 * x)
_unary("exp", np.exp, lambda x, y: y)
# exp(x), not y + 1: for x < -37, y + 1 rounds to 0 while exp(x) is still exact
_unary("expm1", np.expm1, lambda x, y: np.exp(x))
_unary("log", np.log, lambda x, y: 1.0 / x, domain=POS)
_unary("log1p", np.log1p, lambda x, y: 1.0 / (1.0 + x), domain=((-0.8, 3.0),))
_unary("log2", np.log2, lambda x, y: 1.0 / (x * LN2), domain=POS)
_unary("log10", np.log10, lambda x, y: 1.0 / (x * LN10), domain=POS)
_unary("sin", np.sin, lambda x, y: np.cos(x))
_unary("cos", np.cos, lambda x, y: -np.sin(x))
_unary("tan", np.tan, lambda x, y: 1.0 + y * y, domain=((-1.2, 1.2),))
# (1 - x)(1 + x), not 1 - x*x: exact near +-1, where x*x loses the digits that matter
_unary("arcsin", np.arcsin, lambda x, y: 1.0 / np.sqrt((1.0 - x) * (1.0 + x)), domain=UNIT,
       kink="arcsin'(+-1) = inf (the one-sided derivative)", at_kink=_at_unit)
_unary("arccos", np.arccos, lambda x, y: -1.0 / np.sqrt((1.0 - x) * (1.0 + x)), domain=UNIT,
       kink="arccos'(+-1) = -inf (the one-sided derivative)", at_kink=_at_unit)
_unary("arctan", np.arctan, lambda x, y: 1.0 / (1.0 + x * x))
_unary("sinh", np.sinh, lambda x, y: np.cosh(x))
_unary("cosh", np.cosh, lambda x, y: np.sinh(x))
_unary("tanh", np.tanh, lambda x, y: 1.0 - y * y)
# max(x, 0): diffkit.relu(x) in code, relu(x) in expressions
_unary("relu", _relu, lambda x, y: (x > 0) * 1.0, smooth=False,
       kink="relu'(0) = 0 (unlike np.maximum(x, 0), whose tie splits 0.5)", at_kink=_at_zero)


def _binary_kernel(fn, symbol):
    """The infix operator where the op has one (``({a} + {b})``), else the ufunc."""
    if symbol:
        return f"({{a}} {symbol} {{b}})"
    return _ufunc_kernel(fn, 2) if isinstance(fn, np.ufunc) else None


def _binary(name, fn, partials, symbol=None, domain=((-2.0, 2.0), (-2.0, 2.0)),
            smooth=True, kink="", internal=False, **fields):
    register(Op(
        name=name, arity=2, kind="elementwise", impl=fn, numpy=() if internal else (fn,),
        shape=broadcast_shapes, flops=elementwise_flops, partials=partials,
        kernel=_binary_kernel(fn, symbol), symbol=symbol, domain=domain, smooth=smooth,
        kink=kink, internal=internal, **fields))


def _pow_partials(a, b, out):
    # d/da b*a**(b-1) is 0 for b == 0 (not 0 * inf at a == 0); d/db is the
    # limit 0 at a == 0 rather than log(0) * 0.
    da = np.where(b == 0, 0.0, b * a ** (b - 1.0))
    db = np.where(a == 0, 0.0, np.log(a) * out)
    return da, db


def _tie(a, b):
    return 0.5 * (a == b)


def _at_tie(a, b, out):
    return a == b


def _complex_logaddexp(a, b):
    # log(exp(a) + exp(b)) shifted by the larger real part: analytic, no overflow
    m = np.maximum(a.real, b.real)
    return m + np.log(np.exp(a - m) + np.exp(b - m))


_binary("add", np.add, lambda a, b, y: (1.0, 1.0), "+")
_binary("sub", np.subtract, lambda a, b, y: (1.0, -1.0), "-")
_binary("mul", np.multiply, lambda a, b, y: (b, a), "*")
_binary("div", np.true_divide, lambda a, b, y: (1.0 / b, -y / b), "/",
        domain=((-2.0, 2.0), (0.5, 2.0)))
# a ** b at a == 0 is singular only for b < 1 (b * a**(b-1) blows up or, at b == 0,
# jumps); x**2 or x**3 at 0 is smooth there
_binary("pow", np.power, _pow_partials, "**", domain=((0.5, 2.0), (-2.0, 2.0)),
        kink="at a == 0: d/db = 0 and, for b == 0, d/da = 0",
        at_kink=lambda a, b, out: (a == 0) & (b < 1))
# analytic, but NumPy's arctan2 takes no complex numbers
_binary("arctan2", np.arctan2,
        lambda a, b, y: (b / (a * a + b * b), -a / (a * a + b * b)),
        domain=((0.3, 2.0), (0.3, 2.0)), analytic=False)
_binary("logaddexp", np.logaddexp, lambda a, b, y: (np.exp(a - y), np.exp(b - y)),
        complex_impl=_complex_logaddexp)
_binary("maximum", np.maximum,
        lambda a, b, y: ((a > b) + _tie(a, b), (b > a) + _tie(a, b)),
        smooth=False, kink="ties split the derivative evenly: 0.5 to each operand",
        at_kink=_at_tie)
_binary("minimum", np.minimum,
        lambda a, b, y: ((a < b) + _tie(a, b), (b < a) + _tie(a, b)),
        smooth=False, kink="ties split the derivative evenly: 0.5 to each operand",
        at_kink=_at_tie)
_binary("zmul", zmul_impl, lambda a, b, y: (b, a), internal=True)


def _comparison(name, fn, symbol):
    register(Op(
        name=name, arity=2, kind="comparison", impl=fn, numpy=(fn,), symbol=symbol,
        shape=broadcast_shapes, flops=elementwise_flops, dtype="bool",
        domain=((-2.0, 2.0), (-2.0, 2.0)), smooth=False, kernel=f"{{a}} {symbol} {{b}}",
        kink="a tie in a comparison picks the branch NumPy picks; the boolean result "
             "carries no derivative", at_kink=_at_tie))


_comparison("lt", np.less, "<")
_comparison("le", np.less_equal, "<=")
_comparison("gt", np.greater, ">")
_comparison("ge", np.greater_equal, ">=")
_comparison("eq", np.equal, "==")
_comparison("ne", np.not_equal, "!=")


def _where(c, a, b):
    return np.where(c, a, b)


register(Op(
    name="where", arity=3, kind="elementwise", impl=_where, numpy=(np.where,),
    shape=broadcast_shapes, flops=elementwise_flops,
    partials=lambda c, a, b, y: (None, (c != 0) * 1.0, (c == 0) * 1.0),
    kernel="({b} if {a.test} else {c})",
    domain=((-1.0, 1.0), (-2.0, 2.0), (-2.0, 2.0)), smooth=False,
    kink="the branch not selected contributes exactly 0, even where it is inf or nan",
    # the branches are the functions of x; the complex step leaves the condition's real
    # part unperturbed, and the condition is tested on it
    analytic=True, complex_impl=lambda c, a, b: np.where(np.real(c) != 0, a, b)))


def _clip(x, lo, hi):
    return np.clip(x, lo, hi)


def _clip_partials(x, lo, hi, y):
    """Partials of NumPy's clip, minimum(maximum(x, lo), hi), on its whole domain.

    The operand that is the value gets 1: x on the closed interval lo <= x <= hi,
    lo below it, hi above it, and hi whenever lo > hi (the value is then hi
    whatever x is).  Every partial is 0 where a comparison meets a nan.
    """
    return ((lo <= x) * (x <= hi) * 1.0, (x < lo) * (lo <= hi) * 1.0,
            (np.maximum(x, lo) > hi) * 1.0)


register(Op(
    name="clip", arity=3, kind="elementwise", impl=_clip, numpy=(np.clip,),
    shape=broadcast_shapes, flops=elementwise_flops, partials=_clip_partials,
    kernel="np.minimum(np.maximum({a}, {b}), {c})",
    # x at a bound, or lo == hi, where d/dlo and d/dhi jump between 0 and 1
    at_kink=lambda x, lo, hi, out: (x == lo) | (x == hi) | (lo == hi),
    domain=((-2.0, 2.0), (-1.0, -0.5), (0.5, 1.0)), smooth=False,
    kink="d/dx = 1 on the closed interval lo <= x <= hi, d/dlo = 1 below it, "
         "d/dhi = 1 above it; if lo > hi the value is hi and d/dhi = 1"))
