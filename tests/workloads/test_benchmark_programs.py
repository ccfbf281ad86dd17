"""Published AD benchmark workloads, written in plain NumPy the way their reference
implementations write them (loops, slices, in-place updates of copies, NumPy's
reductions), and differentiated as written.

The workloads follow the GradBench and ADBench specifications: log-sum-exp,
k-means (gradient and the Newton direction from a Hessian-vector product),
linear least squares with monomials, an ODE solved by classic Runge-Kutta, an
LSTM over a character sequence, and a Gaussian mixture log-likelihood.  Each
gradient is checked against central differences (relative 1e-6: truncation
~h^2 and rounding ~eps/h at h = 1e-5 leave about 1e-8) and, where a hand
formula exists, against it to 1e-12; reverse and forward mode must agree to
1e-12 (the same derivative, in another order of operations).
"""
import math

import numpy as np
import pytest

import diffkit


def lse(x):
    x_max = np.max(x)
    return np.log(np.sum(np.exp(x - x_max))) + x_max


def kmeans_cost(points, centers):
    a_sqr = np.sum(points ** 2, 1)[None, :]
    b_sqr = np.sum(centers ** 2, 1)[:, None]
    diff = np.matmul(points, centers.T).T
    dists = a_sqr + b_sqr - 2 * diff
    return np.min(dists, axis=0).sum()


def llsq(x, n=7):
    m = x.shape[0]
    total = 0.0
    for i in range(n):
        ti = -1.0 + i * 2.0 / (n - 1.0)
        muls = np.cumprod(np.concatenate([[1.0], np.full(m - 1, ti)]))
        total = total + (np.sign(ti) + np.sum(-x * muls)) ** 2
    return total / 2.0


def ode_final(x, steps=10, tf=2.0):
    def f(y):
        return np.where(np.arange(x.shape[0]) == 0, x, x * np.roll(y, 1))

    h = tf / steps
    y = np.zeros_like(x)
    for _ in range(steps):
        k1 = f(y)
        k2 = f(y + h / 2 * k1)
        k3 = f(y + h / 2 * k2)
        k4 = f(y + h * k3)
        y = y + h / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
    return y[-1]


def lstm_objective(main_params, extra_params, state, sequence):
    """ADBench's LSTM: two layers, the state updated in a copy, as its reference code does."""
    def sigmoid(x):
        return 1.0 / (1.0 + np.exp(-x))

    def cell(weight, bias, hidden, cell_state, inp):
        gates = np.concatenate((inp, hidden, inp, hidden)) * weight + bias
        hs = hidden.shape[0]
        forget = sigmoid(gates[0:hs])
        ingate = sigmoid(gates[hs:2 * hs])
        outgate = sigmoid(gates[2 * hs:3 * hs])
        change = np.tanh(gates[3 * hs:])
        cell_state = cell_state * forget + ingate * change
        return outgate * np.tanh(cell_state), cell_state

    def predict(w, w2, s, x):
        s2 = s.copy()
        x = x * w2[0]
        for i in range(0, len(s), 2):
            s2[i], s2[i + 1] = cell(w[i], w[i + 1], s[i], s[i + 1], x)
            x = s2[i]
        return x * w2[1] + w2[2], s2

    total, count = 0.0, 0
    inp = sequence[0]
    for t in range(len(sequence) - 1):
        ypred, state = predict(main_params, extra_params, state, inp)
        ynorm = ypred - np.log(sum(np.exp(ypred), 2))
        ygold = sequence[t + 1]
        total += sum(ygold * ynorm)
        count += ygold.shape[0]
        inp = ygold
    return -total / count


def gmm_objective(alphas, means, icf, x, wishart_gamma=1.0, wishart_m=0):
    """ADBench's Gaussian mixture objective, vectorized as its NumPy reference is."""
    n, d = x.shape
    k = alphas.shape[0]
    qdiags = np.exp(icf[:, :d])
    sum_qs = np.sum(icf[:, :d], axis=1)
    rows, cols = np.tril_indices(d, -1)
    # the lower factors, built functionally: L[j][rows, cols] = icf[j, d:]
    Ls = np.stack([np.zeros((d, d)) + sum(
        icf[j, d + e] * np.eye(d)[:, [r]] @ np.eye(d)[[c], :]
        for e, (r, c) in enumerate(zip(rows, cols))) for j in range(k)])
    xcentered = x[:, None, :] - means[None, :, :]
    lx = qdiags * xcentered + np.einsum("ijk,mik->mij", Ls, xcentered)
    inner = alphas + sum_qs - 0.5 * np.sum(lx ** 2, axis=2)
    slse = np.sum(diffkit.logsumexp(inner, axis=1))
    p = d
    nn = p + wishart_m + 1
    prior = np.sum(0.5 * wishart_gamma ** 2 * (np.sum(qdiags ** 2, axis=1)
                                               + np.sum(icf[:, d:] ** 2, axis=1))
                   - wishart_m * sum_qs)
    C = nn * p * (math.log(wishart_gamma) - 0.5 * math.log(2))
    return (-n * d * 0.5 * math.log(2 * math.pi) + slse - n * diffkit.logsumexp(alphas)
            - prior + k * C)


def _cases(rng):
    d, k, n = 3, 4, 5
    return {
        "lse": (lse, (rng.normal(size=20),), 0),
        "kmeans": (kmeans_cost, (rng.normal(size=(12, 2)), rng.normal(size=(3, 2))), 1),
        "llsq": (llsq, (rng.normal(size=5),), 0),
        "ode": (ode_final, (rng.uniform(0.2, 1.0, size=6),), 0),
        "lstm": (lstm_objective, (0.5 * rng.normal(size=(4, 8)), 0.5 * rng.normal(size=(3, 2)),
                                  0.5 * rng.normal(size=(4, 2)), rng.normal(size=(5, 2))),
                 (0, 1)),
        "gmm": (gmm_objective, (rng.normal(size=k), rng.normal(size=(k, d)),
                                0.3 * rng.normal(size=(k, d + d * (d - 1) // 2)),
                                rng.normal(size=(n, d))), (0, 1, 2)),
    }


NAMES = ["lse", "kmeans", "llsq", "ode", "lstm", "gmm"]


def central(fn, args, argnums, h=1e-5):
    out = []
    for k in (argnums if isinstance(argnums, tuple) else (argnums,)):
        x = np.asarray(args[k], dtype=float)
        g = np.zeros(x.shape)
        for i in np.ndindex(*x.shape):
            up, down = x.copy(), x.copy()
            up[i] += h
            down[i] -= h
            g[i] = (fn(*args[:k], up, *args[k + 1:]) - fn(*args[:k], down, *args[k + 1:])) / (2 * h)
        out.append(g)
    return out if isinstance(argnums, tuple) else out[0]


def _norm_close(got, want, rtol):
    got, want = np.asarray(got, dtype=float), np.asarray(want, dtype=float)
    assert got.shape == want.shape
    assert np.max(np.abs(got - want)) <= rtol * max(np.max(np.abs(want)), 1e-300), (got, want)


@pytest.mark.parametrize("name", NAMES)
def test_benchmark_gradients_match_central_differences_and_each_other(rng, name):
    fn, args, argnums = _cases(rng)[name]
    value, rev = diffkit.value_and_grad(fn, argnums=argnums)(*args)
    np.testing.assert_allclose(value, fn(*args), rtol=1e-12)
    fwd = diffkit.grad(fn, argnums=argnums, method="forward")(*args)
    ref = central(fn, args, argnums)
    pairs = zip(rev, fwd, ref) if isinstance(argnums, tuple) else [(rev, fwd, ref)]
    for r, f, c in pairs:
        _norm_close(r, f, 1e-12)
        _norm_close(r, c, 1e-6)


def test_lse_gradient_is_the_softmax(rng):
    x = rng.normal(size=50)
    _norm_close(diffkit.grad(lse)(x), np.exp(x - x.max()) / np.sum(np.exp(x - x.max())), 1e-14)


def test_kmeans_newton_direction_from_a_hessian_vector_product(rng):
    """GradBench's k-means "dir": gradient / (H @ ones).  Each point pulls its nearest
    center: d cost / d c_j = sum over its points of 2 (c_j - p), and H is 2 * count_j on
    c_j's diagonal block."""
    points, centers = rng.normal(size=(30, 2)), rng.normal(size=(4, 2))
    g = diffkit.grad(kmeans_cost, argnums=1)(points, centers)
    hv = diffkit.hvp(kmeans_cost, argnums=1)(points, centers, np.ones_like(centers))
    nearest = np.argmin(((points[:, None, :] - centers[None]) ** 2).sum(-1), axis=1)
    want_g = np.stack([2 * np.sum(centers[j] - points[nearest == j], axis=0)
                       for j in range(4)])
    counts = np.bincount(nearest, minlength=4)
    _norm_close(g, want_g, 1e-12)
    _norm_close(hv, 2.0 * counts[:, None] * np.ones((4, 2)), 1e-12)
