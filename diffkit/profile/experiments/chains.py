"""Experiment 3: the order in which a chain of layer Jacobians is multiplied.

The Jacobian of ``f = f_L o ... o f_1`` is the product ``J_L ... J_1``.
Forward accumulation multiplies from the input side (matrix-matrix products
of width n_0), reverse accumulation from the output side (vector-matrix
products when the output is a scalar), and the matrix-chain dynamic program
finds the cheapest of the Catalan(L - 1) bracketings.  Flops are counted
with the op table's matmul cost (2 m k n).
"""
from math import comb

import numpy as np

from ... import ops
from ..fit import Comparison
from ..measure import autorange
from ..sweep import SweepResult
from .base import ExperimentResult, compare_fits, pick, register, upper_half

__all__ = ["chain_order", "count_orders", "multiply", "jacobian_chain"]


def _flops(a, b, c):
    """Flops of an (a x b) @ (b x c) product, from the op table."""
    return ops.get("matmul").flops((a, c), (a, b), (b, c))


def chain_order(dims):
    """Cheapest bracketing of ``J_L ... J_1`` by dynamic programming.

    ``dims = [n_0, ..., n_L]``: ``J_i`` has shape ``(n_i, n_{i-1})``.  Matrices
    are numbered 1..L from the input side.

    Returns
    -------
    flops : int
    split : dict
        ``(i, j) -> k``: the product of ``J_j ... J_i`` is ``(J_j...J_{k+1}) (J_k...J_i)``.

    Examples
    --------
    >>> from diffkit.profile.experiments.chains import chain_order
    >>> flops, split = chain_order([10, 100, 5, 50])  # J1: 100x10, J2: 5x100, J3: 50x5
    >>> flops, split[(1, 3)]   # (J3 (J2 J1)): 2*(5*100*10 + 50*5*10)
    (15000, 2)
    """
    L = len(dims) - 1
    cost = {(i, i): 0 for i in range(1, L + 1)}
    split = {}
    for length in range(2, L + 1):
        for i in range(1, L - length + 2):
            j = i + length - 1
            cost[(i, j)], split[(i, j)] = min(
                (cost[(i, k)] + cost[(k + 1, j)] + _flops(dims[j], dims[k], dims[i - 1]), k)
                for k in range(i, j))
    return cost[(1, L)], split


def count_orders(L):
    """Number of bracketings of L matrices, counted by the same recursion as the DP.

    Examples
    --------
    >>> from diffkit.profile.experiments.chains import count_orders
    >>> [count_orders(L) for L in range(1, 7)]
    [1, 1, 2, 5, 14, 42]
    """
    count = [0, 1]  # count[m]: bracketings of m matrices
    for m in range(2, L + 1):
        count.append(sum(count[k] * count[m - k] for k in range(1, m)))
    return count[L]


def forward_flops(dims):
    """Flops of multiplying from the input side: ``J_L (... (J_3 (J_2 J_1)))``."""
    return sum(_flops(dims[i], dims[i - 1], dims[0]) for i in range(2, len(dims)))


def reverse_flops(dims):
    """Flops of multiplying from the output side: ``((J_L J_{L-1}) J_{L-2}) ...``."""
    return sum(_flops(dims[-1], dims[i], dims[i - 1]) for i in range(1, len(dims) - 1))


def multiply(mats, split):
    """The product ``J_L ... J_1`` of ``mats = [J_1, ..., J_L]`` in the bracketing ``split``.

    Iterative (an explicit stack), so long chains cannot overflow Python's recursion.
    """
    L = len(mats)
    done = {(i, i): mats[i - 1] for i in range(1, L + 1)}
    stack = [(1, L)]
    while stack:
        i, j = stack[-1]
        k = split[(i, j)]
        todo = [p for p in ((i, k), (k + 1, j)) if p not in done]
        if todo:
            stack.extend(todo)
            continue
        stack.pop()
        done[(i, j)] = done[(k + 1, j)] @ done[(i, k)]
    return done[(1, L)]


def _linear_split(L, from_input):
    """The split table of forward (from the input) or reverse accumulation."""
    return {(i, j): (j - 1 if from_input else i) for i in range(1, L + 1)
            for j in range(i + 1, L + 1)}


def _chain(L, n_in, n_out, low, high, seed=0):
    """L Jacobians; the hidden widths are the first L - 1 of one seeded random sequence,
    so a longer chain extends a shorter one."""
    rng = np.random.default_rng(seed)
    widths = rng.integers(low, high + 1, 1024)[:L - 1]
    dims = [n_in] + [int(v) for v in widths] + [n_out]
    mats = [rng.standard_normal((dims[i], dims[i - 1])) / np.sqrt(dims[i - 1])
            for i in range(1, L + 1)]
    return dims, mats


JACOBIAN_ORDER_SETTINGS = {
    "quick": {"sizes": [2, 4, 8], "n_in": 16, "outputs": [1, 8], "widths": (4, 32),
              "min_time": 0.001},
    "default": {"sizes": [2, 4, 8, 16, 32, 64], "n_in": 64, "outputs": [1, 32],
                "widths": (8, 128), "min_time": 0.005},
    "large": {"sizes": [2, 4, 8, 16, 32, 64, 128], "n_in": 128, "outputs": [1, 64],
              "widths": (8, 256), "min_time": 0.02},
}


@register(3, "jacobian-order", "Jacobian accumulation order for a chain of L layer Jacobians")
def jacobian_chain(preset="default", measure="both", progress=None, sizes=None):
    """Experiment 3: forward, reverse and optimal (DP) accumulation of a Jacobian chain.

    Examples
    --------
    >>> from diffkit.profile import experiments
    >>> r = experiments.run("jacobian-order", preset="quick", measure="ops")
    >>> all(c.agrees for c in r.comparisons if c.agrees is not None)
    True
    """
    s = pick(JACOBIAN_ORDER_SETTINGS, preset, sizes)
    comparisons, tables, figures = [], {}, {}
    for n_out in s["outputs"]:
        what = "Gradient (scalar output)" if n_out == 1 else f"Jacobian, {n_out} outputs"
        rows = []
        for L in s["sizes"]:
            dims, mats = _chain(L, s["n_in"], n_out, *s["widths"])
            best, split = chain_order(dims)
            orders = {"forward": (forward_flops(dims), _linear_split(L, True)),
                      "reverse": (reverse_flops(dims), _linear_split(L, False)),
                      "optimal": (best, split)}
            for method, (flops, table) in orders.items():
                row = {"size": L, "method": method, "flops": flops,
                       "orders": count_orders(L), "dims": dims}
                if measure != "ops" and L > 1:
                    row["best_s"], row["median_s"], _ = autorange(
                        lambda: multiply(mats, table), 3, s["min_time"])
                rows.append(row)
        result = SweepResult(f"jacobian_chain_{n_out}", "L", "jacobian", measure, rows)
        case = f"{what}, n_0 = {s['n_in']}"
        by = {(r["size"], r["method"]): r["flops"] for r in rows}
        L_max = max(s["sizes"])
        linear = {"forward": 1, "reverse": 1, "optimal": 1 if n_out == 1 else None}
        tail = upper_half(s["sizes"])  # short chains are dominated by their end widths
        comparisons += compare_fits(result, f"{case}, in L", "flops", linear, tol=0.25,
                                    note="random widths: the fit is rough", min_size=tail)
        comparisons.append(Comparison(
            f"{case}, L = {L_max}", "optimal", "flops / min(forward, reverse)", 1,
            by[(L_max, "optimal")] / min(by[(L_max, "forward")], by[(L_max, "reverse")]),
            tol=0, relation="≤", note="the DP is never worse"))
        if n_out == 1:
            comparisons.append(Comparison(
                f"{case}, L = {L_max}", "forward", "flops forward / reverse", None,
                by[(L_max, "forward")] / by[(L_max, "reverse")],
                note=f"matrix-matrix against vector-matrix products: about n_0 = {s['n_in']}"))
            comparisons.append(Comparison(
                f"{case}, all L", "optimal", "flops optimal / reverse", 1,
                max(by[(L, "optimal")] / by[(L, "reverse")] for L in s["sizes"]), tol=0,
                note="for a scalar output reverse accumulation is optimal"))
        if measure != "ops":
            comparisons += compare_fits(result, f"{case}, in L", "best_s", linear, tol=0.3,
                                        note="NumPy matmul time", min_size=tail)
        tables[result.family] = rows
        figures[f"flops-{n_out}"] = _plot(result, "flops", f"{what}: accumulation flops", tail)
        if measure != "ops":
            figures[f"time-{n_out}"] = _plot(result, "best_s", f"{what}: accumulation time",
                                             tail)
    L_max = max(s["sizes"])
    comparisons.append(Comparison(
        f"L = {L_max}", "DP", "number of orders", comb(2 * L_max - 2, L_max - 1) // L_max,
        count_orders(L_max), tol=0, note="Catalan(L - 1) against the DP's own count"))
    return ExperimentResult(
        "jacobian-order", jacobian_chain.title,
        "Forward accumulation multiplies Jacobians from the input side (matrix-matrix "
        "products), reverse accumulation from the output side (vector-matrix products for a "
        "scalar output, hence optimal there); the matrix-chain DP finds the cheapest of the "
        "Catalan(L - 1) orders, which can beat both.",
        comparisons, tables, figures, [], settings=s)


def _plot(result, quantity, title, min_size):
    def draw():
        fig = result.plot(quantity, title=title, min_size=min_size)
        ax = fig.axes[0]
        orders = sorted({(r["size"], r["orders"]) for r in result.rows})
        ax.text(0.02, 0.98, "orders: " + ", ".join(f"L={L}: {n:.3g}" for L, n in orders),
                transform=ax.transAxes, va="top", fontsize="x-small", wrap=True)
        return fig
    return draw
