"""Bad input never reaches a kernel and never becomes a number.

Every method rejects the same arguments with the same error, options are
checked against each method's own list, the public kernel entry points check
every array against the program, and a function that is not finite has no
trustworthy derivative (nan, as IEEE arithmetic would give).
"""
import numpy as np
import pytest

import diffkit
from diffkit import kernels
from diffkit.errors import ArgumentError, OptionError, ShapeError
from diffkit.program.lower import lower

METHODS = ("fd", "symbolic", "forward", "reverse")
NOT_REAL = [None, "1.5", b"7", 1 + 2j, np.complex128(1.5), np.datetime64("2020-01-01"),
            object(), np.array(["1.5"])]


def lecture(x, y):
    return np.sin(np.exp(x * y) + 2 * x ** 2)


# -- the public kernel entry points -----------------------------------------------------
@pytest.fixture(scope="module")
def program():
    return lower(diffkit.parse("sum(x * x) + y", shapes={"x": (3,), "y": ()}))


@pytest.mark.parametrize("n", [0, 1, 3, 5, 100])
def test_kernels_values_rejects_a_packed_input_of_the_wrong_length(program, n):
    with pytest.raises(ShapeError, match="1-d vector of 4 values"):
        kernels.values(program, np.ones(n))


def test_kernels_values_and_tangents_check_shapes_and_kinds(program):
    x = np.array([1.0, 2.0, 3.0, 0.5])
    np.testing.assert_array_equal(kernels.values(program, x), [14.5])
    with pytest.raises(ShapeError):
        kernels.values(program, x.reshape(2, 2))
    with pytest.raises(ArgumentError, match="real numbers"):
        kernels.values(program, x + 1j)
    for bad in (np.ones((2, 3)), np.ones(4), np.ones((2, 5))):
        with pytest.raises(ShapeError, match=r"\(K, 4\)"):
            kernels.tangents(program, x, bad)
    out, tout = kernels.tangents(program, x, np.eye(4))
    np.testing.assert_array_equal(out, [14.5])
    np.testing.assert_array_equal(tout[:, 0], [2.0, 4.0, 6.0, 1.0])  # 2x, then dy = 1


# -- options --------------------------------------------------------------------------
@pytest.mark.parametrize("method, options, names", [
    ("forward", {"block": -1}, "block"),
    ("forward", {"block": 0}, "block"),
    ("forward", {"block": 2.5}, "block"),
    ("forward", {"blok": 2}, "did you mean 'block'"),
    ("reverse", {"scheme": "central"}, "no options"),
    ("reverse", {"block": 2}, "no options"),
    ("fd", {"scheme": "richardson", "shrink": 1.0}, "shrink must be a float > 1"),
    ("fd", {"scheme": "richardson", "levels": -3}, "levels must be a positive int"),
    ("fd", {"scheme": "richardson", "levels": 0}, "levels must be a positive int"),
    ("fd", {"scheme": "central", "levels": 3}, "scheme='richardson'"),
    ("fd", {"step": 0.0}, "step must be a positive"),
    ("fd", {"step": np.nan}, "step must be a positive"),
    ("fd", {"outer_step": -1}, "outer_step"),
    ("fd", {"block": 4}, "option of method='forward'"),
    ("symbolic", {"cse": "yes"}, "cse must be True or False"),
    ("symbolic", {"compiler": "llvm"}, "'numpy' or 'numba'"),
    ("symbolic", {"time_budget": 0}, "time_budget"),
    ("symbolic", {"scheme": "central"}, "its options are cse"),
])
def test_unknown_or_invalid_options_name_the_methods_options(method, options, names):
    for request in (diffkit.grad, diffkit.jacobian, diffkit.hvp):
        with pytest.raises(OptionError, match=names):
            request(lecture, method=method, **options)


def test_valid_options_still_work():
    x = np.array([0.3, -1.2, 2.0])
    f = lambda x: np.sum(np.sin(x))  # noqa: E731
    np.testing.assert_allclose(diffkit.grad(f, method="forward", block=2)(x), np.cos(x),
                               rtol=1e-15)
    g = diffkit.grad(f, method="fd", scheme="richardson", levels=5, shrink=1.6)(x)
    np.testing.assert_allclose(g, np.cos(x), rtol=1e-11)
    g = diffkit.grad(f, method="fd", step=np.array([1e-6, 2e-6, 1e-6]))(x)
    np.testing.assert_allclose(g, np.cos(x), rtol=1e-8)


# -- arguments ------------------------------------------------------------------------
@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("bad", NOT_REAL, ids=repr)
def test_every_method_rejects_what_is_not_real_numbers(method, bad):
    df = diffkit.grad(lecture, method=method, argnums=(0, 1))
    df(1.1, 0.7)  # compiled: later calls take the fast path of their method
    with pytest.raises(ArgumentError, match="input 'x' must be real numbers"):
        df(bad, 0.7)
    with pytest.raises(ArgumentError, match="input 'y' must be real numbers"):
        df(1.1, bad)


@pytest.mark.parametrize("method", METHODS)
def test_numpy_and_python_real_scalars_give_the_same_gradient(method):
    df = diffkit.grad(lecture, method=method, argnums=(0, 1))
    expected = df(1.25, 0.5)
    for x, y in [(np.float64(1.25), 0.5), (np.float32(1.25), np.array(0.5)), (1.25, True)]:
        got = df(x, y) if y is not True else df(x, 1.0)
        if y is True:
            np.testing.assert_array_equal(got, df(1.25, 1.0))
        else:
            np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize("method", METHODS)
def test_hvp_rejects_a_complex_direction(method):
    hv = diffkit.hvp(lambda x: np.sum(x ** 3), method=method)
    x = np.array([1.0, 2.0])
    np.testing.assert_allclose(hv(x, np.array([1.0, 0.0])), [6.0, 0.0], atol=1e-5)
    with pytest.raises(ArgumentError, match="direction v must be real"):
        hv(x, np.array([1.0 + 1j, 0.0]))


# -- argnums: one check everywhere -------------------------------------------------------
@pytest.mark.parametrize("argnums", [5, -3, (0, 2), (0, 0), (0, -2), 1.0, True, "x"])
def test_argnums_is_checked_the_same_everywhere(argnums):
    with pytest.raises(OptionError, match="argnums"):
        diffkit.grad(lecture, argnums=argnums)(1.1, 0.7)
    with pytest.raises(OptionError, match="argnums"):
        diffkit.symbolic.derivative("x**2*y", argnums=argnums)


def test_symbolic_derivative_argnums_counts_from_the_end():
    assert "df/dy = x**2" in str(diffkit.symbolic.derivative("x**2*y", argnums=-1))


# -- the non-finite rule ----------------------------------------------------------------
def overflow(x):
    return np.log(np.exp(x))  # exp(800) = inf: the value is inf, no derivative is trusted


@pytest.mark.parametrize("method", ("fd", "forward", "reverse"))
def test_a_derivative_of_a_value_that_is_not_finite_is_nan(method):
    value, g = diffkit.value_and_grad(overflow, method=method)(800.0)
    assert value == np.inf and np.isnan(g)
    assert diffkit.grad(overflow, method=method)(1.0) == pytest.approx(1.0, rel=1e-9)
    g = diffkit.grad(lambda x: np.sum(overflow(x)), method=method)(np.array([800.0, 1.0]))
    assert np.isnan(g).all()
    J = diffkit.jacobian(overflow, method=method)(np.array([800.0, 1.0]))
    assert np.isnan(J[0]).all()                 # the row of the output that overflowed
    np.testing.assert_allclose(J[1], [0.0, 1.0], rtol=1e-9, atol=0)  # the other row is exact


@pytest.mark.parametrize("method", ("forward", "reverse"))
def test_second_order_of_a_value_that_is_not_finite_is_nan(method):
    assert np.isnan(diffkit.hessian(overflow, method=method)(800.0))
    assert np.isnan(diffkit.hvp(overflow, method=method)(800.0, 1.0))
    assert diffkit.hessian(overflow, method=method)(3.0) == pytest.approx(0.0, abs=1e-12)


@pytest.mark.parametrize("method", ("forward", "reverse"))
def test_an_unselected_infinite_branch_still_contributes_exactly_zero(method):
    # f is finite, so the zero-wins product is not overruled by the rule above
    f = lambda x: np.where(x > 0, np.log(x), x)  # noqa: E731
    assert diffkit.grad(f, method=method)(-1.0) == 1.0
    g = lambda x: np.where(x > 0, np.sqrt(x), 0.0)  # noqa: E731
    assert diffkit.grad(g, method=method)(0.0) == 0.0


@pytest.mark.parametrize("method", ["backprop", ["reverse"], None])
def test_an_unknown_method_is_an_option_error_listing_the_methods(method):
    with pytest.raises(diffkit.OptionError, match="unknown method .*choose one of fd, forward"):
        diffkit.grad(lambda x: x * x, method=method)(1.0)
