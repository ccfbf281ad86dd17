"""Conventions at kinks and singularities, on forward mode, reverse mode and the reference.

Each convention is written in the op table (``Op.kink``) and in DESIGN.md;
the expected values below are derived by hand from those conventions, and
are exact (every one is a small integer, a half or a third, 0 or inf), so
the comparisons are exact too.
"""
import numpy as np
import pytest
from numpy.testing import assert_array_equal

import diffkit
from diffkit.program import reference

WHERE = ["forward", "reverse", "reference"]


def gradient(fn, args, where, argnums=0):
    """Gradient of fn at args by a diffkit method or by the reference interpreter."""
    wrt = (argnums,) if isinstance(argnums, int) else tuple(argnums)
    if where == "reference":
        grads = reference.grad(diffkit.trace(fn, *args), *args, wrt=wrt)
    else:
        grads = diffkit.grad(fn, method=where, argnums=wrt)(*args)
    grads = tuple(np.asarray(g, dtype=float) for g in grads)
    return grads[0] if isinstance(argnums, int) else grads


@pytest.mark.parametrize("where", WHERE)
def test_abs_has_zero_derivative_at_zero(where):
    g = gradient(lambda x: np.sum(np.abs(x)), [np.array([-1.5, 0.0, 2.0])], where)
    assert_array_equal(g, [-1.0, 0.0, 1.0])


@pytest.mark.parametrize("where", WHERE)
def test_relu_has_zero_derivative_at_zero_unlike_np_maximum(where):
    x = np.array([-1.0, 0.0, 2.0])
    assert_array_equal(gradient(lambda x: np.sum(diffkit.relu(x)), [x], where), [0, 0, 1])
    # np.maximum(x, 0) is the binary maximum: a tie at 0 splits 0.5 / 0.5 (documented)
    assert_array_equal(gradient(lambda x: np.sum(np.maximum(x, 0.0)), [x], where),
                       [0, 0.5, 1])


@pytest.mark.parametrize("where", WHERE)
@pytest.mark.parametrize("fn", [np.maximum, np.minimum], ids=["maximum", "minimum"])
def test_binary_extrema_split_ties_evenly(where, fn):
    x, y = np.array([1.5, 2.0, -1.0]), np.array([1.5, -3.0, 0.5])
    gx, gy = gradient(lambda a, b: np.sum(fn(a, b)), [x, y], where, argnums=(0, 1))
    first = (1.0, 0.0) if fn is np.maximum else (0.0, 1.0)
    assert_array_equal(gx, [0.5, first[0], first[1]])
    assert_array_equal(gy, [0.5, first[1], first[0]])


@pytest.mark.parametrize("where", WHERE)
def test_max_and_min_reductions_split_ties_among_tied_entries(where):
    assert_array_equal(gradient(lambda x: np.max(x), [np.array([1.0, 3.0, 3.0])], where),
                       [0, 0.5, 0.5])
    assert_array_equal(gradient(lambda x: np.min(x), [np.array([2.0, 1.0, 1.0, 1.0])], where),
                       [0, 1 / 3, 1 / 3, 1 / 3])
    X = np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]])
    w = np.array([1.0, 3.0])  # distinct weights per row show which row gets what
    assert_array_equal(gradient(lambda X: np.sum(w * np.max(X, axis=1)), [X], where),
                       [[0, 0.5, 0.5], [1, 1, 1]])  # 3 * fl(1/3) == 1 exactly
    Y = np.array([[1.0, 2.0, 3.0], [1.0, 5.0, 3.0]])  # columns 0 and 2 tie
    assert_array_equal(gradient(lambda Y: np.sum(np.min(Y, axis=0, keepdims=True)), [Y], where),
                       [[0.5, 1, 0.5], [0.5, 0, 0.5]])


@pytest.mark.parametrize("where", WHERE)
def test_sqrt_derivative_at_zero_is_inf(where):
    g = gradient(lambda x: np.sum(np.sqrt(x)), [np.array([0.0, 4.0])], where)
    assert_array_equal(g, [np.inf, 0.25])


@pytest.mark.parametrize("where", WHERE)
def test_norm_derivative_at_zero_is_zero(where):
    assert_array_equal(gradient(lambda x: np.linalg.norm(x), [np.zeros(3)], where), np.zeros(3))
    # away from 0 it is x / |x|: (3, 4) / 5
    assert_array_equal(gradient(lambda x: np.linalg.norm(x), [np.array([3.0, 4.0])], where),
                       [0.6, 0.8])
    # a row of zeros in an axis norm gets 0, the other row its unit vector
    X = np.array([[0.0, 0.0], [3.0, 4.0]])
    assert_array_equal(gradient(lambda X: np.sum(np.linalg.norm(X, axis=1)), [X], where),
                       [[0, 0], [0.6, 0.8]])


@pytest.mark.parametrize("where", WHERE)
@pytest.mark.parametrize("x, want", [
    ([2.0, 4.0, 5.0], [20.0, 10.0, 8.0]),        # no zero: the product of the others
    ([2.0, 0.0, 3.0], [0.0, 6.0, 0.0]),          # one zero: only its partial survives
    ([0.0, 2.0, 0.0], [0.0, 0.0, 0.0]),          # two zeros: every partial is 0
], ids=["no-zero", "one-zero", "two-zeros"])
def test_prod_is_differentiated_exactly_at_zeros(where, x, want):
    assert_array_equal(gradient(lambda x: np.prod(x), [np.array(x)], where), want)


@pytest.mark.parametrize("where", WHERE)
def test_prod_along_an_axis_with_zeros(where):
    X = np.array([[2.0, 0.0, 3.0], [0.0, 5.0, 0.0], [1.0, 2.0, 4.0]])
    want = [[0.0, 6.0, 0.0], [0.0, 0.0, 0.0], [8.0, 4.0, 2.0]]
    assert_array_equal(gradient(lambda X: np.sum(np.prod(X, axis=1)), [X], where), want)


@pytest.mark.parametrize("where", WHERE)
def test_unselected_where_branch_contributes_exactly_zero_never_nan(where):
    """The "double where" problem: 0 * sqrt'(0) = 0 * inf and 0 * log'(-1) must be 0."""
    def safe_sqrt(x):
        return np.sum(np.where(x > 0, np.sqrt(x), 0.0))

    def safe_log(x):
        return np.sum(np.where(x > 0, np.log(x), x))

    assert_array_equal(gradient(safe_sqrt, [np.array([0.0, 4.0])], where), [0.0, 0.25])
    assert_array_equal(gradient(safe_log, [np.array([-1.0, 2.0])], where), [1.0, 0.5])
    assert_array_equal(gradient(safe_sqrt, [0.0], where), 0.0)
    assert_array_equal(gradient(safe_log, [-1.0], where), 1.0)


@pytest.mark.parametrize("where", WHERE)
def test_clip_passes_the_derivative_on_the_closed_interval(where):
    x = np.array([-2.0, -1.0, 0.0, 1.0, 1.5])
    assert_array_equal(gradient(lambda x: np.sum(np.clip(x, -1.0, 1.0)), [x], where),
                       [0, 1, 1, 1, 0])
    # the bounds get the derivative where they are the value (strictly outside)
    gx, glo, ghi = gradient(lambda x, lo, hi: np.sum(np.clip(x, lo, hi)), [x, -1.0, 1.0],
                            where, argnums=(0, 1, 2))
    assert_array_equal(gx, [0, 1, 1, 1, 0])
    assert (float(glo), float(ghi)) == (1.0, 1.0)


@pytest.mark.parametrize("where", WHERE)
def test_sign_has_zero_derivative_everywhere(where):
    g = gradient(lambda x: np.sum(np.sign(x) * x), [np.array([-2.0, 0.0, 3.0])], where)
    assert_array_equal(g, [-1.0, 0.0, 1.0])  # only the x factor: sign' = 0


@pytest.mark.parametrize("where", WHERE)
def test_pow_at_zero_base(where):
    """d/db a**b at a = 0 is 0 (the limit), not log(0) * 0 = nan; d/da a**2 at 0 is 0."""
    ga, gb = gradient(lambda a, b: a ** b, [0.0, 2.0], where, argnums=(0, 1))
    assert (float(ga), float(gb)) == (0.0, 0.0)
    ga, gb = gradient(lambda a, b: a ** b, [3.0, 0.0], where, argnums=(0, 1))
    assert (float(ga), float(gb)) == (0.0, np.log(3.0))
