"""Experiment 7: GD against SGD on l2-regularized logistic regression, in sample gradients.

Counted in gradients of single samples, gradient descent pays n per step
and needs O(kappa log(1/eps)) steps; SGD with 1/t steps pays 1 per step
and needs O(sigma^2 / (mu eps)) steps, whatever n.  SGD is cheaper while
eps is above a crossover of order 1/n (times sigma^2 / (L log(1/eps))):
the crossover should fall like n^-1.
"""
import numpy as np

from ... import optim, problems
from ...progress import ProgressLine
from ..fit import Comparison, fit_exponent
from .base import ExperimentResult, pick, register

__all__ = ["gd_vs_sgd", "evals_to_reach", "crossover"]


def evals_to_reach(checks, eps):
    """Sample gradients spent when the gap ``f - f*`` first reached each eps.

    ``checks`` is a list of ``(evaluations, gap)`` in the order of the run;
    never reached gives inf.

    Examples
    --------
    >>> from diffkit.profile.experiments.optimization import evals_to_reach
    >>> evals_to_reach([(10, 1.0), (20, 0.1), (30, 0.01)], [0.5, 0.05, 0.001])
    array([20., 30., inf])
    """
    out = []
    for e in eps:
        hit = [k for k, gap in checks if gap <= e]
        out.append(hit[0] if hit else np.inf)
    return np.asarray(out, dtype=float)


def crossover(eps, gd, sgd):
    """The eps (interpolated on log scales) below which GD needs fewer sample gradients.

    Returns nan when the curves do not cross inside the range of ``eps``.

    Examples
    --------
    >>> from diffkit.profile.experiments.optimization import crossover
    >>> eps = [1e-1, 1e-2, 1e-3]
    >>> float(crossover(eps, gd=[100, 200, 300], sgd=[10, 100, 1000]))  # crosses between
    0.005...
    """
    eps, gd, sgd = (np.asarray(v, dtype=float) for v in (eps, gd, sgd))
    r = np.log(gd) - np.log(sgd)  # > 0: SGD cheaper
    for i in range(len(eps) - 1):
        if r[i] > 0 >= r[i + 1] and np.isfinite(r[i + 1]):
            t = r[i] / (r[i] - r[i + 1])
            return float(np.exp(np.log(eps[i]) + t * (np.log(eps[i + 1]) - np.log(eps[i]))))
    return float("nan")


def _gd(p, eps_min, max_steps):
    res = optim.minimize(None, p.x0, optim.gd(1.0 / p.L), method=p.value_and_grad,
                         data=p.data, steps=max_steps,
                         callback=lambda info: info.loss - p.f_star <= eps_min)
    h = res.history
    return list(zip(h.grad_evals, h.loss - p.f_star))


def _sgd(p, eps_min, max_steps, seed):
    """SGD with steps 1 / (L + mu t), one sample per step; full gap checked every ~5%."""
    checks, due = [], [1]

    def check(info):
        k = info.step + 1
        if k < due[0]:
            return False
        due[0] = max(k + 1, int(k * 1.05))
        checks.append((k, float(p(info.x)) - p.f_star))
        return checks[-1][1] <= eps_min

    schedule = optim.schedules.inverse_time_decay(1.0 / p.L, p.L / p.mu)
    optim.minimize(None, p.x0, optim.sgd(schedule), method=p.value_and_grad, data=p.data,
                   batch_size=1, steps=max_steps, callback=check, seed=seed)
    return checks


GD_VS_SGD_SETTINGS = {
    "quick": {"sizes": [10, 30, 90], "eps": (-1, -4, 13), "d": 10, "reg": 0.1, "seeds": 2,
              "max_steps": 20_000},
    "default": {"sizes": [30, 100, 300, 1000], "eps": (-1, -4.5, 15), "d": 20, "reg": 0.1,
                "seeds": 3, "max_steps": 150_000},
    "large": {"sizes": [30, 100, 300, 1000, 3000], "eps": (-1, -5, 17), "d": 20, "reg": 0.1,
              "seeds": 5, "max_steps": 500_000},
}


@register(7, "gd-vs-sgd", "GD against SGD on logistic regression, in sample gradients")
def gd_vs_sgd(preset="default", measure="both", progress=None, sizes=None):
    """Experiment 7: sample gradients to reach ``f - f* <= eps`` for GD and SGD, n by n.

    Examples
    --------
    >>> from diffkit.profile import experiments
    >>> r = experiments.run("gd-vs-sgd", preset="quick")
    >>> r.comparisons[0].quantity
    'exponent of the crossover eps in n'
    """
    s = pick(GD_VS_SGD_SETTINGS, preset, sizes)
    eps = np.logspace(*s["eps"])
    eps_min = float(eps[-1])
    rows, crossings = [], {}
    with ProgressLine("gd-vs-sgd", total=len(s["sizes"]), enabled=progress) as bar:
        for k, n in enumerate(s["sizes"]):
            bar.update(k, n=n)
            p = problems.logistic_regression(n=n, d=s["d"], reg=s["reg"], seed=0)
            gd = evals_to_reach(_gd(p, eps_min, s["max_steps"]), eps)
            sgd = np.median([evals_to_reach(_sgd(p, eps_min, s["max_steps"], seed), eps)
                             for seed in range(s["seeds"])], axis=0)
            crossings[n] = crossover(eps, gd, sgd)
            rows += [{"n": n, "eps": float(e), "gd": float(g), "sgd": float(v)}
                     for e, g, v in zip(eps, gd, sgd)]
            bar.update(k + 1, n=n)
    found = {n: c for n, c in crossings.items() if np.isfinite(c)}
    fit = fit_exponent(list(found), list(found.values()), "GD vs SGD", "crossover eps")
    comparisons = [Comparison(f"d = {s['d']}, reg = {s['reg']}, n = {min(found, default=0)}.."
                              f"{max(found, default=0)}", "GD vs SGD",
                              "exponent of the crossover eps in n", -1, fit.exponent,
                              fit.stderr, tol=0.3, digits=2,
                              note="SGD is cheaper above the crossover")]
    comparisons += [Comparison(f"n = {n}", "GD vs SGD", "crossover eps", None, c,
                               note=f"n * crossover = {n * c:.2g}")
                    for n, c in found.items()]
    notes = [f"no crossover inside eps = {eps[0]:.0e}..{eps_min:.0e} for n = {n}"
             for n, c in crossings.items() if not np.isfinite(c)]
    return ExperimentResult(
        "gd-vs-sgd", gd_vs_sgd.title,
        "In single-sample gradients, GD costs O(n kappa log(1/eps)) and SGD O(1/(mu eps)) "
        "whatever n: SGD wins while eps is above a crossover of order 1/n.",
        comparisons, {"gd_vs_sgd": rows}, {"evals": lambda: _plot(rows, crossings)}, notes,
        settings=s)


def _plot(rows, crossings):
    from ..plots import figure
    fig, ax = figure()
    for i, n in enumerate(crossings):
        data = [r for r in rows if r["n"] == n]
        e = [r["eps"] for r in data]
        ax.loglog(e, [r["gd"] for r in data], "-", color=f"C{i}", label=f"GD, n = {n}")
        ax.loglog(e, [r["sgd"] for r in data], "--", color=f"C{i}", label=f"SGD, n = {n}")
        if np.isfinite(crossings[n]):
            ax.axvline(crossings[n], color=f"C{i}", lw=0.6, ls=":")
    ax.invert_xaxis()
    ax.set_xlabel("target accuracy eps (f - f*), harder to the right")
    ax.set_ylabel("single-sample gradients to reach eps")
    ax.set_title("GD (solid) against SGD (dashed); crossovers dotted")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize="x-small", ncol=2)
    return fig
