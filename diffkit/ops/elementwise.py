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
* sqrt'(0) = inf (cbrt'(0) too); a branch np.where did not select contributes exactly 0.
* hypot'(0, 0) = (0, 0), as norm'(0) = 0.
* fmax and fmin split ties as maximum does; a nan operand gets 0 and the other 1.
* floor, ceil, trunc, rint, floor_divide (``//``) and heaviside in its first
  operand are piecewise constant: derivative 0 everywhere, at their jumps
  too.  remainder (``%``) and fmod have d/da = 1 everywhere and d/db = minus
  the whole quotient they removed.
* a ** b at a < 0 (real for integer b): d/da = b a**(b-1), d/db = nan (log(a)).

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


def _unary(name, fn, partial, domain=((-2.0, 2.0),), smooth=True, kink="", at_kink=None,
           numpy=None, kernel=None, **fields):
    register(Op(
        name=name, arity=1, kind="elementwise", impl=fn, numpy=numpy or (fn,),
        shape=lambda s: tuple(s), flops=elementwise_flops,
        partials=lambda x, out: (partial(x, out),),
        kernel=kernel or (_ufunc_kernel(fn, 1) if isinstance(fn, np.ufunc) else None),
        domain=domain, smooth=smooth, kink=kink, at_kink=at_kink, **fields))


def _relu(x):
    return np.maximum(x, 0.0)


def _at_unit(x, out):
    return np.abs(x) == 1


def _at_zero_first(a, b, out):
    return a == 0


_unary("neg", np.negative, lambda x, y: -1.0)
_unary("abs", np.absolute, lambda x, y: np.sign(x), smooth=False, numpy=(np.absolute, np.fabs),
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
_unary("exp2", np.exp2, lambda x, y: LN2 * y)
_unary("cbrt", np.cbrt, lambda x, y: 1.0 / (3.0 * y * y), domain=POS,
       kink="cbrt'(0) = inf", at_kink=_at_zero,
       # NumPy's cbrt takes no complex numbers; the real cube root continued off the axis
       complex_impl=lambda z: np.where(z.real < 0, -((-z) ** (1.0 / 3.0)), z ** (1.0 / 3.0)))
_unary("reciprocal", np.reciprocal, lambda x, y: -(y * y), domain=((0.5, 2.0),),
       kernel="(1.0 / {a})")
# NumPy's deg2rad and rad2deg take no complex numbers: the same product for the complex step
_unary("deg2rad", np.deg2rad, lambda x, y: np.pi / 180.0, numpy=(np.deg2rad, np.radians),
       complex_impl=lambda z: z * (np.pi / 180.0))
_unary("rad2deg", np.rad2deg, lambda x, y: 180.0 / np.pi, numpy=(np.rad2deg, np.degrees),
       complex_impl=lambda z: z * (180.0 / np.pi))
# hypot(x, 1), not sqrt(x*x + 1): x*x overflows for |x| > 1e154
_unary("arcsinh", np.arcsinh, lambda x, y: 1.0 / np.hypot(x, 1.0))
_unary("arccosh", np.arccosh, lambda x, y: 1.0 / np.sqrt((x - 1.0) * (x + 1.0)),
       domain=((1.2, 3.0),), kink="arccosh'(1) = inf (the one-sided derivative)",
       at_kink=lambda x, out: x == 1)
_unary("arctanh", np.arctanh, lambda x, y: 1.0 / ((1.0 - x) * (1.0 + x)), domain=UNIT,
       kink="arctanh'(+-1) = inf", at_kink=_at_unit)


def _sinc_slope(x, y):
    """sinc'(x) = (cos(pi x) - sinc(x)) / x, by its Maclaurin series where that cancels.

    For |x| < 1/4 the difference loses eps / x^2 relative digits; the series in
    u = pi x, pi * sum_k (-1)^k 2k u^(2k-1) / (2k+1)!, is exact to eps there with
    k <= 8 (the next term is below 1e-18 of the first).
    """
    u = np.pi * x
    u2 = u * u
    series = SINC_SERIES[-1]
    for c in SINC_SERIES[-2::-1]:
        series = series * u2 + c
    return np.where(np.abs(x) < 0.25, np.pi * u * series, (np.cos(u) - y) / x)


SINC_SERIES = tuple((-1) ** k * 2 * k / float(np.prod(np.arange(1, 2 * k + 2)))
                     for k in range(1, 9))
_unary("sinc", np.sinc, _sinc_slope, kernel="np.sinc({a})")  # a function, not a ufunc


def _piecewise_constant(name, fn, jumps, where):
    """An op that is constant between jumps: derivative 0 everywhere, at the jumps too."""
    _unary(name, fn, lambda x, y: 0.0, domain=((-3.0, 3.0),), smooth=False, at_kink=jumps,
           kink=f"{name}'(x) = 0 everywhere, at the jumps ({where}) too")


_piecewise_constant("floor", np.floor, lambda x, out: x == out, "the integers")
_piecewise_constant("ceil", np.ceil, lambda x, out: x == out, "the integers")
# continuous at 0: trunc(x) is 0 on (-1, 1)
_piecewise_constant("trunc", np.trunc, lambda x, out: (x == out) & (x != 0),
                    "the nonzero integers")
_piecewise_constant("rint", np.rint, lambda x, out: np.abs(x - out) == 0.5,
                    "the half-integers, where ties go to the even integer")


def _binary_kernel(fn, symbol):
    """The infix operator where the op has one (``({a} + {b})``), else the ufunc."""
    if symbol:
        return f"({{a}} {symbol} {{b}})"
    return _ufunc_kernel(fn, 2) if isinstance(fn, np.ufunc) else None


def _binary(name, fn, partials, symbol=None, domain=((-2.0, 2.0), (-2.0, 2.0)),
            smooth=True, kink="", internal=False, numpy=None, kernel=None, **fields):
    register(Op(
        name=name, arity=2, kind="elementwise", impl=fn,
        numpy=() if internal else numpy or (fn,),
        shape=broadcast_shapes, flops=elementwise_flops, partials=partials,
        kernel=kernel or _binary_kernel(fn, symbol), symbol=symbol, domain=domain,
        smooth=smooth, kink=kink, internal=internal, **fields))


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
_POW_KINK = ("at a == 0: d/db = 0 and, for b == 0, d/da = 0; at a < 0 (where NumPy's value "
             "is real for integer b) d/da = b a**(b-1) and d/db is nan, as log(a) is (JAX's "
             "convention too)")


def _at_pow_kink(a, b, out):
    return (a == 0) & (b < 1)


_binary("pow", np.power, _pow_partials, "**", domain=((0.5, 2.0), (-2.0, 2.0)),
        kink=_POW_KINK, at_kink=_at_pow_kink)
# np.power on float64 runs NumPy's own loop; np.float_power is C's pow (as the kernels'
# ** is): the two differ in the last bit, so each is an op with its own value
_binary("float_power", np.float_power, _pow_partials, kernel="({a} ** {b})",
        domain=((0.5, 2.0), (-2.0, 2.0)), kink=_POW_KINK, at_kink=_at_pow_kink)
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
_binary("hypot", np.hypot, lambda a, b, y: (np.where(y == 0, 0.0, a / y),
                                           np.where(y == 0, 0.0, b / y)),
        smooth=False, kink="hypot'(0, 0) = (0, 0), as norm'(0) = 0 (the minimal-norm "
                           "subgradient)", at_kink=lambda a, b, out: out == 0)
_binary("logaddexp2", np.logaddexp2, lambda a, b, y: (np.exp2(a - y), np.exp2(b - y)),
        complex_impl=lambda a, b: _complex_logaddexp(a * LN2, b * LN2) / LN2)


def _nan_tie(a, b):
    """d fmax(a, b) / da (and fmin's): 1 where a is the value, 0.5 at a tie, 1 where
    only b is nan (a is then the value); 0 where both are nan."""
    return _tie(a, b) + (b != b) * (a == a)


# NumPy's fmax/fmin return b at a signed-zero tie (fmax(0.0, -0.0) is -0.0)
_binary("fmax", np.fmax, lambda a, b, y: ((a > b) + _nan_tie(a, b), (b > a) + _nan_tie(b, a)),
        kernel="({a} if ({a} > {b} or {b} != {b}) else {b})", smooth=False,
        kink="ties split the derivative evenly; where one operand is nan the other is the "
             "value and gets the whole derivative", at_kink=_at_tie)
_binary("fmin", np.fmin, lambda a, b, y: ((a < b) + _nan_tie(a, b), (b < a) + _nan_tie(b, a)),
        kernel="({a} if ({a} < {b} or {b} != {b}) else {b})", smooth=False,
        kink="ties split the derivative evenly; where one operand is nan the other is the "
             "value and gets the whole derivative", at_kink=_at_tie)
_binary("copysign", np.copysign, lambda a, b, y: (np.sign(a) * np.copysign(1.0, b), 0.0),
        smooth=False, kink="d/da = sign(a) copysign(1, b), 0 at a = 0 as abs'(0) = 0; "
                           "d/db = 0, at b = 0 too", at_kink=lambda a, b, out: (a == 0) | (b == 0))
_binary("heaviside", np.heaviside, lambda a, b, y: (0.0, (a == 0) * 1.0),
        kernel="(np.nan if {a} != {a} else (0.0 if {a} < 0.0 else ({b} if {a} == 0.0 "
               "else 1.0)))", domain=((-2.0, 2.0), (0.0, 1.0)), smooth=False,
        kink="d/dx1 = 0 everywhere, at the jump x1 = 0 too; d/dx2 = 1 where x1 = 0 (the "
             "value is x2 there), else 0", at_kink=_at_zero_first)
# Python's float // and % are NumPy's floor_divide and remainder, bit for bit (numba's
# np.floor_divide is not: it floors a / b, which rounds up to the next integer)
_binary("floor_divide", np.floor_divide, lambda a, b, y: (0.0, 0.0), kernel="({a} // {b})",
        domain=((-2.0, 2.0), (0.3, 2.0)), smooth=False,
        kink="floor_divide' = 0 everywhere, at the jumps (a a multiple of b) too",
        at_kink=lambda a, b, out: np.remainder(a, b) == 0)
_binary("remainder", np.remainder, lambda a, b, y: (1.0, -np.floor_divide(a, b)),
        kernel="({a} % {b})", domain=((-2.0, 2.0), (0.3, 2.0)), smooth=False,
        kink="d/da = 1 and d/db = -floor_divide(a, b), at the jumps (a a multiple of b, "
             "where the value is 0) too", at_kink=lambda a, b, out: out == 0)
# a - fmod(a, b) is a whole multiple n b; rint recovers n from the rounded quotient
_binary("fmod", np.fmod, lambda a, b, y: (1.0, -np.rint((a - y) / b)),
        domain=((-2.0, 2.0), (0.3, 2.0)), smooth=False,
        kink="d/da = 1 and d/db = -trunc(a / b), at the jumps (a a multiple of b, where the "
             "value is 0) too", at_kink=lambda a, b, out: out == 0)
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
