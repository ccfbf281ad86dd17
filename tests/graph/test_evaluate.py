"""Evaluating graphs with NumPy, validating hand-built graphs, and 100,000-node chains."""
import warnings

import networkx as nx
import numpy as np
import pytest
from numpy.testing import assert_array_equal

import diffkit
from diffkit import GraphError, passes
from diffkit.graph.evaluate import evaluate_all


def test_call_and_evaluate_agree_with_the_function(rng):
    def f(x, A):
        return np.tanh(A @ x) / (1.0 + np.sum(x ** 2))

    g = diffkit.trace(f, np.zeros(3), np.zeros((2, 3)))
    for _ in range(5):
        x, A = rng.normal(size=3), rng.normal(size=(2, 3))
        assert_array_equal(g(x, A), f(x, A))
        assert_array_equal(diffkit.evaluate(g, x, A), f(x, A))


def test_scalar_output_is_a_numpy_scalar_and_arrays_stay_arrays():
    out = diffkit.trace(lambda x: np.sum(x), np.ones(3))(np.arange(3.0))
    assert isinstance(out, np.float64) and out == 3.0
    arr = diffkit.trace(lambda x: 2 * x, np.ones(3))(np.arange(3.0))
    assert isinstance(arr, np.ndarray) and arr.shape == (3,)


def test_inputs_are_converted_to_floats_and_not_modified():
    g = diffkit.trace(lambda x: x / 2, np.ones(3))
    x = np.array([1, 2, 3])
    out = g(x)
    assert out.dtype == np.float64
    assert_array_equal(out, [0.5, 1.0, 1.5])
    assert_array_equal(g([1, 2, 3]), out)
    assert_array_equal(x, [1, 2, 3])


def test_evaluate_all_gives_every_node(rng):
    g = diffkit.trace(lambda x, y: np.exp(x * y) + y, 1.0, 2.0)
    x, y = rng.normal(size=2)
    values = evaluate_all(g, (x, y))
    assert set(values) == set(g.nx.nodes)
    by_op = {g.node(n)["op"]: values[n] for n in g.nx}
    assert by_op["mul"] == x * y and by_op["exp"] == np.exp(x * y)


def test_invalid_values_give_nan_or_inf_without_warnings():
    g = diffkit.trace(lambda x: np.log(x) + 1.0 / x, np.ones(3))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = g(np.array([-1.0, 0.0, 1.0]))
    assert np.isnan(out[0]) and np.isnan(out[1]) and out[2] == 1.0


def test_multiple_outputs_evaluate_together(rng):
    g = diffkit.trace(lambda x: (np.sin(x), np.cos(x), x), np.zeros(2))
    x = rng.normal(size=2)
    s, c, same = g(x)
    assert_array_equal(s, np.sin(x))
    assert_array_equal(c, np.cos(x))
    assert_array_equal(same, x)


def test_boolean_outputs_keep_their_dtype():
    out = diffkit.trace(lambda x: x > 0, np.zeros(3))(np.array([-1.0, 0.0, 2.0]))
    assert out.dtype == bool
    assert_array_equal(out, [False, False, True])


# -- validate -------------------------------------------------------------------

def node(op, args=(), shape=(), dtype="float64", **extra):
    return dict(op=op, args=tuple(args), params=extra.pop("params", {}), shape=shape,
                dtype=dtype, **extra)


def build(nodes, inputs=(0,), outputs=None):
    g = nx.DiGraph()
    for n, attrs in nodes.items():
        g.add_node(n, **attrs)
    for n, attrs in nodes.items():
        for m in attrs["args"]:
            g.add_edge(m, n)
    return diffkit.Graph(g, inputs, outputs if outputs is not None else [max(nodes)])


def test_a_hand_built_graph_validates_and_evaluates():
    g = build({0: node("input", name="x"), 1: node("const", value=np.array(2.0)),
               2: node("mul", (0, 1)), 3: node("sin", (2,))})
    assert g(0.25) == np.sin(0.5)
    assert g.listing() == "z1 = x * 2.0\nout = sin(z1)"


def test_validate_rejects_a_cycle():
    g = nx.DiGraph()
    g.add_node(0, **node("input", name="x"))
    g.add_node(1, **node("add", (0, 2)))
    g.add_node(2, **node("sin", (1,)))
    g.add_edges_from([(0, 1), (2, 1), (1, 2)])
    with pytest.raises(GraphError, match="cycle"):
        diffkit.Graph(g, [0], [2])


@pytest.mark.parametrize("bad, words", [
    ({1: node("add", (0,))}, ("add takes 2 operands, got 1",)),
    ({1: node("sin", (0, 0))}, ("sin takes 1 operands, got 2",)),
    ({1: node("sin", (0,), shape=(3,))}, ("gives ()", "(3,)")),
    ({1: node("sum", (0,), params={"axis": (), "keepdims": False}, shape=(2,))},
     ("gives ()",)),
    ({1: node("gt", (0, 0), dtype="float64")}, ("bool",)),
    ({1: node("const", value=np.zeros(2), shape=(3,))}, ("constant value",)),
    ({1: node("const", (0,), value=np.zeros(()))}, ("no operands",)),
])
def test_validate_rejects_wrong_arity_shape_and_dtype(bad, words):
    nodes = {0: node("input", name="x")}
    nodes.update(bad)
    with pytest.raises(GraphError) as info:
        build(nodes)
    for word in words:
        assert word in str(info.value)


def test_validate_rejects_edges_that_do_not_match_operands():
    g = nx.DiGraph()
    g.add_node(0, **node("input", name="x"))
    g.add_node(1, **node("input", name="y"))
    g.add_node(2, **node("sin", (0,)))
    g.add_edges_from([(0, 2), (1, 2)])
    with pytest.raises(GraphError, match="do not match"):
        diffkit.Graph(g, [0, 1], [2])


def test_validate_rejects_bad_inputs_and_outputs():
    nodes = {0: node("input", name="x"), 1: node("sin", (0,))}
    with pytest.raises(GraphError, match="not an input"):
        build(nodes, inputs=(1,))
    with pytest.raises(GraphError, match="not a node"):
        build(nodes, outputs=[7])


def test_validate_rejects_an_unknown_op():
    with pytest.raises(diffkit.DiffkitError, match="no_such_op"):
        build({0: node("input", name="x"), 1: node("no_such_op", (0,))})


def test_validate_catches_a_graph_corrupted_after_building():
    g = diffkit.trace(lambda x: np.sin(x) * x, 1.0)
    g.nx.add_edge(g.outputs[0], g.inputs[0])
    with pytest.raises(GraphError, match="cycle"):
        g.validate()


# -- long chains: every algorithm is iterative --------------------------------------

def sin_chain(x, n):
    for _ in range(n):
        x = np.sin(x)
    return x


def test_a_chain_of_100000_nodes_builds_validates_evaluates_and_lists():
    n = 100_000
    g = diffkit.trace(lambda x: sin_chain(x, n), 0.5)
    assert g.num_nodes == n + 1 and g.depth == n
    g.validate()
    assert g(0.7) == sin_chain(np.float64(0.7), n)
    listing = g.listing()
    lines = listing.splitlines()
    assert len(lines) == n
    assert lines[0] == "z1 = sin(x)" and lines[-1] == f"out = sin(z{n - 1})"
    assert g.to_dot().count("->") == n
    assert g.flops() == n
    # the listing is a 100,000-line program: parse it back
    h = diffkit.parse(listing)
    assert h.num_nodes == n + 1
    assert h(0.7) == g(0.7)


def test_passes_on_a_long_chain():
    n = 20_000
    g = diffkit.trace(lambda x: sin_chain(x, n) + sin_chain(x, n), 0.5)
    assert g.num_nodes == 2 * n + 2
    merged = passes.cse(g)
    assert merged.num_nodes == n + 2
    assert merged(0.3) == g(0.3)
    assert passes.prune(g).num_nodes == g.num_nodes
    assert passes.fold_constants(g).num_nodes == g.num_nodes
