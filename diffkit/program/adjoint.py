"""Reverse mode: the reverse sweep, and the adjoint graph it builds.

:func:`backward` pulls cotangents back to front through the op records'
rules.  It is written once and runs on NumPy arrays (the reference
interpreter, :mod:`diffkit.program.reference`) and on traced values:
:func:`adjoint_graph` extends a graph with tracers and runs the sweep on
them, so the result is one graph computing the function's outputs followed
by its adjoints.  The compiled kernels execute it like any graph, and
differentiating it once more (forward over reverse) gives Hessian-vector
products.
"""
import numpy as np

from .. import ops
from ..graph.graph import GraphBuilder, bulk
from ..graph.passes import SIMPLIFY_RULES, Rewriter, simplified, simplify
from ..graph.tracing import Tracer


def active_nodes(graph, wrt):
    """Float nodes that depend on the inputs ``wrt`` (positions) and feed an output."""
    # a simplified graph is pruned: everything feeds an output
    up = graph._nodes if graph.simplified else graph.ancestors(graph.outputs)
    down = {graph.inputs[i] for i in wrt}
    active = set()
    for n in graph.order:  # operands come first: one walk finds what depends on wrt
        a = graph.node(n)
        if n not in down and any(m in down for m in a["args"]):
            down.add(n)
        if n in down and n in up and a["dtype"] == "float64":
            active.add(n)
    return active


def _accumulate(cts, n, value):
    cts[n] = value if n not in cts else cts[n] + value


def backward(graph, values, seeds, active):
    """Reverse sweep: cotangent of every active node reached from ``seeds``.

    Parameters
    ----------
    graph : Graph
    values : dict
        Node -> value (NumPy arrays, or traced values when building a graph).
    seeds : dict
        Output node -> its cotangent.
    active : set
        Nodes that carry cotangents (see :func:`active_nodes`).
    """
    cts = {}
    pieces = {}  # node -> its ops.Scatter cotangents, added up once its users are done
    for n, g in seeds.items():
        if n in active:
            _accumulate(cts, n, g)
    for n in reversed(graph.order):
        a = graph.node(n)
        if n in pieces:
            indices, parts = zip(*pieces.pop(n))
            _accumulate(cts, n, ops.call("getitem_t", *parts, indices=indices,
                                         shape=a["shape"]))
        if n not in cts or a["op"] in ("input", "const"):
            continue
        op = ops.get(a["op"])
        args = [values[m] for m in a["args"]]
        g = cts[n]
        if op.partials is not None:
            local = op.partials(*args, values[n])
            grads = [None if p is None else ops.unbroadcast(_scale(g, p), _shape(x))
                     for p, x in zip(local, args)]
        else:
            grads = op.vjp(g, args, values[n], **a["params"])
        for m, gm in zip(a["args"], grads):
            if gm is None or m not in active:
                continue
            if isinstance(gm, ops.Scatter):
                pieces.setdefault(m, []).append((gm.index, gm.values))
            else:
                _accumulate(cts, m, gm)
    return cts


def _shape(x):
    """Shape of an array, a traced value or a number, without NumPy's dispatch."""
    shape = getattr(x, "shape", None)
    return () if shape is None else shape


def _scale(g, p):
    """g times a local partial p, zero winning; +-1 constants add no node.

    The product broadcasts p (often a scalar); broadcasting it explicitly
    would let constant folding store a full-size array of one number.
    """
    if isinstance(p, float) and p in (1.0, -1.0):
        return g if p == 1.0 else -g
    return ops.zmul(g, p)


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

    Examples
    --------
    >>> import diffkit
    >>> g = diffkit.parse("x * sin(y)")
    >>> adj = adjoint_graph(g)
    >>> print(adj.listing())  # f = x sin y; df/dx = sin y is f's own sin y
    out2 = sin(y)
    out1 = x * out2
    z1 = cos(y)
    out3 = zmul(x, z1)
    >>> [round(float(v), 12) for v in adj(2.0, 0.5)]  # f, df/dx = sin y, df/dy = x cos y
    [0.958851077208, 0.479425538604, 1.755165123781]
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
    return simplified(builder.finish(outs))
