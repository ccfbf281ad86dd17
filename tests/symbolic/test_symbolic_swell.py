"""Expression swell grows with composition depth; CSE keeps it small; the guard stops runaways."""
import gc
import time

import numpy as np
import pytest

import diffkit
from diffkit.symbolic import SymbolicTooLarge


def nested(depth):
    """x, y -> a coupled recurrence: each step uses both previous values twice."""
    def f(x, y):
        for _ in range(depth):
            x, y = np.sin(x * y) + y, np.cos(x + y) * x
        return x + y
    return f


def swell_of(depth, **options):
    df = diffkit.grad(nested(depth), method="symbolic", argnums=(0, 1), **options)
    df(0.3, 0.4)
    return df._last.swell


@pytest.fixture(scope="module")
def swells():
    return [swell_of(d) for d in (1, 2, 3, 4, 5)]


def test_swell_is_monotone_in_depth(swells):
    for key in ("graph_ops", "function_ops", "derivative_ops", "derivative_ops_cse"):
        counts = [getattr(s, key) for s in swells]
        assert all(a < b for a, b in zip(counts, counts[1:])), (key, counts)


def test_trees_swell_geometrically_while_cse_stays_linear(swells):
    graph = [s.graph_ops for s in swells]
    trees = [s.derivative_ops for s in swells]
    cse = [s.derivative_ops_cse for s in swells]
    # the graph grows by a constant 6 ops per step; the derivative trees at least
    # double per step; the CSE'd code grows by a bounded amount per step
    assert [b - a for a, b in zip(graph, graph[1:])] == [6] * 4
    assert all(b >= 2 * a for a, b in zip(trees, trees[1:]))
    steps = [b - a for a, b in zip(cse, cse[1:])]
    assert max(steps) <= 2 * min(steps)


def test_cse_is_smaller_than_trees(swells):
    for s in swells[1:]:
        assert s.derivative_ops_cse < s.derivative_ops
        assert s.function_ops_cse <= s.function_ops
        assert s.function_ops_cse == s.graph_ops  # CSE recovers exactly the graph
    assert swells[-1].derivative_ops > 10 * swells[-1].derivative_ops_cse


def test_swell_times_are_recorded(swells):
    s = swells[-1]
    for key in ("convert_seconds", "differentiate_seconds", "cse_seconds",
                "compile_seconds"):
        assert 0 < getattr(s, key) < 30
    assert set(s.as_dict()) >= {"function_ops", "derivative_ops", "derivative_ops_cse"}


def test_size_guard_names_size_and_limit():
    W = np.ones((50, 50))
    f = lambda x: np.sum(np.tanh(W @ x))  # noqa: E731  (2 * 2500 + 100 flops)
    with pytest.raises(SymbolicTooLarge, match=r"5100 scalar operations.*limit of 5000"):
        diffkit.grad(f, method="symbolic")(np.ones(50))
    err = pytest.raises(SymbolicTooLarge, diffkit.grad(f, method="symbolic", max_ops=100),
                        np.ones(50)).value
    assert (err.size, err.limit) == (5100, 100)
    assert isinstance(err, diffkit.DiffkitError)


def test_time_budget_interrupts_a_runaway_within_the_budget():
    """Depth 12: minutes of SymPy work; the budget of 0.5 s stops it after ~0.5 s."""
    t = time.perf_counter()
    with pytest.raises(SymbolicTooLarge, match=r"time budget of 0\.5 s") as info:
        diffkit.grad(nested(12), method="symbolic", time_budget=0.5)(0.3, 0.4)
    elapsed = time.perf_counter() - t
    assert elapsed < 3.0  # the budget plus tracing and SymPy's import, not minutes
    assert info.value.limit == 0.5


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_time_budget_holds_when_python_swallows_the_interrupt():
    """An exception raised in a garbage-collector callback is printed and dropped
    by Python: the budget's first signal lands there (the callback sleeps past
    the deadline), and the work after it must still be stopped promptly."""
    from diffkit.symbolic.guard import Budget

    def slow_callback(phase, info):
        if phase == "start":
            time.sleep(0.3)

    budget = Budget(0.05)
    gc.callbacks.append(slow_callback)
    try:
        t = time.perf_counter()
        with pytest.raises(SymbolicTooLarge, match="time budget of 0.05 s while working"):
            with budget.step("working"):
                gc.collect()  # the interrupt raised in the callback is swallowed here
                while time.perf_counter() - t < 10.0:  # a long computation after it
                    pass
        assert time.perf_counter() - t < 2.0
    finally:
        gc.callbacks.remove(slow_callback)


def test_code_size_guard_without_cse():
    with pytest.raises(SymbolicTooLarge, match="without CSE.*cse=True"):
        diffkit.grad(nested(5), method="symbolic", cse=False, max_code_ops=1000)(0.3, 0.4)
