"""Experiment 6: symbolic expression swell against the size of the AD graph.

Composing the logistic map ``l <- 4 l (1 - l)`` n times gives a graph of
O(n) nodes, but written out as one expression (a tree, no sharing) the
function doubles in size at every composition, since l appears twice, and
its derivative grows like n 2^n.  Common-subexpression elimination (CSE)
recovers sharing; reverse-mode AD builds a graph of O(n) nodes directly.
Swell metrics come from :mod:`diffkit.symbolic` (SymPy).
"""
import numpy as np

from ...backends import methods
from ...errors import DiffkitError
from ...graph import trace
from ...graph.passes import simplify
from ...program.adjoint import adjoint_graph
from .. import families
from ..sweep import SweepResult
from .base import ExperimentResult, compare_fits, pick, register

__all__ = ["swell"]

SWELL_SETTINGS = {"quick": {"sizes": [1, 2, 3, 4, 5, 6], "time_budget": 10.0},
                  "default": {"sizes": [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], "time_budget": 20.0},
                  "large": {"sizes": list(range(1, 14)), "time_budget": 120.0}}

#: Columns of the swell record shown, with their labels.
SERIES = {"derivative_ops": "derivative tree", "derivative_ops_cse": "derivative, CSE",
          "function_ops": "function tree", "function_ops_cse": "function, CSE",
          "ad_nodes": "reverse-mode AD graph", "graph_nodes": "function graph"}


@register(6, "swell", "Symbolic expression swell against composition depth")
def swell(preset="default", measure="both", progress=None, sizes=None):
    """Experiment 6: derivative expression size with and without CSE, beside the AD graph.

    Examples
    --------
    >>> from diffkit.profile import experiments
    >>> r = experiments.run("swell", preset="quick")
    >>> [(c.method, c.predicted) for c in r.comparisons[:2]]
    [('function tree', 0.69), ('derivative tree', 0.69)]
    """
    s = pick(SWELL_SETTINGS, preset, sizes)
    family = families.composition_chain()
    rows, notes = [], []
    symbolic = "symbolic" in methods()
    if not symbolic:
        notes.append("method 'symbolic' is not registered; only graph sizes are measured")
    for n in s["sizes"]:
        case = family(n)
        graph = simplify(trace(case.fn, *case.args))
        row = {"size": n, "graph_nodes": graph.num_nodes,
               "ad_nodes": adjoint_graph(graph).num_nodes}
        if symbolic:
            from ...symbolic import compile_derivative
            try:
                d = compile_derivative(graph, "grad", (0,), generate=False,
                                       time_budget=s["time_budget"])
            except DiffkitError as err:
                notes.append(f"symbolic stopped at n = {n}: {str(err).splitlines()[0]}")
                symbolic = False
            else:
                sw = d.swell
                row.update({k: getattr(sw, k) for k in SERIES if hasattr(sw, k)},
                           sympy_s=sw.differentiate_seconds + sw.cse_seconds)
        rows.append(row)
    long = [{"size": r["size"], "method": label, "ops": r[key]}
            for r in rows for key, label in SERIES.items() if key in r]
    result = SweepResult(family.name, "n", "grad", "ops", long, notes)
    case = "logistic map composed n times"
    growth = _growth_fits(result)
    comparisons = [_growth(case, growth, "function tree", np.log(2), "≈",
                           "T(n) = 2 T(n-1) + 3: doubles"),
                   _growth(case, growth, "derivative tree", np.log(2), "≥",
                           "contains the function tree: at least doubles")]
    comparisons += compare_fits(result, f"{case}, in n", "ops",
                                {"reverse-mode AD graph": 1, "function graph": 1,
                                 "function, CSE": 1}, tol=0.2, min_size=3)
    comparisons += compare_fits(result, f"{case}, in n", "ops", {"derivative, CSE": None},
                                min_size=3, note="SymPy's CSE keeps the product-rule "
                                "expansion: polynomial, not linear")
    return ExperimentResult(
        "swell", swell.title,
        "Written as a tree, the n-fold logistic map doubles at each composition and its "
        "derivative grows like n 2^n; CSE shares the repeated pieces back, and the reverse-mode "
        "AD graph stays linear in n.",
        [c for c in comparisons if c is not None], {"swell": rows},
        {"sizes": lambda: _plot(result, growth)}, notes, settings=s)


def _growth_fits(result):
    """Exponential fits of the tree sizes."""
    from ..fit import fit_exponent
    fits = {}
    for label in ("function tree", "derivative tree"):
        x, y = result.series("ops").get(label, ([], []))
        keep = [i for i, n in enumerate(x) if n >= 3]
        fits[(label, "ops")] = fit_exponent([x[i] for i in keep], [y[i] for i in keep],
                                            label, "ops", growth=True)
    return fits


def _growth(case, fits, label, predicted, relation, note):
    from ..fit import Comparison
    fit = fits.get((label, "ops"))
    if fit is None or fit.points < 2:
        return None
    return Comparison(f"{case} (n = {fit.lo:g}..{fit.hi:g})", label,
                      "log growth per composition", round(float(predicted), 2), fit.exponent,
                      fit.stderr, tol=0.1, relation=relation, digits=2, note=note)


def _plot(result, growth):
    from ..plots import figure, loglog
    fig, ax = figure()
    series = result.series("ops")
    fits = {m: f for (m, q), f in result.fit(["ops"], 3).items()}
    fits.update({m: f for (m, q), f in growth.items()})  # the trees grow exponentially
    loglog(ax, series, fits, "compositions n", "operations (tree ops, CSE ops, graph nodes)",
           "Expression swell: logistic map composed n times")
    ax.set_xscale("linear")
    ax.set_xticks(sorted({x for xs, _ in series.values() for x in xs}))
    return fig
