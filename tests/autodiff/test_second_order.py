"""Hessians and Hessian-vector products (forward over reverse) on both methods.

Checked against hand-derived Hessians (x^T A x, Rosenbrock, log-sum-exp, the
extended Rosenbrock of diffkit.problems) and against central differences of
the reference gradient along random directions.
"""
import numpy as np
import pytest

import diffkit
from diffkit import problems
from diffkit.program import reference

from ad_cases import AD_RTOL, FD_RTOL, assert_close, central_difference, max_norm

METHODS = ["forward", "reverse"]


def quadratic(A):
    return lambda x: x @ A @ x


def rosenbrock(x):
    return 100.0 * (x[1] - x[0] ** 2) ** 2 + (1.0 - x[0]) ** 2


def rosenbrock_hessian(x):
    a, b = x
    return np.array([[1200.0 * a * a - 400.0 * b + 2.0, -400.0 * a], [-400.0 * a, 200.0]])


def logsumexp(x):
    m = np.max(x)
    return m + np.log(np.sum(np.exp(x - m)))


def logsumexp_hessian(x):
    p = np.exp(x - x.max())
    p /= p.sum()
    return np.diag(p) - np.outer(p, p)


def _cases():
    rng = np.random.default_rng(3)
    A = rng.normal(size=(4, 4))
    return [
        ("quadratic", quadratic(A), rng.normal(size=4), lambda x: A + A.T),
        ("rosenbrock", rosenbrock, np.array([-1.2, 1.0]), rosenbrock_hessian),
        ("rosenbrock-min", rosenbrock, np.array([1.0, 1.0]), rosenbrock_hessian),
        ("logsumexp", logsumexp, rng.normal(size=5), logsumexp_hessian),
        ("ext-rosenbrock", problems.rosenbrock(6).fn, rng.uniform(-1.5, 1.5, 6),
         problems.rosenbrock(6).hessian),
    ]


CASES = _cases()
IDS = [c[0] for c in CASES]


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("name, fn, x, hand", CASES, ids=IDS)
def test_hessian_equals_the_hand_derived_hessian(method, name, fn, x, hand):
    H = diffkit.hessian(fn, method=method)(x)
    # the same polynomial/exponential formulas, evaluated in a different order
    assert_close(H, hand(x), AD_RTOL, what=f"{name} hessian")


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("name, fn, x, hand", CASES, ids=IDS)
def test_hvp_equals_hessian_times_v_and_central_differences(method, name, fn, x, hand):
    rng = np.random.default_rng(7)
    hvp = diffkit.hvp(fn, method=method)
    H = diffkit.hessian(fn, method=method)(x)
    graph = diffkit.trace(fn, x)
    for _ in range(3):
        v = rng.standard_normal(x.size)
        v /= np.linalg.norm(v)
        Hv = hvp(x, v)
        assert Hv.shape == x.shape
        assert_close(Hv, H @ v, AD_RTOL, what="hvp vs H v")
        assert_close(Hv, hand(x) @ v, AD_RTOL, what="hvp vs hand H v")
        # central differences of the *reference* gradient: independent of the kernels
        fd = central_difference(lambda y: reference.grad(graph, y)[0], [x], [v])
        g_scale = max_norm(reference.grad(graph, x)[0])
        assert_close(Hv, fd, FD_RTOL, atol=1e-8 * max(1.0, g_scale), what="hvp vs FD")


@pytest.mark.parametrize("method", METHODS)
def test_hessian_blocks_for_several_arguments(method):
    """f(x, y) = sum(x^2 y) + y^3: blocks H_xx = 2y I, H_xy = 2x, H_yy = 6y (by hand)."""
    def f(x, y):
        return np.sum(x * x * y) + y ** 3

    x, y = np.array([0.5, -1.0, 2.0]), 1.5
    (Hxx, Hxy), (Hyx, Hyy) = diffkit.hessian(f, method=method, argnums=(0, 1))(x, y)
    assert Hxx.shape == (3, 3) and Hxy.shape == (3,) and Hyx.shape == (3,) and Hyy.shape == ()
    assert_close(Hxx, 2 * y * np.eye(3), AD_RTOL)
    assert_close(Hxy, 2 * x, AD_RTOL)
    assert_close(Hyx, 2 * x, AD_RTOL)
    assert_close(Hyy, 6 * y, AD_RTOL)
    # hessian with respect to y only: the scalar 6 y
    assert_close(diffkit.hessian(f, method=method, argnums=1)(x, y), 6 * y, AD_RTOL)


@pytest.mark.parametrize("method", METHODS)
def test_hvp_with_respect_to_one_of_several_arguments(method):
    def f(x, A):
        return np.sum(np.tanh(A @ x) ** 2)

    rng = np.random.default_rng(1)
    x, A, v = rng.normal(size=3), rng.normal(size=(2, 3)), rng.normal(size=3)
    Hv = diffkit.hvp(f, method=method, argnums=0)(x, A, v)
    H = diffkit.hessian(f, method=method, argnums=0)(x, A)
    assert_close(Hv, H @ v, AD_RTOL)
    g = diffkit.trace(f, x, A)
    fd = central_difference(lambda y: reference.grad(g, y, A, wrt=(0,))[0], [x], [v])
    assert_close(Hv, fd, FD_RTOL, atol=1e-8 * max_norm(v))


@pytest.mark.parametrize("method", METHODS)
def test_hvp_with_a_tuple_of_arguments(method):
    def f(x, y):
        return np.sum(x * x * y) + y ** 3

    x, y = np.array([0.5, -1.0, 2.0]), 1.5
    vx, vy = np.array([1.0, 0.0, -1.0]), 2.0
    hx, hy = diffkit.hvp(f, method=method, argnums=(0, 1))(x, y, (vx, vy))
    # [[2y I, 2x], [2x^T, 6y]] @ (vx, vy), by hand
    assert_close(hx, 2 * y * vx + 2 * x * vy, AD_RTOL)
    assert_close(hy, 2 * x @ vx + 6 * y * vy, AD_RTOL)


@pytest.mark.parametrize("method", METHODS)
def test_hessian_of_a_quadratic_is_constant_and_exact(method):
    """For integer A the Hessian A + A^T is computed exactly (integers, no rounding)."""
    A = np.array([[2.0, -1.0, 0.0], [3.0, 1.0, 4.0], [0.0, 5.0, -2.0]])
    hess = diffkit.hessian(quadratic(A), method=method)
    for x in (np.zeros(3), np.array([1.0, -2.0, 0.5])):
        np.testing.assert_array_equal(hess(x), A + A.T)
