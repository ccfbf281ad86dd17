"""Plain NumPy objectives: diffkit's gradients equal the hand-derived ones.

Hand formulas and AD evaluate the same mathematics in different orders (the
hand backprop of the MLP reuses products AD recomputes), so they agree to
AD_RTOL (1e-12) relative to the gradient's max norm, the absolute floor for
entries that cancel.
"""
import numpy as np
import pytest

import diffkit
from diffkit import problems
from diffkit.testing import check_grads

from ad_cases import AD_RTOL, assert_close

METHODS = ["forward", "reverse"]


def _sigmoid(z):
    return 0.5 * (1.0 + np.tanh(0.5 * z))  # no overflow for large |z|


@pytest.fixture
def data(rng):
    A = rng.normal(size=(7, 4))
    return A, rng.normal(size=7), rng.normal(size=4)


@pytest.mark.parametrize("method", METHODS)
def test_least_squares(method, data):
    A, b, x = data

    def f(x):
        r = A @ x - b
        return 0.5 * np.sum(r * r)

    value, g = diffkit.value_and_grad(f, method=method)(x)
    assert_close(value, 0.5 * np.sum((A @ x - b) ** 2), AD_RTOL)
    assert_close(g, A.T @ (A @ x - b), AD_RTOL)
    # with respect to the data too: d/dA = (Ax - b) x^T, d/db = -(Ax - b)
    gA, gb = diffkit.grad(lambda A, b: 0.5 * np.sum((A @ x - b) ** 2), method=method,
                          argnums=(0, 1))(A, b)
    assert_close(gA, np.outer(A @ x - b, x), AD_RTOL)
    assert_close(gb, b - A @ x, AD_RTOL)


@pytest.mark.parametrize("method", METHODS)
def test_l2_regularized_logistic_regression(method, data):
    A, _, w = data
    y = np.where(np.arange(7) % 3 == 0, 1.0, -1.0)
    lam = 0.3

    def f(w):
        return np.sum(np.logaddexp(0.0, -y * (A @ w))) + 0.5 * lam * np.sum(w * w)

    # d/dw log(1 + exp(-y a.w)) = -y sigmoid(-y a.w) a
    want = A.T @ (-y * _sigmoid(-y * (A @ w))) + lam * w
    assert_close(diffkit.grad(f, method=method)(w), want, AD_RTOL)


def _mlp(n=6, d=3, h=4, k=3, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    Y = np.eye(k)[rng.integers(0, k, n)]
    shapes = [(d, h), (h,), (h, k), (k,)]
    sizes = [int(np.prod(s)) for s in shapes]
    cuts = np.cumsum([0] + sizes)

    def unpack(theta):
        return [theta[a:b].reshape(s) for a, b, s in zip(cuts[:-1], cuts[1:], shapes)]

    def loss(theta):
        W1, b1, W2, b2 = unpack(theta)
        z = np.tanh(X @ W1 + b1) @ W2 + b2
        m = np.max(z, axis=1, keepdims=True)
        log_softmax = z - m - np.log(np.sum(np.exp(z - m), axis=1, keepdims=True))
        return -np.sum(Y * log_softmax) / n

    def backprop(theta):
        W1, b1, W2, b2 = unpack(theta)
        H = np.tanh(X @ W1 + b1)
        z = H @ W2 + b2
        p = np.exp(z - z.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        dz = (p - Y) / n                        # softmax cross-entropy
        dpre = (dz @ W2.T) * (1 - H * H)        # back through tanh
        return np.concatenate([(X.T @ dpre).ravel(), dpre.sum(0), (H.T @ dz).ravel(),
                               dz.sum(0)])

    theta = rng.normal(size=cuts[-1]) / 2
    return loss, backprop, theta


@pytest.mark.parametrize("method", METHODS)
def test_softmax_cross_entropy_mlp_against_hand_backprop(method):
    loss, backprop, theta = _mlp()
    value, g = diffkit.value_and_grad(loss, method=method)(theta)
    assert_close(value, loss(theta), AD_RTOL)
    assert_close(g, backprop(theta), AD_RTOL)


def test_mlp_gradients_pass_check_grads():
    loss, _, theta = _mlp(seed=1)
    check_grads(loss, theta)


def chained_rosenbrock(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


def chained_rosenbrock_grad(x):
    g = np.zeros_like(x)
    t = x[1:] - x[:-1] ** 2
    g[:-1] += -400.0 * x[:-1] * t - 2.0 * (1.0 - x[:-1])
    g[1:] += 200.0 * t
    return g


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("d", [2, 3, 10])
def test_extended_rosenbrock_against_the_hand_formula(method, d, rng):
    x = rng.uniform(-2, 2, d)
    assert_close(diffkit.grad(chained_rosenbrock, method=method)(x), chained_rosenbrock_grad(x),
                 AD_RTOL)
    ones = np.ones(d)  # the minimizer: the gradient is exactly 0 there
    np.testing.assert_array_equal(diffkit.grad(chained_rosenbrock, method=method)(ones),
                                  np.zeros(d))


def _problems():
    out = [(c.__name__, c) for c in problems.MORE_GARBOW_HILLSTROM]
    out += [("rosenbrock-8", lambda: problems.rosenbrock(8)),
            ("quadratic", lambda: problems.quadratic(dim=5, condition=30.0)),
            ("pl_cosine", problems.pl_cosine), ("linear_network", problems.linear_network),
            ("strict_saddle", lambda: problems.strict_saddle(dim=3)),
            ("least_squares", lambda: problems.least_squares(n=12, d=4)),
            ("logistic_regression", lambda: problems.logistic_regression(n=15, d=3)),
            ("robust_regression", lambda: problems.robust_regression(n=15, d=3)),
            ("mlp", lambda: problems.mlp(n=12, width=3))]
    return out


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("name, make", _problems(), ids=[p[0] for p in _problems()])
def test_problems_hand_derived_value_and_grad(method, name, make, rng):
    p = make()
    vg = diffkit.value_and_grad(p.fn, method=method)
    for x in (p.x0, p.x0 + rng.uniform(-0.5, 0.5, p.x0.shape)):
        value, g = vg(x, *p.data)
        want_value, want_g = p.value_and_grad(x, *p.data)
        assert_close(value, want_value, AD_RTOL, what=f"{name} value")
        assert_close(g, want_g, AD_RTOL, what=f"{name} gradient")
        if p.hessian is not None:
            H = diffkit.hessian(p.fn, method=method)(x, *p.data)
            assert_close(H, p.hessian(x, *p.data), AD_RTOL, what=f"{name} hessian")
