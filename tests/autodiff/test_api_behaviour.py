"""The differentiation API: argnums and result shapes, graphs and strings, retracing, errors."""
import numpy as np
import pytest

import diffkit
from diffkit import DiffkitError, ShapeError

from ad_cases import AD_RTOL, assert_close

METHODS = ["forward", "reverse"]


def f(x, y):
    return np.sum(np.sin(x) * y) + y ** 2


def df_dx(x, y):
    return np.cos(x) * y


def df_dy(x, y):
    return np.sum(np.sin(x)) + 2 * y


X, Y = np.array([0.3, -1.2, 2.0]), 0.7


@pytest.mark.parametrize("method", METHODS)
def test_argnums_int_gives_an_array_and_tuple_gives_a_tuple(method):
    gx = diffkit.grad(f, method=method)(X, Y)
    assert isinstance(gx, np.ndarray) and gx.shape == (3,)
    assert_close(gx, df_dx(X, Y), AD_RTOL)
    gy = diffkit.grad(f, method=method, argnums=1)(X, Y)
    assert np.shape(gy) == ()
    assert_close(gy, df_dy(X, Y), AD_RTOL)
    assert_close(diffkit.grad(f, method=method, argnums=-1)(X, Y), gy, 0.0)
    both = diffkit.grad(f, method=method, argnums=(0, 1))(X, Y)
    assert isinstance(both, tuple) and len(both) == 2
    assert both[0].shape == (3,) and np.shape(both[1]) == ()
    assert_close(both[0], gx, 0.0)
    (only,) = diffkit.grad(f, method=method, argnums=(1,))(X, Y)
    assert np.shape(only) == ()
    reversed_order = diffkit.grad(f, method=method, argnums=(1, 0))(X, Y)
    assert np.shape(reversed_order[0]) == () and reversed_order[1].shape == (3,)


@pytest.mark.parametrize("method", METHODS)
def test_value_and_grad_and_jacobian_shapes(method):
    value, g = diffkit.value_and_grad(f, method=method)(X, Y)
    assert_close(value, f(X, Y), AD_RTOL)
    assert g.shape == (3,)
    value, (gx, gy) = diffkit.value_and_grad(f, method=method, argnums=(0, 1))(X, Y)
    assert gx.shape == (3,) and np.shape(gy) == ()

    def h(x, A):
        return A @ np.sin(x)

    A = np.arange(6.0).reshape(2, 3)
    Jx = diffkit.jacobian(h, method=method)(X, A)
    assert Jx.shape == (2, 3)
    assert_close(Jx, A * np.cos(X), AD_RTOL)
    Jx, JA = diffkit.jacobian(h, method=method, argnums=(0, 1))(X, A)
    assert JA.shape == (2, 2, 3)  # out shape + A's shape
    want = np.zeros((2, 2, 3))
    want[0, 0], want[1, 1] = np.sin(X), np.sin(X)
    assert_close(JA, want, AD_RTOL)


@pytest.mark.parametrize("method", METHODS)
def test_grad_of_a_graph_and_of_an_expression_string(method):
    graph = diffkit.trace(f, X, Y)
    assert_close(diffkit.grad(graph, method=method)(X, Y), df_dx(X, Y), AD_RTOL)
    g = diffkit.grad("sin(x) * y + y ** 2", method=method, argnums=(0, 1))(0.5, 2.0)
    assert_close(g[0], np.cos(0.5) * 2.0, AD_RTOL)
    assert_close(g[1], np.sin(0.5) + 4.0, AD_RTOL)
    # a string is parsed with the shapes of the arguments it is called with
    assert_close(diffkit.grad("sum(x * x)", method=method)(X), 2 * X, AD_RTOL)


@pytest.mark.parametrize("expr, want", [("x @ x", 2 * X),
                                        ("sum(x[1:] * x[:-1])", [X[1], X[0] + X[2], X[1]])])
def test_grad_of_an_expression_string_needing_array_inputs(expr, want):
    assert_close(diffkit.grad(expr)(X), want, AD_RTOL)


@pytest.mark.parametrize("method", METHODS)
def test_a_new_shape_signature_retraces_once_and_only_once(method):
    calls = []

    def counted(x):
        calls.append(np.shape(x))
        return np.sum(x ** 3)

    df = diffkit.grad(counted, method=method)
    a, b = np.arange(3.0), np.arange(4.0)
    assert_close(df(a), 3 * a ** 2, 0.0)
    assert_close(df(a + 1), 3 * (a + 1) ** 2, AD_RTOL)
    assert calls == [(3,)]                    # same shape: no second trace
    assert_close(df(b), 3 * b ** 2, 0.0)
    assert calls == [(3,), (4,)]              # a new shape: one new trace
    df(a), df(b), df(a)
    assert calls == [(3,), (4,)]              # two compiled entries, reused
    assert df.compile(a) is df.compile(a + 5) and df.compile(a) is not df.compile(b)
    # the cost record follows the signature of the last call
    df(b)
    cost_b = df.cost
    df(a)
    assert df.cost is not cost_b and df.cost.function_flops < cost_b.function_flops


@pytest.mark.parametrize("method", METHODS)
def test_python_and_numpy_scalars_share_one_trace(method):
    calls = []

    def counted(x):
        calls.append(1)
        return x ** 3

    df = diffkit.grad(counted, method=method)
    assert [float(df(v)) for v in (2.0, np.float64(3.0), 1, np.array(1.5))] == \
        [12.0, 27.0, 3.0, 6.75]
    assert len(calls) == 1


@pytest.mark.parametrize("method", METHODS)
def test_grad_of_a_non_scalar_output_is_a_clear_error(method):
    with pytest.raises(DiffkitError, match="jacobian"):
        diffkit.grad(lambda x: np.sin(x), method=method)(X)
    with pytest.raises(DiffkitError, match="jacobian"):
        diffkit.value_and_grad(lambda x: x[:2], method=method)(X)
    with pytest.raises(DiffkitError, match="one output"):
        diffkit.jacobian(lambda x: (x, 2 * x), method=method)(X)


def test_unknown_method_is_a_clear_error():
    with pytest.raises(DiffkitError, match="unknown method 'backprop'.*reverse"):
        diffkit.grad(f, method="backprop")
    assert {"forward", "reverse"} <= set(diffkit.backends.methods())


def test_bad_function_and_argnums_are_clear_errors():
    with pytest.raises(TypeError, match="expected a function"):
        diffkit.grad(42)
    with pytest.raises(ValueError, match="argnums=2 is out of range"):
        diffkit.grad(f, argnums=2)(X, Y)


@pytest.mark.parametrize("method", METHODS)
def test_wrong_number_of_arguments_is_a_clear_error(method):
    with pytest.raises(TypeError, match="y"):
        diffkit.grad(f, method=method)(X)     # the function itself says what is missing
    graph = diffkit.trace(f, X, Y)
    with pytest.raises(TypeError, match=r"takes 2 input\(s\) \(x, y\), got 1"):
        diffkit.grad(graph, method=method)(X)
    with pytest.raises(TypeError, match=r"takes 2 input\(s\) \(x, y\), got 3"):
        diffkit.grad(graph, method=method)(X, Y, Y)


@pytest.mark.parametrize("method", METHODS)
def test_wrong_argument_shapes_for_a_graph_are_a_clear_error(method):
    graph = diffkit.trace(f, X, Y)
    with pytest.raises(ShapeError, match=r"'x' has shape \(4,\) but the graph was built for shape \(3,\)"):
        diffkit.grad(graph, method=method)(np.ones(4), Y)
    with pytest.raises(ShapeError, match=r"'y' has shape \(2,\) but the graph was built for shape \(\)"):
        diffkit.grad(graph, method=method)(X, np.ones(2))


@pytest.mark.parametrize("method", METHODS)
def test_scalar_graphs_check_their_arguments_too(method):
    """All-scalar graphs take a fast path; it must not broadcast or guess arguments."""
    graph = diffkit.parse("sin(x) * y")
    df = diffkit.grad(graph, method=method)
    assert_close(df(1.0, 2.0), np.cos(1.0) * 2.0, AD_RTOL)
    with pytest.raises(TypeError, match=r"takes 2 input\(s\) \(x, y\), got 1"):
        df(1.0)
    with pytest.raises(TypeError, match=r"takes 2 input\(s\) \(x, y\), got 3"):
        df(1.0, 2.0, 3.0)
    with pytest.raises(ShapeError, match=r"'x' has shape \(2,\) but the graph was built for shape \(\)"):
        df(np.ones(2), 1.0)
    with pytest.raises(ShapeError, match=r"'y' has shape \(2,\) but the graph was built for shape \(\)"):
        df(1.0, np.ones(2))


@pytest.mark.parametrize("method", METHODS)
def test_hessian_and_hvp_shapes(method):
    H = diffkit.hessian(f, method=method)(X, Y)
    assert H.shape == (3, 3)
    assert_close(H, np.diag(-np.sin(X) * Y), AD_RTOL)
    v = np.array([1.0, 0.0, -2.0])
    assert_close(diffkit.hvp(f, method=method)(X, Y, v), -np.sin(X) * Y * v, AD_RTOL)
    assert_close(diffkit.hessian(f, method=method, argnums=1)(X, Y), 2.0, AD_RTOL)


def test_cost_needs_a_call_first():
    with pytest.raises(RuntimeError, match="call the function once"):
        diffkit.grad(f).cost


@pytest.mark.parametrize("method", ["reverse", "forward", "fd", "symbolic"])
def test_hvp_direction_must_have_the_argument_shape(method):
    """Every backend unpacks v the same way and names a shape mismatch."""
    hv = diffkit.hvp(lambda x: np.sum(x ** 3), method=method)
    x = np.array([1.0, 2.0])
    assert_close(hv(x, np.array([1.0, 0.0])), [6.0, 0.0], 1e-6)  # H = diag(6 x); fd: 1e-6
    with pytest.raises(ShapeError, match=r"direction v has shape"):
        hv(x, np.ones(3))
