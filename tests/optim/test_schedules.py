"""Step-size schedules: their formulas, the Robbins-Monro conditions, plateaus."""

import numpy as np
import pytest

from diffkit import optim as O
from diffkit import problems as P
from diffkit.optim import schedules as S

T = np.arange(0, 50)


@pytest.mark.parametrize("schedule, formula", [
    (S.constant(0.3), lambda t: 0.3 + 0 * t),
    (S.inverse_time_decay(0.5, scale=4), lambda t: 0.5 / (1 + t / 4)),
    (S.inverse_sqrt_decay(0.5, scale=4), lambda t: 0.5 / np.sqrt(1 + t / 4)),
    (S.exponential_decay(0.5, 0.9), lambda t: 0.5 * 0.9 ** t),
    (S.step_decay(1.0, every=10), lambda t: 10.0 ** -(t // 10)),
    (S.cosine_decay(1.0, 40, final=0.1),
     lambda t: 0.1 + 0.45 * (1 + np.cos(np.pi * np.minimum(t, 40) / 40))),
    (S.linear_warmup(S.exponential_decay(0.5, 0.9), 5),
     lambda t: np.where(t < 5, (t + 1) / 5 * 0.5, 0.5 * 0.9 ** np.maximum(t - 5, 0))),
])
def test_schedule_follows_its_formula(schedule, formula):
    np.testing.assert_allclose([schedule(t) for t in T], formula(T), rtol=1e-14)


def partial_sums(values, checkpoints):
    sums = np.cumsum(values)
    return np.array([sums[c - 1] for c in checkpoints])


@pytest.mark.parametrize("power", [0.6, 0.75, 1.0])
def test_robbins_monro_steps_sum_to_infinity_but_their_squares_do_not(power):
    schedule = S.robbins_monro(1.0, power=power, scale=10)
    eta = np.array([schedule(t) for t in range(10 ** 5)])
    s = partial_sums(eta, [10 ** 3, 10 ** 4, 10 ** 5])
    q = partial_sums(eta ** 2, [10 ** 3, 10 ** 4, 10 ** 5])
    # Sum of steps: each decade adds at least as much as the one before
    # (ln 10 * scale for power 1, growing like t^(1-p) below), so it diverges.
    assert s[2] - s[1] >= 0.99 * (s[1] - s[0])
    # Sum of squares: each decade adds at most 10^(1-2p) <= 0.5 of the one
    # before, a geometric tail, so it converges.
    assert q[2] - q[1] <= 10 ** (1 - 2 * power) * 1.05 * (q[1] - q[0])


@pytest.mark.parametrize("power", [0.5, 0.3, 1.2])
def test_robbins_monro_rejects_powers_outside_the_conditions(power):
    with pytest.raises(ValueError, match="1/2 < power <= 1"):
        S.robbins_monro(0.1, power=power)


@pytest.mark.parametrize("bad", [lambda: S.constant(0.0), lambda: S.exponential_decay(1.0, 1.5),
                                 lambda: S.step_decay(1.0, every=0), lambda: O.sgd(-0.1),
                                 lambda: S.linear_warmup(0.1, 0)])
def test_bad_schedule_arguments_are_rejected(bad):
    with pytest.raises(ValueError):
        bad()


def test_reduce_on_plateau_divides_the_step_by_ten_when_the_loss_stalls():
    # On f = x^2 / 2 a step of 2 maps x to -x: the loss is exactly flat.
    p = P.quadratic(dim=1, condition=1.0)
    opt = O.chain(O.clip_by_value(1e9), O.reduce_on_plateau(2.0, patience=3))
    res = O.minimize(p.fn, p.x0, opt, method=p.value_and_grad, steps=30)
    h = res.history.step_size
    # First loss sets the best; three non-improving steps later the step is 0.2.
    np.testing.assert_allclose(h[:3], 2.0)
    np.testing.assert_allclose(h[3:6], 0.2)
    # Then GD with step 0.2 contracts the distance by 0.8 in each of the 27
    # remaining steps (the three flat steps keep it).
    assert res.fun == pytest.approx(0.8 ** 54 * p(p.x0), rel=1e-9)
