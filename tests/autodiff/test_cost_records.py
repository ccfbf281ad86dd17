"""Cost records: the lecture's complexity claims, asserted on deterministic counts.

Counts depend only on the program and the method, never on timing, so the
claims are asserted exactly or by exact ratios.  Costs are read from
``Transform.compile(...)`` where running would be slow (forward mode at
d = 10,000) and from the last call elsewhere.
"""
import numpy as np
import pytest

import diffkit

DIMS = [10, 100, 1000, 10000]


def rosenbrock(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


def chain(n):
    """n unrolled steps on a scalar: a graph with O(n) nodes."""
    def f(x):
        for _ in range(n):
            x = np.sin(x) * 1.1 + x
        return x
    return f


def test_reverse_gradient_is_one_evaluation_at_a_small_flat_multiple_of_f():
    ratios = []
    for d in DIMS:
        cost = diffkit.grad(rosenbrock).compile(np.ones(d)).cost
        assert cost.method == "reverse"
        assert cost.evaluations == 1 and cost.tangents == 0
        assert cost.function_flops == diffkit.trace(rosenbrock, np.ones(d)).flops()
        ratios.append(cost.flops / cost.function_flops)
    # the cheap gradient principle: a constant multiple (< 4 for these ops) of f,
    # independent of d
    assert max(ratios) < 4
    assert max(ratios) / min(ratios) < 1.05, ratios


def test_forward_gradient_pushes_d_tangents_and_its_cost_grows_linearly_in_d():
    ratios = []
    for d in DIMS:
        cost = diffkit.grad(rosenbrock, method="forward").compile(np.ones(d)).cost
        assert cost.method == "forward"
        assert cost.tangents == d
        ratios.append(cost.flops / cost.function_flops)
    # flops / f-flops is Theta(d): between d and 2 d, and 10x per 10x in d
    for d, r in zip(DIMS, ratios):
        assert d <= r <= 2 * d, (d, r)
    steps = [b / a for a, b in zip(ratios, ratios[1:])]
    assert all(9 < s < 11 for s in steps), steps


def test_costs_do_not_depend_on_the_point():
    df = diffkit.grad(rosenbrock)
    df(np.zeros(20))
    first = df.cost.as_dict()
    df(np.random.default_rng(0).normal(size=20))
    assert df.cost.as_dict() == first


@pytest.mark.parametrize("m", [1, 3, 7])
def test_reverse_jacobian_takes_one_evaluation_per_output_and_forward_one_tangent_per_input(m):
    A = np.arange(m * 4.0).reshape(m, 4) / 10

    def f(x):
        return np.tanh(A @ x)

    x = np.linspace(-1, 1, 4)
    rev = diffkit.jacobian(f)
    rev(x)
    assert rev.cost.evaluations == m
    fwd = diffkit.jacobian(f, method="forward")
    fwd(x)
    assert fwd.cost.tangents == 4 and fwd.cost.evaluations == 1
    # every op of the adjoint program runs once per output entry
    assert all(v % m == 0 for v in rev.cost.ops.values()), rev.cost.ops
    assert rev.cost.flops % m == 0


def test_reverse_stored_bytes_grow_linearly_with_the_graph():
    """O(V) memory: every node's value is kept for the backward sweep."""
    sizes = [25, 50, 100, 200]
    nodes, stored = [], []
    for n in sizes:
        nodes.append(diffkit.trace(chain(n), 1.0).num_nodes)
        stored.append(diffkit.grad(chain(n)).compile(1.0).cost.stored_bytes)
    # exact arithmetic progressions: a fixed number of bytes per unrolled step
    dn = np.diff(nodes) / np.diff(sizes)
    ds = np.diff(stored) / np.diff(sizes)
    assert len(set(dn)) == 1 and len(set(ds)) == 1, (nodes, stored)
    # and at least one float64 per node of the function's graph
    assert all(s >= 8 * v for s, v in zip(stored, nodes))


def test_reverse_stored_bytes_grow_linearly_with_the_data_of_a_vectorized_graph():
    stored = [diffkit.grad(rosenbrock).compile(np.ones(d)).cost.stored_bytes for d in DIMS]
    per_entry = np.diff(stored) / np.diff(DIMS)
    assert len(set(per_entry)) == 1, stored
    assert 8 <= per_entry[0] <= 8 * 40  # a bounded number of float64 per entry


def test_function_flops_is_the_op_table_count():
    """3 flops per entry for sin(x) * 2 + x (one each), 1 for the final sum's entries."""
    cost = diffkit.grad(lambda x: np.sum(np.sin(x) * 2.0 + x)).compile(np.ones(5)).cost
    assert cost.function_flops == 5 * 3 + 5
