"""Update rules against the papers' formulas and their stated properties."""

import numpy as np
import pytest

from diffkit import optim as O
from diffkit import problems as P

QUAD = P.quadratic(dim=4, condition=20.0, seed=2)


def trajectory(optimizer, steps, p=QUAD):
    """Iterates of ``optimizer`` driven by exact gradients, without the loop."""
    x, state, xs = p.x0.copy(), optimizer.init(p.x0), [p.x0.copy()]
    for _ in range(steps):
        updates, state = optimizer.update(p.grad(x), state, x)
        x = O.apply_updates(x, updates)
        xs.append(x)
    return np.array(xs)


def test_heavy_ball_is_polyaks_two_step_recurrence():
    eta, beta = 0.04, 0.7
    xs = trajectory(O.heavy_ball(eta, beta), 30)
    prev, x = QUAD.x0, QUAD.x0
    for k in range(30):
        prev, x = x, x - eta * QUAD.grad(x) + beta * (x - prev)
        np.testing.assert_allclose(xs[k + 1], x, rtol=1e-12, atol=1e-12)


def test_nesterov_iterates_are_the_look_ahead_points():
    eta, beta = 0.04, 0.7
    ys = trajectory(O.nesterov(eta, beta), 30)
    # Nesterov (1983): y_k = x_k + beta (x_k - x_{k-1}); x_{k+1} = y_k - eta grad f(y_k).
    x_prev = x = QUAD.x0
    for k in range(30):
        y = x + beta * (x - x_prev)
        np.testing.assert_allclose(ys[k], y, rtol=1e-12, atol=1e-12)
        x_prev, x = x, y - eta * QUAD.grad(y)


def adam_paper(grads, alpha=1e-3, b1=0.9, b2=0.999, eps=1e-8):
    """Algorithm 1 of Kingma and Ba (2015), written out step by step."""
    m = v = 0.0
    steps = []
    for t, g in enumerate(grads, start=1):
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        steps.append(-alpha * (m / (1 - b1 ** t)) / (np.sqrt(v / (1 - b2 ** t)) + eps))
    return np.array(steps)


def apply_to_gradients(optimizer, grads, params=None):
    params = np.zeros_like(grads[0]) if params is None else params
    state, out = optimizer.init(params), []
    for g in grads:
        u, state = optimizer.update(g, state, params)
        out.append(u)
    return np.array(out)


GRADS = np.random.default_rng(0).standard_normal((20, 3)) * [1.0, 1e-3, 1e3]


def test_adam_matches_the_paper_algorithm():
    np.testing.assert_allclose(apply_to_gradients(O.adam(), GRADS), adam_paper(GRADS),
                               rtol=1e-12)


@pytest.mark.parametrize("make", [O.adam, O.rmsprop, O.adagrad, O.adamax, O.nadam])
def test_adaptive_steps_ignore_the_scale_of_each_coordinate(make):
    # Dividing by a root mean square makes the step invariant to rescaling a
    # coordinate's gradient (exactly so with eps = 0).
    scaled = GRADS * [10.0, 1e3, 1e-2]
    np.testing.assert_allclose(apply_to_gradients(make(eps=0.0), scaled),
                               apply_to_gradients(make(eps=0.0), GRADS), rtol=1e-10)


def test_adamax_step_never_exceeds_the_learning_rate():
    # Kingma and Ba, section 7.1: |step| <= alpha for Adamax.
    grads = np.random.default_rng(1).standard_cauchy((500, 4))
    assert np.abs(apply_to_gradients(O.adamax(0.01), grads)).max() <= 0.01 * (1 + 1e-12)


def test_adamw_decay_is_decoupled_from_the_adaptive_scaling():
    x0 = np.array([1.0, -2.0])
    opt = O.adamw(0.1, weight_decay=0.5)
    x, state = x0, opt.init(x0)
    for _ in range(10):  # zero gradient: only the decay acts
        u, state = opt.update(np.zeros(2), state, x)
        x = x + u
    np.testing.assert_allclose(x, x0 * (1 - 0.1 * 0.5) ** 10, rtol=1e-14)
    # With a gradient, AdamW equals Adam's step plus -eta * wd * x.
    g, x1 = np.array([0.3, 4.0]), np.array([1.0, 2.0])
    u_w = O.adamw(0.1, weight_decay=0.5).update(g, opt.init(x1), x1)[0]
    u_a = O.adam(0.1).update(g, O.adam(0.1).init(x1), x1)[0]
    np.testing.assert_allclose(u_w, u_a - 0.1 * 0.5 * x1, rtol=1e-14)


def test_adagrad_divides_by_the_root_of_summed_squares():
    steps = apply_to_gradients(O.adagrad(0.5, eps=0.0), np.array([[3.0], [4.0]]))
    np.testing.assert_allclose(steps[:, 0], [-0.5, -0.5 * 4.0 / 5.0], rtol=1e-15)


def test_rmsprop_step_tends_to_the_learning_rate_for_a_constant_gradient():
    steps = apply_to_gradients(O.rmsprop(0.01, decay=0.9, eps=0.0), np.full((200, 1), 7.0))
    # nu_t = (1 - 0.9^t) g^2, so the step is lr / sqrt(1 - 0.9^t).
    t = np.arange(1, 201)
    np.testing.assert_allclose(steps[:, 0], -0.01 / np.sqrt(1 - 0.9 ** t), rtol=1e-12)


def test_adadelta_first_step_follows_zeiler():
    rho, eps, g = 0.95, 1e-6, 2.0
    step = apply_to_gradients(O.adadelta(rho=rho, eps=eps), np.array([[g]]))[0, 0]
    # RMS[dx]_0 = sqrt(eps), RMS[g]_1 = sqrt((1 - rho) g^2 + eps).
    assert step == pytest.approx(-np.sqrt(eps) / np.sqrt((1 - rho) * g * g + eps) * g,
                                 rel=1e-14)


def test_rprop_adapts_each_coordinate_by_sign_agreement():
    opt = O.rprop(initial_step=0.1, max_step=0.15, min_step=0.06)
    grads = np.array([[1.0, 1.0], [1.0, -1.0], [1.0, -1.0], [1.0, -1.0]])
    steps = apply_to_gradients(opt, grads)
    # Coordinate 0 keeps its sign: 0.1, x1.2 = 0.12, x1.2 = 0.144, then capped at 0.15.
    np.testing.assert_allclose(-steps[:, 0], [0.1, 0.12, 0.144, 0.15], rtol=1e-12)
    # Coordinate 1 flips at step 2: step halves (floored at 0.06) and is
    # skipped once, then it moves with the shrunken step.
    np.testing.assert_allclose(steps[:, 1], [-0.1, 0.0, 0.06, 0.06 * 1.2], rtol=1e-12)


def test_sign_sgd_moves_every_coordinate_by_the_learning_rate():
    steps = apply_to_gradients(O.sign_sgd(0.05), GRADS)
    np.testing.assert_array_equal(steps, -0.05 * np.sign(GRADS))


def test_clipping_by_global_norm_keeps_the_direction():
    g = np.array([3.0, -4.0, 12.0])  # norm 13
    clipped = O.clip_by_global_norm(1.3).update(g, None)[0]
    np.testing.assert_allclose(clipped, g / 10, rtol=1e-15)
    small = np.array([0.1, 0.2])
    assert O.clip_by_global_norm(1.0).update(small, None)[0] is small


def test_clipping_by_value_bounds_each_entry():
    clipped = O.clip_by_value(0.5).update(GRADS[0], None)[0]
    np.testing.assert_array_equal(clipped, np.clip(GRADS[0], -0.5, 0.5))


def test_chain_collects_what_its_parts_need():
    assert O.chain(O.clip_by_value(1.0), O.adam()).needs == frozenset()
    assert O.chain(O.scale_by_adam(), O.reduce_on_plateau(0.1)).needs == {"value"}
    assert O.lbfgs().needs == {"value", "oracle"} and O.newton().needs == {"hessian"}
    with pytest.raises(TypeError, match="GradientTransformation"):
        O.chain(O.adam(), "sgd")


def test_perturbation_is_a_point_on_the_sphere_and_respects_the_wait():
    opt = O.perturb(2.0, grad_threshold=1e-3, wait=3, seed=5)
    state, kicks = opt.init(np.zeros(3)), []
    for _ in range(7):
        u, state = opt.update(np.zeros(3), state)
        kicks.append(np.linalg.norm(u))
    np.testing.assert_allclose(kicks, [2, 0, 0, 2, 0, 0, 2], atol=1e-12)
    # Uniform on the sphere: the mean of many kicks is near 0 (4 standard
    # errors of a coordinate with variance 1/d over N draws).
    every = O.perturb(1.0, seed=1)
    state, draws = every.init(np.zeros(3)), []
    for _ in range(3000):
        u, state = every.update(np.zeros(3), state)
        draws.append(u)
    assert np.abs(np.mean(draws, axis=0)).max() < 4 * np.sqrt(1 / (3 * 3000))


def test_noisy_updates_are_pure_functions_of_the_state():
    opt = O.sgld(0.1, seed=3)
    state = opt.init(np.zeros(4))
    first, next_state = opt.update(np.ones(4), state)
    again, _ = opt.update(np.ones(4), state)
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(opt.update(np.ones(4), next_state)[0], first)


def test_newton_shifts_an_indefinite_hessian_to_descend_from_a_saddle():
    p = P.strict_saddle(dim=2, unstable=1)
    x = np.array([0.5, 0.1])  # Hessian diag(1, 3 * 0.01 - 1) is indefinite
    g, H = p.grad(x), p.hessian(x)
    u, state = O.newton().update(g, O.newton().init(x), x, hessian=H)
    assert g @ u < 0 and state.shift > 0.97  # shift past the negative eigenvalue
    # The unshifted Newton step would move x2 toward the saddle at x2 = 0.
    assert np.linalg.solve(H, g)[1] > 0 and u[1] > 0


def test_backtracking_gives_up_on_an_ascent_direction():
    oracle = lambda x: (float(x @ x), 2 * x)
    x = np.array([1.0])
    step, value, grad = O.backtracking_line_search(oracle, x, 1.0, 2 * x, 2 * x)
    assert step == 0.0 and value == 1.0
