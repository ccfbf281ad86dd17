"""Hessians and Hessian-vector products by forward over reverse.

The adjoint graph computes the gradient; one tangent sweep over it along v
gives H v, and the unit vectors give H column by column.  Both AD backends
share this code.
"""
import numpy as np

from ..program.adjoint import adjoint_graph
from .base import Packing
from .compiled import compile_program, run_tangents, tangent_cost


def _blocks(flat_rows, packing, wrt):
    """Split a (n_wrt, n_wrt) matrix into nested blocks shaped T_i + T_j."""
    sizes = [packing.sizes[i] for i in wrt]
    cuts = np.concatenate([[0], np.cumsum(sizes)]).astype(int)
    rows = []
    for a, i in enumerate(wrt):
        row = []
        for b, j in enumerate(wrt):
            block = flat_rows[cuts[a]:cuts[a + 1], cuts[b]:cuts[b + 1]]
            row.append(block.reshape(packing.shapes[i] + packing.shapes[j]))
        rows.append(tuple(row))
    return tuple(rows)


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

        def hessian(*args):
            x = packing.pack(args)
            _, tout = run_tangents(program, kern, x, columns)
            return _blocks(tout[:, 1:].T, packing, wrt)

        hessian.cost = tangent_cost(self.name, program, k, f_flops)
        return hessian

    def compile_hvp(self, graph, wrt):
        program, kern, f_flops = self._adjoint_program(graph, wrt)
        packing = Packing(graph, wrt)
        columns = packing.wrt_columns

        def hvp(*args):
            *args, v = args
            x = packing.pack(args)
            vs = (v,) if len(wrt) == 1 else tuple(v)
            direction = np.zeros((1, x.size))
            direction[0, columns] = np.concatenate([np.ravel(np.asarray(t, dtype=float))
                                                    for t in vs])
            _, tout = run_tangents(program, kern, x, columns, directions=direction)
            return packing.split(tout[0, 1:], wrt)

        hvp.cost = tangent_cost(self.name, program, 1, f_flops)
        return hvp
