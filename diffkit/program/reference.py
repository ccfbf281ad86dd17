"""The NumPy reference interpreter of derivatives: the spec the kernels are tested against.

``jvp`` pushes tangents front to back; ``vjp`` pulls cotangents back to
front with the reverse sweep of :mod:`diffkit.program.adjoint`, the one
that builds the gradient graphs the kernels execute, run here on arrays.
"""
import numpy as np

from .. import ops
from ..graph.evaluate import as_result, evaluate_all
from .adjoint import active_nodes, backward


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
    """Reference gradient of a graph with one scalar output.

    Examples
    --------
    >>> import diffkit
    >>> [float(v) for v in grad(diffkit.parse("x * y ** 2"), 3.0, 2.0)]  # y**2, 2xy
    [4.0, 12.0]
    """
    if len(graph.outputs) != 1 or graph.output_shapes[0] != ():
        raise ValueError("grad needs a graph with one scalar output; use vjp or jacobian")
    return vjp(graph, args, [1.0], wrt)[1]


def jvp(graph, args, tangents):
    """Reference Jacobian-vector product: ``(outputs, output_tangents)``.

    ``tangents`` holds one array per input (None for an input held fixed).

    Examples
    --------
    >>> import diffkit
    >>> out, tangent = jvp(diffkit.parse("x * y ** 2"), (3.0, 2.0), (1.0, None))
    >>> float(out), float(tangent)  # f and df/dx along x
    (12.0, 4.0)
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
