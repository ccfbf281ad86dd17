"""Experiments 1 and 2: what a gradient costs by each method, as d, w and L grow.

1. ``gradient-cost``: Rosenbrock in d.  Relative to one evaluation of f,
   finite differences cost 2d evaluations, forward mode d tangents (both
   exponent 1), reverse mode a constant (exponent 0, under 4); symbolic
   differentiation is measured beside them.
2. ``mlp-cost``: a tanh MLP of width w, depth L, input dimension d: f is
   O(w^2 L); the input gradient by finite differences or forward mode is
   O(d w^2 L), by reverse mode O(w^2 L).  With respect to the w^2 L
   parameters, finite differences and forward mode pay O(w^4 L^2) (O(w^2 L)
   evaluations of f).
"""
from .. import families
from ..fit import Comparison
from ..sweep import sweep
from .base import ExperimentResult, compare_fits, pick, register, upper_half

AD = ("fd", "forward", "reverse")
TIMING = {"quick": {"repeats": 2, "min_time": 0.002},
          "default": {"repeats": 3, "min_time": 0.01},
          "large": {"repeats": 5, "min_time": 0.05}}
TIME_NOTE = "time, larger half of the sizes; per-call overhead flattens small sizes"


def _sweep(family, sizes, methods, measure, preset, progress, **kw):
    return sweep(family, sizes, methods, "ops" if measure == "ops" else "both",
                 progress=progress, **TIMING[preset], **kw)


def _evaluations_per_parameter(family, result, case):
    """Central differences: exactly 2 evaluations of f per parameter, at the largest width."""
    w = max(r["size"] for r in result.rows)
    built = family(w)
    n_params = sum(built.args[i].size for i in built.argnums)
    row = next(r for r in result.rows if r["size"] == w and r["method"] == "fd")
    return Comparison(f"{case} (w = {w}, {n_params} parameters)", "fd",
                      "evaluations per parameter", 2, row["evaluations"] / n_params, tol=0)


def _figure(result, quantity, title, min_size=None):
    return lambda: result.plot(quantity, title=title, min_size=min_size)


GRADIENT_SETTINGS = {
    "quick": {"sizes": [4, 8, 16, 32], "loop_sizes": [4, 8, 16], "symbolic_max": 16},
    "default": {"sizes": [8, 16, 32, 64, 128, 256, 512], "loop_sizes": [8, 16, 32, 64],
                "symbolic_max": 64},
    "large": {"sizes": [16, 32, 64, 128, 256, 512, 1024, 2048],
              "loop_sizes": [16, 32, 64, 128, 256], "symbolic_max": 128},
}


@register(1, "gradient-cost", "Gradient cost against the input dimension d (Rosenbrock)")
def gradient_cost(preset="default", measure="both", progress=None, sizes=None):
    """Experiment 1: cost of a gradient against d for fd, forward, reverse and symbolic.

    Examples
    --------
    >>> from diffkit.profile import experiments
    >>> r = experiments.run("gradient-cost", preset="quick", measure="ops")
    >>> [(c.method, c.predicted, c.agrees) for c in r.comparisons[:3]]
    [('fd', 1, True), ('forward', 1, True), ('reverse', 0, True)]
    """
    s = pick(GRADIENT_SETTINGS, preset, sizes)
    methods = AD + ("symbolic",)
    limit = {"symbolic": s["symbolic_max"]}
    vec = _sweep(families.rosenbrock(), s["sizes"], methods, measure, preset, progress,
                 max_size=limit)
    loop = _sweep(families.rosenbrock_loop(), s["loop_sizes"], methods, measure, preset,
                  progress, max_size=limit)
    predicted = {"fd": 1, "forward": 1, "reverse": 0, "symbolic": None}
    comparisons, notes = [], vec.notes + loop.notes
    for result, what in ((vec, "vectorized"), (loop, "scalar loop")):
        comparisons += compare_fits(result, f"Rosenbrock ({what}) in d", "sweeps", predicted,
                                    note="cost relative to f")
    d_max = max(s["sizes"])
    last = {r["method"]: r for r in vec.rows if r["size"] == d_max}
    case = f"Rosenbrock, d = {d_max}"
    comparisons += [
        Comparison(case, "fd", "function evaluations", 2 * d_max,
                   last["fd"]["evaluations"], tol=0, note="central differences: 2d"),
        Comparison(case, "forward", "tangent directions", d_max,
                   last["forward"]["tangents"], tol=0),
        Comparison(f"Rosenbrock in d ({min(s['sizes'])}..{d_max})", "reverse",
                   "max cost relative to f", 4,
                   max(r["sweeps"] for r in vec.rows if r["method"] == "reverse"), tol=0,
                   relation="≤", note="cheap gradient principle")]
    figures = {"ops": _figure(vec, "sweeps", "Gradient of Rosenbrock: cost relative to f"),
               "loop-ops": _figure(loop, "sweeps", "Rosenbrock as a scalar loop: cost "
                                   "relative to f")}
    if measure != "ops":
        tail = upper_half(s["sizes"])
        comparisons += compare_fits(vec, "Rosenbrock in d", "best_s",
                                    {"fd": 2, "forward": 2, "reverse": 1}, tol=0.3,
                                    note=TIME_NOTE, min_size=tail)
        comparisons += compare_fits(vec, "Rosenbrock in d", "lower_s", {"symbolic": None},
                                    note="SymPy differentiation + code generation time")
        figures["time"] = _figure(vec, "best_s", "Gradient of Rosenbrock: steady-state time",
                                  tail)
    rev_loop = [c for c in comparisons if c.case.startswith("Rosenbrock (scalar")
                and c.method == "reverse"]
    if rev_loop and rev_loop[0].agrees is False:
        notes.append("reverse mode on the scalar loop grows with d in this implementation: "
                     "the adjoint of each x[i] is a scatter into a zero vector of length d "
                     "(getitem_t), and the d of them are summed, O(d^2) flops in all")
    return ExperimentResult(
        "gradient-cost", gradient_cost.title,
        "Relative to one evaluation of f, a gradient costs 2d evaluations by central "
        "differences and d tangents by forward mode (exponent 1 in d), a constant by "
        "reverse mode (exponent 0, at most about 4).",
        comparisons, {"rosenbrock": vec.rows, "rosenbrock_loop": loop.rows}, figures, notes,
        settings=s)


MLP_SETTINGS = {
    "quick": {"w": [8, 16, 32, 64], "L": [1, 2, 4], "d": [2, 4, 8], "params_w": [4, 8, 16],
              "width": 8, "depth": 3, "input": 2},
    "default": {"w": [8, 16, 32, 64, 128, 256], "L": [1, 2, 4, 8, 16, 32],
                "d": [2, 4, 8, 16, 32, 64], "params_w": [4, 8, 16, 32],
                "width": 32, "depth": 3, "input": 4},
    "large": {"w": [16, 32, 64, 128, 256, 512], "L": [1, 2, 4, 8, 16, 32, 64],
              "d": [2, 4, 8, 16, 32, 64, 128], "params_w": [4, 8, 16, 32, 64, 128],
              "width": 64, "depth": 3, "input": 4},
}


@register(2, "mlp-cost", "MLP gradients in width w, depth L and input dimension d")
def mlp_cost(preset="default", measure="both", progress=None, sizes=None):
    """Experiment 2: MLP gradient costs swept in w, L and d (input and parameter gradients).

    ``sizes`` replaces the widths of the w sweep.

    Examples
    --------
    >>> from diffkit.profile import experiments
    >>> r = experiments.run("mlp-cost", preset="quick", measure="ops")
    >>> sorted({c.case.split(",")[0] for c in r.comparisons})  # doctest: +NORMALIZE_WHITESPACE
    ['input gradient in L', 'input gradient in d', 'input gradient in w',
     'parameter gradient in w']
    """
    s = pick(MLP_SETTINGS, preset, sizes, key="w")
    w, L, d = s["width"], s["depth"], s["input"]
    runs = [  # (family, sizes, quantity, predicted exponents, case)
        (families.mlp("w", depth=L, d=d), s["w"], "flops",
         dict.fromkeys(("f",) + AD, 2), f"input gradient in w, L = {L}, d = {d}"),
        # d = w: the first layer costs like the others, so f is exactly linear in L
        (families.mlp("L", width=w, d=w), s["L"], "flops",
         dict.fromkeys(("f",) + AD, 1), f"input gradient in L, w = d = {w}"),
        (families.mlp("d", width=w, depth=L), s["d"], "sweeps",
         {"fd": 1, "forward": 1, "reverse": 0}, f"input gradient in d, w = {w}, L = {L}"),
        # relative to f: w^2 L parameters make fd and forward O(w^2), reverse O(1)
        (families.mlp("w", depth=L, d=d, wrt="params"), s["params_w"], "sweeps",
         {"fd": 2, "forward": 2, "reverse": 0}, f"parameter gradient in w, L = {L}, d = {d}"),
    ]
    comparisons, tables, figures, notes = [], {}, {}, []
    for family, sizes_, quantity, predicted, case in runs:
        result = _sweep(family, sizes_, AD, measure, preset, progress)
        # in w, the d w and O(w) terms still matter at small widths: fit the larger half
        low = upper_half(sizes_) if family.parameter == "w" else None
        comparisons += compare_fits(result, case, quantity, predicted, min_size=low,
                                    note="" if low is None else "larger half of the sizes")
        if measure != "ops" and quantity == "flops":
            timed = {m: p for m, p in predicted.items() if m != "f"}
            comparisons += compare_fits(result, case, "best_s", timed, tol=0.3,
                                        note=TIME_NOTE, min_size=upper_half(sizes_))
        if family.name == "mlp_params_w":
            comparisons.append(_evaluations_per_parameter(family, result, case))
        tables[family.name] = result.rows
        notes += result.notes
        figures[f"{family.name}-ops"] = _figure(result, quantity, f"MLP {case}", low)
        if measure != "ops":
            figures[f"{family.name}-time"] = _figure(result, "best_s", f"MLP {case}: time",
                                                     upper_half(sizes_))
    notes.append("symbolic is left out: it writes one expression per entry of every "
                 "weight matrix")
    notes.append("the parameter gradient is compared relative to f: the count of parameters "
                 "2w^2 + (d + 3) w still has visible lower-order terms at these widths")
    return ExperimentResult(
        "mlp-cost", mlp_cost.title,
        "For an MLP of width w, depth L and input dimension d, f costs O(w^2 L); the input "
        "gradient costs O(d w^2 L) by finite differences and forward mode and O(w^2 L) by "
        "reverse mode.  Relative to f, the parameter gradient (w^2 L parameters) costs "
        "O(w^2 L) by finite differences and forward mode, O(1) by reverse mode.",
        comparisons, tables, figures, notes, settings=s)
