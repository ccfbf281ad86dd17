"""Realistic plain-NumPy programs, differentiated as written.

Each program is written once against a NumPy-like module ``xp``: diffkit
traces it with NumPy itself, and, where JAX is installed, the same text runs
on ``jax.numpy`` as an independent AD system.  Gradients are checked

* against central differences always (step 1e-5 in float64: truncation
  error ~h^2 |f'''| and rounding ~eps |f| / h leave about 1e-8 relative, so
  1e-6 is a safe bound for these smooth programs), and
* against JAX to 1e-10 relative: the same derivative computed in another
  order of floating-point operations (Cholesky and solves included).
"""
import numpy as np
import pytest

import diffkit

METHODS = ("reverse", "forward")


# -- the programs ---------------------------------------------------------------

def gmm_loglik(xp, alphas, means, icf, X):
    """Gaussian mixture log-likelihood, covariances parametrized by their inverse Cholesky
    factor (exp of the diagonal, free strictly-lower part), as in the ADBench GMM."""
    k, d = means.shape
    diag = xp.exp(icf[:, :d])
    lower = icf[:, d:]
    rows, cols = np.tril_indices(d, -1)
    Q = xp.zeros((k, d, d))
    Q = Q + xp.stack([xp.diag(diag[j]) for j in range(k)])
    for j in range(k):
        for e, (r, c) in enumerate(zip(rows, cols)):
            Q = Q + lower[j, e] * np.eye(d)[r][:, None] * np.eye(d)[c][None, :]
    diffs = X[:, None, :] - means[None, :, :]                 # (n, k, d)
    qx = xp.einsum("kij,nkj->nki", Q, diffs)
    inner = alphas + xp.sum(icf[:, :d], axis=1) - 0.5 * xp.sum(qx * qx, axis=2)
    top = xp.max(inner, axis=1, keepdims=True)
    lse = top[:, 0] + xp.log(xp.sum(xp.exp(inner - top), axis=1))
    amax = xp.max(alphas)
    return xp.sum(lse) - X.shape[0] * (amax + xp.log(xp.sum(xp.exp(alphas - amax))))


def lstm_loss(xp, W, b, h0, xs):
    """An LSTM cell run over a sequence; the loss is the squared final state."""
    n = h0.shape[0]
    h, c = h0, xp.zeros_like(h0)
    for x in xs:
        z = W @ xp.concatenate([x, h]) + b
        i = 1.0 / (1.0 + xp.exp(-z[:n]))
        f = 1.0 / (1.0 + xp.exp(-z[n:2 * n]))
        o = 1.0 / (1.0 + xp.exp(-z[2 * n:3 * n]))
        g = xp.tanh(z[3 * n:])
        c = f * c + i * g
        h = o * xp.tanh(c)
    return xp.sum(h * h) + 0.1 * xp.sum(c ** 2)


def rk4_loss(xp, theta, y0):
    """Lotka-Volterra integrated with 40 classic Runge-Kutta steps."""
    a, b, c, d = theta[0], theta[1], theta[2], theta[3]

    def rhs(y):
        return xp.array([a * y[0] - b * y[0] * y[1], -c * y[1] + d * y[0] * y[1]])

    y, h = y0, 0.05
    for _ in range(40):
        k1 = rhs(y)
        k2 = rhs(y + 0.5 * h * k1)
        k3 = rhs(y + 0.5 * h * k2)
        k4 = rhs(y + h * k3)
        y = y + h / 6.0 * (k1 + 2 * k2 + 2 * k3 + k4)
    return xp.sum((y - xp.array([1.0, 0.5])) ** 2)


def gp_nll(xp, log_ell, log_sf, log_noise, X, y):
    """Gaussian-process negative log marginal likelihood with a squared-exponential kernel."""
    sq = xp.sum((X[:, None, :] - X[None, :, :]) ** 2, axis=-1)
    K = xp.exp(2 * log_sf) * xp.exp(-0.5 * sq / xp.exp(2 * log_ell))
    K = K + xp.exp(2 * log_noise) * np.eye(X.shape[0])
    L = xp.linalg.cholesky(K)
    alpha = xp.linalg.solve(L.T, xp.linalg.solve(L, y))
    return 0.5 * y @ alpha + xp.sum(xp.log(xp.diagonal(L))) + 0.5 * len(y) * np.log(2 * np.pi)


def _gmm_case(rng):
    k, d, n = 3, 2, 6
    return gmm_loglik, (rng.normal(size=k), rng.normal(size=(k, d)),
                        0.3 * rng.normal(size=(k, d + d * (d - 1) // 2)),
                        rng.normal(size=(n, d))), (0, 1, 2)


def _lstm_case(rng):
    n, m, steps = 3, 2, 6
    return lstm_loss, (0.5 * rng.normal(size=(4 * n, m + n)), 0.1 * rng.normal(size=4 * n),
                       0.5 * rng.normal(size=n), rng.normal(size=(steps, m))), (0, 1, 2)


def _rk4_case(rng):
    return rk4_loss, (np.array([1.1, 0.4, 0.9, 0.3]) + 0.05 * rng.normal(size=4),
                      np.array([1.0, 0.8])), (0, 1)


def _gp_case(rng):
    X = rng.normal(size=(7, 2))
    y = np.sin(X[:, 0]) + 0.1 * rng.normal(size=7)
    return gp_nll, (np.log(0.8), np.log(1.2), np.log(0.3), X, y), (0, 1, 2)


CASES = {"gmm": _gmm_case, "lstm": _lstm_case, "rk4": _rk4_case, "gp": _gp_case}


# -- references -----------------------------------------------------------------

def central_differences(fn, args, argnums, h=1e-5):
    grads = []
    for k in argnums:
        x = np.asarray(args[k], dtype=float)
        g = np.zeros(x.shape)
        for i in np.ndindex(*x.shape):
            def at(delta):
                moved = x.copy()
                moved[i] += delta
                return fn(*args[:k], moved, *args[k + 1:])
            g[i] = (at(h) - at(-h)) / (2 * h)
        grads.append(g)
    return grads


def _close(got, want, rtol):
    got, want = np.asarray(got, dtype=float), np.asarray(want, dtype=float)
    scale = max(np.max(np.abs(want)), 1e-300)
    assert got.shape == want.shape
    assert np.max(np.abs(got - want)) <= rtol * scale, (got, want)


@pytest.fixture(params=sorted(CASES))
def case(request, rng):
    program, args, argnums = CASES[request.param](rng)
    return request.param, program, args, argnums


def _plain(program):
    return lambda *args: program(np, *args)


@pytest.mark.parametrize("method", METHODS)
def test_gradients_match_central_differences(case, method):
    name, program, args, argnums = case
    fn = _plain(program)
    value, grads = diffkit.value_and_grad(fn, argnums=argnums, method=method)(*args)
    np.testing.assert_allclose(value, fn(*args), rtol=1e-12)
    for got, want in zip(grads, central_differences(fn, args, argnums)):
        _close(got, want, 1e-6)


@pytest.mark.parametrize("method", METHODS)
def test_gradients_match_jax(case, method):
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    name, program, args, argnums = case
    jfn = jax.grad(lambda *a: program(jax.numpy, *a), argnums=argnums)
    want = jfn(*[jax.numpy.asarray(a) for a in args])
    got = diffkit.grad(_plain(program), argnums=argnums, method=method)(*args)
    for g, w in zip(got, want):
        _close(g, np.asarray(w), 1e-10)
