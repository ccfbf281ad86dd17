"""The minimize loop: history, costs, minibatches, divergence and clear errors."""

import io

import numpy as np
import pytest

from diffkit import ShapeError, optim as O
from diffkit import problems as P
from diffkit.optim import schedules as S
from diffkit.progress import ProgressLine

QUAD = P.quadratic(dim=5, condition=10.0, seed=0)


def run(optimizer, p=QUAD, **kwargs):
    return O.minimize(p.fn, p.x0, optimizer, method=p.value_and_grad, data=p.data,
                      **{"hessian": p.hessian, **kwargs})


def test_history_has_one_row_per_step_with_loss_and_gradient_at_the_iterate():
    res = run(O.gd(1 / QUAD.L), steps=50)
    h = res.history
    assert res.steps == 50 and all(len(col) == 50 for col in h)
    f0, g0 = QUAD.value_and_grad(QUAD.x0)
    assert h.loss[0] == f0 and h.grad_norm[0] == pytest.approx(np.linalg.norm(g0), rel=1e-15)
    # Descent lemma: GD with step 1/L never increases an L-smooth loss.
    assert np.all(np.diff(h.loss) <= 0)
    assert np.all(h.step_size == 1 / QUAD.L)
    np.testing.assert_array_equal(h.grad_evals, np.arange(1, 51))
    assert np.all(np.diff(h.time) >= 0)
    assert res.fun == pytest.approx(QUAD(res.x), rel=1e-15)


def test_schedule_step_sizes_are_recorded():
    res = run(O.sgd(S.inverse_time_decay(0.1)), steps=5)
    np.testing.assert_allclose(res.history.step_size, 0.1 / (1 + np.arange(5)), rtol=1e-15)


def test_tol_stops_with_converged_status():
    res = run(O.gd(1 / QUAD.L), steps=10_000, tol=1e-8)
    assert res.converged and res.grad_norm <= 1e-8
    assert res.steps < 10_000 and "tol=1e-08" in res.message


def test_callback_sees_each_iterate_and_can_stop_the_run():
    seen = []

    def callback(info):
        seen.append(info)
        return info.step == 4

    res = run(O.gd(1 / QUAD.L), steps=100, callback=callback)
    assert res.status == "callback" and res.steps == 5 and len(seen) == 5
    np.testing.assert_array_equal(seen[0].x, QUAD.x0)
    assert seen[3].loss == res.history.loss[3]


def test_finite_sum_minibatches_cost_their_size_and_cover_each_epoch_once():
    p = P.least_squares(n=10, d=3, seed=0)
    X, y = p.data
    seen_rows = []

    def recording(theta, Xb, yb):
        seen_rows.append([int(np.flatnonzero(y == v)[0]) for v in yb])
        return p.value_and_grad(theta, Xb, yb)

    res = O.minimize(p.fn, p.x0, O.sgd(0.01), method=recording, data=p.data, batch_size=3,
                     steps=8, seed=0)
    # 10 rows in batches of 3: 3, 3, 3, 1 per epoch; SGD pays per example.
    assert [len(b) for b in seen_rows[:8]] == [3, 3, 3, 1] * 2
    np.testing.assert_array_equal(np.diff(res.history.grad_evals, prepend=0),
                                  [3, 3, 3, 1] * 2)
    epochs = [sum(seen_rows[4 * e:4 * e + 4], []) for e in range(2)]
    assert sorted(epochs[0]) == sorted(epochs[1]) == list(range(10))  # without replacement
    assert epochs[0] != epochs[1]                                      # reshuffled
    # The result is reported on the full data (one more full evaluation).
    assert res.fun == pytest.approx(p(res.x), rel=1e-14)


def test_full_batch_gradient_descent_costs_n_per_step():
    p = P.least_squares(n=40, d=3, seed=0)
    res = run(O.gd(1 / p.L), p=p, steps=5)
    np.testing.assert_array_equal(res.history.grad_evals, 40 * np.arange(1, 6))


def test_lbfgs_reuses_the_gradient_its_line_search_computed():
    res = run(O.lbfgs(), steps=10)
    trials = np.diff(res.history.grad_evals, prepend=0)
    # Each step costs exactly its line-search trials (>= 1); only the very
    # first step also pays for the gradient at x0.
    assert trials[0] >= 2 and np.all(trials[1:] >= 1)
    assert np.all(trials[1:] <= 3)  # unit steps are accepted on a quadratic


def test_divergence_stops_with_the_last_finite_iterate_and_a_clear_message():
    res = run(O.gd(3 / QUAD.L), steps=5000)  # |1 - 3| = 2: the top mode doubles each step
    assert res.status == "diverged"
    k = res.steps
    assert f"diverged at step {k}" in res.message and "smaller step size" in res.message
    assert np.all(np.isfinite(res.x)) and np.isfinite(res.fun)
    assert res.fun == pytest.approx(QUAD(res.x), rel=1e-12)
    assert res.fun > 1e6 * QUAD(QUAD.x0)  # it was really blowing up


def test_averaged_sgd_reports_the_average():
    res = run(O.averaged_sgd(1 / QUAD.L, start=0), steps=3)
    xs = [QUAD.x0]
    for _ in range(3):
        xs.append(xs[-1] - QUAD.grad(xs[-1]) / QUAD.L)
    np.testing.assert_allclose(res.average, np.mean(xs[1:], axis=0), rtol=1e-13)


def test_newton_gets_the_hessian_and_solves_a_quadratic_in_one_step():
    res = run(O.newton(), steps=5, tol=1e-10)
    assert res.converged and res.steps == 1


def test_newton_refuses_a_hessian_of_the_wrong_shape():
    with pytest.raises(ShapeError, match=r"Hessian has shape \(4, 4\), expected \(5, 5\)"):
        O.minimize(QUAD.fn, QUAD.x0, O.newton(), method=QUAD.value_and_grad,
                   hessian=lambda x: np.eye(4))


def test_progress_line_goes_to_stderr_when_enabled(capsys):
    run(O.gd(1 / QUAD.L), steps=20, progress=True)
    err = capsys.readouterr().err
    assert "minimize 20/20" in err and "loss=" in err
    run(O.gd(1 / QUAD.L), steps=20, progress=False)
    assert capsys.readouterr().err == ""


def test_progress_line_is_off_when_not_a_terminal():
    stream = io.StringIO()  # isatty() is False
    bar = ProgressLine("x", total=2, stream=stream)
    bar.update(2, loss=1.0)
    bar.close()
    assert not bar.enabled and stream.getvalue() == ""


@pytest.mark.parametrize("kwargs, error, match", [
    ({"method": "backprop"}, ValueError,
     "unknown method 'backprop'; choose one of fd, forward, reverse, symbolic; or pass a "
     "callable"),
    ({"x0": np.zeros((5, 1))}, ValueError, "x0 must be a 1-D array"),
    ({"method": lambda x: (0.0, np.zeros(3))}, ValueError, "gradient has shape"),
    ({"method": lambda x: (np.nan, x)}, ValueError, "not finite at x0"),
    ({"optimizer": O.newton(), "hessian": None}, ValueError, "needs a Hessian"),
    ({"batch_size": 2}, ValueError, "batch_size needs data"),
    ({"data": (np.zeros((4, 2)), np.zeros(3))}, ValueError, "same number of rows"),
    ({"optimizer": "adam"}, TypeError, "GradientTransformation"),
])
def test_bad_input_raises_a_clear_error(kwargs, error, match):
    args = {"objective": QUAD.fn, "x0": QUAD.x0, "optimizer": O.gd(0.1),
            "method": QUAD.value_and_grad, **kwargs}
    with pytest.raises(error, match=match):
        O.minimize(**args)


def test_batch_size_larger_than_the_data_is_rejected():
    p = P.least_squares(n=10, d=3)
    with pytest.raises(ValueError, match="between 1 and the number of examples"):
        run(O.sgd(0.1), p=p, batch_size=11)
