"""Building arrays from traced values: stacks, atleast_*d, append, *_like, copies and the
ndarray methods real code calls, with NumPy's values and derivatives in every method; and
the conversions NumPy does not let diffkit intercept, with errors naming the fix."""
import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

import diffkit
from diffkit import TraceError
from diffkit.testing import check_grads

rng = np.random.default_rng(11)
V = rng.normal(size=4)
M = rng.normal(size=(2, 4))

BUILDS = {
    "vstack": lambda x: np.vstack([x, x ** 2, np.ones(4)]),
    "vstack matrices": lambda x: np.vstack((x.reshape(2, 2), np.sin(x).reshape(2, 2))),
    "hstack": lambda x: np.hstack([x[:2], 3.0 * x, np.zeros(1)]),
    "hstack matrices": lambda x: np.hstack([x.reshape(2, 2), x.reshape(2, 2).T]),
    "hstack scalars": lambda x: np.hstack([x[0], x[3], 1.0]),
    "column_stack": lambda x: np.column_stack([x, np.exp(x), np.arange(4.0)]),
    "column_stack matrix": lambda x: np.column_stack([x.reshape(2, 2), x[:2]]),
    "dstack": lambda x: np.dstack([x, x * x]),
    "dstack matrices": lambda x: np.dstack([x.reshape(2, 2), x.reshape(2, 2)]),
    "append flat": lambda x: np.append(x.reshape(2, 2), x[:3] ** 2),
    "append axis": lambda x: np.append(x.reshape(2, 2), np.ones((1, 2)) * x[0], axis=0),
    "append number": lambda x: np.append(x, 2.0),
    "atleast_1d": lambda x: np.atleast_1d(np.sum(x)) * x,
    "atleast_2d": lambda x: np.atleast_2d(x) @ np.atleast_2d(x).T,
    "atleast_3d vector": lambda x: np.atleast_3d(x) * 2.0,
    "atleast_3d matrix": lambda x: np.atleast_3d(x.reshape(2, 2)) + 1.0,
    "atleast_3d scalar": lambda x: np.atleast_3d(x[1]) * x,
    "atleast_2d several": lambda x: np.concatenate(np.atleast_2d(x[0], x), axis=1),
    "zeros_like": lambda x: np.zeros_like(x) + x,
    "ones_like": lambda x: np.ones_like(x) * x,
    "full_like": lambda x: np.full_like(x, 2.5) * x,
    "full_like traced fill": lambda x: np.full_like(x, x[0]) * x,
    "empty_like is zeros": lambda x: np.empty_like(x) * 0.0 + x,
    "zeros_like shape": lambda x: np.zeros_like(x, shape=(2, 4)) + x,
    "copy": lambda x: np.copy(x) * x.copy(),
    "astype float": lambda x: x.astype(float) * x.astype(np.float64, copy=False),
    "sum mean": lambda x: x.sum() * x.mean(),
    "std var": lambda x: x.std() + x.var(),
    "max min": lambda x: x.max() - x.min(),
    "dot": lambda x: x.dot(x) * x,
    "T": lambda x: x.reshape(2, 2).T * x[:2],
    "ravel flatten": lambda x: x.reshape(2, 2).ravel() + x.reshape(2, 2).flatten(),
    "reshape": lambda x: x.reshape(2, 2) @ x.reshape((2, 2)),
    "clip": lambda x: x.clip(-0.5, 0.5) * x,
    "array of a list": lambda x: np.array([x[0] * x[1], 1.0, x[3]]),
    "array of nested lists": lambda x: np.array([[x[0], x[1] ** 2], [2.0, x[2] * x[3]]]) @ x[:2],
    "asarray of a tuple of rows": lambda x: np.asarray((x[:2], x[2:] * 3.0)).T,
    "asarray of a traced array": lambda x: np.asarray(x) * np.asanyarray(x, dtype=float),
    "array ndmin": lambda x: np.array([x[0], x[1]], ndmin=3) * x[2],
}


@pytest.mark.parametrize("fn", BUILDS.values(), ids=BUILDS.keys())
def test_values_are_numpys_bits(fn):
    want = fn(V)
    got = diffkit.trace(fn, V)(V)
    assert np.shape(got) == np.shape(want)
    assert np.asarray(got).dtype == np.asarray(want).dtype
    assert_array_equal(got, want)


SMOOTH = ["array of a list", "array of nested lists", "asarray of a tuple of rows",
          "asarray of a traced array", "vstack", "hstack", "hstack scalars", "column_stack", "dstack matrices",
          "append flat", "append axis", "atleast_2d", "atleast_3d scalar",
          "full_like traced fill", "copy", "sum mean", "std var", "dot", "T", "reshape"]


@pytest.mark.parametrize("name", SMOOTH)
def test_derivatives_in_every_method_match_central_differences(name):
    fn = BUILDS[name]
    check_grads(fn, V, modes=("symbolic", "forward", "reverse"))
    rev = diffkit.jacobian(fn, method="reverse")(V)
    fd = diffkit.jacobian(fn, method="fd", scheme="richardson")(V)
    assert_allclose(fd, rev, rtol=0, atol=1e-8 * max(1.0, np.max(np.abs(rev))))


def test_stacking_has_the_identity_jacobian_by_hand():
    # np.hstack([x, 2 x]) stacks I and 2 I
    want = np.vstack([np.eye(4), 2.0 * np.eye(4)])
    for method in ("fd", "symbolic", "forward", "reverse"):
        got = diffkit.jacobian(lambda x: np.hstack([x, 2.0 * x]), method=method)(V)
        assert_allclose(got, want, rtol=1e-9, atol=1e-9)


def test_like_functions_give_writable_traced_buffers():
    seen = {}

    def fn(x):
        for name, z in (("zeros", np.zeros_like(x)), ("empty", np.empty_like(x)),
                        ("full", np.full_like(x, x[0]))):
            seen[name] = type(z).__name__
            z[1] = x[2]
        z[0] = 7.0
        return z

    want = np.full_like(V, V[0])
    want[1], want[0] = V[2], 7.0
    assert_array_equal(diffkit.trace(fn, V)(V), want)
    assert set(seen.values()) == {"Tracer"}


def test_likes_of_a_mask_are_masks_as_in_numpy():
    def fn(x):
        m = x > 0
        return np.stack([np.zeros_like(m), np.ones_like(m), np.full_like(m, 2.5),
                         np.full_like(m, x[0]), np.zeros_like(m, dtype=float) + 1.0])

    want, got = fn(V), diffkit.trace(fn, V)(V)
    assert got.dtype == want.dtype
    assert_array_equal(got, want)


def test_likes_of_other_dtypes_are_plain_constants():
    def fn(x):
        idx = np.zeros_like(x, dtype=int)
        assert isinstance(idx, np.ndarray) and idx.dtype == int
        return x[idx]

    assert_array_equal(diffkit.trace(fn, V)(V), np.full(4, V[0]))


def test_copies_are_new_arrays_that_writes_do_not_reach():
    def fn(x):
        y = x * 1.0
        copies = [y.copy(), np.copy(y), y.astype(float), +y]
        y[:] = 0.0
        return np.stack(copies)

    assert_array_equal(diffkit.trace(fn, V)(V), np.stack([V] * 4))


def test_the_constructors_are_numpys_own_outside_a_trace():
    numpy_fns = (np.array, np.asarray, np.asanyarray)
    seen = []
    diffkit.trace(lambda x: seen.append((np.array, np.asarray, np.asanyarray)) or x, V)
    assert all(a is not b for a, b in zip(seen[0], numpy_fns))  # replaced while tracing
    assert (np.array, np.asarray, np.asanyarray) == numpy_fns   # restored after


def test_a_ragged_list_of_traced_values_is_a_shape_error():
    with pytest.raises(diffkit.ShapeError, match="one shape"):
        diffkit.trace(lambda x: np.array([x, x[:2]]), V)


def test_constructors_refuse_a_dtype_other_than_float():
    with pytest.raises(diffkit.UnsupportedError, match="dtype=float"):
        diffkit.trace(lambda x: np.array([x[0], x[1]], dtype=np.int64), V)


@pytest.mark.parametrize("fn", [
    lambda x: np.float64(x[0]),
    lambda x: np.r_[x, 1.0],
    lambda x: np.c_[x, x],
])
def test_conversions_numpy_does_not_dispatch_name_the_fix(fn):
    with pytest.raises(TraceError) as info:
        diffkit.trace(fn, V)
    text = str(info.value)
    assert "\n" not in text
    for words in ("intercept", "np.stack", "np.array([[a, b], [c, d]]) is np.stack",
                  "np.zeros_like(x)"):
        assert words in text
