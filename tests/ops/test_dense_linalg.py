"""np.linalg on traced values: NumPy's values, derivatives against independent references,
stacks, singular matrices, repeated eigenvalues and the errors.

References: hand-derived matrix derivatives computed with NumPy (Giles 2008:
d log|det A| = tr(A^-1 dA), d A^-1 = -A^-1 dA A^-1, dw_k = v_k^T dA v_k), central differences
and, where installed, JAX.  Tolerances: the AD methods and a hand formula
compute the same derivative with other roundings of well-conditioned
matrices (condition < 10), so 1e-12 relative; central differences with step
EPS^(1/3) leave ~1e-10 relative (ad_cases.py's error model), so 1e-7.
"""
import numpy as np
import pytest

import diffkit
from diffkit import ops

AD = ("forward", "reverse", "symbolic")
AD_RTOL = 1e-12
FD_RTOL = 1e-7


def _close(got, want, rtol):
    got, want = np.asarray(got, dtype=float), np.asarray(want, dtype=float)
    assert got.shape == want.shape
    scale = max(1.0, float(np.max(np.abs(want))))
    err = float(np.max(np.abs(got - want))) / scale
    assert err <= rtol, f"error {err:.1e} relative to {scale:.1e}"


def _matrix(rng, *shape):
    """m I + uniform(-1, 1): diagonally dominant, condition number below 10 for m <= 4."""
    return rng.uniform(-1, 1, shape) + shape[-1] * np.eye(shape[-1])


def _central(f, x):
    h = np.finfo(float).eps ** (1 / 3)
    out = []
    for j in range(x.size):
        e = np.zeros(x.size)
        e[j] = h
        e = e.reshape(x.shape)
        out.append((np.asarray(f(x + e)) - np.asarray(f(x - e))) / (2 * h))
    return np.moveaxis(np.array(out).reshape(x.shape + np.shape(f(x))), tuple(range(x.ndim)),
                       tuple(range(-x.ndim, 0)))


# -- values --------------------------------------------------------------------------

@pytest.mark.parametrize("n", [0, 1, 2, 3, 4, 5, 6, 13, -1, -2, -5])
def test_matrix_power_is_numpys(rng, n):
    a = _matrix(rng, 2, 3, 3) / 3
    got = diffkit.trace(lambda a: np.linalg.matrix_power(a, n), a)(a)
    np.testing.assert_array_equal(got, np.linalg.matrix_power(a, n))


@pytest.mark.parametrize("shapes", [[(2, 7), (7, 3), (3, 9), (9, 2)], [(5,), (5, 4), (4, 6)],
                                    [(3, 8), (8, 2), (2,)], [(4,), (4, 4), (4, 3), (3,)],
                                    [(6, 2), (2, 6), (6, 2)], [(3, 4), (4,)]])
def test_multi_dot_is_numpys_in_numpys_order(rng, shapes):
    xs = [rng.normal(size=s) for s in shapes]
    graph = diffkit.trace(lambda *xs: np.linalg.multi_dot(xs), *xs)
    np.testing.assert_array_equal(graph(*xs), np.linalg.multi_dot(xs))
    # the cheapest order: products of the chain's sizes, never more than left to right
    assert graph.op_counts().get("dot", 0) == len(xs) - 1


def test_slogdet_is_numpys_named_pair(rng):
    a = rng.normal(size=(2, 3, 3))
    sign, logdet = np.linalg.slogdet(a)
    got = diffkit.trace(lambda a: np.linalg.slogdet(a).sign * np.linalg.slogdet(a).logabsdet,
                        a)(a)
    np.testing.assert_array_equal(got, sign * logdet)


def test_solve_broadcasts_leading_axes_like_numpy(rng):
    a, b = _matrix(rng, 2, 1, 3, 3), rng.normal(size=(4, 3, 2))
    got = diffkit.trace(np.linalg.solve, a, b)(a, b)
    np.testing.assert_array_equal(got, np.linalg.solve(a, b))


# -- derivatives against hand formulas ----------------------------------------------

@pytest.mark.parametrize("method", AD)
def test_logdet_gradient_is_the_inverse_transpose(rng, method):
    a = _matrix(rng, 3, 3)
    g = diffkit.grad(lambda a: np.linalg.slogdet(a)[1], method=method)(a)
    _close(g, np.linalg.inv(a).T, AD_RTOL)


@pytest.mark.parametrize("method", AD)
def test_det_gradient_is_det_times_inverse_transpose(rng, method):
    a = _matrix(rng, 2, 3, 3)
    g = diffkit.grad(lambda a: np.sum(np.linalg.det(a)), method=method)(a)
    _close(g, np.linalg.det(a)[:, None, None] * np.swapaxes(np.linalg.inv(a), -1, -2), AD_RTOL)


@pytest.mark.parametrize("method", AD)
def test_inverse_jacobian_is_minus_inv_da_inv(rng, method):
    # d(A^-1)_ij / dA_kl = -(A^-1)_ik (A^-1)_lj
    a = _matrix(rng, 3, 3)
    ainv = np.linalg.inv(a)
    _close(diffkit.jacobian(np.linalg.inv, method=method)(a),
           -np.einsum("ik,lj->ijkl", ainv, ainv), AD_RTOL)


@pytest.mark.parametrize("method", ("forward", "reverse"))
def test_logdet_hessian_by_hand(rng, method):
    # d/dA_kl of (A^-T)_ij = -(A^-1)_jk (A^-1)_li
    a = _matrix(rng, 3, 3)
    h = diffkit.hessian(lambda a: np.linalg.slogdet(a)[1], method=method)(a)
    ainv = np.linalg.inv(a)
    _close(h, -np.einsum("jk,li->ijkl", ainv, ainv), AD_RTOL)


def test_cholesky_derivative_ignores_the_upper_triangle(rng):
    a = _matrix(rng, 3, 3) / 2 + np.eye(3)
    j = diffkit.jacobian(np.linalg.cholesky, method="reverse")(a)
    upper = np.triu(np.ones((3, 3)), 1).astype(bool)
    assert np.all(j[..., upper] == 0.0)
    # and it is the derivative along symmetric perturbations of the lower triangle
    _close(j, _central(np.linalg.cholesky, a), FD_RTOL)


def _spread(rng, *shape):
    """0.5 uniform(-1, 1) + diag(0, 4, 8...): eigenvalues at least 1 apart."""
    return 0.5 * rng.uniform(-1, 1, shape) + np.diag(4.0 * np.arange(shape[-1]))


@pytest.mark.parametrize("method", AD)
def test_eigenvalue_gradient_is_the_eigenvector_outer_product(rng, method):
    # dw_k = v_k^T dS v_k; A_ij below the diagonal stands for S_ij and S_ji
    a = _spread(rng, 3, 3)
    w, v = np.linalg.eigh(a)
    g = diffkit.grad(lambda a: np.linalg.eigvalsh(a)[1], method=method)(a)
    outer = np.outer(v[:, 1], v[:, 1])
    _close(g, np.tril(2 * outer) - np.diag(np.diag(outer)), AD_RTOL)


@pytest.mark.parametrize("method", ("forward", "reverse"))
def test_repeated_eigenvalues_keep_the_eigenvalues_derivative_only(method):
    # sum(w) = trace: its gradient is I even at I, where eigenvectors have no derivative
    g = diffkit.grad(lambda a: np.sum(np.linalg.eigvalsh(a)), method=method)(np.eye(3))
    np.testing.assert_array_equal(g, np.eye(3))
    jac = diffkit.jacobian(lambda a: np.linalg.eigh(a)[1], method=method)(np.eye(3))
    assert not np.all(np.isfinite(jac))


def test_eigh_upper_and_bad_options():
    a = np.array([[2.0, 0.3], [-5.0, 1.0]])
    w = diffkit.trace(lambda a: np.linalg.eigvalsh(a, UPLO="U"), a)(a)
    _close(w, np.linalg.eigvalsh(a, UPLO="U"), 1e-15)
    with pytest.raises(diffkit.OptionError, match="UPLO"):
        diffkit.trace(lambda a: np.linalg.eigh(a, UPLO="X"), a)
    with pytest.raises(diffkit.DiffkitError, match="eigh"):
        diffkit.jacobian(np.linalg.eigvalsh, method="fd", scheme="complex")(a)


def test_eigh_gradient_matches_jax(rng):
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    c = rng.normal(size=(3, 3))

    def loss(xp, b):
        # symmetric input (JAX symmetrizes, LAPACK reads a triangle: the same derivative
        # along symmetric changes) and a loss blind to the eigenvectors' signs
        w, v = xp.linalg.eigh(b + b.T)
        return xp.sum((v * c) ** 2) + xp.sum(w ** 2)

    b = _spread(rng, 3, 3) / 2
    want = np.asarray(jax.grad(lambda b: loss(jax.numpy, b))(b))
    for method in ("forward", "reverse", "symbolic"):
        _close(diffkit.grad(lambda b: loss(np, b), method=method)(b), want, 1e-10)


# -- all four methods against central differences, on stacks ---------------------------

FUNCTIONS = {
    "solve": (lambda a, b: np.linalg.solve(a, b), [(2, 3, 3), (2, 3, 2)]),
    "solve vector": (lambda a, b: np.linalg.solve(a, b), [(3, 3), (3,)]),
    "inv": (lambda a: np.linalg.inv(a), [(2, 2, 2)]),
    "det": (lambda a: np.linalg.det(a), [(2, 3, 3)]),
    "slogdet": (lambda a: np.linalg.slogdet(a)[1], [(3, 3)]),
    "cholesky": (lambda a: np.linalg.cholesky(a @ np.swapaxes(a, -1, -2)), [(2, 3, 3)]),
    "cholesky upper": (lambda a: np.linalg.cholesky(a @ a.T, upper=True), [(3, 3)]),
    "matrix_power": (lambda a: np.linalg.matrix_power(a, 5), [(2, 3, 3)]),
    "matrix_power negative": (lambda a: np.linalg.matrix_power(a, -2), [(2, 2)]),
    "multi_dot": (lambda a, b, c: np.linalg.multi_dot([a, b, c]), [(3,), (3, 3), (3, 2)]),
    "eigh": (lambda a: np.linalg.eigh(a + np.diag([0.0, 4.0, 8.0]))[1], [(2, 3, 3)]),
    "eigvalsh": (lambda a: np.linalg.eigvalsh(a + np.diag([0.0, 4.0])), [(2, 2)]),
}


@pytest.mark.parametrize("method", ("fd",) + AD)
@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_all_methods_agree_with_central_differences(rng, name, method):
    fn, shapes = FUNCTIONS[name]
    xs = [_matrix(rng, *s) / s[-1] if len(s) >= 2 and s[-1] == s[-2] else rng.normal(size=s)
          for s in shapes]
    got = diffkit.jacobian(fn, method=method, argnums=tuple(range(len(xs))))(*xs)
    for k, x in enumerate(xs):
        def along(x, k=k):
            return fn(*xs[:k], x, *xs[k + 1:])
        _close(got[k], _central(along, x), FD_RTOL)


@pytest.mark.parametrize("name", ["solve", "det", "slogdet", "cholesky", "inv"])
def test_a_complex_step_runs_through_the_analytic_extension(rng, name):
    # NumPy's complex slogdet and cholesky are not analytic (a phase, a Hermitian factor);
    # the complex step has no cancellation, so it agrees with reverse mode to rounding
    fn, shapes = FUNCTIONS[name]
    xs = [_matrix(rng, *s) / s[-1] if len(s) >= 2 and s[-1] == s[-2] else rng.normal(size=s)
          for s in shapes]
    args = tuple(range(len(xs)))
    got = diffkit.jacobian(fn, method="fd", scheme="complex", argnums=args)(*xs)
    want = diffkit.jacobian(fn, method="reverse", argnums=args)(*xs)
    for g, w in zip(got, want):
        _close(g, w, AD_RTOL)


def test_complex_cholesky_is_nan_where_the_real_one_fails():
    a = np.array([[[4.0, 0.0], [2.0, 5.0]], [[1.0, 0.0], [2.0, 1.0]]])
    low = ops.get("cholesky").complex_impl(a + 0j)
    np.testing.assert_allclose(low[0].real, np.linalg.cholesky(a[0]), rtol=1e-15)
    assert np.all(np.isnan(low[1]))


def test_gaussian_log_density_gradient_matches_jax(rng):
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    jnp = jax.numpy

    def logpdf(xp, a, y):
        cov = a @ a.T + np.eye(3)
        low = xp.linalg.cholesky(cov)
        z = xp.linalg.solve(low, y)
        return -0.5 * xp.sum(z * z) - xp.linalg.slogdet(cov)[1] / 2 + xp.linalg.det(low)

    a, y = rng.normal(size=(3, 3)), rng.normal(size=(3, 2))
    want = jax.grad(lambda a, y: logpdf(jnp, a, y), argnums=(0, 1))(a, y)
    for method in ("forward", "reverse"):
        got = diffkit.grad(lambda a, y: logpdf(np, a, y), method=method, argnums=(0, 1))(a, y)
        for g, w in zip(got, want):
            _close(g, np.asarray(w), 1e-10)


# -- singular matrices and bad input -------------------------------------------------

@pytest.mark.parametrize("method", ("forward", "reverse"))
def test_a_singular_matrix_of_a_stack_gives_nan_for_that_matrix_only(rng, method):
    a = _matrix(rng, 2, 3, 3)
    a[1] = np.outer([1.0, 2.0, 3.0], [1.0, 0.0, 1.0])     # rank one
    b = rng.normal(size=(2, 3, 1))
    x = diffkit.trace(np.linalg.solve, a, b)(a, b)
    assert np.all(np.isnan(x[1])) and np.array_equal(x[0], np.linalg.solve(a[0], b[0]))
    jac = diffkit.jacobian(lambda a: np.linalg.solve(a, b), method=method)(a)
    assert np.all(np.isnan(jac[1][..., 1, :, :]))
    _close(jac[0][..., 0, :, :], _central(lambda m: np.linalg.solve(m, b[0]), a[0]), FD_RTOL)


@pytest.mark.parametrize("method", ("forward", "reverse"))
def test_cholesky_of_an_indefinite_matrix_is_nan(method):
    a = np.array([[1.0, 0.0], [2.0, 1.0]])                 # lower triangle: [[1, 2], [2, 1]]
    value, g = diffkit.value_and_grad(lambda a: np.sum(np.linalg.cholesky(a)), method=method)(a)
    assert np.isnan(value) and np.all(np.isnan(g))


def test_det_of_a_singular_matrix_is_numpys_and_its_gradient_nan():
    a = np.array([[1.0, 2.0], [2.0, 4.0]])
    value, g = diffkit.value_and_grad(np.linalg.det, method="reverse")(a)
    assert value == np.linalg.det(a) and np.all(np.isnan(g))
    sign, logdet = diffkit.trace(lambda a: np.stack(np.linalg.slogdet(a)), a)(a)
    assert (sign, logdet) == tuple(np.linalg.slogdet(a))


@pytest.mark.parametrize("fn, shape, match", [
    (np.linalg.det, (2, 3), r"np\.linalg\.det needs square matrices"),
    (np.linalg.inv, (3,), r"np\.linalg\.inv needs square matrices"),
    (np.linalg.cholesky, (2, 3, 4), r"np\.linalg\.cholesky needs square"),
    (lambda a: np.linalg.matrix_power(a, 2), (2, 3), r"np\.linalg\.matrix_power needs square"),
    (lambda a: np.linalg.solve(a, np.ones((2, 1))), (3, 3), r"b needs 3 rows"),
    (lambda a: np.linalg.multi_dot([a, a, a]), (2, 2, 2), r"multi_dot takes 2-d arrays"),
])
def test_bad_shapes_are_shape_errors_naming_the_function(fn, shape, match):
    with pytest.raises(diffkit.ShapeError, match=match):
        diffkit.trace(fn, np.ones(shape))


def test_a_real_matrix_power_is_refused_with_the_reason():
    with pytest.raises(diffkit.UnsupportedError, match="must be an integer"):
        diffkit.trace(lambda a: np.linalg.matrix_power(a, 0.5), np.eye(2))


def test_kernel_checks_refuse_geometry_that_does_not_fit_the_operands():
    solve = ops.get("solve").array_kernel.check
    assert solve([2, 3, 1], 6, [18, 6])
    assert not solve([2, 3, 2], 6, [18, 6]) and not solve([3, 3, 1], 6, [18, 6])
    assert not solve([2, -3, 1], 6, [18, 6]) and not solve([2, 3], 6, [18, 6])
    det = ops.get("det").array_kernel.check
    assert det([2, 3], 2, [18]) and not det([2, 3], 3, [18]) and not det([2, 4], 2, [18])
    chol = ops.get("cholesky").array_kernel.check
    assert chol([1, 3], 9, [9]) and not chol([1, 3], 8, [9])
