"""The lecture theorems as measurements: rates, implicit bias, noise floors, escapes.

Every expected number comes from the theory quoted in each test; runs use
the problems' exact gradients and fixed seeds, so they are deterministic.
"""

import numpy as np
import pytest

from diffkit import optim as O
from diffkit import problems as P
from diffkit.optim import schedules as S


def iterates(p, optimizer, steps, **kwargs):
    """All iterates x_0 ... x_steps of a run on problem ``p``."""
    xs = []
    result = O.minimize(p.fn, p.x0, optimizer, method=p.value_and_grad, steps=steps,
                        data=p.data, callback=lambda info: xs.append(info.x), **kwargs)
    return np.array(xs + [result.x])


def distances(p, optimizer, steps):
    return np.linalg.norm(iterates(p, optimizer, steps) - p.x_star, axis=1)


def measured_rate(d, k1, k2):
    """Geometric-mean contraction per step between steps k1 and k2."""
    return (d[k2] / d[k1]) ** (1.0 / (k2 - k1))


def test_gd_with_step_2_over_L_plus_mu_contracts_by_kappa_rate():
    p = P.quadratic(dim=20, condition=50.0, seed=1)
    kappa = p.L / p.mu
    predicted = (kappa - 1) / (kappa + 1)
    d = distances(p, O.gd(2 / (p.L + p.mu)), 300)
    # I - eta A is symmetric with spectral norm exactly (kappa-1)/(kappa+1):
    # no single step may contract less (1e-9: round-off of ~1e-5 distances).
    assert np.max(d[1:] / d[:-1]) <= predicted * (1 + 1e-9)
    # Both extreme eigenmodes contract by exactly that factor, so they
    # dominate and the measured rate converges to it.
    assert measured_rate(d, 100, 300) == pytest.approx(predicted, rel=1e-6)


# Window of steps for the accelerated methods: late enough for the slowest
# mode to dominate, early enough (kappa = 100) to stay far above round-off.
K1, K2 = 50, 150


@pytest.mark.parametrize("method, tuning, predicted", [
    ("heavy_ball", O.heavy_ball_tuning, lambda k: (np.sqrt(k) - 1) / (np.sqrt(k) + 1)),
    ("nesterov", O.nesterov_tuning, lambda k: 1 - 1 / np.sqrt(k)),
])
def test_accelerated_rates_match_theory(method, tuning, predicted):
    p = P.quadratic(dim=20, condition=100.0, seed=1)
    rho = predicted(p.L / p.mu)
    make = getattr(O, method)
    d = distances(p, make(*tuning(p.L, p.mu)), K2)
    rate = measured_rate(d, K1, K2)
    # With the tuned constants the extreme modes have a double root of
    # modulus rho, so d_k ~ C k rho^k: the raw rate exceeds rho by the factor
    # (K2/K1)^(1/(K2-K1)) = 1.011. Dividing it out must recover rho closely;
    # 0.3% allows for the faster modes that have not fully died out.
    jordan = (K2 / K1) ** (1 / (K2 - K1))
    assert rho <= rate <= rho * jordan * 1.003
    assert rate / jordan == pytest.approx(rho, rel=3e-3)
    # Acceleration: far better than GD's best rate (kappa-1)/(kappa+1) = 0.98.
    assert rate < 0.95


def test_gd_on_pl_function_converges_linearly_at_least_1_minus_mu_over_L():
    p = P.pl_cosine()
    xs = iterates(p, O.gd(1 / p.L), 40)
    gap = np.array([p(x) for x in xs]) - p.f_star
    bound = (1 - p.mu / p.L) ** np.arange(len(gap)) * gap[0]
    # Karimi et al. (2016): f_k - f* <= (1 - mu/L)^k (f_0 - f*) for every k.
    assert np.all(gap <= bound * (1 + 1e-12) + 1e-300)
    assert gap[-1] < 1e-8  # and it really converges, to a global minimum


def test_gd_from_zero_finds_the_minimum_norm_least_squares_solution():
    p = P.least_squares(n=20, d=50, seed=0)
    x_gd = iterates(p, O.gd(1 / p.L), 3000)[-1]
    # Implicit bias: GD from 0 never leaves the row space of X, so it must
    # converge to the one solution there, pinv(X) y (accuracy: linear rate
    # 1 - mu_+/L over 3000 steps is far below 1e-9).
    assert np.linalg.norm(x_gd - p.x_star) < 1e-9
    # Started elsewhere it keeps its null-space component instead.
    X, y = p.data
    # (seed 1: seed 0 would reproduce X's first row, which lies in the row space)
    x0 = np.random.default_rng(1).standard_normal(50)
    shifted = O.minimize(p.fn, x0, O.gd(1 / p.L), method=p.value_and_grad, data=p.data,
                         steps=3000).x
    null_part = x0 - np.linalg.pinv(X) @ (X @ x0)
    assert np.linalg.norm(shifted - (p.x_star + null_part)) < 1e-9
    assert np.linalg.norm(shifted - p.x_star) > 1.0


def sgd_excess_by_quarter(p, learning_rate, steps=16000, every=10):
    """Mean excess loss f(x_k) - f* over each quarter of a batch-size-1 SGD run."""
    xs = iterates(p, O.sgd(learning_rate), steps, batch_size=1, seed=0)[::every]
    excess = np.array([p(x) for x in xs]) - p.f_star
    return np.array([q.mean() for q in np.array_split(excess, 4)])


def test_sgd_stalls_at_a_noise_floor_with_constant_steps_but_not_with_robbins_monro():
    p = P.least_squares(n=200, d=5, noise=1.0, seed=0)
    constant = sgd_excess_by_quarter(p, 0.02)
    decaying = sgd_excess_by_quarter(p, S.robbins_monro(0.02, power=1.0, scale=500))
    # Constant step: after the transient (1/(eta mu) ~ 70 steps) the excess
    # is stationary; the last two quarters agree within the fluctuation of
    # a window of ~60 relaxation times (factor 1.5 is many standard errors).
    assert 1 / 1.5 < constant[3] / constant[2] < 1.5
    assert constant[3] > 1e-3
    # Robbins-Monro steps: the noise is averaged away, the excess keeps
    # falling (O(1/t) for strongly convex problems) ...
    assert decaying[3] < 0.5 * decaying[1]
    # ... to well below the constant-step floor.
    assert decaying[3] < 0.1 * constant[3]


def test_nonconvex_sgd_bound_on_average_squared_gradient_norm():
    p = P.robust_regression(n=200, d=5, seed=0)
    X, y = p.data
    n, b, T = len(y), 4, 2000

    def minibatch_variance(x):
        """E|g_batch - grad f|^2 for batches of b drawn without replacement."""
        G = np.array([p.value_and_grad(x, X[i:i + 1], y[i:i + 1])[1] for i in range(n)])
        return np.sum((G - G.mean(0)) ** 2, axis=1).mean() / b * (n - b) / (n - 1)

    for eta in (1 / p.L, 0.1 / p.L):  # the theorem needs eta <= 1/L
        runs = [iterates(p, O.sgd(eta), T, batch_size=b, seed=seed)[:-1] for seed in range(3)]
        avg_sq_grad = np.mean([[np.sum(p.grad(x) ** 2) for x in xs] for xs in runs])
        sigma2 = max(minibatch_variance(x) for xs in runs for x in xs[::50])
        # (1/T) sum E|grad f(x_k)|^2 <= 2 (f0 - f*) / (eta T) + L eta sigma^2,
        # with f* >= 0 (the loss is nonnegative) giving a valid upper bound.
        bound = 2 * p(p.x0) / (eta * T) + p.L * eta * sigma2
        assert avg_sq_grad <= bound


@pytest.mark.parametrize("dim, unstable", [(2, 1), (10, 3)])
def test_perturbed_gd_escapes_a_strict_saddle_that_traps_gd(dim, unstable):
    p = P.strict_saddle(dim, unstable)
    plain = O.minimize(p.fn, p.x0, O.gd(0.1), method=p.value_and_grad, steps=1000)
    # On the stable manifold GD converges to the saddle, f = 0 > f* = -k/4.
    assert np.linalg.norm(plain.x) < 1e-9 and plain.fun > p.f_star + 0.2
    for seed in range(5):
        opt = O.perturbed_gd(0.1, radius=0.1, grad_threshold=1e-3, wait=50, seed=seed)
        escaped = O.minimize(p.fn, p.x0, opt, method=p.value_and_grad, steps=1000)
        # Within 1e-3 of f*: each later kick moves x by eta*radius = 0.01,
        # raising f by at most ~1e-4 near a minimum of curvature 2.
        assert escaped.fun < p.f_star + 1e-3


@pytest.mark.parametrize("eta", [0.4, 0.1])
def test_sgld_variance_on_quadratic_matches_discretization(eta):
    p = P.quadratic(dim=50, condition=1.0, seed=0)  # U = |x - x*|^2 / 2
    burn_in, steps = 200, 4000
    samples = iterates(p, O.sgld(eta, seed=0), steps)[burn_in:] - p.x_star
    # Euler-Maruyama: x+ = (1 - eta) x + sqrt(2 eta) xi has stationary
    # variance 2 eta / (1 - (1 - eta)^2) = 1 / (1 - eta/2), not the exact 1.
    predicted = 1 / (1 - eta / 2)
    # Tolerance: 4 standard errors of a variance estimated from an AR(1)
    # chain with coefficient phi = 1 - eta (effective sample size
    # N (1 - phi^2) / (1 + phi^2)).
    phi, N = 1 - eta, samples.size
    se = predicted * np.sqrt(2 * (1 + phi ** 2) / (N * (1 - phi ** 2)))
    assert abs(samples.var() - predicted) < 4 * se
    assert abs(samples.mean()) < 4 * np.sqrt(predicted / (N * (1 - phi) / (1 + phi)))
