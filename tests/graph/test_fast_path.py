"""The path from function to program keeps what the builder knows.

The builder creates nodes in topological order with their shapes; graphs
built by diffkit are not re-sorted, re-validated or mirrored in networkx,
and simplify is one walk plus one prune.  These are deterministic costs,
asserted here; the timings are in benchmarks/bench_pipeline.py.
"""
import networkx as nx
import numpy as np
import pytest

import diffkit
from diffkit.graph import passes
from diffkit.program import reference
from diffkit.program.adjoint import adjoint_graph


def loop(x, y):
    s = x[0]
    for i in range(30):
        s = np.sin(s) * y[i % 3] + 0.5 * s + x[1] * 1.0
    return s + np.sum(x * y) * 0.0


ARGS = (np.array([0.3, -0.7, 1.1]), np.array([0.9, 0.2, -0.4]))


def test_no_networkx_graph_is_built_on_the_way_to_a_gradient(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("a networkx graph was built")

    monkeypatch.setattr(nx, "DiGraph", refuse)
    g = diffkit.trace(loop, *ARGS)
    adj = adjoint_graph(passes.simplify(g))
    assert adj.num_nodes > g.num_nodes / 2 and adj.depth > 30  # used, not just built
    monkeypatch.undo()
    want = reference.grad(g, *ARGS)
    np.testing.assert_allclose(adj(*ARGS)[1], want[0], rtol=1e-14)


def test_simplify_is_one_walk_and_one_prune(monkeypatch):
    walks = []
    real = passes.rewrite
    monkeypatch.setattr(passes, "rewrite", lambda g, rules, merge=False:
                        walks.append((len(rules), merge)) or real(g, rules, merge))
    g = passes.simplify(diffkit.trace(loop, *ARGS))
    assert walks == [(2, True)]  # folding and identities, then merging, in one walk
    assert passes.simplify(g) is g and walks == [(2, True)]  # simplified once for all
    adjoint_graph(g)
    assert walks == [(2, True)]  # the adjoint simplifies while it builds


def test_the_networkx_view_matches_the_node_table():
    g = passes.simplify(diffkit.trace(loop, *ARGS))
    view = g.nx
    assert view is g.nx  # built once
    assert set(view.nodes) == set(g.order)
    assert set(view.edges) == {(m, n) for n in g.order for m in g.node(n)["args"]}
    assert g.order == list(nx.lexicographical_topological_sort(view))
    assert g.num_edges == view.number_of_edges()
    assert g.depth == nx.dag_longest_path_length(view)
    for n in g.order:
        assert view.nodes[n] == g.node(n)
    users = g.users()
    for n in g.order:
        assert sorted(users[n]) == sorted(view.successors(n))
    out = g.outputs[0]
    assert g.ancestors([out]) == nx.ancestors(view, out) | {out}


def test_simplify_agrees_with_the_passes_run_one_by_one():
    """The combined walk is at least as strong as the separate passes and keeps values."""
    g = diffkit.trace(loop, *ARGS)
    one = passes.simplify(g)
    separate = passes.prune(passes.cse(passes.algebraic(passes.fold_constants(g))))
    assert one.num_nodes <= separate.num_nodes
    assert one.op_counts() == separate.op_counts()
    np.testing.assert_array_equal(one(*ARGS), g(*ARGS))


def test_a_folded_constant_is_merged_with_an_equal_constant():
    g = diffkit.trace(lambda x: x * (2.0 + 1.0) + x * 3.0, 1.5)
    h = passes.simplify(g)
    assert h.op_counts() == {"mul": 1, "add": 1}  # 2 + 1 folds to the 3 already there: one x * 3
    assert float(h(1.5)) == 9.0


@pytest.mark.parametrize("n", [1, 3])
def test_adjoint_extends_the_function_graph_without_copying_it(n):
    g = passes.simplify(diffkit.trace(lambda x: np.sum(np.sin(x) ** 2), np.ones(n)))
    adj = adjoint_graph(g)
    # the function's own nodes come first, with their attribute dicts shared
    shared = [m for m in adj.order if any(adj.node(m) is g.node(k) for k in g.order)]
    assert len(shared) == g.num_nodes


def test_integer_indices_take_numpys_shape_and_bounds():
    """x[i] and A[i, j] skip building an index array; shapes and errors stay NumPy's."""
    x = np.arange(24.0).reshape(2, 3, 4)
    for index in [(1,), (-2,), (1, 2), (-1, -3, 3), (0, 0, 0), (2,), (0, 3), (1, 2, -5)]:
        try:
            want = x[index]
        except IndexError:
            with pytest.raises(diffkit.errors.ShapeError, match="does not fit shape"):
                diffkit.trace(lambda a: a[index], x)
            continue
        g = diffkit.trace(lambda a: a[index], x)
        assert g.output_shapes[0] == want.shape
        np.testing.assert_array_equal(g(x), want)


def _busy(x, y):
    """Duplicates, constant-only subexpressions, identities and dead code together."""
    A = np.arange(6.0).reshape(2, 3)
    dead = np.exp(x) * 3.0  # noqa: F841  (no output depends on it)
    c = np.sin(A) * 2.0 + np.cos(np.ones(3))
    s = np.sum(x * y) + np.sum(x * y) * 1.0 + 0.0
    return np.tanh(c @ x) * s + 2.0 * 2.0 + np.max(np.abs(A), axis=0) @ y, np.where(True, x, y)


@pytest.mark.parametrize("fn, args", [(loop, ARGS), (_busy, ARGS),
                                      (lambda x: x * 1.0, (2.0,)),
                                      (lambda x: (x, np.sin(x) + np.sin(x)), (np.ones(2),))])
def test_simplifying_while_tracing_gives_the_simplified_graph(fn, args):
    raw = diffkit.trace(fn, *args)
    assert not raw.simplified
    want = passes.simplify(raw)
    got = diffkit.trace(fn, *args, simplify=True)
    assert got.simplified
    assert got.listing() == want.listing()
    assert (got.input_names, got.input_shapes, got.output_shapes) == \
        (want.input_names, want.input_shapes, want.output_shapes)
    assert got.op_counts() == want.op_counts() and got.num_nodes == want.num_nodes
    for a, b in zip(got(*args) if len(got.outputs) > 1 else [got(*args)],
                    raw(*args) if len(raw.outputs) > 1 else [raw(*args)]):
        np.testing.assert_array_equal(a, b)
