"""Forward mode: tangent sweeps, a block of directions at a time.

A gradient of f: R^d -> R costs d tangent directions (the lecture's O(d));
pushing them as one block turns the per-op work into matrix-matrix
products (vector mode).

Examples
--------
>>> import numpy as np, diffkit
>>> df = diffkit.grad(lambda x: np.sum(x * x), method="forward")
>>> df(np.array([1.0, 2.0, 3.0]))
array([2., 4., 6.])
>>> df.cost.tangents, df.cost.evaluations    # three directions, one block
(3, 1)
"""
import numpy as np

from ..kernels import tangent_runner
from ..program.packing import Packing
from .base import (Backend, Option, is_positive_int, jacobian_blocks, nan_where_not_finite,
                   optional, register, scalar_output, single_output)
from .compiled import compile_program, tangent_cost
from .second_order import SecondOrder


@register("forward")
class Forward(SecondOrder, Backend):
    """Forward-mode automatic differentiation (tangent propagation).

    Option ``block``: tangent directions pushed per kernel run (default: as
    many as fit a fixed workspace budget).
    """

    OPTIONS = {"block": Option(None, optional(is_positive_int), "a positive int, the directions "
                               "per kernel run, or None for automatic")}

    def _compile(self, graph, wrt):
        program, kern = compile_program(graph)
        packing = Packing(graph, wrt)
        cost = tangent_cost("forward", program, len(packing.wrt_columns), graph.flops(),
                            self.options.get("block"))
        return program, kern, packing, cost

    def compile_value_and_grad(self, graph, wrt):
        scalar_output(graph, "a gradient")
        program, kern, packing, cost = self._compile(graph, wrt)
        block = self.options.get("block")

        run = tangent_runner(program, kern, packing.wrt_columns, block)

        def value_and_grad(*args):
            out, tout = run(packing.pack(args))
            return out[0], packing.split(nan_where_not_finite(out, tout)[:, 0], wrt)

        value_and_grad.cost = cost
        return value_and_grad

    def compile_jacobian(self, graph, wrt):
        single_output(graph)
        program, kern, packing, cost = self._compile(graph, wrt)
        out_shape = graph.output_shapes[0]
        block = self.options.get("block")

        run = tangent_runner(program, kern, packing.wrt_columns, block)

        def jacobian(*args):
            out, tout = run(packing.pack(args))
            tout = nan_where_not_finite(out, tout)
            return jacobian_blocks(np.ascontiguousarray(tout.T), packing, wrt, out_shape)

        jacobian.cost = cost
        return jacobian
