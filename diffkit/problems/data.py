"""Finite-sum problems ``f(theta) = (1/n) sum_i loss(theta; x_i, y_i)`` on synthetic data.

Every objective takes ``(theta, X, y)`` and returns the mean loss over the
rows it is given, so the same function (and the same exact
``value_and_grad``) gives the full loss and minibatch estimates. Data come
from a seeded ``numpy.random.Generator``.
"""

import numpy as np

from .base import Problem

__all__ = ["least_squares", "logistic_regression", "robust_regression", "mlp"]


def _sigmoid(z):
    # tanh form: no overflow for large |z|, unlike 1 / (1 + exp(-z)).
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def _extreme_eigenvalues(X):
    eig = np.linalg.eigvalsh(X.T @ X / len(X))
    return float(eig[-1]), float(max(eig[0], 0.0))


def least_squares(n=50, d=10, noise=0.0, seed=0):
    """``f(theta) = mean_i (x_i . theta - y_i)**2 / 2`` on Gaussian data.

    Over-determined (``n >= d``): one minimizer, ``mu`` = smallest eigenvalue
    of ``X^T X / n``. Under-determined (``n < d``): a whole affine set of
    minimizers with ``f* = 0``; ``x_star`` is the minimum-norm one,
    ``pinv(X) y``, and ``mu = 0``.

    Examples
    --------
    >>> import numpy as np
    >>> p = least_squares(n=5, d=8)
    >>> p.f_star, p.mu, float(p(p.x_star)) < 1e-25
    (0.0, 0.0, True)
    """
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    y = X @ rng.standard_normal(d) + noise * rng.standard_normal(n)

    def fn(theta, X, y):
        r = X @ theta - y
        return 0.5 * np.mean(r * r)

    def value_and_grad(theta, X, y):
        r = X @ theta - y
        return float(0.5 * r @ r / len(y)), X.T @ r / len(y)

    x_star = np.linalg.pinv(X) @ y
    L, mu = _extreme_eigenvalues(X)
    under = n < d
    f_star = 0.0 if under else value_and_grad(x_star, X, y)[0]
    return Problem(f"least_squares(n={n}, d={d})", fn, value_and_grad, np.zeros(d),
                   f_star=f_star, x_star=x_star, hessian=lambda theta, X, y: X.T @ X / len(y),
                   data=(X, y), L=L, mu=0.0 if under else mu)


def logistic_regression(n=100, d=5, reg=1e-2, seed=0):
    """l2-regularized logistic regression with labels in ``{-1, +1}``.

    ``f(theta) = mean_i log(1 + exp(-y_i x_i . theta)) + reg |theta|**2 / 2``,
    strongly convex with ``mu = reg`` and ``L = lambda_max(X^T X / n) / 4 + reg``.
    The minimizer is computed once by Newton's method.

    Examples
    --------
    >>> import numpy as np
    >>> p = logistic_regression()
    >>> bool(np.linalg.norm(p.grad(p.x_star)) < 1e-12), p.mu
    (True, 0.01)
    """
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    y = np.where(rng.random(n) < _sigmoid(X @ rng.standard_normal(d)), 1.0, -1.0)

    def fn(theta, X, y):
        return np.mean(np.logaddexp(0.0, -y * (X @ theta))) + 0.5 * reg * np.sum(theta * theta)

    def value_and_grad(theta, X, y):
        margins = y * (X @ theta)
        value = np.mean(np.logaddexp(0.0, -margins)) + 0.5 * reg * theta @ theta
        return float(value), X.T @ (-y * _sigmoid(-margins)) / len(y) + reg * theta

    def hessian(theta, X, y):
        p = _sigmoid(X @ theta)
        return (X.T * (p * (1 - p))) @ X / len(y) + reg * np.eye(len(theta))

    theta = np.zeros(d)
    for _ in range(50):  # Newton converges quadratically; 50 is far more than needed
        step = np.linalg.solve(hessian(theta, X, y), value_and_grad(theta, X, y)[1])
        theta = theta - step
        if np.linalg.norm(step) < 1e-15:
            break
    L = _extreme_eigenvalues(X)[0] / 4 + reg
    return Problem(f"logistic_regression(n={n}, d={d}, reg={reg:g})", fn, value_and_grad,
                   np.zeros(d), f_star=value_and_grad(theta, X, y)[0], x_star=theta,
                   hessian=hessian, data=(X, y), L=L, mu=reg)


def robust_regression(n=200, d=5, outliers=0.1, seed=0):
    """Non-convex robust regression with the Geman-McClure loss ``r**2 / (1 + r**2)``.

    The loss is bounded, so outliers pull little; its second derivative
    lies in ``[-1/2, 2]``, giving ``L = 2 lambda_max(X^T X / n)``, and its
    first derivative is at most ``3 sqrt(3) / 8``, so each example's
    gradient has norm at most ``3 sqrt(3) / 8 * |x_i|`` (a bound on the
    SGD noise). ``f >= 0``; the minimum is not known in closed form.

    Examples
    --------
    >>> p = robust_regression(n=50, d=3)
    >>> p.data[0].shape, p.f_star is None
    ((50, 3), True)
    """
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    y = X @ rng.standard_normal(d) + 0.1 * rng.standard_normal(n)
    y = np.where(rng.random(n) < outliers, 10.0 * rng.standard_normal(n), y)

    def fn(theta, X, y):
        r2 = (X @ theta - y) ** 2
        return np.mean(r2 / (1.0 + r2))

    def value_and_grad(theta, X, y):
        r = X @ theta - y
        value = np.mean(r * r / (1.0 + r * r))
        return float(value), X.T @ (2 * r / (1.0 + r * r) ** 2) / len(y)

    return Problem(f"robust_regression(n={n}, d={d})", fn, value_and_grad, np.zeros(d),
                   data=(X, y), L=2.0 * _extreme_eigenvalues(X)[0])


def mlp(n=200, width=8, seed=0):
    """A one-hidden-layer tanh network classifying two concentric rings.

    Inputs are 2-D points at radius 1 (label -1) or 2 (label +1) with
    noise; no straight line separates them, so the hidden layer matters.
    Parameters are packed in one flat vector
    ``theta = [W1 (2 x width), b1 (width), w2 (width), b2]`` and the loss is
    the mean logistic loss of ``tanh(X W1 + b1) w2 + b2``. Non-convex;
    ``f >= 0`` and no minimum is known.

    Examples
    --------
    >>> p = mlp(width=4)
    >>> p.x0.shape, p.data[0].shape
    ((17,), (200, 2))
    """
    rng = np.random.default_rng(seed)
    labels = np.where(rng.random(n) < 0.5, -1.0, 1.0)
    angles = rng.uniform(0, 2 * np.pi, n)
    radii = 1.5 + 0.5 * labels
    X = radii[:, None] * np.stack([np.cos(angles), np.sin(angles)], axis=1)
    X = X + 0.1 * rng.standard_normal((n, 2))
    w = width

    def unpack(theta):
        return (theta[:2 * w].reshape(2, w), theta[2 * w:3 * w], theta[3 * w:4 * w],
                theta[4 * w])

    def fn(theta, X, y):
        W1, b1, w2, b2 = unpack(theta)
        out = np.tanh(X @ W1 + b1) @ w2 + b2
        return np.mean(np.logaddexp(0.0, -y * out))

    def value_and_grad(theta, X, y):
        W1, b1, w2, b2 = unpack(theta)
        h = np.tanh(X @ W1 + b1)
        margins = y * (h @ w2 + b2)
        d_out = -y * _sigmoid(-margins) / len(y)        # d loss / d out
        d_pre = np.outer(d_out, w2) * (1 - h * h)       # back through tanh
        grad = np.concatenate([(X.T @ d_pre).ravel(), d_pre.sum(0), h.T @ d_out,
                               [d_out.sum()]])
        return float(np.mean(np.logaddexp(0.0, -margins))), grad

    x0 = np.concatenate([rng.standard_normal(2 * w) / np.sqrt(2), np.zeros(w),
                         rng.standard_normal(w) / np.sqrt(w), [0.0]])
    return Problem(f"mlp(n={n}, width={width})", fn, value_and_grad, x0, data=(X, labels))
