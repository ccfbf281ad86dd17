"""Experiment 4: backpropagation against the naive computation of all pairwise partials.

On a scalar DAG of V nodes and E edges, backpropagation visits each edge
once from the output back (O(V + E) time) and keeps one value and one
adjoint per node (O(V) memory).  The naive way pushes, for every node, the
row of its partial derivatives with respect to every other node forward
(O(V E) time, a V x V table).  Both are written here in a few lines over
the same graph and local partials (from the op table), and diffkit's
compiled reverse mode is measured beside them.
"""
import numpy as np

from ... import ops
from ...api import grad
from ...graph import trace
from ...graph.evaluate import evaluate_all
from .. import families
from ..fit import Comparison
from ..measure import autorange, measure as measure_one
from ..sweep import SweepResult
from .base import ExperimentResult, compare_fits, pick, register, upper_half

__all__ = ["local_partials", "backprop", "all_pairs", "backprop_vs_naive"]


def local_partials(graph, args):
    """Node index -> [(operand index, local partial)], nodes numbered in topological order.

    Examples
    --------
    >>> import numpy as np, diffkit
    >>> from diffkit.profile.experiments.graphs import local_partials
    >>> g = trace(lambda x, y: np.sin(x * y), 2.0, 3.0)
    >>> local_partials(g, (2.0, 3.0))[2]   # x * y: d/dx = y, d/dy = x
    [(0, 3.0), (1, 2.0)]
    """
    values = evaluate_all(graph, args)
    index = {n: i for i, n in enumerate(graph.order)}
    local = {}
    for n in graph.order:
        a = graph.node(n)
        if a["op"] in ("input", "const"):
            continue
        op = ops.get(a["op"])
        parts = op.partials(*(values[m] for m in a["args"]), values[n])
        local[index[n]] = [(index[m], float(p)) for m, p in zip(a["args"], parts)
                           if p is not None]
    return local


def backprop(local, n_nodes, output):
    """Adjoints of every node by one backward sweep; returns (adjoints, flops)."""
    adjoint = np.zeros(n_nodes)
    adjoint[output] = 1.0
    flops = 0
    for n in range(n_nodes - 1, -1, -1):
        for m, p in local.get(n, ()):
            adjoint[m] += p * adjoint[n]
            flops += 2
    return adjoint, flops


def all_pairs(local, n_nodes):
    """``P[i, j] = d v_i / d v_j`` for all pairs, pushed forward row by row; (P, flops)."""
    P = np.zeros((n_nodes, n_nodes))
    flops = 0
    for n in range(n_nodes):
        P[n, n] = 1.0
        for m, p in local.get(n, ()):
            P[n] += p * P[m]
            flops += 2 * n_nodes
    return P, flops


BACKPROP_SETTINGS = {
    "quick": {"sizes": [25, 50, 100], "fan_in": 1.5, "min_time": 0.001},
    "default": {"sizes": [100, 200, 400, 800, 1600], "fan_in": 1.5, "min_time": 0.005},
    "large": {"sizes": [100, 200, 400, 800, 1600, 3200, 6400], "fan_in": 1.5,
              "min_time": 0.02},
}


@register(4, "backprop", "Backpropagation O(V+E) against all pairwise partials O(V E)")
def backprop_vs_naive(preset="default", measure="both", progress=None, sizes=None):
    """Experiment 4: time and memory of backpropagation and of the naive all-pairs method.

    Examples
    --------
    >>> from diffkit.profile import experiments
    >>> r = experiments.run("backprop", preset="quick", measure="ops")
    >>> [(c.method, c.predicted, c.agrees) for c in r.comparisons[:3]]
    [('backprop', 1, True), ('naive', 2, True), ('reverse', 1, True)]
    """
    s = pick(BACKPROP_SETTINGS, preset, sizes)
    family = families.random_dag(s["fan_in"])
    rows, worst = [], 0.0
    timing = measure != "ops"
    for V in s["sizes"]:
        case = family(V)
        graph = trace(case.fn, *case.args)
        n, out = graph.num_nodes, graph.order.index(graph.outputs[0])
        local = local_partials(graph, case.args)
        inputs = [graph.order.index(i) for i in graph.inputs]
        adjoint, bp_flops = backprop(local, n, out)
        P, naive_flops = all_pairs(local, n)
        rev = measure_one(case.fn, *case.args, method="reverse", argnums=case.argnums,
                          timing=timing, repeats=3, min_time=s["min_time"])
        exact = np.asarray(grad(case.fn, argnums=case.argnums)(*case.args))
        worst = max(worst, float(np.max(np.abs(adjoint[inputs] - exact))),
                    float(np.max(np.abs(P[out, inputs] - exact))))
        base = {"size": n, "V": n, "E": graph.num_edges}
        runs = {"backprop": (bp_flops, 16 * n, lambda: backprop(local, n, out)),
                "naive": (naive_flops, 8 * n * n, lambda: all_pairs(local, n)),
                "reverse": (rev.cost.flops, rev.cost.stored_bytes, None)}
        for method, (flops, stored, call) in runs.items():
            row = {**base, "method": method, "flops": flops, "stored_bytes": stored}
            if timing:
                row["best_s"], row["median_s"] = (rev.best_s, rev.median_s) if call is None \
                    else autorange(call, 3, s["min_time"])[:2]
            rows.append(row)
    result = SweepResult(family.name, "V", "grad", measure, rows)
    case = f"random DAG, E ≈ {s['fan_in']} V, in V"
    comparisons = compare_fits(result, case, "flops", {"backprop": 1, "naive": 2, "reverse": 1})
    comparisons += compare_fits(result, case, "stored_bytes",
                                {"backprop": 1, "naive": 2, "reverse": 1})
    comparisons.append(Comparison("all sizes", "all three", "max abs. gradient difference",
                                  1e-12, worst, tol=0, relation="≤",
                                  note="against diffkit.grad"))
    figures = {"flops": lambda: result.plot("flops", title="Backprop against all pairwise "
                                            "partials: flops"),
               "memory": lambda: result.plot("stored_bytes", title="Backprop against all "
                                             "pairwise partials: memory")}
    if timing:
        tail = upper_half(result.series("best_s")["naive"][0])
        comparisons += compare_fits(result, case, "best_s",
                                    {"backprop": 1, "naive": 2, "reverse": 1}, tol=0.3,
                                    min_size=tail, note="time, larger half of the sizes; "
                                    "Python loops of the teaching versions dominate")
        figures["time"] = lambda: result.plot("best_s", title="Backprop against all pairwise "
                                              "partials: time", min_size=tail)
    return ExperimentResult(
        "backprop", backprop_vs_naive.title,
        "Backpropagation costs O(V + E) time and O(V) memory on a graph of V nodes and E "
        "edges; computing every pairwise partial derivative forward costs O(V E) time and "
        "O(V^2) memory, quadratic in V when E grows like V.",
        comparisons, {"backprop": rows}, figures, [], settings=s)
