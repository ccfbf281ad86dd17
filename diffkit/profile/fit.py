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

    With ``growth=True`` the law is exponential instead,
    ``quantity ~ coefficient * exp(exponent * size)``: a straight line on
    semi-log axes, ``exp(exponent)`` being the growth factor per unit of size.

    Attributes
    ----------
    method, quantity : str
    exponent, stderr : float
        Slope (log-log, or semi-log with ``growth``) and its standard error
        (nan with fewer than 3 points).
    coefficient : float
    points : int
        Sizes used (values <= 0 or not finite are left out).
    growth : bool
    lo, hi : float
        Smallest and largest size used.
    """

    method: str
    quantity: str
    exponent: float
    stderr: float
    coefficient: float
    points: int
    growth: bool = False
    lo: float = float("nan")
    hi: float = float("nan")

    def __call__(self, size):
        """The fitted value at ``size``."""
        size = np.asarray(size, dtype=float)
        if self.growth:
            return self.coefficient * np.exp(self.exponent * size)
        return self.coefficient * size ** self.exponent

    def label(self):
        """``'slope 1.00 ± 0.02'`` (or ``'×2.41 per step'``) for plot legends."""
        if self.growth:
            return f"×{np.exp(self.exponent):.2f} per step"
        err = "" if not np.isfinite(self.stderr) else f" ± {self.stderr:.2f}"
        return f"slope {round(self.exponent, 2) + 0.0:.2f}{err}"


def fit_exponent(sizes, values, method="", quantity="", growth=False):
    """Least-squares fit of ``log(values) = log(c) + k log(sizes)`` (or ``+ k sizes``).

    Examples
    --------
    >>> fit = fit_exponent([10, 20, 40, 80], [300, 1200, 4800, 19200])
    >>> round(fit.exponent, 6), round(fit.coefficient, 6), fit.stderr < 1e-12
    (2.0, 3.0, True)
    >>> noisy = fit_exponent([1, 2, 4, 8], [1.0, 2.2, 3.9, 8.4])
    >>> bool(0.9 < noisy.exponent < 1.1 and 0 < noisy.stderr < 0.1)
    True
    >>> doubling = fit_exponent([1, 2, 3, 4], [3, 6, 12, 24], growth=True)
    >>> doubling.label()
    '×2.00 per step'
    """
    x = np.asarray(sizes, dtype=float)
    y = np.asarray(values, dtype=float)
    keep = (x > 0) & (y > 0) & np.isfinite(x) & np.isfinite(y)
    span = (float(x[keep].min()), float(x[keep].max())) if keep.any() else (np.nan, np.nan)
    x, y = (x[keep] if growth else np.log(x[keep])), np.log(y[keep])
    n = x.size
    if n < 2 or np.ptp(x) == 0:
        return Fit(method, quantity, float("nan"), float("nan"), float("nan"), int(n), growth,
                   *span)
    xm = x - x.mean()
    slope = float(xm @ (y - y.mean()) / (xm @ xm))
    intercept = float(y.mean() - slope * x.mean())
    stderr = float("nan")
    if n > 2:
        resid = y - intercept - slope * x
        stderr = float(np.sqrt(resid @ resid / (n - 2) / (xm @ xm)))
    return Fit(method, quantity, slope, stderr, float(np.exp(intercept)), int(n), growth, *span)


def _fmt(v):
    v = float(v)
    if np.isfinite(v) and v == int(v) and abs(v) < 1e6:
        return str(int(v))
    return f"{v:.3g}" if abs(v) >= 1e3 or abs(v) < 1e-2 else f"{v:.2f}"


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
        Agreement means ``|measured - predicted| <= tol + 2 stderr`` (relation
        ``"≈"``), ``measured <= predicted + tol + 2 stderr`` (``"≤"``) or
        ``measured >= predicted - tol - 2 stderr`` (``"≥"``).
    relation : str
    note : str
    digits : int or None
        Fixed decimals for the numbers (fitted exponents use 2); None picks a
        format per number.
    """

    case: str
    method: str
    quantity: str
    predicted: object
    measured: float
    stderr: float = 0.0
    tol: float = 0.15
    relation: str = "≈"
    note: str = ""
    digits: object = None

    @property
    def agrees(self):
        """True/False, or None when there is nothing to agree with."""
        if self.predicted is None or not np.isfinite(float(self.measured)):
            return None
        slack = self.tol + 2 * (self.stderr if np.isfinite(self.stderr) else 0.0)
        if self.relation == "≤":
            return bool(self.measured <= self.predicted + slack)
        if self.relation == "≥":
            return bool(self.measured >= self.predicted - slack)
        return bool(abs(self.measured - self.predicted) <= slack)

    def cells(self):
        """Table cells as text."""
        fmt = _fmt if self.digits is None else (
            lambda v: f"{round(float(v), self.digits) + 0.0:.{self.digits}f}")
        measured = fmt(self.measured) if np.isfinite(float(self.measured)) else "–"
        if np.isfinite(self.stderr) and self.stderr > 0:
            measured += f" ± {self.stderr:.2f}"
        predicted = "–" if self.predicted is None else (
            ("" if self.relation == "≈" else self.relation + " ") + _fmt(self.predicted))
        verdict = {True: "yes", False: "**no**", None: "–"}[self.agrees]
        return [self.case, self.method, self.quantity, predicted, measured, verdict, self.note]

    def as_dict(self):
        return {"case": self.case, "method": self.method, "quantity": self.quantity,
                "relation": self.relation, "predicted": self.predicted,
                "measured": self.measured, "stderr": self.stderr, "tol": self.tol,
                "agrees": self.agrees, "note": self.note}

    @classmethod
    def from_fit(cls, case, fit, predicted, tol=0.15, note=""):
        """Compare a fitted exponent (or growth rate) with a predicted one."""
        what = "log growth per step" if fit.growth else "exponent"
        return cls(case, fit.method, f"{what} of {fit.quantity}", predicted, fit.exponent,
                   fit.stderr, tol, "≈", note, 2)


#: Column names of the prediction-versus-measurement table (one per :meth:`Comparison.cells`).
COLUMNS = ["case", "method", "quantity", "predicted", "measured", "agrees", "note"]


def markdown_table(comparisons):
    """A Markdown table of :class:`Comparison` rows.

    Examples
    --------
    >>> print(markdown_table([Comparison("rosenbrock", "fd", "evaluations", 20, 20.0)]))
    | case | method | quantity | predicted | measured | agrees | note |
    |---|---|---|---|---|---|---|
    | rosenbrock | fd | evaluations | 20 | 20 | yes |  |
    """
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    lines += ["| " + " | ".join(c.cells()) + " |" for c in comparisons]
    return "\n".join(lines)
