"""Bad hyperparameters fail where they are written; noise streams are independent;
divergence and non-finite gradients end a run with the right cause."""

import numpy as np
import pytest

from diffkit import OptionError, ShapeError
from diffkit import optim as O
from diffkit import problems as P
from diffkit.optim import schedules as S


@pytest.mark.parametrize("build, name", [
    (lambda: O.adam(eps=-1.0), "eps"),
    (lambda: O.rmsprop(decay=1.5), "decay"),
    (lambda: O.rprop(min_step=1.0, max_step=0.5), "min_step"),
    (lambda: S.cosine_decay(0.1, 0), "total_steps"),
    (lambda: O.lbfgs(memory=0), "memory"),
    (lambda: O.lbfgs(memory=2.5), "memory"),
    (lambda: O.sgd(0.1, momentum=1.0), "momentum"),
    (lambda: O.gd(0.0), "learning_rate"),
    (lambda: O.gd(float("nan")), "learning_rate"),
    (lambda: O.sgld(0.1, temperature=-1.0), "temperature"),
    (lambda: O.adam(b1=True), "b1"),
])
def test_invalid_hyperparameters_fail_at_construction_naming_the_parameter(build, name):
    with pytest.raises(OptionError, match=rf"^{name}=") as info:
        build()
    assert isinstance(info.value, ValueError)  # what NumPy-style code catches
    assert len(str(info.value).splitlines()) == 1


def test_lbfgs_keeps_at_most_memory_pairs():
    q = P.quadratic(dim=6, condition=50.0, seed=1)
    opt = O.lbfgs(memory=2)
    state, x = opt.init(q.x0), q.x0
    for _ in range(6):
        value, grad = q.value_and_grad(x)
        updates, state = opt.update(grad, state, x, value=value, oracle=q.value_and_grad)
        x = x + updates
    assert len(state.s) == len(state.y) == 2


def test_sgld_without_a_seed_draws_fresh_noise_and_a_seed_reproduces_it():
    g, x0 = np.zeros(3), np.zeros(3)
    first, second = O.sgld(0.1, seed=None), O.sgld(0.1, seed=None)
    a = first.update(g, first.init(x0))[0]
    b = second.update(g, second.init(x0))[0]
    assert np.all(np.isfinite(a)) and not np.array_equal(a, b)
    again = [O.sgld(0.1, seed=3) for _ in range(2)]
    c, d = (opt.update(g, opt.init(x0))[0] for opt in again)
    np.testing.assert_array_equal(c, d)


def test_two_noisy_transformations_in_one_chain_draw_different_noise():
    opt = O.chain(O.perturb(1.0), O.perturb(1.0))
    state = opt.init(np.zeros(4))
    # each kick has norm 1; identical kicks would add to norm 2 exactly
    total = opt.update(np.zeros(4), state)[0]
    assert abs(np.linalg.norm(total) - 2.0) > 1e-6


QUAD = P.quadratic(dim=5, condition=10.0, seed=0)


def test_a_loss_growing_by_orders_of_magnitude_ends_as_diverged_before_overflow():
    res = O.minimize(None, QUAD.x0, O.gd(3 / QUAD.L), method=QUAD.value_and_grad, steps=5000)
    f0 = QUAD(QUAD.x0)
    assert res.status == "diverged" and res.steps < 100
    assert f"diverged at step {res.steps}" in res.message and "grew to" in res.message
    assert "smaller step size" in res.message
    # result.x is the iterate before the limit was passed; its loss is below the limit
    assert np.isfinite(res.fun) and res.fun == pytest.approx(QUAD(res.x), rel=1e-12)
    assert 1e6 * f0 < res.fun <= 1e12 * max(abs(f0), 1.0)


def test_a_nan_gradient_with_a_finite_loss_names_the_kink_not_the_step_size():
    def value_and_grad(x):
        g = 2 * x if abs(x[0]) > 0.3 else np.array([np.nan])
        return float(x @ x), g

    res = O.minimize(None, [1.0], O.gd(0.4), method=value_and_grad, steps=50)
    assert res.status == "diverged"
    assert "gradient is not finite" in res.message and "not differentiable" in res.message
    assert "smaller step size will not fix" in res.message
    assert abs(res.x[0]) > 0.3  # the last iterate with a usable gradient


def test_a_nan_gradient_at_the_start_raises():
    with pytest.raises(ValueError, match="gradient is not finite at x0"):
        O.minimize(None, [0.0], O.gd(0.1), method=lambda x: (0.0, np.array([np.nan])))


def test_problems_check_the_length_of_their_input():
    p = P.rosenbrock(4)
    for bad in (np.ones(3), np.ones(5), np.ones((2, 2))):
        with pytest.raises(ShapeError, match=r"rosenbrock\(dim=4\) takes x of shape \(4,\)"):
            p.fn(bad)
        with pytest.raises(ShapeError):
            p.value_and_grad(bad)
    with pytest.raises(ShapeError):
        O.minimize(p.fn, np.ones(3), O.gd(1e-3), steps=2)
