"""Argument dtypes in every method: float32 (and float16) arguments are computed in
float64 and the results cast back; integers and booleans count as float64; complex
values are refused with one message."""
import numpy as np
import pytest
from numpy.testing import assert_array_equal

import diffkit
from diffkit import ArgumentError, TraceError

METHODS = ("fd", "symbolic", "forward", "reverse")
X64 = np.array([0.3, -1.2, 2.0])


def f(x, y=2.0):
    return np.sum(np.sin(x) * x) * y


def vector_f(x):
    return np.exp(x[1:]) * x[:-1]


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("dtype", [np.float32, np.float16])
def test_lower_precision_arguments_are_computed_in_float64_and_cast_back(method, dtype):
    x = X64.astype(dtype)
    wide = x.astype(np.float64)  # the same numbers, in float64
    transforms = [diffkit.grad(f, method=method), diffkit.value_and_grad(f, method=method),
                  diffkit.jacobian(vector_f, method=method)]
    for transform in transforms:
        want = transform(wide)
        got = transform(x)
        for w, g in zip(want if isinstance(want, tuple) else (want,),
                        got if isinstance(got, tuple) else (got,)):
            assert np.asarray(g).dtype == dtype
            assert_array_equal(g, np.asarray(w).astype(dtype))


@pytest.mark.parametrize("method", ["symbolic", "forward", "reverse"])
def test_second_derivatives_of_float32_arguments_are_float32(method):
    x = X64.astype(np.float32)
    hess = diffkit.hessian(f, method=method)(x)
    hv = diffkit.hvp(f, method=method)(x, np.ones(3, np.float32))
    assert hess.dtype == hv.dtype == np.float32
    # the Hessian of sum(sin(x) x) * 2 is diagonal: 2 (2 cos x - x sin x), by hand
    wide = x.astype(np.float64)
    assert_array_equal(np.diag(hess), (2 * (2 * np.cos(wide) - wide * np.sin(wide))
                                        ).astype(np.float32))


@pytest.mark.parametrize("method", METHODS)
def test_numpys_promotion_decides_the_result_dtype(method):
    x32 = X64.astype(np.float32)
    df = diffkit.grad(f, method=method, argnums=(0, 1))
    # a Python float is weak (NumPy 2): float32 stays float32
    assert {g.dtype for g in df(x32, 2.0)} == {np.dtype(np.float32)}
    # a float32 scalar is float32 too
    assert np.asarray(df(x32, np.float32(2.0))[1]).dtype == np.float32
    # a float64 array promotes: no cast
    assert {np.asarray(g).dtype for g in df(x32, np.array(2.0))} == {np.dtype(np.float64)}


@pytest.mark.parametrize("method", METHODS)
def test_integer_and_boolean_arguments_count_as_float64(method):
    for x in (np.array([1, -2, 3]), np.array([True, False, True])):
        got = diffkit.grad(f, method=method)(x)
        assert got.dtype == np.float64
        assert_array_equal(got, diffkit.grad(f, method=method)(x.astype(float)))


@pytest.mark.parametrize("method", METHODS)
def test_complex_arguments_are_refused_with_one_message(method):
    for bad in (np.array([1.0 + 1j, 2.0]), 1j, np.complex64(1)):
        with pytest.raises(ArgumentError, match="complex differentiation is out of scope"):
            diffkit.grad(f, method=method)(bad)


def test_complex_constants_inside_a_function_are_refused_with_the_same_words():
    with pytest.raises(TraceError, match="complex differentiation is out of scope"):
        diffkit.grad(lambda x: np.sum(x * 1j))(X64)


# -- integer and boolean arguments that are not differentiated: constants ---------------

def labelled(w, labels, n):
    """Indexes with one integer argument and loops over another."""
    total = 0.0
    for k in range(n):
        total = total + np.sum(w[labels] ** 2) * (k + 1)
    return total


@pytest.mark.parametrize("method", METHODS)
def test_integer_arguments_not_differentiated_are_constants_that_index_and_count(method):
    w = np.array([0.5, -1.0, 2.0, 3.0])
    df = diffkit.value_and_grad(labelled, method=method)
    for labels, n in ((np.array([0, 2, 2]), np.int64(2)), (np.array([1, 3]), np.int64(3))):
        value, grad = df(w, labels, n)
        # by hand: sum over k < n of (k + 1) = n (n + 1) / 2 times sum(w[labels] ** 2)
        scale = n * (n + 1) / 2
        want = np.zeros(4)
        np.add.at(want, labels, 2 * scale * w[labels])
        assert value == pytest.approx(scale * np.sum(w[labels] ** 2), rel=1e-15)
        np.testing.assert_allclose(grad, want, rtol=1e-8 if method == "fd" else 1e-15,
                                   atol=1e-8 if method == "fd" else 0)


@pytest.mark.parametrize("method", METHODS)
def test_boolean_arguments_not_differentiated_are_constant_masks(method):
    x = np.array([0.5, -1.0, 2.0])
    mask = np.array([True, False, True])
    got = diffkit.grad(lambda x, m: np.sum(x[m] ** 3), method=method)(x, mask)
    np.testing.assert_allclose(got, np.where(mask, 3 * x ** 2, 0.0), rtol=1e-8, atol=1e-12)


def test_constants_leave_the_graph_inputs_and_python_ints_stay_inputs():
    w = np.ones(4)
    assert diffkit.grad(labelled).graph(w, np.array([0]), np.int64(1)).input_names == ("w",)
    df = diffkit.grad(lambda x, y: np.sum(x) * y, argnums=(0, 1))
    assert diffkit.grad(lambda x, y: np.sum(x) * y).graph(w, 2).input_names == ("x", "y")
    # an integer argument that is differentiated counts as float64
    assert df(np.array([1, 2]), np.array(3))[1] == 3.0
