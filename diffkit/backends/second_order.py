"""Hessians and Hessian-vector products by forward over reverse.

The adjoint graph computes the gradient; one tangent sweep over it along v
gives H v, and the unit vectors give H column by column.  Both AD backends
share this code.

Examples
--------
>>> import numpy as np, diffkit
>>> f = lambda x: x[0] ** 2 * x[1]
>>> diffkit.hessian(f, method="forward")(np.array([1.0, 2.0]))
array([[4., 2.],
       [2., 0.]])
>>> diffkit.hvp(f, method="reverse")(np.array([1.0, 2.0]), np.array([1.0, 0.0]))
array([4., 2.])
"""
import math

import numpy as np

from ..program.adjoint import adjoint_graph
from ..kernels import direction_runner, tangent_runner
from ..program.packing import Packing
from .base import hessian_blocks
from .compiled import compile_program, tangent_cost


class SecondOrder:
    """Mixin giving a backend ``hessian`` and ``hvp`` by forward over reverse."""

    def _adjoint_program(self, graph, wrt):
        adj = adjoint_graph(graph, wrt)
        program, kern = compile_program(adj)
        return program, kern, graph.flops()

    def compile_hessian(self, graph, wrt):
        program, kern, f_flops = self._adjoint_program(graph, wrt)
        packing = Packing(graph, wrt)
        columns = packing.wrt_columns
        k = len(columns)

        run = tangent_runner(program, kern, columns)

        def hessian(*args):
            out, tout = run(packing.pack(args))
            if not math.isfinite(out[0]):  # the non-finite rule (backends.base)
                tout = np.full_like(tout, np.nan)
            return hessian_blocks(tout[:, 1:].T, packing, wrt)

        hessian.cost = tangent_cost(self.name, program, k, f_flops)
        return hessian

    def compile_hvp(self, graph, wrt):
        program, kern, f_flops = self._adjoint_program(graph, wrt)
        packing = Packing(graph, wrt)
        columns = packing.wrt_columns
        run = direction_runner(program, kern)

        def hvp(*args):
            x, flat_v = packing.hvp_args(args)
            direction = np.zeros(x.size)
            direction[columns] = flat_v
            out, tangent = run(x, direction)
            if not math.isfinite(out[0]):
                tangent = np.full_like(tangent, np.nan)
            return packing.split(tangent[1:], wrt)

        hvp.cost = tangent_cost(self.name, program, 1, f_flops)
        return hvp
