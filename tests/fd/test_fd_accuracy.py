"""Accuracy of each finite-difference scheme against reverse mode on smooth functions.

Error model (relative, for |f| and its derivatives of order one): forward and
backward h|f''|/2 + 2eps|f|/h ~ sqrt(eps) ~ 1e-8; central h^2|f'''|/6 + eps|f|/h
~ eps^(2/3) ~ 4e-11; central4 ~ eps^(4/5) ~ 3e-13; Richardson extrapolates away
the truncation, leaving a few hundred eps; the complex step subtracts nothing,
so only the rounding of f' itself remains, a few eps.  Derivative ratios of
the test functions reach 10-100, so each bound below is the model times ~100,
checked on the median and (10x looser) on the worst of 60 points.  The
bounds also separate the schemes: each is at least 10x tighter than the
previous scheme's typical error.
"""
import numpy as np
import pytest

import diffkit
from fd_cases import CASES, rel_error

BOUNDS = {  # scheme: (median bound, max bound)
    "forward": (1e-6, 1e-5),
    "backward": (1e-6, 1e-5),
    "central": (1e-9, 1e-7),
    "central4": (1e-11, 1e-9),
    "richardson": (1e-12, 1e-11),
    "complex": (1e-15, 1e-14),
}


@pytest.fixture(scope="module")
def errors():
    rng = np.random.default_rng(7)
    out = {s: [] for s in BOUNDS}
    for _, f, draw in CASES:
        ref = diffkit.grad(f)
        fds = {s: diffkit.grad(f, method="fd", scheme=s) for s in BOUNDS}
        for _ in range(10):
            x = draw(rng)
            g = ref(x)
            for s, df in fds.items():
                out[s].append(rel_error(df(x), g))
    return {s: np.array(e) for s, e in out.items()}


@pytest.mark.parametrize("scheme", list(BOUNDS))
def test_error_order_of_each_scheme(errors, scheme):
    median_bound, max_bound = BOUNDS[scheme]
    e = errors[scheme]
    assert len(e) == 60
    assert np.median(e) < median_bound, (scheme, np.median(e))
    assert np.max(e) < max_bound, (scheme, np.max(e))


def test_schemes_rank_as_the_theory_says(errors):
    med = {s: np.median(e) for s, e in errors.items()}
    assert med["forward"] > 10 * med["central"] > 10 * med["central4"]
    assert med["central"] > 10 * med["richardson"] > 10 * med["complex"]
    # first-order schemes really are first order: not accidentally exact
    assert med["forward"] > 1e-10 and med["backward"] > 1e-10


def test_value_and_grad_value_is_the_function_value():
    f = CASES[0][1]
    x = np.array([1.1, 0.7])
    for scheme in BOUNDS:
        value, g = diffkit.value_and_grad(f, method="fd", scheme=scheme)(x)
        assert value == pytest.approx(float(f(x)), rel=1e-15, abs=1e-15)


def test_user_step_scalar_and_per_coordinate():
    f = lambda x: np.sum(x ** 3)  # noqa: E731
    x = np.array([1.0, 2.0])
    # forward difference of x^3 at step h: 3x^2 + 3xh + h^2, exactly (h a power of 2)
    h = 2.0 ** -10
    g = diffkit.grad(f, method="fd", scheme="forward", step=h)(x)
    assert np.allclose(g, 3 * x ** 2 + 3 * x * h + h ** 2, rtol=1e-12)
    hs = np.array([2.0 ** -10, 2.0 ** -4])
    g = diffkit.grad(f, method="fd", scheme="forward", step=hs)(x)
    assert np.allclose(g, 3 * x ** 2 + 3 * x * hs + hs ** 2, rtol=1e-12)


def test_bad_steps_and_schemes_raise_clear_errors():
    f = lambda x: np.sum(x ** 2)  # noqa: E731
    x = np.ones(3)
    with pytest.raises(diffkit.DiffkitError, match="3 coordinates"):
        diffkit.grad(f, method="fd", step=[1e-3, 1e-3])(x)
    with pytest.raises(diffkit.DiffkitError, match="positive"):
        diffkit.grad(f, method="fd", step=-1e-3)(x)
    with pytest.raises(diffkit.DiffkitError, match="x \\+ h == x"):
        diffkit.grad(f, method="fd", scheme="forward", step=1e-30)(x)
    with pytest.raises(diffkit.DiffkitError, match="central4"):
        diffkit.grad(f, method="fd", scheme="sideways")
    with pytest.raises(diffkit.DiffkitError, match="has no option .schemes."):
        diffkit.grad(f, method="fd", schemes="central")


def test_default_steps_scale_with_the_coordinates():
    from diffkit.fd.schemes import EPS, steps
    x = np.array([0.0, 1e-3, 1e4])
    h = steps(x, np.arange(3), "central")
    assert h[0] == pytest.approx(EPS ** (1 / 3), rel=1e-9)
    assert h[1] == pytest.approx(EPS ** (1 / 3), rel=1e-6)  # max(|x|, 1) = 1
    assert h[2] == pytest.approx(1e4 * EPS ** (1 / 3), rel=1e-9)
    assert np.all((x + h) - x == h)  # exactly representable
    assert steps(x, np.arange(3), "complex")[0] == 1e-20
    assert steps(x, np.arange(3), "forward")[0] == pytest.approx(EPS ** 0.5, rel=1e-9)
