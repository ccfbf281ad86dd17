"""The symbolic pipeline: convert, differentiate, eliminate common subexpressions, compile.

:func:`compile_derivative` runs the whole pipeline for one request (grad,
value_and_grad, jacobian, hessian, hvp) under the guard's limits and
returns the expressions, the compiled function and the swell record.
"""
import time

import numpy as np
import sympy as sp

from ..errors import OptionError, UnsupportedError
from .convert import to_sympy
from .functions import zero_wins, zmul
from .guard import MAX_CODE_OPS, MAX_OPS, TIME_BUDGET, Budget, check_code, check_size
from .swell import Swell, cse_ops, tree_ops

def _drop_delta(e):
    """sign' = 0 everywhere: replace the DiracDelta SymPy returns by 0."""
    return e.replace(sp.DiracDelta, lambda *a: sp.S.Zero) if e.has(sp.DiracDelta) else e


class SymbolicDerivative:
    """One compiled symbolic derivative.

    Attributes
    ----------
    request : str
    args : list of Symbol
        Arguments of the compiled function, in packed order (for hvp the
        direction's symbols ``v_...`` follow the inputs).
    wrt : list of Symbol
        The symbols differentiated.
    function : list of Expr
        The function's output entries.
    exprs : list of Expr
        What the compiled function returns (for a Hessian, its upper triangle
        row by row; for value_and_grad, the value first).
    swell : Swell
    code_ops : int
        Operations one call of the compiled code executes.
    code_kinds : dict
        Those operations per kind (add, mul, pow, sin, piecewise...).
    temporaries : int
        Common subexpressions the code stores (0 without CSE).
    """

    def __init__(self, request, args, wrt, function, exprs, swell, code_ops, fn, n_values=0):
        self.request, self.args, self.wrt = request, args, wrt
        self.function, self.exprs, self.swell = function, exprs, swell
        self.code_ops = code_ops
        self._fn, self._n_values = fn, n_values

    def __call__(self, x):
        """The flat results at the packed arguments ``x``."""
        return self.evaluate(x)[1]

    def evaluate(self, x):
        """``(values, results)``: the function's output entries and the flat results at ``x``.

        The generated code computes the function too (for value_and_grad it
        is the first result, and ``values`` is that entry), so that a caller
        can apply the rule for non-finite values without a second evaluation.
        """
        with np.errstate(all="ignore"):
            out = np.array(self._fn(x), dtype=float)
        if self.request == "value_and_grad":
            return out[:1], out[1:]
        return out[:self._n_values], out[self._n_values:]

    def hessian_matrix(self, flat):
        """Full symmetric (k, k) matrix from the upper-triangle results."""
        k = len(self.wrt)
        H = np.empty((k, k))
        iu = np.triu_indices(k)
        H[iu] = flat
        H.T[iu] = flat
        return H


def _gradient(f, wrt):
    return [sp.diff(f[0], s) for s in wrt]


def _grad(f, wrt):
    return _gradient(f, wrt), []


def _value_and_grad(f, wrt):
    return _gradient(f, wrt), [f[0]]


def _jacobian(f, wrt):
    return [sp.diff(fj, s) for fj in f for s in wrt], []


def _hessian(f, wrt):
    """The upper triangle row by row (:meth:`SymbolicDerivative.hessian_matrix` fills it in)."""
    g = _gradient(f, wrt)
    return [sp.diff(g[i], wrt[j]) for i in range(len(wrt)) for j in range(i, len(wrt))], []


def _hvp(f, wrt):
    """d/dx (g . v), with the direction v as extra symbols the compiled function takes."""
    v = [sp.Symbol(f"v_{i}", real=True) for i in range(len(wrt))]
    gv = sp.Add(*[gi * vi for gi, vi in zip(_gradient(f, wrt), v)])
    return [sp.diff(gv, s) for s in wrt], v


#: request -> (outputs, wrt symbols) -> (derivative expressions, extra values or symbols);
#: the requests are those of :data:`diffkit.backends.base.REQUESTS`.
_DERIVATIVES = {"grad": _grad, "value_and_grad": _value_and_grad, "jacobian": _jacobian,
                "hessian": _hessian, "hvp": _hvp}


def compile_derivative(graph, request="grad", wrt=(0,), cse=True, compiler="numpy",
                       max_ops=MAX_OPS, time_budget=TIME_BUDGET, max_code_ops=MAX_CODE_OPS,
                       generate=True):
    """Differentiate ``graph`` symbolically and compile the result.

    Parameters
    ----------
    graph : Graph
    request : str
        One of grad, value_and_grad, jacobian, hessian, hvp.
    wrt : tuple of int
        Positions of the inputs to differentiate.
    cse : bool
        Generate code with common subexpressions computed once.
    compiler : str
        ``"numpy"`` (lambdify to NumPy) or ``"numba"`` (lambdify to ``math``
        and compile with numba; pays off for functions called many times).
    max_ops, time_budget, max_code_ops
        The guard's limits (see :mod:`diffkit.symbolic.guard`); None disables one.
    generate : bool
        False to stop after differentiating and measuring (no code, no call).

    Examples
    --------
    >>> import numpy as np, diffkit
    >>> from diffkit.symbolic import compile_derivative
    >>> d = compile_derivative(diffkit.parse("x ** 3 * y"), "grad", (0, 1))
    >>> d.exprs
    [3*x**2*y, x**3]
    >>> d(np.array([2.0, 5.0]))
    array([60.,  8.])
    """
    if request not in _DERIVATIVES:
        raise OptionError(f"unknown request {request!r}; choose one of {', '.join(_DERIVATIVES)}")
    swell = Swell(graph_ops=graph.flops())
    check_size(swell.graph_ops, max_ops)
    budget = Budget(time_budget, f"a graph of {swell.graph_ops} scalar operations")
    t0 = time.perf_counter()
    with budget.step("converting the graph to SymPy"):
        conv = to_sympy(graph, budget)
    t1 = time.perf_counter()
    wrt_syms = conv.flat_symbols(wrt)
    with budget.step("differentiating"):
        function = conv.flat_outputs()
        derivs, extra = _DERIVATIVES[request](function, wrt_syms)
        derivs = zero_wins([_drop_delta(e) for e in derivs], function)
    t2 = time.perf_counter()
    exprs = (extra + derivs) if request == "value_and_grad" else derivs
    with budget.step("counting operations"):
        swell.function_ops = tree_ops(function)
        swell.derivative_ops = tree_ops(derivs)
    with budget.step("eliminating common subexpressions"):
        swell.function_ops_cse = cse_ops(*sp.cse(function))
        replacements, reduced = sp.cse(exprs)
        swell.derivative_ops_cse = cse_ops(replacements, reduced)
        # the code computes f as well, for the non-finite rule (backends.base)
        compiled = exprs if request == "value_and_grad" else function + exprs
        code_cse = (replacements, reduced) if compiled is exprs else sp.cse(compiled)
    t3 = time.perf_counter()
    kinds = {}
    code = [rhs for _, rhs in code_cse[0]] + list(code_cse[1]) if cse else compiled
    code_ops = tree_ops(code, kinds)
    check_code(code_ops, max_code_ops, cse)
    args = conv.flat_symbols() + (extra if request == "hvp" else [])
    fn = None
    if generate:
        with budget.step("generating code"):
            fn = _lambdify(args, compiled, code_cse if cse else None, compiler)
    t4 = time.perf_counter()
    swell.convert_seconds, swell.differentiate_seconds = t1 - t0, t2 - t1
    swell.cse_seconds, swell.compile_seconds = t3 - t2, t4 - t3
    d = SymbolicDerivative(request, args, wrt_syms, function, exprs, swell, code_ops, fn,
                           len(compiled) - len(exprs))
    d.code_kinds = kinds
    d.temporaries = len(code_cse[0]) if cse else 0
    d.replacements, d.reduced = replacements, reduced
    return d


def _lambdify(args, exprs, cse_result, compiler):
    if compiler not in ("numpy", "numba"):
        raise OptionError(f"compiler={compiler!r}: choose 'numpy' or 'numba'")
    modules = "math" if compiler == "numba" else "numpy"
    cse = (lambda _: cse_result) if cse_result is not None else False
    # lambdify walks ``exprs`` as trees; after CSE the reduced ones are the small ones
    body = cse_result[1] if cse_result is not None else exprs
    helpers = {"zmul": zmul}  # the function ZMul's code calls
    if compiler == "numba":
        from ..kernels.build import jit
        helpers["zmul"] = jit(zmul)
    fn = sp.lambdify([args], body, modules=[helpers, modules], cse=cse, docstring_limit=0)
    if compiler == "numba":
        from ..kernels.build import jit
        fn = jit(fn)
        try:
            fn(np.ones(len(args)))  # compile now, so compile time is measured here
        except Exception as exc:  # noqa: BLE001 - numba's typing and lowering errors
            if not type(exc).__module__.startswith("numba"):
                raise
            raise UnsupportedError(
                "the symbolic code of this function calls a function numba cannot compile "
                f"({type(exc).__name__}); use compiler='numpy'") from None
    return fn
