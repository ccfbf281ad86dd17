"""Finite-difference gradients with error estimates, and error-versus-step curves.

The error of a difference quotient is truncation (shrinks like h^p) plus
round-off (grows like eps / h).  Plotted against the step on log-log axes
the sum is a V whose bottom sits near the optimal step: eps^(1/2) for
forward differences, eps^(1/3) for central differences.  The complex step
has no subtraction, hence no round-off branch: its curve stays flat at
machine precision down to tiny steps.
"""
from dataclasses import dataclass

import numpy as np

from ..errors import ShapeError
from ..graph.front import as_graph, single
from ..program.reference import grad
from .evaluation import Evaluator
from .schemes import EPS, error_estimate, first_derivatives, steps as make_steps

#: Theoretical optimal relative steps, minimizing truncation + round-off under the
#: usual model |f| ~ |f^(p+1)|: forward 2 sqrt(eps), central (3 eps)^(1/3),
#: central4 (45 eps / 4)^(1/5).  Complex step and Richardson have no such optimum.
OPTIMAL = {"forward": 2 * EPS ** 0.5, "backward": 2 * EPS ** 0.5,
           "central": (3 * EPS) ** (1 / 3), "central4": (11.25 * EPS) ** 0.2}


def optimal_step(scheme):
    """Theoretical optimal relative step of ``scheme`` (None where round-off does not limit).

    Examples
    --------
    >>> from diffkit.fd import optimal_step
    >>> f"{optimal_step('forward'):.1e}", f"{optimal_step('central'):.1e}"
    ('3.0e-08', '8.7e-06')
    """
    return OPTIMAL.get(scheme)


def _setup(graph, args, argnums, scheme):
    ev = Evaluator(graph, graph.positions(argnums), complex_step=scheme == "complex")
    return ev, ev.packing.pack(args)


def _shape(values, ev, argnums):
    parts = ev.packing.split(np.asarray(values, dtype=float), ev.packing.wrt)
    return parts[0] if single(argnums) else parts


@dataclass
class FDResult:
    """A finite-difference gradient with its error estimate and its cost.

    Attributes
    ----------
    gradient, error
        Shaped like the differentiated argument(s); ``error`` estimates the
        absolute error of each entry.
    evaluations : int
        Function evaluations of the gradient itself.
    estimate_evaluations : int
        Extra evaluations spent on the error estimate (0 for Richardson).
    step : ndarray
        The step used per coordinate.
    scheme : str
    """

    gradient: object
    error: object
    evaluations: int
    estimate_evaluations: int
    step: np.ndarray
    scheme: str


def gradient(fn, *args, scheme="central", step=None, argnums=0, levels=None, shrink=None):
    """Finite-difference gradient with an error estimate.

    Richardson extrapolation estimates its error from its tableau; the other
    schemes compare with the same scheme at twice the step and add eps |f| / h
    round-off (see :func:`diffkit.fd.schemes.error_estimate`).

    Examples
    --------
    >>> import numpy as np, diffkit
    >>> r = diffkit.fd.gradient(lambda x: np.exp(x), 1.0, scheme="central")
    >>> r.evaluations, bool(abs(r.gradient - np.e) < 10 * r.error < 1e-7)
    (2, True)
    """
    ev, x = _setup(as_graph(fn, *args), args, argnums, scheme)
    columns = ev.columns
    h = make_steps(x, columns, scheme, step)
    ridders = {k: v for k, v in (("levels", levels), ("shrink", shrink)) if v}
    D, f0, err = first_derivatives(ev, x, columns, scheme, h, **ridders)
    used = ev.count
    if err is None:
        err = error_estimate(ev, x, columns, scheme, h, D, f0)
    return FDResult(_shape(D[:, 0], ev, argnums), _shape(err[:, 0], ev, argnums), used,
                    ev.count - used, h, scheme)


class ErrorCurve:
    """Error of finite-difference gradients against an exact one, per scheme and step.

    Attributes
    ----------
    steps : ndarray
        Relative steps b (the step of coordinate j is ``b * max(|x_j|, 1)``).
    errors : dict
        scheme -> max_j |D_j - g_j| / max_j |g_j| per step (nan where x + h == x).
    optimal : dict
        scheme -> theoretical optimal relative step (None if there is none).
    """

    def __init__(self, steps, errors):
        self.steps = np.asarray(steps, dtype=float)
        self.errors = errors
        self.optimal = {s: optimal_step(s) for s in errors}

    def best(self, scheme):
        """(step, error) where the measured error of ``scheme`` is smallest."""
        e = self.errors[scheme]
        i = int(np.nanargmin(e))
        return float(self.steps[i]), float(e[i])

    def to_dicts(self):
        return [{"step": float(h), **{s: float(e[i]) for s, e in self.errors.items()}}
                for i, h in enumerate(self.steps)]

    def __str__(self):
        head = "step      " + "".join(f"{s:>12}" for s in self.errors)
        rows = [head] + [f"{h:<10.1e}" + "".join(f"{e[i]:>12.1e}" for e in
                                                 self.errors.values())
                         for i, h in enumerate(self.steps)]
        rows.append("optimal   " + "".join(
            f"{'-' if v is None else format(v, '.1e'):>12}" for v in self.optimal.values()))
        return "\n".join(rows)

    def plot(self, path=None, ax=None):
        """Log-log plot of error against step, optimal steps dashed; returns the Figure."""
        import matplotlib
        if ax is None:
            matplotlib.use("Agg") if path else None
            import matplotlib.pyplot as plt
            fig, ax = plt.subplots(figsize=(6, 4))
        fig = ax.figure
        for scheme, e in self.errors.items():
            line, = ax.loglog(self.steps, e, marker=".", label=scheme)
            if self.optimal[scheme] is not None:
                ax.axvline(self.optimal[scheme], color=line.get_color(), ls="--", lw=0.8)
        ax.set_xlabel("relative step h")
        ax.set_ylabel("relative error of the gradient")
        ax.legend()
        if path:
            fig.savefig(path, dpi=120, bbox_inches="tight")
        return fig


def error_curve(fn, *args, steps=None, schemes=("forward", "central", "central4", "complex"),
                argnums=0, reference=None):
    """Error of each scheme's gradient over a range of steps: the V-shaped curves.

    Parameters
    ----------
    fn : callable, str or Graph
    *args : the point
    steps : array_like, optional
        Relative steps (default ``10**-16 ... 10**-1`` in half decades).
    schemes : sequence of str
    argnums : int or tuple of int
    reference : array_like, optional
        The exact gradient; by default reverse-mode AD's, from the reference
        interpreter (:mod:`diffkit.program.reference`).

    Examples
    --------
    >>> import numpy as np, diffkit
    >>> c = diffkit.fd.error_curve(np.sin, 1.0, schemes=("forward", "central"))
    >>> h, err = c.best("central")
    >>> bool(1e-7 < h < 1e-4 and err < 1e-9), bool(c.best("forward")[1] > 1e-9)
    (True, True)
    """
    steps = np.logspace(-16, -1, 31) if steps is None else np.asarray(steps, dtype=float)
    graph = as_graph(fn, *args)  # one graph for the reference and every scheme
    if len(graph.outputs) != 1 or graph.output_shapes[0] != ():
        raise ShapeError(f"error_curve compares gradients, so it needs a function with one "
                         f"scalar output, got output shape(s) {list(graph.output_shapes)}; "
                         "reduce the output to a scalar (np.sum, an entry)")
    if reference is None:
        wrt = graph.positions(argnums)
        reference = grad(graph, *args, wrt=wrt)
        reference = reference[0] if single(argnums) else reference
    parts = (reference,) if single(argnums) else tuple(reference)
    ref = np.concatenate([np.ravel(np.asarray(p, dtype=float)) for p in parts])
    scale = max(float(np.max(np.abs(ref))), np.finfo(float).tiny) if ref.size else 1.0
    errors = {}
    for scheme in schemes:
        ev, x = _setup(graph, args, argnums, scheme)
        xc = x[ev.columns]
        errs = []
        for b in steps:
            h = b * np.maximum(np.abs(xc), 1.0)
            if scheme != "complex":
                h = (xc + h) - xc
            if np.any(h == 0):
                errs.append(np.nan)
                continue
            D = first_derivatives(ev, x, ev.columns, scheme, h)[0][:, 0]
            errs.append(float(np.max(np.abs(D - ref))) / scale)
        errors[scheme] = np.array(errs)
    return ErrorCurve(steps, errors)
