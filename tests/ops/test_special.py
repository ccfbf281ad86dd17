"""scipy.special's functions as ops: kernel accuracy against SciPy and mpmath, derivatives
against JAX and mpmath, conventions, and diffkit.logsumexp / diffkit.softmax.

The op table test (tests/ops/test_table.py) checks every backend against the
records' rules; here the rules and the closed forms the kernels compile are
checked against independent references.
"""
import subprocess
import sys

import mpmath
import numpy as np
import pytest
import scipy.special as sc

import diffkit
from diffkit import ops
from diffkit.kernels import values
from diffkit.ops import special
from diffkit.program.lower import lower

EPS = np.finfo(float).eps
EXACT = ("symbolic", "forward", "reverse")
METHODS = ("fd",) + EXACT


def _kernel(name, *xs):
    """Op ``name`` evaluated by the compiled kernels."""
    with np.errstate(all="ignore"):
        return values(lower(diffkit.trace(lambda *a: ops.call(name, *a), *xs)),
                      np.concatenate([np.ravel(x) for x in xs]))


def _mp(fn, x):
    with mpmath.workdps(40):
        return np.array([float(fn(mpmath.mpf(float(v)))) for v in x])


# -- the constants of the closed forms -----------------------------------------------------

def test_digamma_series_constants_agree_with_mpmath():
    with mpmath.workdps(50):
        root = mpmath.mpf(special.DIGAMMA_ROOT)
        assert float(mpmath.digamma(root)) == pytest.approx(special.DIGAMMA_ROOT_VALUE,
                                                            rel=1e-12)
        assert abs(float(mpmath.findroot(mpmath.digamma, 1.46)) - special.DIGAMMA_ROOT) <= EPS
        for k, c in enumerate(special.DIGAMMA_ROOT_SERIES, 1):
            assert c == pytest.approx(float((-1) ** (k + 1) * mpmath.zeta(k + 1, root)),
                                      rel=EPS)
        for j, b in enumerate(special.BERNOULLI, 1):
            assert float(b) == float(mpmath.bernoulli(2 * j))


# -- kernels: SciPy's bits where the arithmetic is the same, else a few ulps ---------------

def test_expit_logit_xlogy_kernels_give_scipys_bits(rng):
    """The same formulas on the same libm: bit for bit, specials included."""
    special_points = np.array([0.0, -0.0, 0.3, 0.65, 0.5, 1.0, 2.0, -1.0, 1e-300, 800.0,
                               -800.0, np.inf, -np.inf, np.nan])
    x = np.concatenate([rng.uniform(-40, 40, 500), rng.uniform(0, 1, 500), special_points])
    for name in ("expit", "logit"):
        np.testing.assert_array_equal(_kernel(name, x), getattr(sc, name)(x), err_msg=name)
    a = np.repeat(special_points, special_points.size)
    b = np.tile(special_points, special_points.size)
    with np.errstate(all="ignore"):
        np.testing.assert_array_equal(_kernel("xlogy", a, b), sc.xlogy(a, b))
        # SciPy's log1p is Cephes', not C's: within 2 ulps, and the same zeros, infs and nans
        np.testing.assert_allclose(_kernel("xlog1py", a, b), sc.xlog1py(a, b), rtol=4 * EPS,
                                   atol=0)


@pytest.mark.parametrize("name, low, high, reference", [
    ("erf", -6, 6, mpmath.erf), ("erfc", -6, 26, mpmath.erfc), ("ndtr", -37, 8, mpmath.ncdf)])
def test_error_function_kernels_against_mpmath(name, low, high, reference, rng):
    """numba's math.erf and math.erfc (C's libm) round within 2 ulps down to erfc ~ 1e-290
    (SciPy's Cephes erfc is off by 250 ulps near x = 24).  ndtr(x) = erfc(-x / sqrt 2) / 2
    also carries the rounding of x / sqrt 2, amplified by x phi(x) / Phi(x) ~ x^2."""
    x = rng.uniform(low, high, 1500)
    want = _mp(reference, x)
    keep = np.abs(want) > 1e-290
    rtol = 4 * EPS * (1 + (x * x if name == "ndtr" else 0))
    got = _kernel(name, x)
    assert np.all(np.abs(got - want)[keep] <= (rtol * np.abs(want))[keep])
    edges = np.array([0.0, -0.0, np.inf, -np.inf, np.nan])
    np.testing.assert_array_equal(_kernel(name, edges), getattr(sc, name)(edges))


def test_log_ndtr_kernel_against_mpmath(rng):
    """log Phi(x) at x >= -1 from log1p, down to -20 from erfc, below by the asymptotic
    series (SciPy's erfcx form is not in numba)."""
    x = np.concatenate([rng.uniform(-60, 8, 1500), [-20.0, -20.000001, -1.0, -0.999, 0.0,
                                                     6.0, 7.5, -1e5]])
    want = _mp(lambda t: mpmath.log(mpmath.ncdf(t)), x)
    # plus the rounding of x / sqrt 2, amplified by the slope of log erfc: ~x^2
    assert np.all(np.abs(_kernel("log_ndtr", x) - want) <= 8 * EPS * (1 + x * x) * np.abs(want))
    np.testing.assert_array_equal(_kernel("log_ndtr", np.array([np.inf, -np.inf, np.nan])),
                                  [0.0, -np.inf, np.nan])


def test_gammaln_kernel_near_scipy(rng):
    """C's lgamma: a few ulps of max(1, |value|) (relative digits vanish at its roots 1, 2)."""
    x = np.concatenate([rng.uniform(-10, 30, 3000), 10 ** rng.uniform(-5, 300, 300)])
    got, want = _kernel("gammaln", x), sc.gammaln(x)
    assert np.all(np.abs(got - want) <= 8 * EPS * np.maximum(1.0, np.abs(want)))
    np.testing.assert_array_equal(_kernel("gammaln", np.array([0.0, -1.0, np.inf, np.nan])),
                                  sc.gammaln(np.array([0.0, -1.0, np.inf, np.nan])))


def test_digamma_kernel_against_mpmath(rng):
    x = np.concatenate([10 ** rng.uniform(-10, 250, 400), rng.uniform(0, 4, 1500),
                        special.DIGAMMA_ROOT + rng.uniform(-0.35, 0.35, 500),
                        [special.DIGAMMA_ROOT, 1.0, 2.0, 10.0]])
    # 16 ulps: the shifted sum and the root series each round at most that much (measured:
    # 15 near |x - root| = 0.3, where the sum cancels to psi ~ 0.3)
    np.testing.assert_allclose(_kernel("digamma", x), _mp(mpmath.digamma, x), rtol=16 * EPS)
    # x < 0: psi(1 - x) - pi / tan(pi x) cancels near the negative roots, to eps times the
    # size of the two terms, and tan carries the rounding of pi x, amplified by
    # |x| pi^2 / sin^2(pi x) (SciPy computes the same reflection)
    x = -rng.uniform(0, 10, 1000)
    x = x[x != np.floor(x)]
    want = _mp(mpmath.digamma, x)
    size = (np.abs(_mp(mpmath.digamma, 1 - x)) + np.abs(np.pi / np.tan(np.pi * x))
            + np.abs(x) * (np.pi / np.sin(np.pi * x)) ** 2)
    assert np.all(np.abs(_kernel("digamma", x) - want) <= 16 * EPS * size)


def test_digamma_kernel_at_poles_and_infinities_is_scipys():
    x = np.array([0.0, -0.0, -1.0, -7.0, np.inf, -np.inf, np.nan, 1e-300])
    np.testing.assert_array_equal(_kernel("digamma", x), sc.digamma(x))


# -- derivatives -------------------------------------------------------------------------

JAX_POINTS = {
    "erf": [np.array([-2.5, -0.3, 0.0, 0.7, 3.0])],
    "erfc": [np.array([-2.5, -0.3, 0.0, 0.7, 5.0])],
    "expit": [np.array([-30.0, -2.0, 0.0, 1.5, 5.0])],
    "logit": [np.array([1e-3, 0.2, 0.5, 0.64, 0.999])],
    "gammaln": [np.array([0.1, 1.0, 2.5, 40.0, -0.5, -3.3])],
    "digamma": [np.array([0.2, 1.3, 1.47, 7.0, 300.0, -0.4, -2.7])],
    "ndtr": [np.array([-8.0, -1.0, 0.0, 2.0, 6.0])],
    "log_ndtr": [np.array([-5.0, -0.5, 0.0, 3.0, 9.0])],
    "xlogy": [np.array([0.0, 1.5, -2.0, 0.3]), np.array([2.0, 0.4, 3.0, 7.0])],
    "xlog1py": [np.array([0.0, 1.5, -2.0, 0.3]), np.array([2.0, -0.4, 3.0, 7.0])],
}


@pytest.mark.parametrize("name", sorted(JAX_POINTS))
def test_partials_agree_with_jax(name):
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    xs = JAX_POINTS[name]
    fn = getattr(jax.scipy.special, name)
    wrt = tuple(range(len(xs)))
    got = diffkit.grad(lambda *a: np.sum(ops.call(name, *a)), argnums=wrt)(*xs)
    want = jax.grad(lambda *a: jax.numpy.sum(fn(*a)), argnums=wrt)(*xs)
    # the same formulas, rounded in other orders: a few ulps of each entry (JAX's digamma
    # derivative, polygamma(1, x), and ours are each within ~1e-15)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, np.asarray(w), rtol=1e-13, atol=1e-300)


@pytest.mark.parametrize("method", EXACT)
def test_slopes_in_the_tails_against_mpmath(method):
    """Where JAX's formulas lose the slope (expit's y (1 - y) is 0 beyond x = 37; log_ndtr's
    slope at -30 is off by 1e-10), the records keep it: expit' = y expit(-x), and
    log_ndtr' = exp(-x^2/2 - log_ndtr(x)) / sqrt(2 pi), whose exponent cancels to
    eps x^2 / 2 absolute."""
    x = np.array([38.0, 300.0, -700.0])
    got = diffkit.grad(lambda x: np.sum(ops.call("expit", x)), method=method)(x)
    np.testing.assert_allclose(got, _mp(lambda t: mpmath.exp(-t) / (1 + mpmath.exp(-t)) ** 2,
                                        x), rtol=4 * EPS, atol=0)
    x = np.array([-20.5, -30.0, -300.0, 10.0])
    got = diffkit.grad(lambda x: np.sum(ops.call("log_ndtr", x)), method=method)(x)
    want = _mp(lambda t: mpmath.npdf(t) / mpmath.ncdf(t), x)
    assert np.all(np.abs(got - want) <= 4 * EPS * (1 + x * x) * np.abs(want))


@pytest.mark.parametrize("method", EXACT)
def test_second_and_third_derivatives_of_gammaln_are_polygammas(method):
    """gammaln'' = psi'(x) and gammaln''' = psi''(x), through the trigamma expression the
    digamma record differentiates, against mpmath."""
    x = np.array([0.05, 0.9, 1.46, 3.0, 25.0, -0.5, -2.3])
    hess = diffkit.hessian(lambda x: np.sum(ops.call("gammaln", x)), method=method)(x)
    np.testing.assert_allclose(np.diag(hess), _mp(lambda t: mpmath.polygamma(1, t), x),
                               rtol=1e-14)
    third = diffkit.hessian(lambda x: np.sum(ops.call("digamma", x)), method=method)(x)
    np.testing.assert_allclose(np.diag(third), _mp(lambda t: mpmath.polygamma(2, t), x),
                               rtol=1e-13)


@pytest.mark.parametrize("method", METHODS)
def test_xlogy_is_zero_with_zero_slope_in_y_where_x_is_zero(method):
    x, y = np.array([0.0, 0.0, 2.0]), np.array([0.5, 3.0, 0.25])
    v, (gx, gy) = diffkit.value_and_grad(lambda x, y: np.sum(ops.call("xlogy", x, y)),
                                         method=method, argnums=(0, 1))(x, y)
    assert v == np.sum(sc.xlogy(x, y))
    rtol = 1e-8 if method == "fd" else 1e-15
    np.testing.assert_allclose(gx, np.log(y), rtol=rtol)
    np.testing.assert_allclose(gy, [0.0, 0.0, 8.0], rtol=rtol, atol=0)


# -- scipy.special on traced values ----------------------------------------------------------

def test_scipy_ufuncs_name_their_ops():
    for name in ("erf", "erfc", "expit", "logit", "gammaln", "digamma", "ndtr", "log_ndtr",
                 "xlogy", "xlog1py"):
        assert special.op_for_ufunc(getattr(sc, name)) == name
        assert ops.get(name).numpy[0].__name__ == name
    assert special.op_for_ufunc(sc.j0) is None and special.op_for_ufunc(np.sin) is None


def test_the_ops_trace_from_their_records_callables(rng):
    x = rng.uniform(0.1, 0.9, 4)
    for name in ("erf", "expit", "logit", "gammaln", "digamma", "log_ndtr"):
        graph = diffkit.trace(ops.get(name).numpy[0], x)
        assert name in graph.op_counts()
        np.testing.assert_array_equal(graph(x), getattr(sc, name)(x))


def test_scipy_ufuncs_trace_on_traced_values():
    x = np.array([0.2, 0.7])
    graph = diffkit.trace(lambda x: sc.erf(x) + sc.xlogy(x, x), x)
    np.testing.assert_array_equal(graph(x), sc.erf(x) + sc.xlogy(x, x))


def test_scipys_softmax_traces_as_written():
    # this SciPy writes softmax with np.max, np.exp and np.sum, which trace
    x = np.array([0.3, -1.2, 2.0])
    np.testing.assert_array_equal(diffkit.trace(sc.softmax, x)(x), sc.softmax(x))


@pytest.mark.parametrize("name, alternative", [
    ("logsumexp", "diffkit.logsumexp"), ("log_softmax", "diffkit.logsumexp")])
def test_scipys_array_functions_on_traced_values_point_to_diffkits(name, alternative):
    fn = getattr(sc, name)
    with pytest.raises(diffkit.UnsupportedError, match=f"scipy.special.{name}.*{alternative}"):
        diffkit.trace(lambda x: fn(x), np.ones(3))


def test_scipys_array_functions_are_found_on_the_stack():
    """logsumexp, softmax and log_softmax convert their argument with np.asarray; the
    conversion can name them and what to use instead."""
    found = []

    class Probe:
        dtype, shape, ndim = np.dtype(float), (3,), 1

        def __array__(self, dtype=None, copy=None):
            found.append(special.scipy_alternative())
            raise TypeError("a probe has no numbers")

    for fn in (sc.logsumexp, sc.softmax, sc.log_softmax):
        with pytest.raises(TypeError):
            fn(Probe())
    assert [f[0] for f in found] == ["scipy.special.logsumexp", "scipy.special.softmax",
                                     "scipy.special.log_softmax"]
    assert special.scipy_alternative() is None


def test_import_diffkit_does_not_import_scipy():
    code = "import sys, diffkit; print('scipy.special' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"


# -- diffkit.logsumexp and diffkit.softmax ---------------------------------------------------

@pytest.mark.parametrize("axis, keepdims", [(None, False), (None, True), (0, False), (-1, True),
                                            ((0, 2), False)])
def test_logsumexp_and_softmax_match_scipy(axis, keepdims, rng):
    x = rng.normal(size=(2, 3, 4)) * 5
    np.testing.assert_allclose(diffkit.logsumexp(x, axis, keepdims),
                               sc.logsumexp(x, axis=axis, keepdims=keepdims), rtol=4 * EPS)
    np.testing.assert_allclose(diffkit.softmax(x, axis), sc.softmax(x, axis=axis), rtol=4 * EPS)
    traced = diffkit.trace(lambda x: diffkit.logsumexp(x, axis, keepdims), x)
    np.testing.assert_array_equal(traced(x), diffkit.logsumexp(x, axis, keepdims))


def test_logsumexp_is_stable_where_exp_overflows_or_every_entry_is_minus_inf():
    x = np.array([1000.0, 999.0, -np.inf])
    assert diffkit.logsumexp(x) == pytest.approx(1000.0 + np.log1p(np.exp(-1.0)), rel=EPS)
    assert diffkit.logsumexp(np.array([-np.inf, -np.inf])) == -np.inf
    np.testing.assert_allclose(diffkit.softmax(x), sc.softmax(x), rtol=2 * EPS)


@pytest.mark.parametrize("method", METHODS)
def test_logsumexp_gradient_is_softmax_and_softmax_jacobian_is_diag_minus_outer(method, rng):
    x = rng.normal(size=(2, 3))
    g = diffkit.grad(lambda x: diffkit.logsumexp(x, axis=1).sum(), method=method)(x)
    tol = 1e-8 if method == "fd" else 1e-14
    np.testing.assert_allclose(g, sc.softmax(x, axis=1), rtol=tol, atol=tol)
    v = x[0]
    jac = diffkit.jacobian(lambda v: diffkit.softmax(v), method=method)(v)
    s = sc.softmax(v)
    np.testing.assert_allclose(jac, np.diag(s) - np.outer(s, s), rtol=tol, atol=tol)
