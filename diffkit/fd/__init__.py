"""Finite differences: schemes, steps, evaluation counts, error estimates and curves.

``diffkit.grad(f, method="fd", scheme=...)`` is the everyday entry point
(:mod:`diffkit.backends.fd`); this package holds the numerical parts and
two tools for teaching:

* :func:`gradient` returns a finite-difference gradient together with an
  error estimate and the evaluations it used;
* :func:`error_curve` sweeps the step and shows the V-shaped curve of
  truncation against round-off error, with the theoretical optimal step.
"""
from .schemes import SCHEMES, STENCILS, evaluations, step_base
from .curve import ErrorCurve, FDResult, error_curve, gradient, optimal_step

__all__ = ["SCHEMES", "STENCILS", "ErrorCurve", "FDResult", "error_curve", "evaluations",
           "gradient", "optimal_step", "step_base"]
