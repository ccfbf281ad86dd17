"""The :class:`Problem` record shared by all ready-made objectives."""

import functools
from dataclasses import dataclass
from typing import Callable, Optional

import numpy as np

from ..errors import ShapeError

__all__ = ["Problem", "sum_of_squares"]


@dataclass(frozen=True, eq=False)
class Problem:
    """An objective with its exact derivatives, a start and what is known of its minimum.

    Attributes
    ----------
    name : str
        Short description, e.g. ``"quadratic(dim=10, condition=100)"``.
    fn : callable
        The objective as plain NumPy that diffkit can trace:
        ``fn(x)``, or ``fn(x, X, y)`` (mean loss over the rows) for finite sums.
    value_and_grad : callable
        Hand-derived ``(x, *data) -> (loss, grad)``, usable as ``method=``
        in :func:`diffkit.optim.minimize`.
    x0 : ndarray
        Standard starting point.
    f_star : float or None
        Minimum value, when known.
    x_star : ndarray or None
        A minimizer, when it is unique or a canonical one exists.
    hessian : callable or None
        Hand-derived ``(x, *data) -> (n, n)`` Hessian.
    data : tuple
        ``(X, y)`` for finite sums, ``()`` otherwise.
    L, mu : float or None
        Smoothness and strong convexity (or PL) constants, when known.

    Notes
    -----
    ``fn``, ``value_and_grad`` and ``hessian`` check that ``x`` has the shape
    of ``x0``: NumPy code written for ``n`` entries often runs on fewer
    (``x[1:] - x[:-1]`` has no fixed length) and would silently be another
    function.

    Examples
    --------
    >>> from diffkit import problems
    >>> problems.rosenbrock(4).fn(np.ones(3))
    Traceback (most recent call last):
    ...
    diffkit.errors.ShapeError: rosenbrock(dim=4) takes x of shape (4,), got shape (3,); ...
    """

    name: str
    fn: Callable
    value_and_grad: Callable
    x0: np.ndarray
    f_star: Optional[float] = None
    x_star: Optional[np.ndarray] = None
    hessian: Optional[Callable] = None
    data: tuple = ()
    L: Optional[float] = None
    mu: Optional[float] = None

    def __post_init__(self):
        x0 = np.asarray(self.x0, dtype=float)
        object.__setattr__(self, "x0", x0)
        for field in ("fn", "value_and_grad", "hessian"):
            if getattr(self, field) is not None:
                object.__setattr__(self, field, _checking_shape(getattr(self, field), self.name,
                                                                x0.shape))

    def __call__(self, x):
        """The objective on all the data."""
        return self.fn(x, *self.data)

    def grad(self, x):
        """The exact gradient on all the data."""
        return self.value_and_grad(x, *self.data)[1]


def _checking_shape(fn, name, shape):
    """``fn`` raising a ShapeError unless its first argument has ``shape``."""
    @functools.wraps(fn)  # keeps the signature: tracing names inputs after it
    def checked(x, *data):
        if np.shape(x) != shape:
            raise ShapeError(f"{name} takes x of shape {shape}, got shape {np.shape(x)}; "
                             f"pass {shape[0] if len(shape) == 1 else shape} entries, as "
                             "problem.x0 has, or build the problem for your dimension")
        return fn(x, *data)
    return checked


def sum_of_squares(name, residuals, jacobian, residual_hessians, x0, **known):
    """Build ``f(x) = sum_i r_i(x)**2`` from hand-derived residual derivatives.

    ``grad f = 2 J^T r`` and ``hess f = 2 (J^T J + sum_i r_i hess r_i)``, so a
    test function only states its residuals, their Jacobian and their
    Hessians (an ``(m, n, n)`` array).

    Examples
    --------
    >>> import numpy as np
    >>> p = sum_of_squares("line", lambda x: x - 1.0, lambda x: np.eye(2),
    ...                    lambda x: np.zeros((2, 2, 2)), np.zeros(2), f_star=0.0)
    >>> p.value_and_grad(np.zeros(2))
    (2.0, array([-2., -2.]))
    """

    def fn(x):
        r = residuals(x)
        return np.sum(r * r)

    def value_and_grad(x):
        r = residuals(x)
        return float(r @ r), 2.0 * jacobian(x).T @ r

    def hessian(x):
        r, J = residuals(x), jacobian(x)
        return 2.0 * (J.T @ J + np.tensordot(r, residual_hessians(x), axes=1))

    return Problem(name, fn, value_and_grad, np.asarray(x0, dtype=float), hessian=hessian,
                   **known)
