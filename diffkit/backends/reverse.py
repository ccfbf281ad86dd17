"""Reverse mode: the adjoint graph, run by the values kernel.

One run computes the function and its gradient: the forward sweep stores
every intermediate in the workspace (the O(V) memory) and the adjoint sweep
walks back over them.  A Jacobian takes one run per output entry.
"""
import math

import numpy as np

from ..cost import Cost
from ..graph.evaluate import PLAIN_SCALARS
from ..program.adjoint import adjoint_graph
from .base import Backend, Packing, jacobian_blocks, register, scalar_output, single_output
from .compiled import compile_program, values_runner
from .second_order import SecondOrder


@register("reverse")
class Reverse(SecondOrder, Backend):
    """Reverse-mode automatic differentiation (backpropagation)."""

    def _gradient(self, graph, wrt, with_value):
        scalar_output(graph, "a gradient")
        program, kern = compile_program(adjoint_graph(graph, wrt))
        packing = Packing(graph, wrt)
        values, ints, consts = kern.values, program.ints, program.consts
        n_in, n_out = packing.n, program.n_outputs
        if packing.scalar_only:
            call = _scalar_call(values, ints, consts, packing, n_out, with_value)
        else:
            run = values_runner(program, kern)

            def call(*args):
                io = packing.io(args, n_out)
                run(io)
                if not math.isfinite(io[n_in]):  # the non-finite rule (backends.base)
                    io[n_in + 1:] = np.nan
                grads = packing.split(io[n_in + 1:], wrt)
                return (io[n_in], grads) if with_value else grads
        call.cost = Cost("reverse", program.flops, graph.flops(), 1, 0,
                         program.workspace_bytes, program.op_counts)
        return call

    def compile_value_and_grad(self, graph, wrt):
        return self._gradient(graph, wrt, True)

    def compile_grad(self, graph, wrt):
        return self._gradient(graph, wrt, False)

    def compile_jacobian(self, graph, wrt):
        single_output(graph)
        program, kern = compile_program(adjoint_graph(graph, wrt, seed_inputs=True))
        packing = Packing(graph, wrt)
        out_shape = graph.output_shapes[0]
        m = int(np.prod(out_shape, dtype=int))
        run = values_runner(program, kern)

        def jacobian(*args):
            x = packing.pack(args)
            n = x.size + m  # inputs, then one cotangent per output entry
            rows = np.empty((m, len(packing.wrt_columns)))
            io = np.empty(n + program.n_outputs)
            for i in range(m):
                io[:x.size] = x
                io[x.size:n] = 0.0
                io[x.size + i] = 1.0
                run(io)
                rows[i] = io[n + m:] if math.isfinite(io[n + i]) else np.nan
            return jacobian_blocks(rows, packing, wrt, out_shape)

        jacobian.cost = Cost("reverse", m * program.flops, graph.flops(), m, 0,
                             program.workspace_bytes, {k: m * v for k, v in
                                                       program.op_counts.items()})
        return jacobian


def _scalar_call(values, ints, consts, packing, n_out, with_value):
    """Scalars in, scalars out: the per-call Python is a few list operations.

    The small-problem hot path: numpy slicing and per-argument helpers would
    cost more than the kernel itself.
    """
    n_in = packing.n
    n_io = n_in + n_out
    nan_grads = (math.nan,) * (n_out - 1)

    def call(*args):
        io = np.empty(n_io)
        plain = len(args) == n_in
        if plain:
            for i, a in enumerate(args):
                if type(a) not in PLAIN_SCALARS:
                    plain = False
                    break
                io[i] = a
        if not plain:  # anything else is converted, or rejected naming the argument
            io[:n_in] = packing.pack(args)
        values(ints, consts, io)
        out = io.tolist()
        grads = tuple(out[n_in + 1:]) if math.isfinite(out[n_in]) else nan_grads
        return (out[n_in], grads) if with_value else grads

    return call
