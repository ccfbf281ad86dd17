"""Tracing plain Python/NumPy code: graph sizes, constants, loops, operators, methods."""
import networkx as nx
import numpy as np
import pytest
from numpy.testing import assert_array_equal

import diffkit


from diffkit.problems import lecture_example as lecture  # noqa: E402


def test_lecture_code_gives_the_lecture_graph():
    g = diffkit.trace(lecture, 1.1, 0.7)
    # x, y, the two constants 2, and six operations (counted by hand)
    assert g.op_counts() == {"mul": 2, "pow": 1, "exp": 1, "add": 1, "sin": 1}
    assert g.num_nodes == 10
    # x->z1, y->z1, x->z2, 2->z2, z1->z3, 2->z4, z2->z4, z3->z5, z4->z5, z5->out
    assert g.num_edges == 10
    assert g.depth == 4
    assert g.input_names == ("x", "y")
    assert g.input_shapes == ((), ())
    assert g.output_shapes == ((),)
    assert isinstance(g.nx, nx.DiGraph)


def test_lecture_graph_evaluates_like_the_python_code(rng):
    g = diffkit.trace(lecture, 1.1, 0.7)
    xs, ys = rng.uniform(-1.5, 1.5, size=(2, 200))
    # the same NumPy loops on arrays: bit for bit
    assert_array_equal([g(x, y) for x, y in zip(xs, ys)], lecture(xs, ys))
    # on Python floats x ** 2 is libm's pow, which may differ in the last bit
    for x, y in zip(xs[:20], ys[:20]):
        assert abs(g(x, y) - lecture(float(x), float(y))) <= 1e-14


def test_whole_array_code_is_one_node_per_array_op():
    g = diffkit.trace(lambda x: np.sum(x * x), np.ones(1000))
    assert g.num_nodes == 3
    assert g.op_counts() == {"mul": 1, "sum": 1}
    x = np.linspace(-1.0, 1.0, 1000)
    assert g(x) == np.sum(x * x)


def test_x_times_x_has_one_predecessor_and_two_operands():
    g = diffkit.trace(lambda x: x * x, 3.0)
    (mul,) = [n for n in g.nx if g.node(n)["op"] == "mul"]
    (x,) = g.inputs
    assert list(g.nx.predecessors(mul)) == [x]
    assert g.node(mul)["args"] == (x, x)
    assert g.num_edges == 1


def rosen(x):
    return np.sum(100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)


@pytest.mark.parametrize("n", [5, 1000])
def test_graph_size_does_not_grow_with_array_length(rng, n):
    g = diffkit.trace(rosen, np.zeros(n))
    # three slices, three powers, two subtractions, one mul, one add, one sum
    assert g.op_counts() == {"getitem": 3, "pow": 3, "sub": 2, "mul": 1, "add": 1, "sum": 1}
    assert g.num_nodes == 17  # 11 operations + 5 scalar constants + the input
    x = rng.uniform(-2, 2, n)
    assert g(x) == rosen(x)


def test_mlp_layer_traces_to_a_few_nodes(rng):
    W, b = rng.normal(size=(4, 3)), rng.normal(size=4)

    def layer(x):
        return np.tanh(W @ x + b)

    g = diffkit.trace(layer, np.zeros(3))
    assert g.op_counts() == {"matmul": 1, "add": 1, "tanh": 1}
    x = rng.normal(size=3)
    assert_array_equal(g(x), layer(x))


def test_captured_arrays_and_floats_become_constants(rng):
    A = rng.normal(size=(3, 3))
    c = 0.25

    def f(x):
        return c * (A @ x)

    g = diffkit.trace(f, np.zeros(3))
    consts = [g.node(n) for n in g.nx if g.node(n)["op"] == "const"]
    assert len(consts) == 2
    by_shape = {a["shape"]: a["value"] for a in consts}
    assert_array_equal(by_shape[(3, 3)], A)
    assert by_shape[()] == 0.25
    x = rng.normal(size=3)
    want = f(x)
    A[:] = 0.0  # the graph holds a copy: later changes to A do not leak in
    assert_array_equal(g(x), want)
    assert not by_shape[(3, 3)].flags.writeable


def test_fixed_trip_count_loops_unroll(rng):
    def f(x):
        for _ in range(7):
            x = np.sin(x) * 0.5 + x
        return x

    g = diffkit.trace(f, 0.3)
    assert g.op_counts() == {"sin": 7, "mul": 7, "add": 7}
    x = rng.uniform(-1, 1)
    assert g(x) == f(np.float64(x))


def test_iterating_over_an_array_unrolls_into_rows(rng):
    def f(X):
        total = 0.0
        for row in X:
            total = total + np.sum(row ** 2)
        return total

    g = diffkit.trace(f, np.zeros((4, 2)))
    assert g.op_counts()["getitem"] == 4
    X = rng.normal(size=(4, 2))
    assert g(X) == f(X)


def test_tracer_looks_like_an_array():
    seen = {}

    def f(x):
        seen.update(shape=x.shape, ndim=x.ndim, size=x.size, dtype=x.dtype, len=len(x),
                    npshape=np.shape(x), npndim=np.ndim(x), npsize=np.size(x))
        return x

    diffkit.trace(f, np.zeros((2, 3)))
    assert seen == dict(shape=(2, 3), ndim=2, size=6, dtype=np.dtype("float64"), len=2,
                        npshape=(2, 3), npndim=2, npsize=6)


METHODS = [
    lambda x: x.sum(axis=0), lambda x: x.mean(), lambda x: x.prod(axis=1, keepdims=True),
    lambda x: x.max(axis=-1), lambda x: x.min(), lambda x: x.T, lambda x: x.transpose(1, 0),
    lambda x: x.reshape(3, 2), lambda x: x.reshape((6,)), lambda x: x.ravel(),
    lambda x: x.flatten(), lambda x: x[None].squeeze(0), lambda x: x.dot(np.ones(3)),
    lambda x: x.clip(-0.5, 0.5), lambda x: np.amax(x, axis=0), lambda x: np.amin(x),
    lambda x: np.ravel(x), lambda x: x + np.zeros_like(x), lambda x: x * np.ones_like(x),
]


@pytest.mark.parametrize("fn", METHODS, ids=range(len(METHODS)))
def test_array_methods_trace_like_numpy(rng, fn):
    g = diffkit.trace(fn, np.zeros((2, 3)))
    x = rng.uniform(-1, 1, (2, 3))
    assert_array_equal(g(x), fn(x))


REFLECTED = [
    lambda x: 2.0 - x, lambda x: 1.0 / x, lambda x: 2.0 ** x, lambda x: 3 * x,
    lambda x: 1 + x, lambda x: np.float64(2.5) * x, lambda x: np.arange(3.0) + x,
    lambda x: np.eye(3) @ x, lambda x: x @ np.eye(3), lambda x: -x, lambda x: +x,
    lambda x: abs(x), lambda x: np.positive(x), lambda x: 0.5 < x,
]


@pytest.mark.parametrize("fn", REFLECTED, ids=range(len(REFLECTED)))
def test_reflected_operators_and_numpy_operands(rng, fn):
    g = diffkit.trace(fn, np.ones(3))
    x = rng.uniform(0.5, 2, 3)
    assert_array_equal(g(x), fn(x))


def test_operand_order_of_reflected_operators_is_kept():
    g = diffkit.trace(lambda x: 2.0 - x, 1.0)
    (sub,) = [n for n in g.nx if g.node(n)["op"] == "sub"]
    first, second = g.node(sub)["args"]
    assert g.node(first)["op"] == "const" and second == g.inputs[0]


def test_several_outputs_return_a_tuple():
    g = diffkit.trace(lambda x, y: (x + y, x * y, np.sin(x)), 2.0, 3.0)
    assert len(g.outputs) == 3
    assert g(2.0, 3.0) == (5.0, 6.0, np.sin(2.0))


def test_returning_an_input_or_a_constant():
    assert diffkit.trace(lambda x: x, 1.0)(4.0) == 4.0
    g = diffkit.trace(lambda x: 3.0, 1.0)
    assert g(4.0) == 3.0 and g.node(g.outputs[0])["op"] == "const"


def test_input_names_come_from_the_signature_or_names():
    assert diffkit.trace(lambda alpha, beta: alpha * beta, 1.0, 2.0).input_names == \
        ("alpha", "beta")
    assert diffkit.trace(lambda *args: args[0] + args[1], 1.0, 2.0).input_names == \
        ("x0", "x1")
    assert diffkit.trace(lambda a, b: a + b, 1.0, 2.0, names=["u", "v"]).input_names == \
        ("u", "v")


def test_integer_and_list_examples_become_float_inputs():
    g = diffkit.trace(lambda x, v: x * v, 2, [1, 2, 3])
    assert g.input_shapes == ((), (3,))
    out = g(3, [1, 2, 4])
    assert out.dtype == np.float64
    assert_array_equal(out, [3.0, 6.0, 12.0])


def test_each_trace_is_independent():
    g1 = diffkit.trace(np.sin, 1.0)
    g2 = diffkit.trace(np.cos, 1.0)
    assert g1.op_counts() == {"sin": 1} and g2.op_counts() == {"cos": 1}
    assert g1(0.5) == np.sin(0.5) and g2(0.5) == np.cos(0.5)


def test_where_and_relu_select_elementwise(rng):
    g = diffkit.trace(lambda x: np.where(x > 0, x, 0.0) + diffkit.relu(x), np.zeros(6))
    assert g.op_counts() == {"gt": 1, "where": 1, "relu": 1, "add": 1}
    x = rng.uniform(-1, 1, 6)
    assert_array_equal(g(x), 2 * np.maximum(x, 0.0))
