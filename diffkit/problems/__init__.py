"""Ready-made objectives with exact derivatives and known solutions.

Every constructor returns a :class:`Problem`: a traceable NumPy objective
``fn``, its hand-derived ``value_and_grad`` (and ``hessian``), a standard
start ``x0`` and what is known of the minimum. Finite-sum problems carry
their ``data`` and take ``(theta, X, y)``.

Examples
--------
>>> import numpy as np
>>> from diffkit import problems
>>> p = problems.rosenbrock()
>>> p.value_and_grad(p.x_star)
(0.0, array([0., 0.]))
"""

from .base import Problem, sum_of_squares
from .data import least_squares, logistic_regression, mlp, robust_regression
from .lecture import (LECTURE_EXPRESSION, LECTURE_POINT, LECTURE_PROGRAM,
                                      lecture_example, linear_network, pl_cosine, quadratic,
                                      strict_saddle)
from .testfunctions import (MORE_GARBOW_HILLSTROM, beale, brown_badly_scaled,
                                            freudenstein_roth, helical_valley,
                                            powell_singular, rosenbrock, wood)

__all__ = [
    "Problem", "sum_of_squares",
    "lecture_example", "LECTURE_EXPRESSION", "LECTURE_PROGRAM", "LECTURE_POINT",
    "quadratic", "pl_cosine", "linear_network", "strict_saddle",
    "least_squares", "logistic_regression", "robust_regression", "mlp",
    "rosenbrock", "powell_singular", "beale", "wood", "freudenstein_roth", "helical_valley",
    "brown_badly_scaled", "MORE_GARBOW_HILLSTROM",
]
