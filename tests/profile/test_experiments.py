"""The lecture experiments on their quick sizes: exact op-count claims and the algorithms."""
import numpy as np
import pytest

import diffkit
from diffkit.profile import experiments, families
from diffkit.profile.experiments.chains import (chain_order, count_orders, forward_flops,
                                                multiply, reverse_flops)
from diffkit.profile.experiments.graphs import all_pairs, backprop, local_partials
from diffkit.profile.experiments.optimization import crossover, evals_to_reach

HAS_SYMBOLIC = "symbolic" in diffkit.backends.methods()


def comparisons(result, method=None, quantity=None):
    return [c for c in result.comparisons if (method is None or c.method == method)
            and (quantity is None or c.quantity == quantity)]


@pytest.fixture(scope="module")
def gradient_cost():
    return experiments.run("gradient-cost", preset="quick", measure="ops")


def test_every_experiment_is_registered_in_the_lectures_order():
    assert list(experiments.EXPERIMENTS) == ["gradient-cost", "mlp-cost", "jacobian-order",
                                             "backprop", "fd-error", "swell", "gd-vs-sgd"]


def test_every_experiment_has_settings_for_each_preset_the_command_offers():
    import argparse
    import importlib

    from diffkit.profile.cli import add_subcommands
    parser = argparse.ArgumentParser()
    add_subcommands(parser.add_subparsers())
    for name in ("quick", "default", "large"):
        assert parser.parse_args(["profile", "swell", "--preset", name]).preset == name
    with pytest.raises(SystemExit):
        parser.parse_args(["profile", "swell", "--preset", "huge"])
    modules = {experiments.EXPERIMENTS[name].__module__ for name in experiments.EXPERIMENTS}
    tables = {f"{m}.{key}": value for m in modules
              for key, value in vars(importlib.import_module(m)).items()
              if key.endswith("SETTINGS")}
    assert len(tables) == len(experiments.EXPERIMENTS)  # one settings table per experiment
    for where, table in tables.items():
        assert sorted(table) == ["default", "large", "quick"], where


def test_gradient_cost_exponents_in_d(gradient_cost):
    vectorized = [c for c in comparisons(gradient_cost, quantity="exponent of sweeps")
                  if "vectorized" in c.case and c.predicted is not None]
    assert {c.method: c.predicted for c in vectorized} == {"fd": 1, "forward": 1, "reverse": 0}
    assert all(c.agrees for c in vectorized)
    exact = [c for c in gradient_cost.comparisons if c.quantity in (
        "function evaluations", "tangent directions", "max cost relative to f")]
    assert len(exact) == 3 and all(c.agrees for c in exact)


def test_gradient_cost_skips_nothing_that_is_registered(gradient_cost):
    methods = {r["method"] for r in gradient_cost.tables["rosenbrock"]}
    assert methods == {"fd", "forward", "reverse"} | ({"symbolic"} if HAS_SYMBOLIC else set())


def test_mlp_exponents_in_depth_and_input_dimension():
    r = experiments.run("mlp-cost", preset="quick", measure="ops")
    in_L = [c for c in r.comparisons if c.case.startswith("input gradient in L")]
    in_d = [c for c in r.comparisons if c.case.startswith("input gradient in d")]
    assert len(in_L) == 4 and all(c.agrees for c in in_L)  # f, fd, forward, reverse: 1
    assert {c.method: c.predicted for c in in_d} == {"fd": 1, "forward": 1, "reverse": 0}
    assert all(c.agrees for c in in_d)


def brute_force(dims):
    """Cheapest bracketing by trying them all (tiny chains only)."""
    def best(i, j):
        if i == j:
            return 0
        return min(best(i, k) + best(k + 1, j) + 2 * dims[j] * dims[k] * dims[i - 1]
                   for k in range(i, j))
    return best(1, len(dims) - 1)


@pytest.mark.parametrize("seed", range(5))
def test_matrix_chain_dp_finds_the_cheapest_order(seed):
    rng = np.random.default_rng(seed)
    dims = [int(v) for v in rng.integers(1, 30, 7)]
    flops, split = chain_order(dims)
    assert flops == brute_force(dims) <= min(forward_flops(dims), reverse_flops(dims))
    mats = [rng.standard_normal((dims[i], dims[i - 1])) for i in range(1, len(dims))]
    assert np.allclose(multiply(mats, split), np.linalg.multi_dot(mats[::-1]))


def test_reverse_accumulation_is_optimal_for_a_scalar_output():
    dims = [50, 7, 40, 3, 60, 1]
    assert chain_order(dims)[0] == reverse_flops(dims) < forward_flops(dims)


def test_number_of_orders_is_catalan():
    catalan = [1, 1, 2, 5, 14, 42, 132, 429]
    assert [count_orders(L) for L in range(1, 9)] == catalan


def test_backprop_and_all_pairs_agree_with_reverse_mode_and_count_as_predicted():
    case = families.random_dag()(60)
    graph = diffkit.trace(case.fn, *case.args)
    local = local_partials(graph, case.args)
    n, out = graph.num_nodes, graph.order.index(graph.outputs[0])
    inputs = [graph.order.index(i) for i in graph.inputs]
    exact = diffkit.grad(case.fn, argnums=case.argnums)(*case.args)
    adjoint, bp_flops = backprop(local, n, out)
    P, naive_flops = all_pairs(local, n)
    assert np.allclose(adjoint[inputs], exact, atol=1e-14)
    assert np.allclose(P[out, inputs], exact, atol=1e-14)
    operand_edges = sum(len(v) for v in local.values())
    assert bp_flops == 2 * operand_edges  # O(V + E)
    assert naive_flops == 2 * n * operand_edges  # O(V E): quadratic when E ~ V


def test_backprop_experiment_exponents():
    r = experiments.run("backprop", preset="quick", measure="ops")
    flops = {c.method: c for c in comparisons(r, quantity="exponent of flops")}
    assert {m: c.predicted for m, c in flops.items()} == {"backprop": 1, "naive": 2,
                                                         "reverse": 1}
    assert all(c.agrees for c in r.comparisons)


def test_fd_error_slopes_and_optima():
    r = experiments.run("fd-error", preset="quick")
    slopes = {c.method: c.measured for c in comparisons(r, quantity="truncation slope")}
    assert slopes == pytest.approx({"forward": 1, "central": 2, "central4": 4, "complex": 2},
                                   abs=0.1)
    assert all(c.agrees for c in r.comparisons)


@pytest.mark.skipif(not HAS_SYMBOLIC, reason="no symbolic backend")
def test_swell_trees_double_while_the_ad_graph_grows_linearly():
    r = experiments.run("swell", preset="quick")
    rows = r.tables["swell"]
    tree = [row["function_ops"] for row in rows]
    ad = [row["ad_nodes"] for row in rows]
    assert {b - 2 * a for a, b in zip(tree[1:], tree[2:])} == {tree[2] - 2 * tree[1]}
    assert len({b - a for a, b in zip(ad[2:], ad[3:])}) == 1  # constant increments
    assert all(row["derivative_ops"] > row["derivative_ops_cse"] for row in rows[2:])


def test_evals_to_reach_and_crossover():
    checks = [(10, 1.0), (20, 0.2), (40, 0.01)]
    assert evals_to_reach(checks, [0.5, 0.01, 1e-3]).tolist() == [20, 40, np.inf]
    eps = [1e-1, 1e-2, 1e-3]
    assert crossover(eps, [100, 100, 100], [10, 100, 1000]) == pytest.approx(1e-2)
    assert np.isnan(crossover(eps, [1, 1, 1], [10, 10, 10]))  # GD always cheaper


def test_gd_vs_sgd_runs_and_reports_crossovers():
    r = experiments.run("gd-vs-sgd", preset="quick")
    assert r.comparisons[0].predicted == -1
    rows = r.tables["gd_vs_sgd"]
    assert {row["n"] for row in rows} == {10, 30, 90}
    # GD pays n per step: its counts are multiples of n
    assert all(row["gd"] % row["n"] == 0 for row in rows if np.isfinite(row["gd"]))
