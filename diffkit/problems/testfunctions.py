"""Classic unconstrained test functions of Moré, Garbow and Hillstrom (1981).

Each is a sum of squares ``f(x) = sum_i r_i(x)**2`` with the paper's
standard starting point and known minimum; numbers in brackets are the
paper's. Residual Jacobians and Hessians are derived by hand, which gives
exact gradients and Hessians through :func:`~diffkit.problems.base.sum_of_squares`.
"""

import numpy as np

from ..errors import OptionError
from .base import sum_of_squares

__all__ = ["rosenbrock", "powell_singular", "beale", "wood", "freudenstein_roth",
           "helical_valley", "brown_badly_scaled", "MORE_GARBOW_HILLSTROM"]


def rosenbrock(dim=2):
    """Extended Rosenbrock [21] (plain Rosenbrock [1] for ``dim=2``).

    ``r = (10 (x_{2i} - x_{2i-1}**2), 1 - x_{2i-1})``; start
    ``(-1.2, 1, -1.2, 1, ...)``, minimum ``f = 0`` at ``(1, ..., 1)``.

    Examples
    --------
    >>> p = rosenbrock()
    >>> round(float(p(p.x0)), 2), float(p(p.x_star))
    (24.2, 0.0)
    """
    if dim < 2 or dim % 2:
        raise OptionError(f"rosenbrock needs an even dim >= 2, got dim={dim}")
    half = np.arange(dim // 2)

    def residuals(x):
        odd, even = x[0::2], x[1::2]
        return np.concatenate([10.0 * (even - odd ** 2), 1.0 - odd])

    def jacobian(x):
        J = np.zeros((dim, dim))
        J[half, 2 * half] = -20.0 * x[0::2]
        J[half, 2 * half + 1] = 10.0
        J[dim // 2 + half, 2 * half] = -1.0
        return J

    def residual_hessians(x):
        H = np.zeros((dim, dim, dim))
        H[half, 2 * half, 2 * half] = -20.0
        return H

    return sum_of_squares(f"rosenbrock(dim={dim})", residuals, jacobian, residual_hessians,
                          np.tile([-1.2, 1.0], dim // 2), f_star=0.0, x_star=np.ones(dim))


def powell_singular(dim=4):
    """Extended Powell singular function [22] ([13] for ``dim=4``).

    The Hessian is singular at the minimum ``f = 0`` at ``x = 0``, so Newton
    converges only linearly there. Start ``(3, -1, 0, 1, ...)``.

    Examples
    --------
    >>> p = powell_singular()
    >>> float(p(p.x0))
    215.0
    """
    if dim < 4 or dim % 4:
        raise OptionError(f"powell_singular needs dim a multiple of 4, got dim={dim}")
    q = dim // 4
    i = np.arange(q)
    ia, ib, ic, id_ = 4 * i, 4 * i + 1, 4 * i + 2, 4 * i + 3
    s5, s10 = np.sqrt(5.0), np.sqrt(10.0)

    def residuals(x):
        a, b, c, d = x[0::4], x[1::4], x[2::4], x[3::4]
        return np.concatenate([a + 10 * b, s5 * (c - d), (b - 2 * c) ** 2, s10 * (a - d) ** 2])

    def jacobian(x):
        a, b, c, d = x[0::4], x[1::4], x[2::4], x[3::4]
        J = np.zeros((dim, dim))
        J[i, ia], J[i, ib] = 1.0, 10.0
        J[q + i, ic], J[q + i, id_] = s5, -s5
        J[2 * q + i, ib], J[2 * q + i, ic] = 2 * (b - 2 * c), -4 * (b - 2 * c)
        J[3 * q + i, ia], J[3 * q + i, id_] = 2 * s10 * (a - d), -2 * s10 * (a - d)
        return J

    def residual_hessians(x):
        H = np.zeros((dim, dim, dim))
        r3, r4 = 2 * q + i, 3 * q + i
        H[r3, ib, ib], H[r3, ic, ic], H[r3, ib, ic], H[r3, ic, ib] = 2.0, 8.0, -4.0, -4.0
        H[r4, ia, ia], H[r4, id_, id_] = 2 * s10, 2 * s10
        H[r4, ia, id_], H[r4, id_, ia] = -2 * s10, -2 * s10
        return H

    return sum_of_squares(f"powell_singular(dim={dim})", residuals, jacobian,
                          residual_hessians, np.tile([3.0, -1.0, 0.0, 1.0], q), f_star=0.0,
                          x_star=np.zeros(dim))


def beale():
    """Beale function [5]: ``r_i = y_i - x1 (1 - x2**i)``, ``y = (1.5, 2.25, 2.625)``.

    Start ``(1, 1)``, minimum ``f = 0`` at ``(3, 1/2)``.

    Examples
    --------
    >>> p = beale()
    >>> round(float(p(p.x0)), 6)
    14.203125
    """
    y = np.array([1.5, 2.25, 2.625])
    powers = np.array([1.0, 2.0, 3.0])

    def residuals(x):
        return y - x[0] * (1.0 - x[1] ** powers)

    def jacobian(x):
        return np.stack([-(1.0 - x[1] ** powers), x[0] * powers * x[1] ** (powers - 1)], axis=1)

    def residual_hessians(x):
        cross = powers * x[1] ** (powers - 1)
        # i (i - 1) x2**(i - 2); the exponent is clipped where the factor is 0 anyway.
        curve = x[0] * powers * (powers - 1) * x[1] ** np.maximum(powers - 2, 0)
        zero = np.zeros(3)
        return np.stack([np.stack([zero, cross], 1), np.stack([cross, curve], 1)], 1)

    return sum_of_squares("beale", residuals, jacobian, residual_hessians, [1.0, 1.0],
                          f_star=0.0, x_star=np.array([3.0, 0.5]))


def wood():
    """Wood function [14] in four variables; start ``(-3, -1, -3, -1)``, minimum at ones.

    Examples
    --------
    >>> p = wood()
    >>> float(p(p.x0))
    19192.0
    """
    s90, s10 = np.sqrt(90.0), np.sqrt(10.0)

    def residuals(x):
        return np.stack([10 * (x[1] - x[0] ** 2), 1 - x[0], s90 * (x[3] - x[2] ** 2), 1 - x[2],
                         s10 * (x[1] + x[3] - 2), (x[1] - x[3]) / s10])

    def jacobian(x):
        return np.array([[-20 * x[0], 10, 0, 0], [-1, 0, 0, 0], [0, 0, -2 * s90 * x[2], s90],
                         [0, 0, -1, 0], [0, s10, 0, s10], [0, 1 / s10, 0, -1 / s10]])

    def residual_hessians(x):
        H = np.zeros((6, 4, 4))
        H[0, 0, 0], H[2, 2, 2] = -20.0, -2 * s90
        return H

    return sum_of_squares("wood", residuals, jacobian, residual_hessians,
                          [-3.0, -1.0, -3.0, -1.0], f_star=0.0, x_star=np.ones(4))


def freudenstein_roth():
    """Freudenstein and Roth function [2]; start ``(0.5, -2)``.

    Global minimum ``f = 0`` at ``(5, 4)``; there is also a local minimum
    ``f = 48.9842...`` near ``(11.41, -0.8968)``, which many methods find
    from the standard start.

    Examples
    --------
    >>> p = freudenstein_roth()
    >>> float(p(p.x0)), float(p(p.x_star))
    (400.5, 0.0)
    """

    def residuals(x):
        return np.stack([-13 + x[0] + ((5 - x[1]) * x[1] - 2) * x[1],
                         -29 + x[0] + ((x[1] + 1) * x[1] - 14) * x[1]])

    def jacobian(x):
        return np.array([[1.0, 10 * x[1] - 3 * x[1] ** 2 - 2],
                         [1.0, 3 * x[1] ** 2 + 2 * x[1] - 14]])

    def residual_hessians(x):
        return np.array([[[0, 0], [0, 10 - 6 * x[1]]], [[0, 0], [0, 6 * x[1] + 2]]], float)

    return sum_of_squares("freudenstein_roth", residuals, jacobian, residual_hessians,
                          [0.5, -2.0], f_star=0.0, x_star=np.array([5.0, 4.0]))


def helical_valley():
    """Helical valley function [7]; start ``(-1, 0, 0)``, minimum ``f = 0`` at ``(1, 0, 0)``.

    ``theta = arctan(x2 / x1) / (2 pi)``, plus ``1/2`` when ``x1 < 0``.

    Examples
    --------
    >>> p = helical_valley()
    >>> float(p(p.x0))
    2500.0
    """
    two_pi = 2 * np.pi

    def residuals(x):
        theta = np.arctan(x[1] / x[0]) / two_pi + np.where(x[0] < 0, 0.5, 0.0)
        rho = np.sqrt(x[0] ** 2 + x[1] ** 2)
        return np.stack([10 * (x[2] - 10 * theta), 10 * (rho - 1), x[2]])

    def jacobian(x):
        rho2 = x[0] ** 2 + x[1] ** 2
        rho = np.sqrt(rho2)
        dtheta = np.array([-x[1], x[0]]) / (two_pi * rho2)
        return np.array([[*(-100 * dtheta), 10.0], [10 * x[0] / rho, 10 * x[1] / rho, 0.0],
                         [0.0, 0.0, 1.0]])

    def residual_hessians(x):
        a, b = x[0], x[1]
        rho2 = a * a + b * b
        theta_h = np.array([[2 * a * b, b * b - a * a], [b * b - a * a, -2 * a * b]])
        rho_h = np.array([[b * b, -a * b], [-a * b, a * a]]) / rho2 ** 1.5
        H = np.zeros((3, 3, 3))
        H[0, :2, :2] = -100 * theta_h / (two_pi * rho2 ** 2)
        H[1, :2, :2] = 10 * rho_h
        return H

    return sum_of_squares("helical_valley", residuals, jacobian, residual_hessians,
                          [-1.0, 0.0, 0.0], f_star=0.0, x_star=np.array([1.0, 0.0, 0.0]))


def brown_badly_scaled():
    """Brown badly scaled function [4]; start ``(1, 1)``, minimum ``f = 0`` at ``(1e6, 2e-6)``.

    Examples
    --------
    >>> p = brown_badly_scaled()
    >>> float(p(p.x_star))
    0.0
    """

    def residuals(x):
        return np.stack([x[0] - 1e6, x[1] - 2e-6, x[0] * x[1] - 2])

    def jacobian(x):
        return np.array([[1.0, 0.0], [0.0, 1.0], [x[1], x[0]]])

    def residual_hessians(x):
        return np.array([np.zeros((2, 2)), np.zeros((2, 2)), [[0.0, 1.0], [1.0, 0.0]]])

    return sum_of_squares("brown_badly_scaled", residuals, jacobian, residual_hessians,
                          [1.0, 1.0], f_star=0.0, x_star=np.array([1e6, 2e-6]))


MORE_GARBOW_HILLSTROM = (rosenbrock, freudenstein_roth, brown_badly_scaled, beale,
                         helical_valley, powell_singular, wood)
"""The constructors above, in the paper's order (each callable with no arguments)."""
