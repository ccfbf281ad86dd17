"""Error against step: the V of truncation and round-off, and the error estimates."""
import numpy as np
import pytest

import diffkit
from diffkit.fd import error_curve, optimal_step
from diffkit.fd.schemes import EPS

POINTS = [(np.sin, 1.0), (np.exp, 0.5), (lambda x: np.log(1 + x * x), 0.7)]


@pytest.mark.parametrize("fn,x", POINTS)
@pytest.mark.parametrize("scheme", ["forward", "central", "central4"])
def test_minimum_error_is_near_the_theoretical_optimum(fn, x, scheme):
    """Functions whose derivatives are of the size of f: the model's optimum holds
    to within a factor of 10 (the curve is sampled every half decade)."""
    steps = np.logspace(-14, -1, 53)  # quarter decades
    curve = error_curve(fn, x, steps=steps, schemes=(scheme,))
    h_best, e_best = curve.best(scheme)
    h_opt = optimal_step(scheme)
    assert h_opt / 10 <= h_best <= h_opt * 10, (h_best, h_opt)
    e = curve.errors[scheme]
    # a V: error at the smallest and the largest steps far above the minimum
    assert e[0] > 100 * e_best and e[-1] > 100 * e_best


def test_complex_step_has_no_round_off_branch():
    # truncation h^2 |f'''| / 6 stays below eps for h <= 1e-8, and nothing rounds off
    curve = error_curve(np.sin, 1.0, steps=np.logspace(-20, -8, 13), schemes=("complex",))
    assert np.all(curve.errors["complex"] < 4 * EPS)
    assert optimal_step("complex") is None


def test_error_curve_table_dicts_and_plot(tmp_path):
    curve = error_curve("x * exp(y)", 0.5, 0.2, argnums=(0, 1), steps=[1e-8, 1e-6, 1e-4],
                        schemes=("forward", "central"))
    rows = curve.to_dicts()
    assert [r["step"] for r in rows] == [1e-8, 1e-6, 1e-4]
    assert set(rows[0]) == {"step", "forward", "central"}
    text = str(curve)
    assert text.splitlines()[0].split() == ["step", "forward", "central"]
    assert text.splitlines()[-1].startswith("optimal")
    fig = curve.plot(tmp_path / "v.png")
    assert (tmp_path / "v.png").read_bytes()[:4] == b"\x89PNG"
    assert len(fig.axes[0].lines) >= 2


@pytest.mark.parametrize("scheme", ["forward", "central", "central4", "richardson", "complex"])
def test_error_estimates_bound_the_actual_error(scheme, rng):
    """Estimates are meant to within an order of magnitude: the true error must be
    below 10x the estimate on every entry."""
    from fd_cases import CASES
    for _, f, draw in CASES:
        x = draw(rng)
        r = diffkit.fd.gradient(f, x, scheme=scheme)
        exact = diffkit.grad(f)(x)
        assert np.all(np.abs(r.gradient - exact) <= 10 * r.error + 10 * EPS * np.abs(exact))
        assert np.all(r.error < 1e-3 * np.max(np.abs(exact)))  # informative, not vacuous


def test_gradient_result_counts():
    r = diffkit.fd.gradient(lambda x: np.sum(np.sin(x)), np.ones(3), scheme="central")
    assert r.evaluations == 6 and r.estimate_evaluations == 7  # 2d at 2h, then f(x)
    r = diffkit.fd.gradient(lambda x: np.sum(np.sin(x)), np.ones(3), scheme="richardson")
    assert r.estimate_evaluations == 0 and r.evaluations == 2 * 3 * 7


def test_error_curve_traces_the_function_once():
    calls = []

    def f(x):
        calls.append(x)
        return np.sin(x)

    curve = error_curve(f, 1.0, steps=[1e-6], schemes=("forward", "central", "complex"))
    assert len(calls) == 1  # one graph for the reverse-mode reference and every scheme
    assert curve.errors["central"][0] < 1e-9


def test_error_curve_reference_is_the_exact_gradient_and_needs_a_scalar_output():
    f = lambda x, y: np.sum(np.sin(x) * y)  # noqa: E731
    x, y = np.array([0.3, -1.2, 2.0]), 1.5
    by_hand = (np.cos(x) * y, np.sum(np.sin(x)))
    default = error_curve(f, x, y, argnums=(0, 1), schemes=("central",))
    given = error_curve(f, x, y, argnums=(0, 1), schemes=("central",), reference=by_hand)
    # errors are relative to the largest entry (about 1.5): references a few ulps apart
    # give curves a few ulps apart
    np.testing.assert_allclose(default.errors["central"], given.errors["central"],
                               rtol=0, atol=1e-15)
    assert default.best("central")[1] < 1e-9
    with pytest.raises(diffkit.errors.ShapeError, match="one scalar output"):
        error_curve(np.sin, x)
