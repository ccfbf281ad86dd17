"""SymPy functions that carry diffkit's conventions at kinks.

SymPy's own ``Max`` differentiates to ``Heaviside(a - b)`` and merges
repeated arguments, so a three-way tie would get 1/2 per argument instead
of 1/3.  :class:`Maximum` and :class:`Minimum` keep every argument and split
the derivative evenly among the tied ones, as the AD backends do;
:class:`Norm` has norm'(0) = 0; :class:`Power` (for exponents that are not
constants) has d/db = 0 at a = 0 and d/da = 0 for b = 0.
"""
import sympy as sp


def _args(printer, args):
    return ", ".join(printer._print(a) for a in args)


class _Extremum(sp.Function):
    """n-ary max or min with even tie splitting."""

    pick = max

    @classmethod
    def eval(cls, *args):
        if len(args) == 1:
            return args[0]
        if all(a.is_number and a.is_real for a in args):
            return cls.pick(args)
        return None

    def fdiff(self, argindex=1):
        x = self.args[argindex - 1]
        hits = sp.Add(*[sp.Piecewise((1, sp.Eq(a, self)), (0, True)) for a in self.args])
        return sp.Piecewise((1 / hits, sp.Eq(x, self)), (0, True))

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


class Maximum(_Extremum):
    pick = max


class Minimum(_Extremum):
    pick = min


class Norm(sp.Function):
    """Euclidean norm of the arguments, with norm'(0) = 0."""

    def _value(self):
        return sp.sqrt(sp.Add(*[a ** 2 for a in self.args]))

    def fdiff(self, argindex=1):
        return sp.Piecewise((0, sp.Eq(self, 0)), (self.args[argindex - 1] / self, True))

    def _pythoncode(self, printer):
        return printer._print(self._value())

    _numpycode = _pythoncode

    def _sympystr(self, printer):
        return f"norm({_args(printer, self.args)})"

    def _latex(self, printer):
        return rf"\left\|\left({_args(printer, self.args)}\right)\right\|"


class Power(sp.Function):
    """a ** b for an exponent that is not a constant; diffkit's conventions at a = 0."""

    nargs = 2

    @classmethod
    def eval(cls, a, b):
        if b.is_number or (a.is_number and b.is_number):
            return a ** b
        return None

    def fdiff(self, argindex=1):
        a, b = self.args
        if argindex == 1:
            return sp.Piecewise((0, sp.Eq(b, 0)), (b * Power(a, b - 1), True))
        return sp.Piecewise((0, sp.Eq(a, 0)), (sp.log(a) * self, True))

    def _pythoncode(self, printer):
        return printer._print(self.args[0] ** self.args[1])

    _numpycode = _pythoncode

    def _sympystr(self, printer):
        return printer._print(sp.Pow(*self.args, evaluate=False))

    def _latex(self, printer):
        return printer._print(sp.Pow(*self.args, evaluate=False))
