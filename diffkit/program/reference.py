"""The NumPy reference interpreter of derivatives: the spec the kernels are tested against.

``jvp`` pushes tangents front to back; ``vjp`` pulls cotangents back to
front.  :func:`backward` is written once and runs on NumPy arrays (here) and
on traced values (in :mod:`diffkit.program.adjoint`, where it builds the
gradient graph that the compiled kernels execute).
"""
import numpy as np

from .. import ops
from ..graph.evaluate import as_result, check_args, evaluate_all


def active_nodes(graph, wrt):
    """Float nodes that depend on the inputs ``wrt`` (positions) and feed an output."""
    up = graph.ancestors(graph.outputs)
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


def _zero(shape):
    return np.zeros(shape)


def vjp(graph, args, cotangents, wrt=None):
    """Reference vector-Jacobian product.

    Returns ``(outputs, grads)`` where ``grads`` holds one array per input in
    ``wrt`` (default: all inputs), the cotangents pulled back from the
    ``cotangents`` given for each output.
    """
    wrt = tuple(range(len(graph.inputs))) if wrt is None else tuple(wrt)
    values = evaluate_all(graph, args)
    seeds = {n: np.asarray(c, dtype=float) for n, c in zip(graph.outputs, cotangents)}
    with np.errstate(all="ignore"):
        cts = backward(graph, values, seeds, active_nodes(graph, wrt))
    grads = tuple(np.asarray(cts.get(graph.inputs[i], _zero(graph.input_shapes[i])),
                             dtype=float).reshape(graph.input_shapes[i]) for i in wrt)
    return as_result(graph, values), grads


def grad(graph, *args, wrt=None):
    """Reference gradient of a graph with one scalar output."""
    if len(graph.outputs) != 1 or graph.output_shapes[0] != ():
        raise ValueError("grad needs a graph with one scalar output; use vjp or jacobian")
    return vjp(graph, args, [1.0], wrt)[1]


def jvp(graph, args, tangents):
    """Reference Jacobian-vector product: ``(outputs, output_tangents)``.

    ``tangents`` holds one array per input (None for an input held fixed).
    """
    values = evaluate_all(graph, args)
    tans = {n: np.asarray(t, dtype=float) for n, t in zip(graph.inputs, tangents)
            if t is not None}
    with np.errstate(all="ignore"):
        for n in graph.order:
            a = graph.node(n)
            if a["op"] in ("input", "const") or a["dtype"] != "float64":
                continue
            ts = [tans.get(m) for m in a["args"]]
            if all(t is None for t in ts):
                continue
            op = ops.get(a["op"])
            args_v = [values[m] for m in a["args"]]
            if op.partials is not None:
                local = op.partials(*args_v, values[n])
                total = np.zeros(a["shape"])
                for t, p in zip(ts, local):
                    if t is not None and p is not None:
                        total = total + ops.zmul(t, p)
                tans[n] = np.broadcast_to(total, a["shape"]).astype(float)
            else:
                tans[n] = np.asarray(op.jvp(ts, args_v, values[n], **a["params"]), dtype=float)
    out_t = [tans.get(n, np.zeros(graph.node(n)["shape"])) for n in graph.outputs]
    out_t = [t[()] if t.ndim == 0 else t for t in out_t]
    return as_result(graph, values), out_t[0] if len(out_t) == 1 else tuple(out_t)
