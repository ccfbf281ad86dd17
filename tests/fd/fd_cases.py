"""Smooth test functions for finite differences and symbolic differentiation.

Each case: (name, function, draw(rng) -> point).  All are analytic near the
points drawn (no kinks, no singularities), so the textbook error orders of
each difference scheme hold.
"""
import numpy as np

W = np.array([[0.3, -0.2, 0.5], [0.1, 0.4, -0.3], [-0.6, 0.2, 0.1], [0.2, 0.2, 0.2]])


def lecture(x):
    return np.sin(np.exp(x[0] * x[1]) + 2 * x[0] ** 2)


def rosenbrock(x):
    return np.sum(100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)


def expsin(x):
    return np.sum(np.exp(x[:-1] * x[1:])) + np.prod(np.sin(x))


def mlp(x):
    return np.sum(np.tanh(W @ x) ** 2)


def logsum(x):
    return np.log(np.sum(np.exp(x))) + np.sum(x ** 3) / (1 + np.sum(x ** 2))


def ratio(x):
    return np.sum(np.arctan(x) * np.cosh(x[::-1] / 2)) / (2 + np.sum(np.sqrt(1 + x ** 2)))


CASES = [
    ("lecture", lecture, lambda r: r.uniform(0.2, 1.2, 2)),
    ("rosenbrock", rosenbrock, lambda r: r.uniform(-1.5, 1.5, 5)),
    ("expsin", expsin, lambda r: r.uniform(-1.0, 1.0, 4)),
    ("mlp", mlp, lambda r: r.uniform(-2.0, 2.0, 3)),
    ("logsum", logsum, lambda r: r.uniform(-2.0, 2.0, 4)),
    ("ratio", ratio, lambda r: r.uniform(-2.0, 2.0, 3)),
]


def rel_error(a, b):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return float(np.max(np.abs(a - b)) / np.max(np.abs(b)))
