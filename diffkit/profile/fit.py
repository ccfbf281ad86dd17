"""Log-log exponent fits with an uncertainty, and predictions set against them.

Cost that grows like ``c n^k`` is a straight line of slope k on log-log
axes; :func:`fit_exponent` finds k by least squares on the logs and reports
its standard error, so a measured exponent reads ``1.02 +- 0.03``.
"""
from dataclasses import dataclass

import numpy as np

__all__ = ["Fit", "Comparison", "fit_exponent", "markdown_table"]


@dataclass(frozen=True)
class Fit:
    """``quantity ~ coefficient * size ** exponent`` for one method.

    Attributes
    ----------
    method, quantity : str
    exponent, stderr : float
        Slope on log-log axes and its standard error (nan with < 3 points).
    coefficient : float
    points : int
        Sizes used (values <= 0 or not finite are left out).
    """

    method: str
    quantity: str
    exponent: float
    stderr: float
    coefficient: float
    points: int

    def __call__(self, size):
        """The fitted value at ``size``."""
        return self.coefficient * np.asarray(size, dtype=float) ** self.exponent

    def label(self):
        """``'slope 1.00 +- 0.02'`` for plot legends."""
        err = "" if not np.isfinite(self.stderr) else f" ± {self.stderr:.2f}"
        return f"slope {self.exponent:.2f}{err}"


def fit_exponent(sizes, values, method="", quantity=""):
    """Least-squares fit of ``log(values) = log(c) + k log(sizes)``.

    Examples
    --------
    >>> fit = fit_exponent([10, 20, 40, 80], [300, 1200, 4800, 19200])
    >>> round(fit.exponent, 6), round(fit.coefficient, 6), fit.stderr < 1e-12
    (2.0, 3.0, True)
    >>> noisy = fit_exponent([1, 2, 4, 8], [1.0, 2.2, 3.9, 8.4])
    >>> bool(0.9 < noisy.exponent < 1.1 and 0 < noisy.stderr < 0.1)
    True
    """
    x = np.asarray(sizes, dtype=float)
    y = np.asarray(values, dtype=float)
    keep = (x > 0) & (y > 0) & np.isfinite(x) & np.isfinite(y)
    x, y = np.log(x[keep]), np.log(y[keep])
    n = x.size
    if n < 2 or np.ptp(x) == 0:
        return Fit(method, quantity, float("nan"), float("nan"), float("nan"), int(n))
    xm = x - x.mean()
    slope = float(xm @ (y - y.mean()) / (xm @ xm))
    intercept = float(y.mean() - slope * x.mean())
    stderr = float("nan")
    if n > 2:
        resid = y - intercept - slope * x
        stderr = float(np.sqrt(resid @ resid / (n - 2) / (xm @ xm)))
    return Fit(method, quantity, slope, stderr, float(np.exp(intercept)), int(n))


@dataclass(frozen=True)
class Comparison:
    """One line of a prediction-versus-measurement table.

    Attributes
    ----------
    case : str
        What was measured, e.g. ``"rosenbrock, d = 8..512"``.
    method, quantity : str
    predicted : float or None
        The lecture's value; None for a quantity measured without a claim.
    measured, stderr : float
    tol : float
        Agreement means ``|measured - predicted| <= tol + 2 stderr``.
    note : str
    """

    case: str
    method: str
    quantity: str
    predicted: object
    measured: float
    stderr: float = 0.0
    tol: float = 0.15
    note: str = ""

    @property
    def agrees(self):
        """True/False, or None when there is nothing to agree with."""
        if self.predicted is None or not np.isfinite(self.measured):
            return None
        err = self.stderr if np.isfinite(self.stderr) else 0.0
        return bool(abs(self.measured - self.predicted) <= self.tol + 2 * err)

    def cells(self):
        """Table cells as text."""
        fmt = (lambda v: f"{v:.3g}") if abs(self.measured) >= 1e3 or (
            0 < abs(self.measured) < 1e-2) else (lambda v: f"{v:.2f}")
        measured = fmt(self.measured)
        if np.isfinite(self.stderr) and self.stderr > 0:
            measured += f" ± {self.stderr:.2f}"
        predicted = "–" if self.predicted is None else fmt(self.predicted)
        verdict = {True: "yes", False: "**no**", None: "–"}[self.agrees]
        return [self.case, self.method, self.quantity, predicted, measured, verdict, self.note]

    @classmethod
    def from_fit(cls, case, fit, predicted, tol=0.15, note=""):
        return cls(case, fit.method, f"exponent of {fit.quantity}", predicted, fit.exponent,
                   fit.stderr, tol, note)


HEADER = ["case", "method", "quantity", "predicted", "measured", "agrees", "note"]


def markdown_table(comparisons):
    """A Markdown table of :class:`Comparison` rows.

    Examples
    --------
    >>> print(markdown_table([Comparison("rosenbrock", "fd", "evaluations", 20, 20.0)]))
    | case | method | quantity | predicted | measured | agrees | note |
    |---|---|---|---|---|---|---|
    | rosenbrock | fd | evaluations | 20.00 | 20.00 | yes |  |
    """
    lines = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    lines += ["| " + " | ".join(c.cells()) + " |" for c in comparisons]
    return "\n".join(lines)
