"""Small objectives from the optimization lectures, each illustrating one claim.

- :func:`quadratic`: strongly convex, condition number of your choice;
  the rates of GD, heavy ball and Nesterov are exact here.
- :func:`pl_cosine`: ``(x1 - cos x2)**2`` is not convex but satisfies the
  Polyak-Lojasiewicz inequality, so GD still converges linearly.
- :func:`linear_network`: ``(1 - w1 w2)**2``, a two-layer linear network
  on one example; non-convex, minima on a hyperbola, a saddle at 0.
- :func:`strict_saddle`: a saddle with a negative curvature direction,
  where GD started on the stable manifold gets stuck.
"""

import numpy as np

from ..errors import OptionError
from .base import Problem

__all__ = ["quadratic", "pl_cosine", "linear_network", "strict_saddle"]


def quadratic(dim=10, condition=10.0, seed=0):
    """``f(x) = (x - x*)^T A (x - x*) / 2`` with eigenvalues of A spread over ``[1, condition]``.

    Parameters
    ----------
    dim : int
        Number of variables.
    condition : float
        ``kappa = L / mu``; ``mu = 1`` and ``L = condition``, both attained.
    seed : int
        Seed for the random rotation (eigenvectors) and for ``x*``.

    Returns
    -------
    Problem
        ``x0 = 0``, ``f* = 0``, ``L``, ``mu`` and the exact Hessian ``A``.

    Examples
    --------
    >>> import numpy as np
    >>> p = quadratic(dim=4, condition=100.0)
    >>> p.L, p.mu, round(float(np.linalg.cond(p.hessian(p.x0))), 6)
    (100.0, 1.0, 100.0)
    >>> float(p(p.x_star))
    0.0
    """
    if dim < 1:
        raise OptionError(f"quadratic needs dim >= 1, got dim={dim}")
    if condition < 1 or (dim == 1 and condition != 1):
        raise OptionError(f"quadratic needs condition >= 1 (and 1 when dim=1), got "
                          f"condition={condition}")
    rng = np.random.default_rng(seed)
    rotation, _ = np.linalg.qr(rng.standard_normal((dim, dim)))
    eigenvalues = np.linspace(1.0, condition, dim)
    A = (rotation * eigenvalues) @ rotation.T
    A = (A + A.T) / 2  # exactly symmetric, so the Hessian test is exact
    x_star = rng.standard_normal(dim)

    def fn(x):
        d = x - x_star
        return 0.5 * d @ (A @ d)

    def value_and_grad(x):
        g = A @ (x - x_star)
        return float(0.5 * (x - x_star) @ g), g

    return Problem(f"quadratic(dim={dim}, condition={condition:g})", fn, value_and_grad,
                   x0=np.zeros(dim), f_star=0.0, x_star=x_star, hessian=lambda x: A,
                   L=float(condition), mu=1.0)


def pl_cosine(x0=(2.0, 1.0)):
    """``f(x) = (x1 - cos x2)**2``: non-convex, yet Polyak-Lojasiewicz.

    With ``r = x1 - cos x2``, ``|grad f|**2 = 4 r**2 (1 + sin(x2)**2) >= 4 f``,
    so the PL inequality ``|grad f|**2 >= 2 mu (f - f*)`` holds with
    ``mu = 2``. On the sublevel set of ``x0`` the Hessian norm is at most
    ``L = 4 + 2 sqrt(f(x0))``. Every point with ``x1 = cos x2`` is a global
    minimum (``f* = 0``), so there is no unique ``x*``.

    Examples
    --------
    >>> import numpy as np
    >>> p = pl_cosine()
    >>> round(float(p(p.x0)), 4), p.mu, round(p.L, 4)
    (2.1307, 2.0, 6.9194)
    >>> f_on_the_curve = p(np.array([np.cos(3.0), 3.0]))
    >>> float(f_on_the_curve)
    0.0
    """
    x0 = np.asarray(x0, dtype=float)

    def fn(x):
        return (x[0] - np.cos(x[1])) ** 2

    def value_and_grad(x):
        r, s = x[0] - np.cos(x[1]), np.sin(x[1])
        return float(r * r), np.array([2 * r, 2 * r * s])

    def hessian(x):
        r, s, c = x[0] - np.cos(x[1]), np.sin(x[1]), np.cos(x[1])
        return 2.0 * np.array([[1.0, s], [s, s * s + r * c]])

    f0 = value_and_grad(x0)[0]
    return Problem("pl_cosine", fn, value_and_grad, x0, f_star=0.0, hessian=hessian,
                   L=4.0 + 2.0 * f0 ** 0.5, mu=2.0)


def linear_network(x0=(0.2, 1.8)):
    """``f(w) = (1 - w1 w2)**2``: a depth-2 linear network fitting ``1 -> 1``.

    Global minima form the hyperbola ``w1 w2 = 1`` (``f* = 0``); the origin is
    a strict saddle (Hessian eigenvalues +-2).

    Examples
    --------
    >>> import numpy as np
    >>> p = linear_network()
    >>> np.linalg.eigvalsh(p.hessian(np.zeros(2)))
    array([-2.,  2.])
    """
    x0 = np.asarray(x0, dtype=float)

    def fn(w):
        return (1.0 - w[0] * w[1]) ** 2

    def value_and_grad(w):
        r = 1.0 - w[0] * w[1]
        return float(r * r), np.array([-2 * r * w[1], -2 * r * w[0]])

    def hessian(w):
        r = 1.0 - w[0] * w[1]
        off = 2 * w[0] * w[1] - 2 * r
        return np.array([[2 * w[1] ** 2, off], [off, 2 * w[0] ** 2]])

    return Problem("linear_network", fn, value_and_grad, x0, f_star=0.0, hessian=hessian)


def strict_saddle(dim=2, unstable=1):
    """A strict saddle at 0 with minima at ``(0, ..., 0, +-1, ..., +-1)``.

    ``f(x) = sum_{i<k} x_i**2 / 2 + sum_{i>=k} (x_i**4 / 4 - x_i**2 / 2)``
    with ``k = dim - unstable``. The Hessian at 0 has ``unstable``
    eigenvalues -1; the stable manifold of the saddle is
    ``{x : x_i = 0 for i >= k}``, and ``x0 = (1, ..., 1, 0, ..., 0)`` lies on
    it. Minimum value ``f* = -unstable / 4``.

    Examples
    --------
    >>> import numpy as np
    >>> p = strict_saddle()
    >>> p.x0, p.f_star, float(p(np.array([0.0, -1.0])))
    (array([1., 0.]), -0.25, -0.25)
    """
    if not 1 <= unstable <= dim:
        raise OptionError(f"strict_saddle needs 1 <= unstable <= dim, got unstable={unstable}, "
                          f"dim={dim}")
    k = dim - unstable

    def fn(x):
        s, u = x[:k], x[k:]
        return 0.5 * np.sum(s ** 2) + np.sum(u ** 4 / 4 - u ** 2 / 2)

    def value_and_grad(x):
        s, u = x[:k], x[k:]
        value = 0.5 * s @ s + np.sum(u ** 4 / 4 - u ** 2 / 2)
        return float(value), np.concatenate([s, u ** 3 - u])

    def hessian(x):
        return np.diag(np.concatenate([np.ones(k), 3 * x[k:] ** 2 - 1]))

    x0 = np.concatenate([np.ones(k), np.zeros(unstable)])
    return Problem(f"strict_saddle(dim={dim}, unstable={unstable})", fn, value_and_grad, x0,
                   f_star=-unstable / 4, hessian=hessian)


#: The lectures' running example, as an expression and as straight-line code.
LECTURE_EXPRESSION = "sin(exp(x*y) + 2*x**2)"
LECTURE_PROGRAM = ("z1 = x * y; z2 = x ** 2; z3 = exp(z1); z4 = 2 * z2; z5 = z3 + z4; "
                   "out = sin(z5)")
#: The point the lectures evaluate it at.
LECTURE_POINT = (1.1, 0.7)


def lecture_example(x, y):
    """f(x, y) = sin(exp(x y) + 2 x^2), written as the lectures' straight-line code.

    Examples
    --------
    >>> import diffkit
    >>> from diffkit.problems import lecture_example
    >>> print(diffkit.trace(lecture_example, 1.1, 0.7).listing())
    z1 = x * y
    z2 = x ** 2
    z3 = exp(z1)
    z4 = 2 * z2
    z5 = z3 + z4
    out = sin(z5)
    """
    z1 = x * y
    z2 = x ** 2
    z3 = np.exp(z1)
    z4 = 2 * z2
    z5 = z3 + z4
    return np.sin(z5)
