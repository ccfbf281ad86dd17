"""One run's measurement and the exponent fits: what the profiler's numbers rest on."""
import numpy as np
import pytest

import diffkit
from diffkit.profile import Comparison, autorange, fit_exponent, measure, peak_bytes
from diffkit.profile.fit import markdown_table


def test_autorange_calls_loops_times_repeats():
    calls = []
    best, median, loops = autorange(lambda: calls.append(1), repeats=4, min_time=0.0)
    assert loops == 1 and len(calls) == 4
    assert 0 <= best <= median


def test_autorange_grows_the_batch_1_2_5_until_min_time():
    calls = []
    _, _, loops = autorange(lambda: calls.append(1), repeats=3, min_time=1e-3)
    tried = [m * 10 ** k for k in range(12) for m in (1, 2, 5)]
    assert loops in tried
    calibration = tried[:tried.index(loops) + 1]
    # the calibrating batches, the last one counting as the first repeat, then 2 more
    assert len(calls) == sum(calibration) + 2 * loops


def test_peak_bytes_sees_numpy_buffers():
    assert peak_bytes(lambda: np.ones(250_000)) >= 2_000_000
    assert peak_bytes(lambda: None) < 100_000


@pytest.mark.parametrize("d", [3, 7])
def test_measure_central_differences_use_2d_evaluations(d):
    f = lambda x: np.sum(np.sin(x) * x)  # noqa: E731
    m = measure(f, np.ones(d), method="fd", timing=False)
    assert m.cost.evaluations == 2 * d
    assert m.best_s is None and m.repeats == 0
    assert all(getattr(m, p) >= 0 for p in ("trace_s", "lower_s", "kernels_s", "first_call_s"))


def test_measure_row_has_the_cost_record_and_the_phases():
    m = measure(lambda x: np.sum(x ** 2), np.arange(4.0), method="reverse", repeats=2,
                min_time=1e-4)
    row = m.as_row()
    for key in ("flops", "function_flops", "sweeps", "evaluations", "stored_bytes", "ops",
                "peak_bytes", "trace_s", "lower_s", "kernels_s", "first_call_s", "best_s",
                "median_s", "nodes", "edges"):
        assert key in row
    assert row["method"] == "reverse" and row["best_s"] <= row["median_s"]
    assert row["stored_bytes"] > 0 and row["nodes"] == 4  # x, 2, x ** 2, sum


@pytest.mark.skipif("symbolic" not in diffkit.backends.methods(), reason="no symbolic backend")
def test_measure_records_symbolic_swell():
    row = measure(lambda x: np.sin(np.sin(x)), 0.5, method="symbolic", timing=False).as_row()
    assert row["swell_derivative_ops"] > 0 and "swell_derivative_ops_cse" in row


def test_fit_recovers_power_laws_and_growth_rates():
    n = np.array([3, 6, 12, 24, 48])
    fit = fit_exponent(n, 5 * n ** 1.5)
    assert fit.exponent == pytest.approx(1.5) and fit.coefficient == pytest.approx(5)
    assert fit.stderr < 1e-12 and (fit.lo, fit.hi, fit.points) == (3, 48, 5)
    growth = fit_exponent(n, 2.0 ** n, growth=True)
    assert growth.exponent == pytest.approx(np.log(2))
    assert fit_exponent([4], [1.0]).points == 1 and np.isnan(fit_exponent([4], [1.0]).exponent)


def test_fit_drops_non_positive_values_and_reports_noise():
    rng = np.random.default_rng(0)
    n = np.geomspace(10, 1000, 12)
    fit = fit_exponent(np.append(n, 5), np.append(n * np.exp(0.1 * rng.standard_normal(12)), 0))
    assert fit.points == 12 and abs(fit.exponent - 1) < 4 * fit.stderr and fit.stderr > 0


def test_comparison_verdicts_by_relation():
    assert Comparison("c", "m", "q", 1, 1.1).agrees
    assert not Comparison("c", "m", "q", 1, 1.5).agrees
    assert Comparison("c", "m", "q", 1, 1.5, stderr=0.2).agrees  # within 2 stderr + tol
    assert Comparison("c", "m", "q", 4, 2.0, relation="≤").agrees
    assert not Comparison("c", "m", "q", 4, 5.0, tol=0, relation="≤").agrees
    assert Comparison("c", "m", "q", 0.69, 0.9, relation="≥").agrees
    assert Comparison("c", "m", "q", None, 3.0).agrees is None


def test_markdown_table_has_one_line_per_comparison():
    rows = [Comparison("a", "fd", "q", 1, 1.0), Comparison("b", "fd", "q", 2, 9.0)]
    lines = markdown_table(rows).splitlines()
    assert len(lines) == 4 and "**no**" in lines[3] and "yes" in lines[2]
