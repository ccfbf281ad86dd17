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
    (["compare", "x * y", "--at", "x=1,y=True"], "bad value for y: 'True'"),
    (["compare", "x * y", "--at", "x=1,y=[1, 'a']"], "bad value for y"),
    (["compare", "x * y", "--at", "x=1,y=1j"], "bad value for y"),
    (["compare", "sum(x)", "--at", "x=[[1, 2], [3]]"], "bad value for x"),
    (["compare", "x * y", "--at", "x=1,y=2,z=3"], "unknown input(s) z"),
    (["compare", "x * y"], "give the point with --at"),
    (["compare", "x * y", "--at", "x"], "bad point entry"),
    (["compare", "foo(x)", "--at", "x=1"], "unknown function 'foo'"),
    (["compare", "x * y", "--at", "x=1,y=2", "--methods", "fd,magic"], "unknown method"),
    (["compare", "abs(x)", "--at", "x=1", "--scheme", "complex"], "'abs' is not"),
    (["compare", "x", "--at", "x=1", "--scheme", "sideways"],
     "--scheme sideways is not a finite-difference scheme; use one of forward, backward"),
    (["compare", ""], "the expression is empty"),
    (["compare", "   ", "--at", "x=1"], "the expression is empty"),
    (["compare", "x", "--at", "x=1", "--repeats", "0"], "argument --repeats: '0' is not"),
    (["compare", "x", "--at", "x=1", "--repeats", "many"], "argument --repeats"),
    (["compare", "x", "--at", "x=1", "--methods", ","], "--methods is empty"),
    (["compare", "x", "--at", "x=1", "--methods", "fd,reverse,fd"],
     "methods fd,reverse,fd name fd more than once"),
    (["compare", "x", "--at", "x=1,x=2"], "--at gives x twice"),
    (["compare", "sum(x)", "--at", "x=[1,2]", "--shapes", "x=-2"], "bad shape 'x=-2'"),
    (["compare", "x", "--at", "x=1", "--bogus"], "unrecognized arguments: --bogus"),
    (["compare", "sum(x)", "--at", "x=[1,2]", "--shapes", "x=3"],
     "--shapes gives x shape 3 but --at gives it shape 2"),
    (["compare", "sum(x)", "--at", "x=[1,2]", "--shapes", "y=2"],
     "--shapes names unknown input(s) y"),
    (["compare", "x[0]", "--at", "x=1"], "index 0 does not fit shape ()"),
    (["compare", "x * y", "--at", "x=1,y=2", "--methods", "reverse,reverse2"],
     "unknown method"),
])
def test_errors_are_one_line_with_status_2(argv, message, capsys):
    assert cli.main(argv) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert len(err.splitlines()) == 1, err
    assert err.startswith("diffkit compare: ") and message in err
    assert "Traceback" not in err


def test_the_readme_expression_takes_its_shapes_from_at(capsys):
    argv = ["compare", "sum(x[1:] - x[:-1] ** 2)", "--at", "x=[1,2,3]", "--json",
            "--repeats", "1"]
    assert cli.main(argv) == 0
    data = json.loads(capsys.readouterr().out)
    # d/dx_i of sum_i (x_{i+1} - x_i**2): -2 x_0, 1 - 2 x_1, 1 (by hand)
    assert data["reference"] == [-2.0, -3.0, 1.0]
    assert all(m["agrees"] for m in data["methods"])
    assert cli.main(argv + ["--shapes", "x=3"]) == 0  # --shapes that agree are accepted
    assert json.loads(capsys.readouterr().out)["reference"] == [-2.0, -3.0, 1.0]


@pytest.mark.parametrize("expression, at", [("sign(x)", "x=0"), ("sqrt(x) + x", "x=0")])
def test_jumps_and_infinite_slopes_print_the_table_and_no_warnings(expression, at, capfd):
    assert cli.main(["compare", expression, "--at", at, "--repeats", "1"]) == 0
    out, err = capfd.readouterr()
    assert err == ""  # no RuntimeWarning
    assert " NO " in out


@pytest.mark.parametrize("argv, message", [
    (["compare", "x / 0", "--at", "x=1"], "x / 0 is inf at x=1.0; compare needs a point"),
    (["compare", "log(x)", "--at", "x=0"], "log(x) is -inf at x=0.0"),
    (["compare", "1 + 2"], "1 + 2 has no inputs"),
    (["compare", "1 + 2", "--at", ""], "1 + 2 has no inputs"),
    (["compare", "x * 2", "--at", "x=[1,2]"],
     "x * 2 must give one number at the point, got output shape(s) (2,)"),
])
def test_points_and_functions_compare_cannot_use_are_one_line(argv, message, capfd):
    assert cli.main(argv) == 2
    out, err = capfd.readouterr()  # file-descriptor level: a RuntimeWarning would show
    assert out == "" and len(err.splitlines()) == 1, err
    assert err.startswith(f"diffkit compare: {message}")


def test_ctrl_c_during_compare_is_one_line_and_status_130(monkeypatch, capsys):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("diffkit.comparison.compare", interrupted)
    assert cli.main(["compare", "x", "--at", "x=1"]) == 130
    assert capsys.readouterr() == ("", "diffkit compare: interrupted\n")


def test_installed_command_runs_without_traceback():
    """Through a fresh interpreter, as a user runs it."""
    ok = subprocess.run([sys.executable, "-m", "diffkit", "compare", "--repeats", "1"],
                        capture_output=True, text=True)
    assert ok.returncode == 0 and "reverse" in ok.stdout
    bad = subprocess.run([sys.executable, "-m", "diffkit", "compare", "x +", "--at",
                          "x=1"], capture_output=True, text=True)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
    assert len(bad.stderr.splitlines()) == 1
