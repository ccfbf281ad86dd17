"""Structural ops that read a contiguous run of the workspace become aliases of it.

The tangent sweep treats an operand that starts among the constants as
constant, so a run from the constants into computed values must be copied,
not aliased: otherwise forward mode loses the computed part's tangent.
"""
import numpy as np
import pytest

import diffkit
from diffkit.program.lower import lower


def f(x):
    # the constant 1 is the workspace's last constant slot, and sin(x) follows it
    return np.concatenate([np.ones(1), np.sin(x)[:-1]]) * x


@pytest.mark.parametrize("method", ["forward", "reverse"])
def test_a_run_from_the_constants_into_values_keeps_its_tangent(method):
    x = np.array([1.5, 0.3, -0.7, 0.2, 2.0])
    J = diffkit.jacobian(f, method=method)(x)
    # f_i = c_i x_i with c = (1, sin x_0, ..., sin x_3): by hand
    want = np.diag(np.concatenate([[1.0], np.sin(x[:-1])]))
    want[np.arange(1, 5), np.arange(4)] = np.cos(x[:-1]) * x[1:]
    np.testing.assert_allclose(J, want, rtol=1e-15, atol=1e-16)


def test_runs_inside_computed_values_stay_aliases():
    program = lower(diffkit.trace(lambda x: np.sin(x)[1:] * 2.0, np.ones(4)))
    assert "gather" not in str(program)


@pytest.mark.parametrize("method", ["forward", "reverse"])
def test_two_views_of_one_value_broadcast_each_their_own_way(method):
    # X[:, None] and X[None, :] share their values' slots but broadcast to (n, n, d)
    # differently: pairwise differences, as a kernel matrix computes them
    X = np.random.default_rng(3).normal(size=(7, 2))
    f = lambda X: np.sum((X[:, None, :] - X[None, :, :]) ** 2)  # noqa: E731
    value, grad = diffkit.value_and_grad(f, method=method)(X)
    assert value == f(X)
    # d/dX_k of sum_ij |X_i - X_j|^2 = 4 (n X_k - sum_j X_j), by hand
    np.testing.assert_allclose(grad, 4 * (7 * X - X.sum(axis=0)), rtol=1e-13, atol=1e-13)
