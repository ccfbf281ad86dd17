"""Hand-derived derivatives and known minima of diffkit.problems."""

import numpy as np
import pytest

import diffkit
from diffkit import problems as P

ALL = [
    P.quadratic(dim=6, condition=50.0), P.pl_cosine(), P.linear_network(),
    P.strict_saddle(dim=5, unstable=2), P.least_squares(), P.least_squares(n=5, d=8),
    P.logistic_regression(), P.robust_regression(n=40), P.mlp(n=30, width=5),
    P.rosenbrock(dim=6), P.powell_singular(dim=8),
    *(make() for make in P.MORE_GARBOW_HILLSTROM),
]
WITH_HESSIAN = [p for p in ALL if p.hessian is not None]
WITH_MINIMUM = [p for p in ALL if p.x_star is not None]


def ids(problems):
    return [p.name for p in problems]


def central_difference(fn, x, h):
    """Central differences of a scalar or vector function, one coordinate at a time."""
    columns = []
    for i in range(x.size):
        e = np.zeros_like(x)
        e[i] = h[i]
        columns.append((np.asarray(fn(x + e)) - np.asarray(fn(x - e))) / (2 * h[i]))
    return np.stack(columns, axis=-1)


def sample_points(p):
    """The standard start and a seeded random point near it."""
    rng = np.random.default_rng(1)
    return [p.x0, p.x0 + 0.3 * rng.standard_normal(p.x0.shape)]


def step_sizes(x):
    # h ~ eps**(1/3) balances the O(h^2) truncation and O(eps/h) round-off
    # errors of central differences, scaled with the size of each coordinate.
    return 6e-6 * np.maximum(1.0, np.abs(x))


def allowed_error(derivative, differenced, h):
    """Relative error 1e-7 of the derivative, plus the round-off floor of the difference.

    Central differences of a function of size |F| lose about eps |F| / h to
    round-off; on badly scaled problems (Brown) that floor exceeds 1e-7 of
    the derivative, and no correct derivative could do better. A wrong term
    in a hand derivation is off by far more than either part.
    """
    eps = np.finfo(float).eps
    return 1e-7 * np.linalg.norm(derivative) + 10 * eps * np.linalg.norm(differenced) / h.min()


@pytest.mark.parametrize("p", ALL, ids=ids(ALL))
def test_gradient_matches_central_difference(p):
    for x in sample_points(p):
        value, grad = p.value_and_grad(x, *p.data)
        h = step_sizes(x)
        numeric = central_difference(lambda z: p.fn(z, *p.data), x, h)
        assert np.linalg.norm(numeric - grad) <= allowed_error(grad, value, h)
        # The exact value is the traceable objective's value.
        assert value == pytest.approx(float(p.fn(x, *p.data)), rel=1e-13, abs=1e-300)


@pytest.mark.parametrize("p", WITH_HESSIAN, ids=ids(WITH_HESSIAN))
def test_hessian_matches_central_difference_of_gradient(p):
    for x in sample_points(p):
        hess = p.hessian(x, *p.data)
        h = step_sizes(x)
        grad = p.value_and_grad(x, *p.data)[1]
        numeric = central_difference(lambda z: p.value_and_grad(z, *p.data)[1], x, h)
        assert np.linalg.norm(numeric - hess) <= allowed_error(hess, grad, h)
        # Symmetric up to the round-off of summing products in another order.
        np.testing.assert_allclose(hess, hess.T, rtol=0, atol=1e-14 * np.abs(hess).max())


@pytest.mark.parametrize("p", WITH_MINIMUM, ids=ids(WITH_MINIMUM))
def test_known_minimum_is_stationary_with_the_stated_value(p):
    value, grad = p.value_and_grad(p.x_star, *p.data)
    # x_star is exact (closed form, or Newton run to convergence), so the
    # gradient is zero up to round-off in the data's scale.
    assert np.linalg.norm(grad) < 1e-9
    assert value == pytest.approx(p.f_star, abs=1e-12)
    if p.hessian is not None and p.name.startswith(("quadratic", "logistic", "rosenbrock")):
        # A strict minimum: positive definite Hessian.
        assert np.linalg.eigvalsh(p.hessian(p.x_star, *p.data))[0] > 0


@pytest.mark.parametrize("p", ALL, ids=ids(ALL))
def test_objective_traces_to_the_same_value(p):
    graph = diffkit.trace(p.fn, p.x0, *p.data)
    assert float(diffkit.evaluate(graph, p.x0, *p.data)) == pytest.approx(
        float(p(p.x0)), rel=1e-14)


@pytest.mark.parametrize("p", [p for p in ALL if p.data], ids=ids([p for p in ALL if p.data]))
def test_finite_sum_is_the_mean_over_the_rows_given(p):
    X, y = p.data
    x = sample_points(p)[1]
    per_row = [p.value_and_grad(x, X[i:i + 1], y[i:i + 1]) for i in range(len(y))]
    value, grad = p.value_and_grad(x, X, y)
    assert value == pytest.approx(np.mean([v for v, _ in per_row]), rel=1e-12)
    np.testing.assert_allclose(grad, np.mean([g for _, g in per_row], axis=0), rtol=1e-10,
                               atol=1e-14)


def test_quadratic_constants_are_the_extreme_eigenvalues():
    p = P.quadratic(dim=8, condition=30.0, seed=3)
    eig = np.linalg.eigvalsh(p.hessian(p.x0))
    assert (eig[0], eig[-1]) == pytest.approx((p.mu, p.L), rel=1e-12)


def test_pl_inequality_and_smoothness_on_the_sublevel_set():
    p = P.pl_cosine()
    rng = np.random.default_rng(0)
    f0 = p(p.x0)
    points = rng.uniform(-4, 4, size=(5000, 2))
    for x in points:
        f, g = p.value_and_grad(x)
        # PL with mu = 2: |grad f|^2 >= 2 mu f everywhere (proved in the docstring).
        assert g @ g >= 2 * p.mu * f * (1 - 1e-12)
        if f <= f0:
            # Hessian norm bounded by L on the sublevel set of x0.
            assert np.abs(np.linalg.eigvalsh(p.hessian(x))).max() <= p.L * (1 + 1e-12)
    # Not convex: the Hessian has a negative eigenvalue somewhere.
    assert min(np.linalg.eigvalsh(p.hessian(x))[0] for x in points) < 0


def test_strict_saddle_structure():
    p = P.strict_saddle(dim=3, unstable=1)
    eig = np.linalg.eigvalsh(p.hessian(np.zeros(3)))
    np.testing.assert_array_equal(eig, [-1.0, 1.0, 1.0])
    assert p(np.array([0.0, 0.0, 1.0])) == p.f_star == -0.25
    # x0 lies on the stable manifold: the unstable coordinate of the gradient is 0.
    assert p.grad(p.x0)[-1] == 0.0


def test_underdetermined_least_squares_minimizer_has_minimum_norm():
    p = P.least_squares(n=5, d=8, seed=2)
    X, _ = p.data
    # The minimum-norm solution lies in the row space of X.
    null_space = np.linalg.svd(X)[2][5:]
    assert np.abs(null_space @ p.x_star).max() < 1e-12
    assert p.mu == 0.0


def test_bad_arguments_are_option_errors_with_the_fix():
    with pytest.raises(diffkit.OptionError, match="even dim >= 2, got dim=3"):
        P.rosenbrock(dim=3)
    with pytest.raises(diffkit.OptionError, match="multiple of 4, got dim=6"):
        P.powell_singular(dim=6)
    with pytest.raises(diffkit.OptionError, match="dim >= 1, got dim=0"):
        P.quadratic(dim=0)
    with pytest.raises(diffkit.OptionError, match="condition >= 1.*got condition=0.5"):
        P.quadratic(dim=3, condition=0.5)
    with pytest.raises(diffkit.OptionError, match="unstable <= dim, got unstable=3, dim=2"):
        P.strict_saddle(dim=2, unstable=3)
