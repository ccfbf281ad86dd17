"""diffkit compare: the lecture table by default, JSON/CSV, one-line errors with status 2."""
import json
import subprocess
import sys

import pytest

from diffkit import cli


def test_default_is_the_lecture_comparison(capsys):
    assert cli.main(["compare", "--repeats", "1"]) == 0
    out, err = capsys.readouterr()
    lines = out.splitlines()
    assert lines[0] == "sin(exp(x*y) + 2*x**2) at x=1.1, y=0.7"
    assert [ln.split()[0] for ln in lines[3:7]] == ["fd", "symbolic", "forward", "reverse"]
    assert all(" yes " in ln for ln in lines[3:7])
    assert err == ""


def test_json_output_parses(capsys):
    assert cli.main(["compare", "x * exp(y)", "--at", "x=2,y=0", "--json", "--repeats",
                     "1", "--methods", "fd,reverse"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [m["method"] for m in data["methods"]] == ["fd", "reverse"]
    assert data["reference"] == [1.0, 2.0]  # (e^y, x e^y) at (2, 0)
    assert data["point"] == {"x": 2.0, "y": 0.0}


def test_array_points_and_csv(capsys):
    assert cli.main(["compare", "sum(x ** 2)", "--at", "x=[1, 2, 3]", "--csv",
                     "--methods", "reverse,symbolic", "--repeats", "1"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("method,options,gradient")
    assert out[1].startswith("reverse,,2.0;4.0;6.0,")


@pytest.mark.parametrize("argv,message", [
    (["compare", "sin(x"], "syntax error"),
    (["compare", "x * y", "--at", "x=1"], "--at lacks y"),
    (["compare", "x * y", "--at", "x=1,y=abc"], "bad value for y"),
    (["compare", "x * y", "--at", "x=1,y=2,z=3"], "unknown input(s) z"),
    (["compare", "x * y"], "give the point with --at"),
    (["compare", "x * y", "--at", "x"], "bad point entry"),
    (["compare", "foo(x)", "--at", "x=1"], "unknown function 'foo'"),
    (["compare", "x * y", "--at", "x=1,y=2", "--methods", "fd,magic"], "unknown method"),
    (["compare", "abs(x)", "--at", "x=1", "--scheme", "complex"], "'abs' is not"),
    (["compare", "x", "--at", "x=1", "--scheme", "sideways"], "unknown finite-difference"),
])
def test_errors_are_one_line_with_status_2(argv, message, capsys):
    assert cli.main(argv) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert len(err.splitlines()) == 1, err
    assert err.startswith("diffkit compare: ") and message in err


def test_installed_command_runs_without_traceback():
    """Through a fresh interpreter, as a user runs it."""
    ok = subprocess.run([sys.executable, "-m", "diffkit.cli", "compare", "--repeats", "1"],
                        capture_output=True, text=True)
    assert ok.returncode == 0 and "reverse" in ok.stdout
    bad = subprocess.run([sys.executable, "-m", "diffkit.cli", "compare", "x +", "--at",
                          "x=1"], capture_output=True, text=True)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
    assert len(bad.stderr.splitlines()) == 1
