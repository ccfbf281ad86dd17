"""Experiment 5: finite-difference error against the step, scheme by scheme.

Truncation error shrinks like h^p (p = 1 forward, 2 central, 4 for the
fourth-order stencil, 2 for the complex step); round-off grows like eps / h
for every scheme that subtracts.  On log-log axes the sum is a V whose
bottom sits near the theoretical optimal step, with the error there about
eps^(p / (p + 1)).  The complex step does not subtract: no round-off branch.
"""
import numpy as np

from ...fd import ErrorCurve, error_curve
from ...fd.schemes import EPS
from ..fit import Comparison, fit_exponent
from .base import ExperimentResult, pick, register

__all__ = ["fd_error"]

#: Truncation order of each scheme.
ORDER = {"forward": 1, "central": 2, "central4": 4, "complex": 2}


def _function(x):
    return np.sum(np.exp(x) * np.sin(x))


FD_ERROR_SETTINGS = {"quick": {"sizes": [2], "steps": (-16, -1, 31)},
                     "default": {"sizes": [3], "steps": (-16, -1, 31)},
                     "large": {"sizes": [10], "steps": (-16, -1, 61)}}


def _branches(steps, errors, floor):
    """Masks of the truncation (right) and round-off (left) branches of a V curve."""
    finite = np.isfinite(errors)
    best = int(np.nanargmin(np.where(errors > 0, errors, np.nan)))
    high = finite & (errors >= 100 * max(errors[best], floor)) & (errors < 0.1)
    return high & (steps > 10 * steps[best]), high & (steps < steps[best] / 10)


@register(5, "fd-error", "Finite-difference error against step size")
def fd_error(preset="default", measure="both", progress=None, sizes=None):
    """Experiment 5: the round-off versus truncation curves, optimum marked.

    ``sizes`` (its first entry) sets the dimension of the point.

    Examples
    --------
    >>> from diffkit.profile import experiments
    >>> r = experiments.run("fd-error", preset="quick")
    >>> [c.predicted for c in r.comparisons if c.quantity == "truncation slope"]
    [1, 2, 4, 2]
    """
    s = pick(FD_ERROR_SETTINGS, preset, sizes)
    d = s["sizes"][0]
    x = np.linspace(0.5, 1.5, d)
    curve = error_curve(_function, x, steps=np.logspace(*s["steps"]),
                        schemes=tuple(ORDER))
    comparisons, slopes = [], {}
    case = f"sum(exp(x) sin(x)), d = {d}"
    for scheme, p in ORDER.items():
        errors = curve.errors[scheme]
        h_best, e_best = curve.best(scheme)
        right, left = _branches(curve.steps, errors, EPS)
        trunc = fit_exponent(curve.steps[right], errors[right], scheme, "error")
        slopes[scheme] = trunc.exponent
        comparisons.append(Comparison(case, scheme, "truncation slope", p, trunc.exponent,
                                      trunc.stderr, tol=0.2, digits=2,
                                      note=f"h = {trunc.lo:.0e}..{trunc.hi:.0e}"))
        if scheme == "complex":
            comparisons.append(Comparison(case, scheme, "smallest error", 1e-15, e_best, tol=0,
                                          relation="≤", note="no subtraction: no round-off"))
            continue
        roundoff = fit_exponent(curve.steps[left], errors[left], scheme, "error")
        comparisons.append(Comparison(case, scheme, "round-off slope", -1, roundoff.exponent,
                                      roundoff.stderr, tol=0.3, digits=2,
                                      note=f"h = {roundoff.lo:.0e}..{roundoff.hi:.0e}"))
        comparisons.append(Comparison(case, scheme, "log10 best step",
                                      round(float(np.log10(curve.optimal[scheme])), 2),
                                      float(np.log10(h_best)), tol=1.0, digits=2,
                                      note=f"theory {curve.optimal[scheme]:.1e}, "
                                           f"measured {h_best:.1e}"))
        comparisons.append(Comparison(case, scheme, "log10 smallest error",
                                      round(p / (p + 1) * float(np.log10(EPS)), 2),
                                      float(np.log10(e_best)), tol=1.0, digits=2,
                                      note="eps^(p/(p+1))"))
    rows = curve.to_dicts()

    def draw():
        from ..plots import figure
        fig, ax = figure()
        # exact zeros (the complex step often hits the true value) cannot sit on a log axis
        shown = ErrorCurve(curve.steps, {k: np.where(e > 0, e, np.nan)
                                         for k, e in curve.errors.items()})
        shown.plot(ax=ax)
        for line in ax.lines:
            if line.get_label() in slopes:
                k = line.get_label()
                line.set_label(f"{k}: truncation slope {slopes[k]:.2f} (p = {ORDER[k]})")
        ax.legend(fontsize="small")
        ax.set_title("Finite differences: error against step (theoretical optima dashed)")
        ax.set_xlabel("relative step h (step / max(|x|, 1))")
        ax.set_ylabel("relative error of the gradient (max norm)")
        return fig

    return ExperimentResult(
        "fd-error", fd_error.title,
        "The error of a difference quotient is truncation (h^p) plus round-off (eps / h): "
        "a V on log-log axes, lowest near the optimal step eps^(1/(p+1)) with error about "
        "eps^(p/(p+1)); the complex step has no round-off branch.",
        comparisons, {"error_curve": rows}, {"curve": draw}, [], settings=s)
