"""Sweeps and the op-count predictions of the lectures, asserted exactly (no wall time)."""
import json

import numpy as np
import pytest

import diffkit
from diffkit.errors import OptionError, OutputError
from diffkit.profile import SweepResult, families, sweep
from diffkit.profile.families import Case, Family

SIZES = [4, 8, 16, 32]


@pytest.fixture(scope="module")
def rosenbrock():
    return sweep(families.rosenbrock(), SIZES, ["fd", "forward", "reverse"], measure="ops")


def by(result, method, key):
    return [r[key] for r in result.rows if r["method"] == method]


def test_central_differences_use_2d_evaluations(rosenbrock):
    assert by(rosenbrock, "fd", "evaluations") == [2 * d for d in SIZES]
    assert by(rosenbrock, "fd", "sweeps") == [2.0 * d for d in SIZES]
    assert rosenbrock.fit()[("fd", "sweeps")].exponent == pytest.approx(1.0)


def test_reverse_over_function_stays_under_4_and_flat(rosenbrock):
    ratios = by(rosenbrock, "reverse", "sweeps")
    assert max(ratios) < 4
    assert abs(rosenbrock.fit()[("reverse", "sweeps")].exponent) < 0.05
    assert by(rosenbrock, "reverse", "evaluations") == [1] * len(SIZES)


def test_forward_mode_grows_linearly(rosenbrock):
    assert by(rosenbrock, "forward", "tangents") == SIZES
    assert abs(rosenbrock.fit()[("forward", "sweeps")].exponent - 1) < 0.1
    # the function itself is O(d): its flops grow by the same factor as d, asymptotically
    f_flops = rosenbrock.series("flops")["f"][1]
    assert f_flops[-1] / f_flops[-2] == pytest.approx(2, rel=0.1)


def test_mlp_input_gradient_costs():
    result = sweep(families.mlp("d", width=8, depth=2), [2, 4, 8], ["fd", "reverse"])
    for row in result.rows:
        if row["method"] == "fd":  # 2d evaluations of f: O(d w^2 L)
            assert row["flops"] == 2 * row["size"] * row["function_flops"]
        else:
            assert row["sweeps"] < 4
    assert abs(result.fit()[("reverse", "sweeps")].exponent) < 0.05


def test_mlp_parameter_gradient_by_fd_costs_one_pair_of_evaluations_per_weight():
    case = families.mlp("w", depth=2, d=3, wrt="params")(5)
    n_params = sum(np.size(case.args[i]) for i in case.argnums)
    assert n_params == 3 * 5 + 5 + 5 * 5 + 5
    row = sweep(families.mlp("w", depth=2, d=3, wrt="params"), [5], ["fd"]).rows[0]
    assert row["evaluations"] == 2 * n_params


def test_unregistered_methods_are_skipped_with_a_note():
    result = sweep(families.rosenbrock(), [4], ["reverse", "no-such-method"])
    assert result.methods() == ["reverse"]
    assert any("no-such-method" in n for n in result.notes)


def test_labelled_methods_and_max_size():
    result = sweep(families.rosenbrock(), [4, 8], ["reverse", ("fd-forward", "fd",
                                                               {"scheme": "forward"})],
                   max_size={"fd-forward": 4})
    assert [(r["size"], r["method"]) for r in result.rows] == [
        (4, "reverse"), (4, "fd-forward"), (8, "reverse")]
    assert by(result, "fd-forward", "evaluations") == [4 + 1]  # forward differences: d + 1


def counting_family(built):
    def build(d):
        built.append(d)
        return Case(lambda x: np.sum(x * x), (np.ones(d),))
    return Family("squares", "d", build)


def test_sweep_resumes_from_its_row_file(tmp_path):
    path, built = tmp_path / "rows.jsonl", []
    first = sweep(counting_family(built), [2, 3], ["reverse"], path=str(path))
    assert built == [2, 3] and len(path.read_text().splitlines()) == 1 + 2  # header, rows
    with open(path, "a") as fh:
        fh.write('{"family": "squares", "size": 9')  # a row cut short by an interruption
    again = sweep(counting_family(built), [2, 3, 4], ["reverse"], path=str(path))
    assert built == [2, 3, 4]  # only the missing size was measured
    assert [r["size"] for r in again.rows] == [2, 3, 4]
    assert again.rows[:2] == first.rows
    # The cut line was dropped, so the new row got a line of its own and is kept.
    lines = path.read_text().splitlines()
    assert [json.loads(line).get("size") for line in lines] == [None, 2, 3, 4]
    third = sweep(counting_family(built), [2, 3, 4], ["reverse"], path=str(path))
    assert built == [2, 3, 4] and third.rows == again.rows


def test_rows_measured_with_other_settings_are_measured_again(tmp_path):
    path, built = tmp_path / "rows.jsonl", []
    timing = {"repeats": 1, "min_time": 1e-4}
    ops = sweep(counting_family(built), [2], ["reverse"], measure="ops", path=str(path))
    assert ops.rows[0]["best_s"] is None and built == [2]
    with pytest.warns(UserWarning, match=r"1 row\(s\) .* other settings .*timing: False -> "
                                         r"True.*measuring them again"):
        both = sweep(counting_family(built), [2], ["reverse"], measure="both", path=str(path),
                     **timing)
    assert built == [2, 2] and both.rows[0]["best_s"] > 0
    assert any("measuring them again" in note for note in both.notes)
    again = sweep(counting_family(built), [2], ["reverse"], measure="both", path=str(path),
                  **timing)
    assert built == [2, 2] and again.rows == both.rows  # same settings: reused
    with pytest.warns(UserWarning, match=r"repeats: 1 -> 2"):
        sweep(counting_family(built), [2], ["reverse"], measure="both", path=str(path),
              repeats=2, min_time=1e-4)
    assert built == [2, 2, 2]  # other repeats: measured again


def test_a_file_diffkit_did_not_write_is_refused_untouched(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("my notes\nhalf a line")
    with pytest.raises(OutputError, match="not a diffkit sweep file"):
        sweep(counting_family([]), [2], ["reverse"], path=str(path))
    assert path.read_text() == "my notes\nhalf a line"


def test_csv_and_json_round_trip(rosenbrock):
    back = SweepResult.from_json(rosenbrock.to_json())
    assert back.rows == json.loads(json.dumps(rosenbrock.rows, default=float))
    lines = rosenbrock.to_csv().splitlines()
    assert len(lines) == 1 + len(rosenbrock.rows) and lines[0].startswith("family,")


def test_plot_has_log_axes_and_slopes_in_the_legend(rosenbrock):
    fig = rosenbrock.plot("sweeps")
    ax = fig.axes[0]
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert len(labels) == 3 and all("slope" in t for t in labels)
    assert ax.get_xlabel() == "input dimension d" and "relative to f" in ax.get_ylabel()


def test_symbolic_too_large_is_a_note_not_a_crash():
    if "symbolic" not in diffkit.backends.methods():
        pytest.skip("no symbolic backend")
    result = sweep(families.rosenbrock(), [4, 64], [("symbolic", "symbolic",
                                                     {"max_ops": 100})])
    assert [r["size"] for r in result.rows] == [4]
    assert any("symbolic at d=64 skipped" in n for n in result.notes)


def test_an_unknown_measure_is_an_option_error_naming_the_measures():
    with pytest.raises(OptionError, match="measure='flops': choose one of ops, time, both"):
        sweep(families.rosenbrock(), [2], ["reverse"], measure="flops")


def test_an_unknown_family_parameter_is_an_option_error():
    with pytest.raises(OptionError, match="got vary='x', wrt='input'"):
        families.mlp("x")
