"""SymPy functions that carry diffkit's conventions at kinks and IEEE semantics.

SymPy rewrites what it understands: ``Eq(a/3, Max(...))`` becomes
``Eq(a, 3*Max(...))`` and a Piecewise condition ``x/3 > 39/100`` becomes
``x > 117/100``, which are the same over the reals but not in floating
point, where a tie or a threshold must be tested on exactly the values the
function computed.  So comparisons here are opaque functions with the value
1 or 0 (:class:`Compare` and its subclasses, like NumPy's booleans used as
numbers), and :class:`Select` (``np.where``) picks a branch by them: SymPy
keeps their operands as written, and the generated code compares and
selects the same floating-point values the function computes and evaluates
only the branch it selects.

:class:`Maximum` and :class:`Minimum` keep every argument and split the
derivative evenly among the tied ones, as the AD backends do; :class:`Abs`
has abs' = sign (sign(0) = 0) and :class:`Sign` has sign' = 0 for any
argument (SymPy's own need a real argument, or return ``re``/``im`` terms
and unevaluated derivatives); :class:`Norm` has norm'(0) = 0; :class:`Power`
(for exponents that are not constants) has d/db = 0 at a = 0 and d/da = 0
for b = 0.  :class:`Log`, :class:`Sqrt`, :class:`Arcsin` and :class:`Arccos`
only keep SymPy from cancelling them against their inverses (log(exp(x)) = x,
sqrt(x)**2 = x, sin(asin(x)) = x), which is finite where NumPy overflows or
real where NumPy's is nan.  :class:`LogAddExp` is NumPy's logaddexp: no
overflow, and smooth at a = b.  :class:`ZMul` is a product of chain-rule
factors in which a zero wins (0 * inf = 0), as in the AD backends.
"""
import operator

import numpy as np
import sympy as sp
from sympy.printing.numpy import NumPyPrinter
from sympy.codegen.cfunctions import log1p
from sympy.printing.pretty.stringpict import prettyForm

from ..ops.elementwise import SINC_SERIES
from ..program.scalar import scalar_function


def _args(printer, args):
    return ", ".join(printer._print(a) for a in args)


def _call(printer, name, args):
    """``name(args...)`` as the (pretty) printer draws a function call."""
    return printer._print(sp.Function(name)(*args))


def _float(printer, e):
    """Code for ``e``; a finite number as a float that divides like NumPy's.

    In NumPy code that is ``numpy.float64(...)``: a Python float would raise
    ZeroDivisionError at ``1 / 0.0`` where NumPy (and numba) give inf.
    """
    if not (e.is_Number and e.is_finite):
        return printer._print(e)
    text = repr(float(e))
    if isinstance(printer, NumPyPrinter):
        return f"{printer._module_format('numpy.float64')}({text})"
    return text


def _real_numbers(args):
    """True if every argument is a real, non-NaN SymPy number (safe to evaluate)."""
    return all(a.is_number and a.is_extended_real for a in args)


class Compare(sp.Function):
    """``a <op> b`` as 1 or 0, never rewritten, evaluated only when both are numbers.

    NaN compares false (unequal: true), as in IEEE arithmetic.  Its derivative is 0.
    """

    nargs = 2
    symbol = latex_symbol = ">"
    test = operator.gt
    relation = sp.StrictGreaterThan

    @classmethod
    def eval(cls, a, b):
        if a is sp.nan or b is sp.nan:
            return sp.Integer(cls is Unequal)
        if _real_numbers((a, b)):
            return sp.Integer(bool(cls.test(a, b)))
        return None

    def fdiff(self, argindex=1):
        return sp.S.Zero

    def _code(self, printer):
        # a float, not a bool: NumPy's True + True is True, and the tie count must be 2
        a, b = (printer._print(x) for x in self.args)
        one, zero = _float(printer, sp.S.One), _float(printer, sp.S.Zero)
        return f"({one} if ({a}) {self.symbol} ({b}) else {zero})"

    _numpycode = _pythoncode = _code

    def _sympystr(self, printer):
        a, b = (printer._print(x) for x in self.args)
        return f"[{a} {self.symbol} {b}]"

    def _latex(self, printer):
        a, b = (printer._print(x) for x in self.args)
        return rf"\left[{a} {self.latex_symbol} {b}\right]"

    def _pretty(self, printer):
        # in brackets, as in LaTeX: a number (Iverson's bracket), not a statement
        return prettyForm(*printer._print(self.relation(*self.args, evaluate=False)).parens(
            "[", "]"))


class Less(Compare):
    symbol = latex_symbol = "<"
    test, relation = operator.lt, sp.StrictLessThan


class LessEqual(Compare):
    symbol, latex_symbol, test = "<=", r"\leq", operator.le
    relation = sp.LessThan


class Greater(Compare):
    symbol = latex_symbol = ">"
    test, relation = operator.gt, sp.StrictGreaterThan


class GreaterEqual(Compare):
    symbol, latex_symbol, test = ">=", r"\geq", operator.ge
    relation = sp.GreaterThan


class Equal(Compare):
    symbol, latex_symbol, test = "==", "=", operator.eq
    relation = sp.Eq


class Unequal(Compare):
    symbol, latex_symbol, test = "!=", r"\neq", operator.ne
    relation = sp.Ne


class Select(sp.Function):
    """``np.where(c, a, b)``: ``a`` where ``c`` is nonzero (NaN included), else ``b``.

    Its derivative is the selected branch's derivative: the other branch
    contributes exactly 0, even where its derivative is inf or nan.
    """

    nargs = 3

    @classmethod
    def eval(cls, c, a, b):
        if a == b:
            return a
        if c.is_number:
            return a if c is sp.nan or c != 0 else b
        return None

    def _eval_derivative(self, s):
        c, a, b = self.args
        return Select(c, a.diff(s), b.diff(s))

    def _code(self, printer):
        c, a, b = (_float(printer, x) for x in self.args)
        return f"(({a}) if {c} else ({b}))"

    _numpycode = _pythoncode = _code

    def _sympystr(self, printer):
        return f"where({_args(printer, self.args)})"

    def _pretty(self, printer):
        return _call(printer, "where", self.args)

    def _latex(self, printer):
        return rf"\operatorname{{where}}\left({_args(printer, self.args)}\right)"


class _Extremum(sp.Function):
    """n-ary max or min with even tie splitting."""

    pick = max

    @classmethod
    def eval(cls, *args):
        if len(args) == 1:
            return args[0]
        if _real_numbers(args):
            return cls.pick(args)
        return None

    def fdiff(self, argindex=1):
        # the entries are compared with the result itself: the generated code
        # tests the very floating-point values it took the extremum of
        hits = sp.Add(*[Equal(a, self) for a in self.args])
        return Select(Equal(self.args[argindex - 1], self), 1 / hits, 0)

    def _pythoncode(self, printer):
        return f"{self.pick.__name__}({_args(printer, self.args)})"

    def _numpycode(self, printer):
        # lambdify's NumPy namespace shadows the builtin max with numpy.max
        ufunc = printer._module_format("numpy.maximum" if self.pick is max else "numpy.minimum")
        return f"{ufunc}.reduce([{_args(printer, self.args)}])"

    def _sympystr(self, printer):
        return f"{self.pick.__name__}({_args(printer, self.args)})"

    def _latex(self, printer):
        return rf"\{self.pick.__name__}\left({_args(printer, self.args)}\right)"

    def _pretty(self, printer):
        return _call(printer, self.pick.__name__, self.args)


class Maximum(_Extremum):
    pick = max


class Minimum(_Extremum):
    pick = min


class _Elementary(sp.Function):
    """A one-argument function printed (in every form) as SymPy's own ``base``."""

    nargs = 1
    base = None

    @classmethod
    def eval(cls, a):
        return cls.base(a) if a.is_number else None

    def _as_base(self, printer, **kwargs):  # LaTeX passes exp= for a power of the function
        # unevaluated: SymPy would rewrite abs(sqrt(x)) as sqrt(abs(x)), real where NumPy's is nan
        return printer._print(self.base(self.args[0], evaluate=False), **kwargs)

    _numpycode = _pythoncode = _sympystr = _latex = _pretty = _as_base


class Sign(_Elementary):
    """sign(x); sign' = 0 everywhere."""

    base = sp.sign

    def fdiff(self, argindex=1):
        return sp.S.Zero


class Abs(_Elementary):
    """|x|; abs' = sign, so abs'(0) = 0."""

    base = sp.Abs

    def fdiff(self, argindex=1):
        return Sign(self.args[0])


class Log(_Elementary):
    """log(x), kept as written: SymPy's log(exp(x)) = x is finite where NumPy's overflows."""

    base = sp.log

    def fdiff(self, argindex=1):
        return 1 / self.args[0]


class Sqrt(_Elementary):
    """sqrt(x), kept as written: SymPy's sqrt(x)**2 = x is real at x < 0, where NumPy's is nan."""

    base = staticmethod(sp.sqrt)  # a function, not a class: not to be bound

    def fdiff(self, argindex=1):
        return 1 / (2 * self)


def _unit_slope(x):
    # 1/sqrt(1 - x^2) as the kernels write it: (1 - x)(1 + x) keeps its digits near x = +-1
    return 1 / Sqrt((1 - x) * (1 + x))


class Arcsin(_Elementary):
    """arcsin(x), kept as written: SymPy's sin(asin(x)) = x at |x| > 1, where NumPy's is nan."""

    base = sp.asin

    def fdiff(self, argindex=1):
        return _unit_slope(self.args[0])


class Arccos(_Elementary):
    """arccos(x), kept as written: SymPy's cos(acos(x)) = x at |x| > 1, where NumPy's is nan."""

    base = sp.acos

    def fdiff(self, argindex=1):
        return -_unit_slope(self.args[0])


class LogAddExp(sp.Function):
    """log(exp(a) + exp(b)) without overflow, and smooth.

    The code computes NumPy's max(a, b) + log1p(exp(-|a - b|)) (a + log 2 at a
    tie, so inf stays inf); the derivative is exp(a - logaddexp(a, b)), not
    that form's: its max and abs would put a kink at a = b, where the second
    derivative is 1/4 and theirs 0.
    """

    nargs = 2

    def fdiff(self, argindex=1):
        return sp.exp(self.args[argindex - 1] - self)

    def _value(self):
        a, b = self.args
        return Select(Equal(a, b), a + sp.log(2),
                      Maximum(a, b) + log1p(sp.exp(-Abs(a - b))))

    def _code(self, printer):
        return printer._print(self._value())

    _numpycode = _pythoncode = _code

    def _sympystr(self, printer):
        return f"logaddexp({_args(printer, self.args)})"

    def _latex(self, printer):
        return rf"\operatorname{{logaddexp}}\left({_args(printer, self.args)}\right)"

    def _pretty(self, printer):
        return _call(printer, "logaddexp", self.args)


class Norm(sp.Function):
    """Euclidean norm of the arguments, with norm'(0) = 0."""

    def _value(self):
        return sp.sqrt(sp.Add(*[a ** 2 for a in self.args]))

    def fdiff(self, argindex=1):
        return Select(Equal(self, 0), 0, self.args[argindex - 1] / self)

    def _pythoncode(self, printer):
        return printer._print(self._value())

    _numpycode = _pythoncode

    def _sympystr(self, printer):
        return f"norm({_args(printer, self.args)})"

    def _pretty(self, printer):
        return _call(printer, "norm", self.args)

    def _latex(self, printer):
        return rf"\left\|\left({_args(printer, self.args)}\right)\right\|"


class Power(sp.Function):
    """a ** b for an exponent that is not a constant; diffkit's conventions at a = 0."""

    nargs = 2

    @classmethod
    def eval(cls, a, b):
        if b.is_number:
            return a ** b
        return None

    def fdiff(self, argindex=1):
        a, b = self.args
        if argindex == 1:
            return Select(Equal(b, 0), 0, b * Power(a, b - 1))
        return Select(Equal(a, 0), 0, Log(a) * self)

    def _pythoncode(self, printer):
        return printer._print(self.args[0] ** self.args[1])

    _numpycode = _pythoncode

    def _as_pow(self, printer):
        return printer._print(sp.Pow(*self.args, evaluate=False))

    _sympystr = _latex = _pretty = _as_pow


#: The zero-wins product of two floats, 0 * inf = 0 * nan = 0, as the kernels compute it
#: (generated code calls it).
zmul = scalar_function("zmul")


class ZMul(sp.Function):
    """A product of derivative factors in which a zero factor wins, as in the AD backends.

    Reverse and forward mode multiply cotangents and tangents by partials with
    :func:`~diffkit.ops.core.zmul_impl`, so sqrt'(0) = inf times a zero
    factor contributes 0 (the gradient of ``sqrt(x*x + y*y)`` at the origin
    is 0, not 0/0).  It is built only after differentiating
    (:func:`zero_wins`) and prints for people as the product it is.
    """

    def _code(self, printer):
        code = printer._print(self.args[0])
        for a in self.args[1:]:
            code = f"zmul({code}, {printer._print(a)})"
        return code

    _numpycode = _pythoncode = _code

    def _product(self):
        return sp.Mul(*self.args, evaluate=False)

    def _sympystr(self, printer):
        return printer._print(self._product())

    def _latex(self, printer):
        return printer._print(self._product())

    def _pretty(self, printer):
        return printer._print(self._product())


def _subtrees(exprs):
    """Every subexpression of ``exprs``, each visited once (trees share subtrees)."""
    seen, stack = set(), list(exprs)
    while stack:
        e = stack.pop()
        if e not in seen:
            seen.add(e)
            stack.extend(e.args)
    return seen


def zero_wins(derivatives, function):
    """``derivatives`` with their products of partials made zero-wins products.

    Products that are part of ``function`` (values, not chain-rule products)
    stay ordinary, as in the AD backends, and so do factors that are finite
    nonzero numbers.  SymPy's unsigned infinity ``zoo`` (``1/0`` of a
    symbolic zero) becomes nan: its sign is unknown.
    """
    primal, memo = _subtrees(function), {}

    def visit(e):
        if e in memo:
            return memo[e]
        if e is sp.zoo:
            out = sp.nan
        elif not e.args or e in primal:
            out = e
        else:
            args = [visit(a) for a in e.args]
            if e.is_Mul:
                coeff = [a for a in args if a.is_Number and a.is_finite and a != 0]
                rest = [a for a in args if not (a.is_Number and a.is_finite and a != 0)]
                out = sp.Mul(*coeff, ZMul(*rest) if len(rest) > 1 else sp.Mul(*rest))
            else:
                out = e.func(*args) if args != list(e.args) else e
        memo[e] = out
        return out

    return [visit(e) for e in derivatives]


class _Numeric(sp.Function):
    """A function SymPy keeps opaque: its code calls ``code`` (NumPy's or SciPy's ufunc,
    for the numba compiler ``python_code``), and its partials are ``rules``."""

    code = python_code = None
    rules = ()

    def fdiff(self, argindex=1):
        return self.rules[argindex - 1](*self.args, self)

    def _call(self, printer, code):
        return f"{printer._module_format(code)}({_args(printer, self.args)})"

    def _numpycode(self, printer):
        return self._call(printer, self.code)

    def _pythoncode(self, printer):
        return self._call(printer, self.python_code or self.code)

    def _sympystr(self, printer):
        return f"{self.__class__.__name__}({_args(printer, self.args)})"

    def _latex(self, printer):
        name, args = self.__class__.__name__, _args(printer, self.args)
        return rf"\operatorname{{{name}}}\left({args}\right)"

    def _pretty(self, printer):
        return _call(printer, self.__class__.__name__, self.args)


def numeric(name, code, *rules, python_code=None):
    """An opaque SymPy function ``name`` computed by ``code`` (``"numpy.floor"``), whose
    partial with respect to argument k is ``rules[k](*args, value)``."""
    return type(name, (_Numeric,), {"nargs": len(rules), "code": code,
                                   "python_code": python_code, "rules": rules})


def _zero(*args):
    return sp.S.Zero


def _one(*args):
    return sp.S.One


def _at_nan_tie(a, b, pick):
    """d fmax(a, b) / da (``pick=Greater``) or fmin's: 1 where a is the value, 1/2 at a
    tie, 1 where only b is nan."""
    return pick(a, b) + Equal(a, b) / 2 + Unequal(b, b) * Equal(a, a)


Floor = numeric("floor", "numpy.floor", _zero)
Ceil = numeric("ceil", "numpy.ceil", _zero)
Trunc = numeric("trunc", "numpy.trunc", _zero)
Rint = numeric("rint", "numpy.rint", _zero)
Cbrt = numeric("cbrt", "numpy.cbrt", lambda x, y: 1 / (3 * y ** 2))
Hypot = numeric("hypot", "numpy.hypot", lambda a, b, y: Select(Equal(y, 0), 0, a / y),
                lambda a, b, y: Select(Equal(y, 0), 0, b / y))
LogAddExp2 = numeric("logaddexp2", "numpy.logaddexp2", lambda a, b, y: 2 ** (a - y),
                     lambda a, b, y: 2 ** (b - y))
FMax = numeric("fmax", "numpy.fmax", lambda a, b, y: _at_nan_tie(a, b, Greater),
               lambda a, b, y: _at_nan_tie(b, a, Greater))
FMin = numeric("fmin", "numpy.fmin", lambda a, b, y: _at_nan_tie(a, b, Less),
               lambda a, b, y: _at_nan_tie(b, a, Less))
CopySign = numeric("copysign", "numpy.copysign",
                   lambda a, b, y: Sign(a) * CopySign(1, b), _zero)
Heaviside = numeric("heaviside", "numpy.heaviside", _zero, lambda a, b, y: Equal(a, 0))
FloorDivide = numeric("floor_divide", "numpy.floor_divide", _zero, _zero)
Remainder = numeric("remainder", "numpy.remainder", _one, lambda a, b, y: -FloorDivide(a, b))
FMod = numeric("fmod", "numpy.fmod", _one, lambda a, b, y: -Rint((a - y) / b))


def _sinc_slope(x, y):
    # the record's rule: the Maclaurin series near 0, where (cos(pi x) - y) / x cancels
    u = sp.pi * x
    series = sp.S.Zero
    for c in SINC_SERIES[::-1]:   # Horner's rule, as the record evaluates it
        series = series * u ** 2 + c
    return Select(Less(Abs(x), sp.Rational(1, 4)), sp.pi * u * series, (sp.cos(u) - y) / x)


Sinc = numeric("sinc", "numpy.sinc", _sinc_slope)
# 1/hypot(x, 1), not SymPy's 1/sqrt(x**2 + 1), which is 0 for |x| > 1e154
Arcsinh = numeric("arcsinh", "numpy.arcsinh", lambda x, y: 1 / Hypot(x, 1))

# scipy.special's functions: SciPy's code for NumPy, math's where numba compiles one
Erf = numeric("erf", "scipy.special.erf",
              lambda x, y: 2 / sp.sqrt(sp.pi) * sp.exp(-x ** 2), python_code="math.erf")
Erfc = numeric("erfc", "scipy.special.erfc",
               lambda x, y: -2 / sp.sqrt(sp.pi) * sp.exp(-x ** 2), python_code="math.erfc")
# y * expit(-x), as the record: 1 - y rounds to 0 where the slope is still e^-x
Expit = numeric("expit", "scipy.special.expit", lambda x, y: y * Expit(-x))
Logit = numeric("logit", "scipy.special.logit", lambda x, y: 1 / (x * (1 - x)))
Polygamma = numeric("polygamma", "scipy.special.polygamma", _zero,
                    lambda n, x, y: Polygamma(n + 1, x))
Digamma = numeric("digamma", "scipy.special.digamma", lambda x, y: Polygamma(1, x))
Gammaln = numeric("gammaln", "scipy.special.gammaln", lambda x, y: Digamma(x),
                  python_code="math.lgamma")
Ndtr = numeric("ndtr", "scipy.special.ndtr",
               lambda x, y: sp.exp(-x ** 2 / 2) / sp.sqrt(2 * sp.pi))
LogNdtr = numeric("log_ndtr", "scipy.special.log_ndtr",
                  lambda x, y: sp.exp(-x ** 2 / 2 - y) / sp.sqrt(2 * sp.pi))
Xlogy = numeric("xlogy", "scipy.special.xlogy", lambda x, y, out: Log(y),
                lambda x, y, out: Select(Equal(x, 0), 0, x / y))
Xlog1py = numeric("xlog1py", "scipy.special.xlog1py", lambda x, y, out: log1p(y),
                  lambda x, y, out: Select(Equal(x, 0), 0, x / (1 + y)))
