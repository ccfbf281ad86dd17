"""NumPy's other elementwise functions: values, derivatives against independent references,
and the conventions at their kinks, jumps and nan operands.

The op table test (tests/ops/test_table.py) checks every backend against the
records' own NumPy rules; here the rules themselves are checked against JAX
(when installed), mpmath at high precision, and hand-derived formulas.
"""
import itertools
import operator

import mpmath
import numpy as np
import pytest

import diffkit
from diffkit import ops
from diffkit.kernels import values
from diffkit.program.lower import lower

METHODS = ("fd", "symbolic", "forward", "reverse")
EXACT = ("symbolic", "forward", "reverse")
SPECIAL = [0.0, -0.0, 1.0, -1.0, 0.5, -2.5, 3.0, 7.0, -0.3, 1e-300, -1e-300, 1e300, -1e300,
           np.inf, -np.inf, np.nan]


def _partials(name, *xs):
    """d op / d operand at each point, by reverse mode (compiled) on the elementwise op."""
    wrt = tuple(range(len(xs)))
    out = diffkit.grad(lambda *a: np.sum(ops.call(name, *a)), argnums=wrt)(*xs)
    return [np.asarray(g) for g in out]


# -- derivatives against JAX at points of each op's domain (and beyond it) ---------------

#: op -> (jax.numpy function name, points per operand); points stay off kinks and jumps.
JAX_CASES = {
    "exp2": ("exp2", [np.linspace(-3, 3, 7)]),
    "cbrt": ("cbrt", [np.array([-8.0, -2.5, -0.1, 0.3, 1.0, 27.0])]),
    "reciprocal": ("reciprocal", [np.array([-3.0, -0.2, 0.5, 2.0])]),
    "deg2rad": ("deg2rad", [np.linspace(-360, 360, 5)]),
    "rad2deg": ("rad2deg", [np.linspace(-4, 4, 5)]),
    "arcsinh": ("arcsinh", [np.array([-30.0, -1.0, 0.0, 0.5, 4.0])]),
    "arccosh": ("arccosh", [np.array([1.01, 1.5, 3.0, 40.0])]),
    "arctanh": ("arctanh", [np.array([-0.99, -0.5, 0.0, 0.3, 0.9])]),
    # (JAX loses digits to cancellation below |x| ~ 0.1: the mpmath test covers those)
    "sinc": ("sinc", [np.array([-2.7, -0.6, -0.2, 0.3, 1.5, 4.2])]),
    "hypot": ("hypot", [np.array([3.0, -1.0, 0.0, 2.5]), np.array([4.0, 0.5, -2.0, -1.0])]),
    "logaddexp2": ("logaddexp2", [np.array([-3.0, 0.0, 5.0, 40.0]),
                                  np.array([1.0, 0.0, -2.0, 41.0])]),
    "fmax": ("fmax", [np.array([1.0, -2.0, 0.5]), np.array([0.5, 3.0, -1.0])]),
    "fmin": ("fmin", [np.array([1.0, -2.0, 0.5]), np.array([0.5, 3.0, -1.0])]),
    "copysign": ("copysign", [np.array([1.5, -2.0, 0.5, -0.7]), np.array([-1.0, -3.0, 2.0, 0.4])]),
    "remainder": ("remainder", [np.array([-3.7, 2.2, 5.1, -0.4]),
                                np.array([1.5, -0.9, 2.0, 0.3])]),
    "fmod": ("fmod", [np.array([-3.7, 2.2, 5.1, -0.4]), np.array([1.5, -0.9, 2.0, 0.3])]),
    "float_power": ("float_power", [np.array([0.5, 2.0, 1.3]), np.array([-1.5, 0.7, 2.0])]),
}
for _name in ("floor", "ceil", "trunc", "rint"):
    JAX_CASES[_name] = (_name, [np.array([-2.7, -0.2, 0.4, 1.6, 2.3])])


@pytest.mark.parametrize("name", sorted(JAX_CASES))
def test_partials_agree_with_jax(name):
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    fn_name, xs = JAX_CASES[name]
    fn = getattr(jax.numpy, fn_name)
    got = _partials(name, *xs)
    want = jax.grad(lambda *a: jax.numpy.sum(fn(*a)), argnums=tuple(range(len(xs))))(*xs)
    # the same formulas up to rewriting (1/sqrt(x*x-1) vs 1/sqrt((x-1)(x+1))...): a few
    # ulps of each entry; a wrong rule is off by O(1)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, np.asarray(w), rtol=1e-14, atol=1e-300)


def _mp_sinc_slope(x):
    with mpmath.workdps(50):
        x = mpmath.mpf(x)
        return float(mpmath.diff(lambda t: mpmath.sin(mpmath.pi * t) / (mpmath.pi * t), x)
                     if x != 0 else 0)


def test_sinc_slope_is_exact_near_zero_and_at_the_series_switch():
    """(cos(pi x) - sinc x) / x cancels near 0; the record switches to its series there."""
    x = np.array([0.0, 1e-12, -1e-8, 1e-4, 0.03, -0.1, 0.2499999, 0.25, 0.2500001, 0.7, -3.3])
    want = np.array([_mp_sinc_slope(v) for v in x])
    for method in EXACT:
        got = diffkit.grad(lambda x: np.sum(np.sinc(x)), method=method)(x)
        # 4 ulps: the series and cos - y are each accurate to ~2 ulps of the slope (SymPy's
        # code multiplies the same terms in its own order: 8); the plain difference is off
        # by 1e-4 relative at x = 1e-12
        eps = np.finfo(float).eps * (8 if method == "symbolic" else 4)
        np.testing.assert_allclose(got, want, rtol=eps, atol=1e-300, err_msg=method)


def test_arcsinh_slope_does_not_overflow():
    """1/sqrt(x*x + 1) is 0 for |x| > 1e154; the record's 1/hypot(x, 1) is 1/|x|."""
    x = np.array([1e200, -3e160])
    for method in EXACT:
        got = diffkit.grad(lambda x: np.sum(np.arcsinh(x)), method=method)(x)
        np.testing.assert_allclose(got, 1 / np.abs(x), rtol=1e-15, err_msg=method)


def test_cbrt_of_negative_numbers_by_every_method_and_the_complex_step():
    x = np.array([-8.0, -0.5, 2.0])
    want = 1.0 / (3.0 * np.cbrt(x) ** 2)   # d x^(1/3) / dx, the real cube root
    for method in METHODS:
        got = diffkit.grad(lambda x: np.sum(np.cbrt(x)), method=method)(x)
        np.testing.assert_allclose(got, want, rtol=1e-8 if method == "fd" else 1e-15)
    got = diffkit.grad(lambda x: np.sum(np.cbrt(x)), method="fd", scheme="complex")(x)
    np.testing.assert_allclose(got, want, rtol=1e-15)


# -- conventions at kinks, jumps and nan ---------------------------------------------------

@pytest.mark.parametrize("method", METHODS)
def test_hypot_at_the_origin_has_zero_gradient_like_norm(method):
    if method == "fd":
        pytest.skip("central differences at a cone's tip give 0 by symmetry, not a convention")
    g = diffkit.grad(lambda a, b: np.hypot(a, b), method=method, argnums=(0, 1))(0.0, 0.0)
    assert g == (0.0, 0.0)
    g = diffkit.grad(lambda a, b: np.hypot(a, b), method=method, argnums=(0, 1))(3.0, -4.0)
    np.testing.assert_allclose(g, (0.6, -0.8), rtol=1e-15)


@pytest.mark.parametrize("method", EXACT)
def test_fmax_and_fmin_give_the_derivative_to_the_operand_that_is_not_nan(method):
    a = np.array([1.0, np.nan, 2.0, 3.0])
    b = np.array([np.nan, 4.0, 2.0, -1.0])
    for fn, ties_to in ((np.fmax, (1.0, 0.0)), (np.fmin, (0.0, 1.0))):  # 3 > -1
        v, (ga, gb) = diffkit.value_and_grad(lambda a, b: np.sum(fn(a, b) * [1, 2, 3, 4]),
                                             method=method, argnums=(0, 1))(a, b)
        assert v == np.sum(fn(a, b) * [1, 2, 3, 4])   # finite: a nan operand loses
        want_a = [1.0, 0.0, 1.5, 4.0 * ties_to[0]]
        want_b = [0.0, 2.0, 1.5, 4.0 * ties_to[1]]
        np.testing.assert_array_equal(ga, want_a, err_msg=f"{fn.__name__} {method}")
        np.testing.assert_array_equal(gb, want_b, err_msg=f"{fn.__name__} {method}")


@pytest.mark.parametrize("method", EXACT)
def test_copysign_and_heaviside_conventions(method):
    a, b = np.array([0.0, -2.0, 3.0, 0.0]), np.array([-1.0, 5.0, -0.0, 0.0])
    ga, gb = diffkit.grad(lambda a, b: np.sum(np.copysign(a, b)), method=method,
                          argnums=(0, 1))(a, b)
    np.testing.assert_array_equal(ga, [0.0, -1.0, -1.0, 0.0])   # sign(a) * sign of b
    np.testing.assert_array_equal(gb, 0.0)
    x, h = np.array([-1.0, 0.0, 2.0]), np.array([0.3, 0.7, 0.1])
    gx, gh = diffkit.grad(lambda x, h: np.sum(np.heaviside(x, h)), method=method,
                          argnums=(0, 1))(x, h)
    np.testing.assert_array_equal(gx, 0.0)
    np.testing.assert_array_equal(gh, [0.0, 1.0, 0.0])   # the value is h where x == 0


PIECEWISE = {"floor": np.floor, "ceil": np.ceil, "trunc": np.trunc, "rint": np.rint,
             "fix": np.fix, "round": lambda x: np.round(x, 1)}


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("name", sorted(PIECEWISE))
def test_piecewise_constant_functions_have_zero_derivative_on_their_jumps_too(name, method):
    x = np.array([-2.0, -1.5, -0.25, 0.0, 0.5, 1.0, 2.5, 3.7])
    fn = PIECEWISE[name]
    g = diffkit.grad(lambda x: np.sum(fn(x) * x), method=method)(x)
    # d(f(x) x)/dx = f(x) + f'(x) x with f' = 0 (fd: the steps stay off all but the jumps,
    # where the value is what NumPy gives, so it reports the same as long as no step crosses
    # one; tested only off the jumps)
    if method == "fd":
        keep = fn(x + 1e-5) == fn(x - 1e-5)
        np.testing.assert_allclose(g[keep], fn(x)[keep], rtol=1e-8)
    else:
        np.testing.assert_array_equal(g, fn(x))


@pytest.mark.parametrize("method", METHODS)
def test_remainder_fmod_and_floor_divide_derivatives(method):
    a = np.array([-3.7, 2.2, 5.1, -0.4, 3.3])
    b = np.array([1.5, -0.9, 2.0, 0.3, -1.2])
    # a - q b with the quotient q constant between jumps: d/da = 1, d/db = -q, where q
    # is a // b for remainder and the quotient truncated toward 0 for fmod
    cases = {"remainder": (np.remainder, np.floor(a / b)),
             "mod %": (operator.mod, np.floor(a / b)),
             "fmod": (np.fmod, np.trunc(a / b)), "floor_divide //": (operator.floordiv, None)}
    for label, (fn, q) in cases.items():
        v, (ga, gb) = diffkit.value_and_grad(lambda a, b: np.sum(fn(a, b)), method=method,
                                             argnums=(0, 1))(a, b)
        assert v == np.sum(fn(a, b))
        rtol = 1e-8 if method == "fd" else 0.0
        np.testing.assert_allclose(ga, 0.0 if q is None else 1.0, rtol=rtol, atol=rtol,
                                   err_msg=label)
        np.testing.assert_allclose(gb, 0.0 if q is None else -q, rtol=rtol, atol=rtol,
                                   err_msg=label)


@pytest.mark.parametrize("method", ("fd",) + EXACT)
def test_power_of_negative_bases_follows_numpy(method):
    """Integer exponents of negative bases are real: d/da = b a^(b-1); d/db is nan, as
    log(a) is (JAX's convention)."""
    a, b = np.array([-2.0, -0.5, 1.5]), np.array([3.0, -2.0, 2.0])
    f = lambda a, b: np.sum(a ** b)  # noqa: E731
    assert diffkit.trace(f, a, b)(a, b) == f(a, b)
    ga = diffkit.grad(f, method=method)(a, b)
    np.testing.assert_allclose(ga, b * a ** (b - 1), rtol=1e-8 if method == "fd" else 1e-15)
    if method != "fd":
        gb = diffkit.grad(f, method=method, argnums=1)(a, b)
        assert np.isnan(gb[:2]).all() and gb[2] == pytest.approx(np.log(1.5) * 1.5 ** 2)


# -- values: NumPy's bits, in the kernels too where the arithmetic is the same -----------

#: Ops whose kernel computes what NumPy computes (numba's libm calls for cbrt, exp2,
#: arcsinh... differ from NumPy's own loops in the last bit, checked by the op table's
#: tolerance instead).
SAME_ARITHMETIC = ["floor", "ceil", "trunc", "rint", "reciprocal", "deg2rad", "rad2deg", "sinc",
                   "hypot", "logaddexp2", "fmax", "fmin", "copysign", "heaviside",
                   "floor_divide", "remainder", "fmod", "float_power"]


@pytest.mark.parametrize("name", SAME_ARITHMETIC)
def test_kernels_give_numpys_bits_at_special_points(name):
    op = ops.get(name)
    x = np.array(list(itertools.product(SPECIAL, repeat=op.arity))).T
    with np.errstate(all="ignore"):
        want = op.numpy[0](*x)
        got = values(lower(diffkit.trace(lambda *xs: ops.call(name, *xs), *x)), x.ravel())
    np.testing.assert_array_equal(got, want)
    assert np.array_equal(np.signbit(got), np.signbit(want))  # -0.0 stays -0.0


def test_numpys_other_spellings_trace_to_the_same_ops():
    x = np.array([-1.5, 0.25, 2.0])
    for fn, name in [(np.fabs, "abs"), (np.radians, "deg2rad"), (np.degrees, "rad2deg"),
                     (np.mod, "remainder"), (np.float_power, "float_power")]:
        args = (x,) * (2 if name in ("remainder", "float_power") else 1)
        graph = diffkit.trace(fn, *args)
        assert name in graph.op_counts()
        with np.errstate(all="ignore"):
            np.testing.assert_array_equal(graph(*args), fn(*args))


@pytest.mark.parametrize("decimals", [-2, -1, 0, 1, 2, 3, 10, 25])
def test_round_gives_numpys_bits_for_every_decimals(decimals, rng):
    x = rng.uniform(-1e4, 1e4, 2000)
    for fn in (lambda x: np.round(x, decimals), lambda x: np.around(x, decimals=decimals),
               lambda x: x.round(decimals)):
        np.testing.assert_array_equal(diffkit.trace(fn, x)(x), np.round(x, decimals))


def test_round_rejects_decimals_that_are_not_integers():
    with pytest.raises(diffkit.ArgumentError, match="decimals=1.5 must be an integer"):
        diffkit.trace(lambda x: np.round(x, 1.5), np.ones(2))
