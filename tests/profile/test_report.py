"""The report folder and the report/profile subcommands."""
import argparse
import os
import re

import pytest

from diffkit.errors import OptionError
from diffkit.profile import experiments, report as report_module
from diffkit.profile.cli import add_subcommands
from diffkit.profile.output import MARKER, read_marker, replacing_folder

QUICK = ["jacobian-order", "fd-error"]


def parser():
    p = argparse.ArgumentParser(prog="diffkit")
    add_subcommands(p.add_subparsers(dest="command", required=True))
    return p


def main(argv):
    args = parser().parse_args(argv)
    return args.run(args)


def earlier_report(folder, name, text):
    """A report folder as an earlier run left it: one file, and the marker."""
    with replacing_folder(str(folder)) as tmp:
        with open(os.path.join(tmp, name), "w") as fh:
            fh.write(text)


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    folder = tmp_path_factory.mktemp("out") / "report"
    earlier_report(folder, "stale.txt", "from an older run")
    report = report_module.write_report(str(folder), QUICK, preset="quick", measure="ops",
                                        progress=False)
    return folder, report


def test_report_folder_contents(written):
    folder, report = written
    names = set(os.listdir(folder))
    assert {"index.md", "index.html", "jacobian-order.json", "fd-error.json",
            "fd-error-curve.png", "jacobian-order-flops-1.png",
            "fd-error-error_curve.csv"} <= names
    assert "stale.txt" not in names  # the old folder was replaced whole
    assert os.listdir(folder.parent) == ["report"]  # no temporary or old folder left
    assert read_marker(str(folder)) == "complete"
    agree, checked = report.agreement()
    assert checked > 0 and agree == checked


def test_index_files_link_every_plot_and_embed_them_in_html(written):
    folder, _ = written
    md = (folder / "index.md").read_text()
    pngs = sorted(n for n in os.listdir(folder) if n.endswith(".png"))
    assert sorted(re.findall(r"!\[[^]]*\]\(([^)]+)\)", md)) == pngs
    assert "| case | method | quantity | predicted | measured | agrees | note |" in md
    html = (folder / "index.html").read_text()
    sources = re.findall(r"<img[^>]*src='([^']+)'", html)
    assert len(sources) == len(pngs) and all(s.startswith("data:image/png;base64,")
                                             for s in sources)


def test_a_failing_run_leaves_the_existing_report_untouched(tmp_path, monkeypatch):
    folder = tmp_path / "report"
    earlier_report(folder, "index.md", "previous report")
    before = sorted(os.listdir(folder))

    def broken(*args, **kwargs):
        raise RuntimeError("interrupted")

    monkeypatch.setattr(report_module, "run", broken)
    with pytest.raises(RuntimeError):
        report_module.write_report(str(folder), ["fd-error"], preset="quick")
    assert sorted(os.listdir(folder)) == before == [MARKER, "index.md"]
    assert read_marker(str(folder)) == "complete"
    assert (folder / "index.md").read_text() == "previous report"
    assert os.listdir(tmp_path) == ["report"]  # no temporary folder left behind


def test_profile_subcommand_prints_the_table(capsys):
    assert main(["profile", "fd-error", "--preset", "quick", "--quiet"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"\| central \| truncation slope \| 2 \| 2\.\d\d ± \d\.\d\d \| yes", out)


def test_report_subcommand_writes_the_folder(tmp_path, capsys):
    out = tmp_path / "r"
    assert main(["report", "-o", str(out), "--experiments", "jacobian-order",
                 "--preset", "quick", "--measure", "ops", "--quiet"]) == 0
    assert (out / "index.html").exists()
    assert "predictions agree" in capsys.readouterr().out


def test_bad_experiment_names_are_usage_errors(capsys):
    with pytest.raises(SystemExit) as err:
        parser().parse_args(["report", "--experiments", "gradient-cost,nope"])
    assert err.value.code == 2 and "nope" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        parser().parse_args(["profile", "nope"])


@pytest.mark.parametrize("kwargs, match", [
    ({"experiments": ["gradient-cost", "nope"]}, r"unknown experiment\(s\) 'nope'; choose from "
                                                 r"gradient-cost, mlp-cost"),
    ({"preset": "huge"}, "preset='huge': choose one of quick, default, large"),
    ({"measure": "flops"}, "measure='flops': choose one of ops, time, both"),
])
def test_bad_choices_are_option_errors_before_the_folder_is_touched(tmp_path, kwargs, match):
    folder = tmp_path / "report"
    with pytest.raises(OptionError, match=match):
        report_module.write_report(str(folder), **{"experiments": QUICK, **kwargs})
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("kwargs", [{"preset": "huge"}, {"measure": "flops"}, {"name": "nope"}])
def test_running_an_experiment_refuses_bad_choices(kwargs):
    with pytest.raises(OptionError, match="nope|huge|flops"):
        experiments.run(**{"name": "fd-error", "preset": "quick", **kwargs})
