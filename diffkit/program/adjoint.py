"""Reverse mode as a graph transformation.

:func:`adjoint_graph` extends a graph with traced values and runs the shared
reverse sweep (:func:`diffkit.program.reference.backward`) on them, so the
result is one graph computing the function's outputs followed by its
adjoints, back to front.  The compiled kernels execute it like any graph,
and differentiating it once more (forward over reverse) gives
Hessian-vector products.
"""
import numpy as np

from ..graph.graph import GraphBuilder, bulk
from ..graph.passes import SIMPLIFY_RULES, Rewriter, prune, simplify
from ..graph.tracing import Tracer
from .reference import active_nodes, backward


class _Traced:
    """node -> a tracer of that node in ``builder``, made when asked (no table of them)."""

    __slots__ = ("builder",)

    def __init__(self, builder):
        self.builder = builder

    def __getitem__(self, n):
        return Tracer(self.builder, n)


@bulk
def adjoint_graph(graph, wrt=None, seed_inputs=False):
    """Graph of ``(outputs..., adjoints of the inputs in wrt...)``.

    Parameters
    ----------
    graph : Graph
    wrt : sequence of int, optional
        Positions of the inputs to differentiate (default: all).
    seed_inputs : bool
        If False, the graph must have one scalar output, seeded with 1 (a
        gradient).  If True, one cotangent input per output is appended
        (named ``ct_<i>``), giving a vector-Jacobian product.

    Returns
    -------
    Graph
        Simplified (constants folded, common subexpressions merged, dead
        nodes pruned).
    """
    wrt = tuple(range(len(graph.inputs))) if wrt is None else tuple(wrt)
    graph = simplify(graph)  # free when it already is
    # the function's nodes, then its adjoints, simplified as the sweep adds them
    builder = GraphBuilder.extending(graph, Rewriter(SIMPLIFY_RULES))
    values = _Traced(builder)
    if seed_inputs:
        seeds = {o: Tracer(builder, builder.add_input(f"ct_{i}", graph.node(o)["shape"]))
                 for i, o in enumerate(graph.outputs)}
    else:
        if len(graph.outputs) != 1 or graph.output_shapes[0] != ():
            raise ValueError("a gradient needs one scalar output; use a vector-Jacobian "
                             "product (seed_inputs=True) or a Jacobian")
        seeds = {graph.outputs[0]: Tracer(builder, builder.add_const(np.asarray(1.0)))}
    cts = backward(graph, values, seeds, active_nodes(graph, wrt))
    outs = [values[o].node for o in graph.outputs]
    for i in wrt:
        n = graph.inputs[i]
        if n in cts:
            outs.append(cts[n].node)
        else:
            outs.append(builder.add_const(np.zeros(graph.input_shapes[i])))
    result = prune(builder.finish(outs))
    result.simplified = True
    return result
