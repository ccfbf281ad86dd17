"""Derivatives to read: the expressions SymPy finds, as text and LaTeX.

:func:`derivative` takes a function (with example arguments), an expression
string or a Graph and returns a :class:`Derivative` that prints as
``name = expression`` lines, optionally with common subexpressions pulled
out, and as a LaTeX ``aligned`` block.  Its ``swell`` attribute measures the
growth from function to derivative.
"""
import sympy as sp

from ..errors import OptionError
from ..graph.front import as_graph
from .engine import compile_derivative
from .guard import MAX_OPS, TIME_BUDGET


class Derivative:
    """Derivative expressions with names, for people to read.

    Attributes
    ----------
    function : list of Expr
        The function's output entries.
    names : list of str
        ``df/dx``-style names of the derivative entries.
    exprs : list of Expr
        The derivative entries (without CSE).
    replacements, reduced : list
        The same after common-subexpression elimination.
    swell : Swell
    """

    def __init__(self, d, names, function_name, cse):
        self.function = d.function
        self.names = names
        self.exprs = d.exprs
        self.replacements, self.reduced = d.replacements, d.reduced
        self.swell = d.swell
        self.symbols = d.args
        self.cse = cse
        self.function_name = function_name

    def _lines(self, show):
        args = ", ".join(str(s) for s in self.symbols)
        head = [(f"{self.function_name}({args})", show(self.function[0]))] if len(
            self.function) == 1 else [(f"{self.function_name}_{i}", show(e))
                                      for i, e in enumerate(self.function)]
        if not self.cse:
            return head, [(n, show(e)) for n, e in zip(self.names, self.exprs)]
        temps = [(str(t), show(e)) for t, e in self.replacements]
        return head, temps + [(n, show(e)) for n, e in zip(self.names, self.reduced)]

    def __str__(self):
        head, body = self._lines(str)
        return "\n".join(f"{n} = {e}" for n, e in head + body)

    def pretty(self):
        """Unicode two-dimensional rendering (sympy.pretty) of each line."""
        head, body = self._lines(lambda e: sp.pretty(e, use_unicode=True))
        return "\n\n".join(f"{n} =\n{e}" for n, e in head + body)

    def latex(self):
        """A LaTeX ``aligned`` block: the function, then one line per derivative entry."""
        head, body = self._lines(sp.latex)
        lines = [rf"{_latex_name(n)} &= {e}" for n, e in head + body]
        return "\\begin{aligned}\n" + " \\\\\n".join(lines) + "\n\\end{aligned}"

    def __repr__(self):
        return f"<Derivative: {len(self.exprs)} entries, {self.swell.derivative_ops} ops " \
               f"({self.swell.derivative_ops_cse} with CSE)>"


def _latex_name(name):
    if "/" not in name:
        return name
    top, bottom = name.split("/", 1)
    if top.startswith("d2"):
        return rf"\frac{{\partial^2 {top[2:]}}}{{{_partials(bottom)}}}"
    return rf"\frac{{\partial {top[1:]}}}{{\partial {_sym(bottom[1:])}}}"


def _partials(bottom):
    parts = [p for p in bottom.split("d") if p]
    return " ".join(rf"\partial {_sym(p)}" for p in parts)


def _sym(name):
    return sp.latex(sp.Symbol(name))


def derivative(fn, *args, argnums=None, request=None, cse=False, shapes=None, name="f",
               max_ops=MAX_OPS, time_budget=TIME_BUDGET):
    """Symbolic derivative of ``fn`` as readable expressions.

    Parameters
    ----------
    fn : callable, str or Graph
        A function, an expression string or a graph
        (:func:`diffkit.graph.as_graph`).
    *args : float or array_like
        The example point a function is traced at; an expression takes its
        input shapes from it, and a graph is checked against it.
    shapes : dict, optional
        Instead of ``args``, for an expression: its array inputs' shapes by
        name, e.g. ``{"x": (3,)}``.
    argnums : int or tuple of int, optional
        Inputs to differentiate (default: all).
    request : str, optional
        ``"grad"`` (default for scalar functions), ``"jacobian"`` (default
        otherwise) or ``"hessian"``.
    cse : bool
        Show common subexpressions as temporaries ``x0 = ...``.

    Examples
    --------
    >>> from diffkit.symbolic import derivative
    >>> d = derivative("sin(exp(x*y) + 2*x**2)")
    >>> print(d)
    f(x, y) = sin(2*x**2 + exp(x*y))
    df/dx = (4*x + y*exp(x*y))*cos(2*x**2 + exp(x*y))
    df/dy = x*exp(x*y)*cos(2*x**2 + exp(x*y))
    >>> print(derivative("sin(exp(x*y) + 2*x**2)", cse=True))
    f(x, y) = sin(2*x**2 + exp(x*y))
    x0 = exp(x*y)
    x1 = cos(2*x**2 + x0)
    df/dx = x1*(4*x + x0*y)
    df/dy = x*x0*x1
    >>> print(derivative("x**2 * y", request="hessian").latex())
    \\begin{aligned}
    f(x, y) &= x^{2} y \\\\
    \\frac{\\partial^2 f}{\\partial x \\partial x} &= 2 y \\\\
    \\frac{\\partial^2 f}{\\partial x \\partial y} &= 2 x \\\\
    \\frac{\\partial^2 f}{\\partial y \\partial y} &= 0
    \\end{aligned}
    """
    graph = as_graph(fn, *args, shapes=shapes)
    wrt = graph.positions(argnums)
    scalar = len(graph.outputs) == 1 and graph.output_shapes[0] == ()
    request = request or ("grad" if scalar else "jacobian")
    if request not in ("grad", "jacobian", "hessian"):
        raise OptionError(f"request={request!r}: choose 'grad', 'jacobian' or 'hessian'")
    d = compile_derivative(graph, request, wrt, cse=cse, max_ops=max_ops,
                           time_budget=time_budget, generate=False)
    syms = [str(s) for s in d.wrt]
    if request == "grad":
        names = [f"d{name}/d{s}" for s in syms]
    elif request == "hessian":
        names = [f"d2{name}/d{a}d{b}" for i, a in enumerate(syms) for b in syms[i:]]
    else:
        outs = [f"{name}_{i}" for i in range(len(d.function))] if not scalar else [name]
        names = [f"d{o}/d{s}" for o in outs for s in syms]
    return Derivative(d, names, name, cse)
