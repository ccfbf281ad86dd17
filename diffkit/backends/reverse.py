"""Reverse mode: the adjoint graph, run by the values kernel.

One run computes the function and its gradient: the forward sweep stores
every intermediate in the workspace (the O(V) memory) and the adjoint sweep
walks back over them.  A Jacobian takes one run per output entry.

Examples
--------
>>> import numpy as np, diffkit
>>> df = diffkit.grad(lambda x: np.sum(x * x), method="reverse")
>>> df(np.array([1.0, 2.0, 3.0]))
array([2., 4., 6.])
>>> df.cost.evaluations                      # one run, whatever the input size
1
>>> J = diffkit.jacobian(lambda x: x * x, method="reverse")
>>> J(np.array([1.0, 2.0])), J.cost.evaluations
(array([[2., 0.],
       [0., 4.]]), 2)
"""
import math

import numpy as np

from ..cost import Cost
from ..graph.evaluate import PLAIN_SCALARS
from ..kernels import values_runner
from ..program.adjoint import adjoint_graph
from ..program.packing import Packing
from .base import Backend, jacobian_blocks, register, scalar_output, single_output
from .compiled import compile_program
from .second_order import SecondOrder


@register("reverse")
class Reverse(SecondOrder, Backend):
    """Reverse-mode automatic differentiation (backpropagation)."""

    def _gradient(self, graph, wrt, with_value):
        scalar_output(graph, "a gradient")
        program, kern = compile_program(adjoint_graph(graph, wrt))
        packing = Packing(graph, wrt)
        n_in = packing.n
        if packing.scalar_only:
            call = _scalar_call(program, kern, packing, with_value)
        else:
            run = values_runner(program, kern)

            def call(*args):
                io = packing.io(args, program)
                run(io)
                if not math.isfinite(io[n_in]):  # the non-finite rule (backends.base)
                    io[n_in + 1:] = np.nan
                grads = packing.split(io[n_in + 1:], wrt)
                return (io[n_in], grads) if with_value else grads
        call.cost = Cost(method="reverse", flops=program.flops, function_flops=graph.flops(),
                         evaluations=1, tangents=0, stored_bytes=program.workspace_bytes,
                         ops=program.op_counts)
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
            io = packing.io(args, program)  # the inputs, then one cotangent per output entry
            n_x, n = packing.n, program.n_inputs
            rows = np.empty((m, len(packing.wrt_columns)))
            for i in range(m):
                io[n_x:n] = 0.0
                io[n_x + i] = 1.0
                run(io)  # rewrites the outputs only: the inputs stay for the next row
                rows[i] = io[n + m:] if math.isfinite(io[n + i]) else np.nan
            return jacobian_blocks(rows, packing, wrt, out_shape)

        jacobian.cost = Cost(method="reverse", flops=m * program.flops,
                             function_flops=graph.flops(), evaluations=m, tangents=0,
                             stored_bytes=program.workspace_bytes,
                             ops={k: m * v for k, v in program.op_counts.items()})
        return jacobian


def _scalar_call(program, kern, packing, with_value):
    """Scalars in, scalars out: the per-call Python is a few list operations.

    The small-problem hot path: numpy slicing and per-argument helpers would
    cost more than the kernel itself, so the io array (:meth:`Program.io
    <diffkit.program.format.Program.io>`) is allocated and filled inline.
    """
    values, ints, consts = kern.values, program.ints, program.consts
    n_in, n_io = packing.n, program.io_size
    nan_grads = (math.nan,) * (program.n_outputs - 1)

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
