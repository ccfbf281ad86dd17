"""cumprod and the linear recurrence behind its derivatives, against hand-written references.

The op table (tests/ops/test_table.py) checks values and first derivatives on
every backend at random points; here: entries that are zero (where a
derivative written as out / x would divide by zero), second derivatives,
the recurrence in both directions, and the kernels' values bit for bit.
"""
import itertools

import numpy as np
import pytest
from numpy.testing import assert_array_equal

import diffkit
from diffkit import ops
from diffkit.kernels.run import values
from diffkit.program.lower import lower

METHODS = ("fd", "symbolic", "forward", "reverse")
X = np.array([1.5, -0.7, 0.0, 1.2, 2.0])  # a zero: every prefix product from it on is 0
W = np.array([0.3, -1.1, 0.6, 2.0, -0.4])


def f(x):
    return np.sum(W * np.cumprod(x))


def _product(x, skip, upto):
    return np.prod([x[i] for i in range(upto + 1) if i not in skip])


def hand_gradient(x):
    """df/dx_j = sum_{k >= j} w_k prod_{i <= k, i != j} x_i."""
    n = len(x)
    return np.array([sum(W[k] * _product(x, {j}, k) for k in range(j, n)) for j in range(n)])


def hand_hessian(x):
    """d2f/dx_j dx_l = sum_{k >= max(j, l)} w_k prod_{i <= k, i not in {j, l}} x_i (j != l)."""
    n = len(x)
    H = np.zeros((n, n))
    for j, l in itertools.permutations(range(n), 2):
        H[j, l] = sum(W[k] * _product(x, {j, l}, k) for k in range(max(j, l), n))
    return H


@pytest.mark.parametrize("method", METHODS)
def test_cumprod_gradient_is_exact_where_entries_are_zero(method):
    want = hand_gradient(X)
    # out / x would be 0 / 0 at the zero entry, whose derivative is not 0
    assert want[2] != 0 and np.count_nonzero(want) == 3
    got = diffkit.grad(f, method=method)(X)
    # fd: central differences are exact up to round-off on this polynomial (step ~6e-6)
    tol = 1e-8 if method == "fd" else 1e-14
    np.testing.assert_allclose(got, want, rtol=0, atol=tol * np.max(np.abs(want)))


@pytest.mark.parametrize("method", ["forward", "reverse"])
def test_cumprod_second_derivatives_through_the_recurrence(method):
    want = hand_hessian(X)
    got = diffkit.hessian(f, method=method)(X)
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-14 * np.max(np.abs(want)))


def test_cumprod_kernel_gives_numpys_bits_with_zeros_infinities_and_nan(rng):
    x = rng.uniform(-2, 2, (3, 4, 5))
    x[0, 1, 2], x[1, 2, 0], x[2, 0, 3], x[2, 3, 1] = -0.0, np.inf, np.nan, 0.0
    for axis in (0, 1, 2):
        program = lower(diffkit.trace(lambda x: np.cumprod(x, axis=axis), x))
        got = values(program, x.ravel()).reshape(x.shape)
        assert_array_equal(got, np.cumprod(x, axis=axis))
        assert_array_equal(np.signbit(got), np.signbit(np.cumprod(x, axis=axis)))


def _recurrence(x, c, reverse):
    """y_k = x_k + c_k y_{k-1}; reverse: y_k = x_k + c_{k+1} y_{k+1}, written out."""
    y = np.array(x, dtype=float)
    n = len(x)
    for k in (range(n - 2, -1, -1) if reverse else range(1, n)):
        y[k] = x[k] + (c[k + 1] * y[k + 1] if reverse else c[k] * y[k - 1])
    return y


@pytest.mark.parametrize("reverse", [False, True])
def test_linrec_in_both_directions_on_arrays_and_in_the_kernels(rng, reverse):
    x, c = rng.normal(size=(2, 6)), rng.normal(size=(2, 6))
    want = np.stack([_recurrence(x[i], c[i], reverse) for i in range(2)])
    assert_array_equal(ops.call("linrec", x, c, axis=1, reverse=reverse), want)
    g = diffkit.trace(lambda x, c: ops.call("linrec", x, c, axis=1, reverse=reverse), x, c)
    got = values(lower(g), np.concatenate([x.ravel(), c.ravel()])).reshape(x.shape)
    np.testing.assert_allclose(got, want, rtol=1e-15)
    # along the first axis: the transposed problem
    along0 = ops.call("linrec", x.T, c.T, axis=0, reverse=reverse)
    assert_array_equal(along0, want.T)


def test_linrec_reverse_is_the_transpose_of_forward(rng):
    """<L x, g> = <x, L^T g>: the vjp rule's claim, checked on explicit matrices."""
    c = rng.normal(size=5)
    eye = np.eye(5)
    L = np.stack([ops.call("linrec", e, c, axis=0) for e in eye], axis=1)
    LT = np.stack([ops.call("linrec", e, c, axis=0, reverse=True) for e in eye], axis=1)
    np.testing.assert_allclose(LT, L.T, rtol=1e-15)


def test_np_cumprod_arguments():
    x = np.array([[1.0, 2.0], [3.0, 4.0]])
    assert_array_equal(diffkit.trace(lambda x: np.cumprod(x, dtype=float), x)(x),
                       np.cumprod(x))
    with pytest.raises(diffkit.UnsupportedError, match="np.cumprod: dtype=int64"):
        diffkit.trace(lambda x: np.cumprod(x, dtype=np.int64), x)
    with pytest.raises(diffkit.UnsupportedError, match="np.cumprod: argument"):
        diffkit.trace(lambda x: np.cumprod(x, out=np.empty(4)), x)
    with pytest.raises(diffkit.ShapeError, match="0-d"):
        diffkit.trace(lambda x: ops.call("cumprod", x, axis=0), 1.0)


def test_cumsum_kernel_copies_the_first_entry_as_numpy_does():
    # add.accumulate starts from the first entry, so a leading -0.0 stays -0.0 (0.0 + -0.0
    # would be +0.0)
    from diffkit.kernels import values
    from diffkit.program.lower import lower
    x = np.array([-0.0, -0.0, 1.0])
    got = values(lower(diffkit.trace(lambda x: np.cumsum(x), x)), x)
    np.testing.assert_array_equal(np.signbit(got), np.signbit(np.cumsum(x)))
