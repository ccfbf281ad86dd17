"""Graph passes: pure, value-preserving, and each does its one job."""
import numpy as np
import pytest
from numpy.testing import assert_array_equal

import diffkit
from diffkit import passes

PASSES = [passes.cse, passes.fold_constants, passes.prune, passes.simplify]
PASS_IDS = ["cse", "fold_constants", "prune", "simplify"]


def snapshot(g):
    """Everything a pass could change in place, in comparable form."""
    nodes = {}
    for n, a in g.nx.nodes(data=True):
        a = dict(a)
        if "value" in a:
            a["value"] = (a["value"].shape, a["value"].tobytes())
        nodes[n] = repr(sorted(a.items()))
    return nodes, sorted(g.nx.edges), g.inputs, g.outputs, g.listing()


def busy(x, y):
    """Duplicates, constant-only subexpressions and dead code together."""
    A = np.arange(6.0).reshape(2, 3)
    dead = np.exp(x) * 3.0  # noqa: F841  (no output depends on it)
    c = np.sin(A) * 2.0 + np.cos(np.ones(3))
    s = np.sum(x * y) + np.sum(x * y)
    return np.tanh(c @ x) * s + 2.0 * 2.0 + np.max(np.abs(A), axis=0) @ y


def make_busy():
    return diffkit.trace(busy, np.ones(3), np.ones(3))


@pytest.mark.parametrize("fn", PASSES, ids=PASS_IDS)
def test_passes_are_pure(fn):
    g = make_busy()
    before = snapshot(g)
    h = fn(g)
    assert h is not g and h.nx is not g.nx
    assert snapshot(g) == before


@pytest.mark.parametrize("fn", PASSES, ids=PASS_IDS)
def test_passes_preserve_values_inputs_and_outputs(rng, fn):
    g = make_busy()
    h = fn(g)
    assert h.input_names == g.input_names and h.input_shapes == g.input_shapes
    assert h.output_shapes == g.output_shapes
    for _ in range(5):
        x, y = rng.normal(size=3), rng.normal(size=3)
        assert_array_equal(h(x, y), busy(x, y))
        assert_array_equal(h(x, y), g(x, y))


@pytest.mark.parametrize("fn", PASSES, ids=PASS_IDS)
def test_passes_are_idempotent(fn):
    once = fn(make_busy())
    assert fn(once).listing() == once.listing()


def test_cse_merges_duplicate_subexpressions():
    g = diffkit.trace(lambda x, y: np.sin(x * y) + np.sin(x * y), 1.0, 2.0)
    assert g.op_counts() == {"mul": 2, "sin": 2, "add": 1}
    h = passes.cse(g)
    assert h.op_counts() == {"mul": 1, "sin": 1, "add": 1}
    (add,) = [n for n in h.nx if h.node(n)["op"] == "add"]
    a, b = h.node(add)["args"]
    assert a == b  # sin(x*y) + sin(x*y) is now z + z: one edge, two operands
    assert h.num_nodes == 5 and h.num_edges == 4


def test_cse_merges_equal_constants():
    h = passes.cse(diffkit.trace(lambda x, y: np.sin(np.exp(x * y) + 2 * x ** 2), 1.0, 2.0))
    # the exponent 2 and the factor 2 become one constant node: 10 -> 9 nodes
    assert h.num_nodes == 9
    assert h.listing() == diffkit.trace(
        lambda x, y: np.sin(np.exp(x * y) + 2 * x ** 2), 1.0, 2.0).listing()


@pytest.mark.parametrize("fn", [
    lambda x, y: (x - y) * (y - x),                      # operand order matters
    lambda x, y: np.sum(x, axis=0) + np.sum(x, axis=1),  # parameters matter
    lambda x, y: (x + 1.0) * (x + 2.0),                  # constants differ
    lambda x, y: (x > y) * (x >= y),                     # different ops
])
def test_cse_keeps_different_computations_apart(fn):
    g = diffkit.trace(fn, np.ones((2, 2)), np.ones((2, 2)))
    assert passes.cse(g).op_counts() == g.op_counts()


def test_cse_keeps_distinct_array_constants_of_equal_bytes_and_other_shape():
    g = diffkit.trace(lambda x: x @ np.zeros((2, 3)) @ np.zeros((3, 2)), np.ones(2))
    h = passes.cse(g)
    shapes = sorted(h.node(n)["shape"] for n in h.nx if h.node(n)["op"] == "const")
    assert shapes == [(2, 3), (3, 2)]


def test_fold_constants_removes_constant_only_subgraphs(rng):
    A = rng.normal(size=(3, 3))
    g = diffkit.trace(lambda x: np.tanh(np.sin(A) * 2.0 + 1.0) @ x + np.exp(0.5) * 0, np.ones(3))
    h = passes.fold_constants(g)
    assert h.op_counts() == {"matmul": 1, "add": 1}
    (matrix,) = [h.node(n)["value"] for n in h.nx if h.node(n)["shape"] == (3, 3)]
    assert_array_equal(matrix, np.tanh(np.sin(A) * 2.0 + 1.0))
    assert h.num_nodes == 5  # x, the folded matrix, the folded 0, matmul, add


def test_fold_constants_keeps_comparisons_boolean():
    g = diffkit.parse("where(gt(1, 2), x, 3 * x)")
    h = passes.fold_constants(g)
    assert "gt" not in h.op_counts()
    consts = [h.node(n) for n in h.nx if h.node(n)["op"] == "const"]
    assert any(c["dtype"] == "bool" for c in consts)
    assert h(2.0) == 6.0


def test_prune_removes_dead_nodes_but_keeps_inputs():
    def f(x, unused, y):
        dead = np.exp(x) + np.sin(y)  # noqa: F841
        return x * y

    g = diffkit.trace(f, 1.0, 2.0, 3.0)
    assert g.op_counts() == {"exp": 1, "sin": 1, "add": 1, "mul": 1}
    h = passes.prune(g)
    assert h.op_counts() == {"mul": 1}
    assert h.input_names == ("x", "unused", "y")
    assert h.num_nodes == 4
    assert h(2.0, 99.0, 4.0) == 8.0


def test_prune_keeps_everything_multiple_outputs_need():
    g = diffkit.trace(lambda x: (np.sin(x), np.cos(x) + 0 * np.exp(x)), 1.0)
    assert passes.prune(g).op_counts() == g.op_counts()


def test_simplify_runs_all_three():
    g = make_busy()
    h = passes.simplify(g)
    counts = h.op_counts()
    # the dead exp and the 3.0 product are gone, the two x*y and their sums merged,
    # c and max(abs(A)) folded, 2.0 * 2.0 was folded by Python already
    assert counts == {"mul": 2, "sum": 1, "add": 3, "matmul": 2, "tanh": 1}
    assert h.num_nodes < g.num_nodes
