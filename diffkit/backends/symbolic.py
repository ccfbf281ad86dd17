"""Symbolic differentiation: ``method="symbolic"``.

The graph becomes SymPy expressions, SymPy differentiates them, and
lambdify compiles the derivative (see :mod:`diffkit.symbolic`).  Options
(keyword arguments of ``diffkit.grad(f, method="symbolic", ...)``):

cse : bool
    Compute common subexpressions once in the generated code (default True).
compiler : str
    ``"numpy"`` (default) or ``"numba"``.
max_ops, time_budget, max_code_ops
    Limits of the guard; over them, :class:`~diffkit.symbolic.SymbolicTooLarge`.

Each compiled callable carries ``cost`` (``flops`` = operations of the
generated code, one evaluation), ``swell`` (a
:class:`~diffkit.symbolic.swell.Swell`) and ``derivative`` (the
expressions).

Examples
--------
>>> import numpy as np, diffkit
>>> df = diffkit.grad(lambda x, y: np.sin(np.exp(x * y) + 2 * x ** 2), method="symbolic",
...                   argnums=(0, 1))
>>> [round(float(v), 12) for v in df(1.1, 0.7)]
[-0.781747483249, -0.314154671745]
>>> df.cost.method, df.cost.evaluations
('symbolic', 1)
"""
import numpy as np

from ..cost import Cost
from ..program.packing import Packing
from ..symbolic.guard import MAX_CODE_OPS, MAX_OPS, TIME_BUDGET
from .base import (Backend, Option, hessian_blocks, is_positive_int, is_positive_number,
                   jacobian_blocks, nan_where_not_finite, register, scalar_output, single_output)


def _evaluate(d, x):
    """``(values, results)`` of ``d`` at ``x``, the results nan where the function is not
    finite (the rule of :func:`~.base.nan_where_not_finite`).

    The results are grouped per output entry (a Jacobian's rows), or all
    belong to the one scalar output.
    """
    values, results = d.evaluate(x)
    columns = results.reshape(len(values), -1).T
    checked = nan_where_not_finite(values, columns)
    return values, (results if checked is columns else checked.T.ravel())


def _results(d, x):
    return _evaluate(d, x)[1]


@register("symbolic")
class Symbolic(Backend):
    """Derivatives from SymPy expressions, compiled with lambdify."""

    OPTIONS = {
        "cse": Option(True, lambda v: isinstance(v, bool), "True or False"),
        "compiler": Option("numpy", lambda v: isinstance(v, str) and v in ("numpy", "numba"),
                           "'numpy' or 'numba'"),
        "max_ops": Option(MAX_OPS, is_positive_int, "a positive int"),
        "time_budget": Option(TIME_BUDGET, is_positive_number, "a positive number of seconds"),
        "max_code_ops": Option(MAX_CODE_OPS, is_positive_int, "a positive int"),
    }

    def _compile(self, request, graph, wrt):
        from ..symbolic.engine import compile_derivative
        d = compile_derivative(graph, request, wrt, **self.options)
        return d, Packing(graph, wrt)

    def _attach(self, fn, d, graph):
        n_out = len(d.exprs)
        fn.cost = Cost(method="symbolic", flops=d.code_ops, function_flops=graph.flops(),
                       evaluations=1, tangents=0,
                       stored_bytes=8 * (len(d.args) + d.temporaries + n_out),
                       ops=dict(d.code_kinds))
        fn.swell = d.swell
        fn.derivative = d
        return fn

    def compile_grad(self, graph, wrt):
        scalar_output(graph, "a gradient")
        d, packing = self._compile("grad", graph, wrt)

        def grad(*args):
            return packing.split(_results(d, packing.pack(args)), wrt)

        return self._attach(grad, d, graph)

    def compile_value_and_grad(self, graph, wrt):
        scalar_output(graph, "a gradient")
        d, packing = self._compile("value_and_grad", graph, wrt)

        def value_and_grad(*args):
            values, results = _evaluate(d, packing.pack(args))
            return values[0], packing.split(results, wrt)

        return self._attach(value_and_grad, d, graph)

    def compile_jacobian(self, graph, wrt):
        single_output(graph)
        d, packing = self._compile("jacobian", graph, wrt)
        out_shape = graph.output_shapes[0]
        k = len(d.wrt)

        def jacobian(*args):
            J = _results(d, packing.pack(args)).reshape(-1, k)
            return jacobian_blocks(J, packing, wrt, out_shape)

        return self._attach(jacobian, d, graph)

    def compile_hessian(self, graph, wrt):
        scalar_output(graph, "a Hessian")
        d, packing = self._compile("hessian", graph, wrt)

        def hessian(*args):
            return hessian_blocks(d.hessian_matrix(_results(d, packing.pack(args))), packing, wrt)

        return self._attach(hessian, d, graph)

    def compile_hvp(self, graph, wrt):
        scalar_output(graph, "a Hessian-vector product")
        d, packing = self._compile("hvp", graph, wrt)

        def hvp(*args):
            x, flat_v = packing.hvp_args(args)
            return packing.split(_results(d, np.concatenate([x, flat_v])), wrt)

        return self._attach(hvp, d, graph)
