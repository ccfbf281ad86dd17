"""Special functions of scipy.special as elementwise ops.

scipy.special's functions are NumPy ufuncs, so ``scipy.special.erf(x)`` on a
traced value reaches :meth:`~diffkit.graph.tracing.Tracer.__array_ufunc__`;
:func:`op_for_ufunc` names the op it traces to.  SciPy is imported only
when one of them is computed (``import diffkit`` stays without it: SciPy's
special functions take longer to import than diffkit itself), so the
records' ``numpy`` entries are :class:`ScipyUfunc` stand-ins that call the
real function.

The compiled kernels use numba's ``math.erf``, ``math.erfc`` and
``math.lgamma`` (C's libm, which may differ from SciPy's Cephes code in the
last bit) and, for digamma, the closed form :func:`digamma_kernel`.
Conventions (each record's ``kink``): gammaln and digamma have poles at 0,
-1, -2..., where their derivatives are infinite or nan; logit'(0) and
logit'(1) are inf; xlogy and xlog1py are 0 where x == 0 (whatever y is, nan
aside) with d/dy = 0 there, and d/dx = log(y) (-inf at y = 0).
"""
import importlib
import sys
from fractions import Fraction

import numpy as np

from .core import Op, broadcast_shapes, call, elementwise_flops, register

SQRT1_2 = float(np.sqrt(0.5))
TWO_OVER_SQRT_PI = float(2.0 / np.sqrt(np.pi))
INV_SQRT_2PI = float(1.0 / np.sqrt(2.0 * np.pi))


class ScipyUfunc:
    """``scipy.special.<name>``, imported on its first call."""

    def __init__(self, name):
        self.__name__ = name

    def __call__(self, *args, **kwargs):
        if any(hasattr(type(a), "_diffkit_apply") for a in args):
            return call(SCIPY_OPS[self.__name__], *args)   # traced values record the op
        return getattr(importlib.import_module("scipy.special"), self.__name__)(*args, **kwargs)

    def __repr__(self):
        return f"scipy.special.{self.__name__}"


#: scipy.special's name of a ufunc -> the op it traces to.
SCIPY_OPS = {}


def op_for_ufunc(ufunc):
    """The op a scipy.special ufunc traces to, or None.

    Examples
    --------
    >>> import scipy.special
    >>> op_for_ufunc(scipy.special.erf), op_for_ufunc(scipy.special.j0)
    ('erf', None)
    """
    special = sys.modules.get("scipy.special")
    if special is None:
        return None
    # by identity: a ufunc's own name can differ (scipy.special.digamma is 'psi')
    return next((op for name, op in SCIPY_OPS.items() if getattr(special, name) is ufunc), None)


def _special(name, partials, kernel, domain, arity=1, **fields):
    fn = ScipyUfunc(name)
    SCIPY_OPS[name] = name
    register(Op(name=name, arity=arity, kind="elementwise", impl=fn, numpy=(fn,),
                shape=(lambda s: tuple(s)) if arity == 1 else broadcast_shapes,
                flops=elementwise_flops, partials=partials, kernel=kernel, domain=domain,
                **fields))


# -- digamma -------------------------------------------------------------------------------

#: Terms 1/(z + k) by which digamma's argument is shifted up before its asymptotic series.
SHIFT = 10
#: B_2j / 2j for j = 1..8 (Bernoulli numbers): psi(w) = log w - 1/(2w) - sum B_2j/(2j w^2j).
#: At w >= 10 the first omitted term is below 1e-20.
BERNOULLI = tuple(Fraction(n, d) for n, d in [(1, 6), (-1, 30), (1, 42), (-1, 30), (5, 66),
                                               (-691, 2730), (7, 6), (-3617, 510),
                                               (43867, 798)])
DIGAMMA_ASYMPTOTIC = tuple(float(b / (2 * j)) for j, b in enumerate(BERNOULLI[:8], 1))
#: The positive root of digamma (rounded to a double), digamma's value there, and the
#: Taylor coefficients (-1)^(k+1) zeta(k+1, root) of digamma about it, k = 1..24 (mpmath at
#: 50 digits; tests/ops/test_special.py recomputes them).  Near the root the shifted sum
#: cancels to an absolute error of ~1e-15; the series keeps the relative error at a few
#: eps for |x - root| < 0.3, where its terms fall by 0.2 each (the last is below 1e-17).
DIGAMMA_ROOT = 1.4616321449683623
DIGAMMA_ROOT_VALUE = -9.241265521729427e-17
DIGAMMA_ROOT_SERIES = (
    0.9676722454476212, -0.4427631689835922, 0.2584997609556511, -0.16394270544240658,
    0.10782405069126241, -0.07219956125645474, 0.04880428816414313, -0.033161126474847376,
    0.022597648232218118, -0.01542476590494897, 0.010538791616612184, -0.007204534386356875,
    0.004926781395729858, -0.0033698016554393312, 0.00230512632673493, -0.001576936771430199,
    0.0010788252019162978, -0.000738070938996006, 0.0005049532658346027, -0.0003454680251063082,
    0.00023635601564027086, -0.00016170622091974827, 0.00011063372768747428,
    -7.569179582195078e-05)


def _horner(t, coefficients):
    """``c0 + t (c1 + t (c2 + ...))`` as source text."""
    text = repr(coefficients[-1])
    for c in coefficients[-2::-1]:
        text = f"({c!r} + {t} * {text})"
    return text


def digamma_kernel():
    """digamma's scalar form (a template in ``{a}``), accurate to ~1e-15 relative.

    For x >= 0: psi(x) = psi(x + 10) - sum_k 1/(x + k), psi(x + 10) by its
    asymptotic series; near the positive root, the Taylor series about it.
    For x < 0: the reflection psi(x) = psi(1 - x) - pi / tan(pi x); nan at
    the negative integers and -inf (SciPy's values).
    """
    z = "({a} if {a} >= 0.0 else 1.0 - {a})"
    w = f"({z} + {float(SHIFT)!r})"
    t = f"(1.0 / ({w} * {w}))"
    # 1/z first, not 1/(z + 0.0): -0.0 + 0.0 is +0.0, and psi(-0.0) is +inf
    shifted = " + ".join([f"1.0 / {z}"] + [f"1.0 / ({z} + {float(k)!r})"
                                           for k in range(1, SHIFT)])
    series = _horner(t, DIGAMMA_ASYMPTOTIC)
    asymptotic = f"(np.log({w}) - 0.5 / {w} - {t} * {series} - ({shifted}))"
    d = f"({z} - {DIGAMMA_ROOT!r})"
    root = f"({DIGAMMA_ROOT_VALUE!r} + {d} * {_horner(d, DIGAMMA_ROOT_SERIES)})"
    positive = f"({root} if abs({d}) < 0.3 else {asymptotic})"
    return (f"(np.nan if {{a}} < 0.0 and {{a}} == np.floor({{a}}) else ({positive} - "
            f"(np.pi / np.tan(np.pi * {{a}}) if {{a}} < 0.0 else 0.0)))")


def trigamma(x):
    """psi'(x), written with ops: runs on arrays and traced values, so that every
    derivative of digamma is the derivative of this expression.

    psi'(z) = sum_k 1/(z + k)^2 + psi'(z + 10), the last by its asymptotic
    series 1/w + 1/(2 w^2) + sum B_2j / w^(2j+1); for x < 0 the reflection
    psi'(x) = (pi / sin(pi x))^2 - psi'(1 - x).  Accurate to ~1e-15 relative.
    """
    negative = call("lt", x, 0.0)
    z = call("where", negative, call("sub", 1.0, x), x)
    w = call("add", z, float(SHIFT))
    t = call("div", 1.0, call("mul", w, w))
    series = float(BERNOULLI[-1])
    for b in BERNOULLI[-2::-1]:
        series = call("add", float(b), call("mul", t, series))
    total = call("add", call("div", 1.0, w), call("mul", t, call("add", 0.5, call(
        "div", series, w))))
    for k in range(SHIFT):
        total = call("add", total, call("div", 1.0, call("square", call("add", z, float(k)))))
    reflected = call("sub", call("square", call("div", np.pi, call("sin", call(
        "mul", np.pi, x)))), total)
    return call("where", negative, reflected, total)


def _ndtr(v):
    """The normal CDF of the source text ``v`` as SciPy computes it: from erf near 0,
    else from erfc of |x|, which keeps the tail's digits."""
    x = f"({v} * {SQRT1_2!r})"
    return (f"(0.5 + 0.5 * math.erf({x}) if abs({x}) < {SQRT1_2!r} else (1.0 - 0.5 * "
            f"math.erfc({x}) if {x} > 0.0 else 0.5 * math.erfc(-{x})))")


def _log_ndtr_tail():
    """log Phi(x) for x <= -20, as SciPy computes it: log of the asymptotic series
    phi(x)/(-x) * (1 - 1/x^2 + 3/x^4 - 15/x^6 ...), 10 terms (the next is below 1e-17)."""
    terms, odd = [1.0], 1
    for i in range(1, 11):
        odd *= 2 * i - 1
        terms.append(float((-1) ** i * odd))
    t = "(1.0 / ({a} * {a}))"
    return (f"(-0.5 * {{a}} * {{a}} - np.log(-{{a}}) - {0.5 * np.log(2 * np.pi)!r} + "
            f"np.log({_horner(t, terms)}))")


_LOG_NDTR_TAIL = _log_ndtr_tail()


def _at_pole(x, out):
    return (x <= 0) & (x == np.floor(x))


_POLES = "at the poles 0, -1, -2... the value is +-inf or nan and so are its derivatives"

# -- the records ----------------------------------------------------------------------------

_special("erf", lambda x, y: (TWO_OVER_SQRT_PI * np.exp(-(x * x)),), "math.erf({a})",
         ((-2.0, 2.0),))
_special("erfc", lambda x, y: (-TWO_OVER_SQRT_PI * np.exp(-(x * x)),), "math.erfc({a})",
         ((-2.0, 2.0),))
# y * expit(-x), not y * (1 - y): 1 - y rounds to 0 for x > 37 while the slope is e^-x
_special("expit", lambda x, y: (y * call("expit", -x),), "(1.0 / (1.0 + np.exp(-{a})))",
         ((-4.0, 4.0),), complex_impl=lambda z: 1.0 / (1.0 + np.exp(-z)))
# SciPy's logit: log(x / (1 - x)), and near 1/2, where that cancels, log1p(2d) - log1p(-2d)
_special("logit", lambda x, y: (1.0 / (x * (1.0 - x)),),
         "(np.log({a} / (1.0 - {a})) if ({a} < 0.3 or {a} > 0.65) else "
         "(np.log1p(2.0 * ({a} - 0.5)) - np.log1p(-2.0 * ({a} - 0.5))))", ((0.05, 0.95),),
         kink="logit'(0) = logit'(1) = inf", at_kink=lambda x, out: (x == 0) | (x == 1),
         complex_impl=lambda z: np.log(z / (1.0 - z)))
_special("gammaln", lambda x, y: (call("digamma", x),), "math.lgamma({a})", ((0.3, 5.0),),
         kink=f"gammaln'(x) = digamma(x); {_POLES}", at_kink=_at_pole,
         # log|Gamma|: loggamma's imaginary part (a multiple of pi) is constant along the
         # real axis between poles, so it is removed at the unperturbed point
         complex_impl=lambda z: (ScipyUfunc("loggamma")(z)
                                 - 1j * ScipyUfunc("loggamma")(z.real + 0j).imag))
_special("digamma", lambda x, y: (trigamma(x),), digamma_kernel(), ((0.3, 5.0),),
         kink=f"digamma'(x) = polygamma(1, x); {_POLES}", at_kink=_at_pole)
_special("ndtr", lambda x, y: (INV_SQRT_2PI * np.exp(-0.5 * (x * x)),), _ndtr("{a}"),
         ((-3.0, 3.0),))
# log1p(-Phi(-x)) where Phi(x) is near 1, log Phi(x) from erfc where Phi(x) is small and
# the asymptotic series where erfc underflows (SciPy uses erfcx, which numba lacks); the
# slope phi(x) / Phi(x) as exp(-x^2/2 - log Phi(x)), finite where both underflow
_special("log_ndtr", lambda x, y: (INV_SQRT_2PI * np.exp(-0.5 * (x * x) - y),),
         f"(np.log1p(-0.5 * math.erfc({{a}} * {SQRT1_2!r})) if {{a}} >= -1.0 else "
         f"(np.log(0.5 * math.erfc(-{{a}} * {SQRT1_2!r})) if {{a}} > -20.0 else "
         f"{_LOG_NDTR_TAIL}))", ((-5.0, 5.0),))
_special("xlogy", lambda x, y, out: (np.log(y), np.where(x == 0, 0.0, x / y)),
         "(0.0 if {a} == 0.0 and {b} == {b} else {a} * np.log({b}))",
         ((-2.0, 2.0), (0.2, 3.0)), arity=2,
         kink="the value is 0 where x == 0 (y not nan), with d/dy = 0; d/dx = log(y), "
              "-inf at y = 0", at_kink=lambda x, y, out: y == 0)
_special("xlog1py", lambda x, y, out: (np.log1p(y), np.where(x == 0, 0.0, x / (1.0 + y))),
         "(0.0 if {a} == 0.0 and {b} == {b} else {a} * np.log1p({b}))",
         ((-2.0, 2.0), (-0.8, 3.0)), arity=2,
         kink="the value is 0 where x == 0 (y not nan), with d/dy = 0; d/dx = log1p(y), "
              "-inf at y = -1", at_kink=lambda x, y, out: y == -1)


# -- scipy.special's functions that are not ufuncs, composed of ops -------------------------

def logsumexp(x, axis=None, keepdims=False):
    """log(sum(exp(x))) over ``axis``, stable: scipy.special.logsumexp for traced values.

    The largest entry (0 where it is not finite) is subtracted before the
    exponentials and added back, so nothing overflows; the gradient is
    softmax(x) along ``axis``.

    Examples
    --------
    >>> import numpy as np, diffkit
    >>> x = np.array([1000.0, 1000.0])
    >>> float(diffkit.logsumexp(x)) == 1000.0 + float(np.log(2.0))
    True
    >>> diffkit.grad(lambda x: diffkit.logsumexp(x))(x)
    array([0.5, 0.5])
    """
    top = call("max", x, axis=axis, keepdims=True)
    top = call("where", call("eq", call("sub", top, top), 0.0), top, 0.0)  # finite, else 0
    total = call("sum", call("exp", call("sub", x, top)), axis=axis, keepdims=True)
    out = call("add", call("log", total), top)
    if keepdims:
        return out
    return call("squeeze", out, axis=tuple(range(np.ndim(x))) if axis is None else axis)


def softmax(x, axis=None):
    """exp(x) / sum(exp(x)) over ``axis``, stable: scipy.special.softmax for traced values.

    ``axis=None`` (SciPy's default) normalizes over all entries; ``axis=-1``
    over the last axis, as neural-network code usually wants.

    Examples
    --------
    >>> import numpy as np, diffkit
    >>> diffkit.softmax(np.array([[0.0, np.log(3.0)], [5.0, 5.0]]), axis=-1)
    array([[0.25, 0.75],
           [0.5 , 0.5 ]])
    """
    shifted = call("exp", call("sub", x, call("max", x, axis=axis, keepdims=True)))
    return call("div", shifted, call("sum", shifted, axis=axis, keepdims=True))


#: scipy.special functions that are not ufuncs (they convert their argument with
#: np.asarray, which traced values refuse) -> what computes the same on traced values.
SCIPY_ALTERNATIVES = {
    "logsumexp": "diffkit.logsumexp(x, axis, keepdims=...)",
    "softmax": "diffkit.softmax(x, axis)",
    "log_softmax": "x - diffkit.logsumexp(x, axis, keepdims=True)",
}


def scipy_alternative():
    """``(function, alternative)`` if a scipy.special function in SCIPY_ALTERNATIVES is on
    the call stack (it is converting a traced value to an array), else None."""
    frame = sys._getframe(1)
    while frame is not None:
        name = frame.f_code.co_name
        if frame.f_globals.get("__name__", "").startswith("scipy.special") and \
                name in SCIPY_ALTERNATIVES:
            return f"scipy.special.{name}", SCIPY_ALTERNATIVES[name]
        frame = frame.f_back
    return None
