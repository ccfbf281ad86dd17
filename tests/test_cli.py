"""The diffkit command: the lecture graph by default, one-line errors with status 2."""
import os
import subprocess
import sys

import matplotlib
import pytest

from diffkit import cli
from diffkit.profile import cli as profile_cli

matplotlib.use("Agg")

PNG = b"\x89PNG\r\n\x1a\n"
LECTURE_LISTING = ["z1 = x * y", "z2 = x ** 2", "z3 = exp(z1)", "z4 = 2 * z2", "z5 = z3 + z4",
                   "out = sin(z5)"]


def test_default_prints_the_lecture_listing_and_writes_a_png(tmp_path, capsys):
    out = tmp_path / "lecture.png"
    assert cli.main(["graph", "-o", str(out)]) == 0
    stdout, stderr = capsys.readouterr()
    lines = stdout.splitlines()
    assert lines[:6] == LECTURE_LISTING
    assert "|V| = 10  |E| = 10  depth = 4  inputs = x, y" in lines
    assert lines[-1] == f"wrote {out}"
    assert out.read_bytes()[:8] == PNG
    assert stderr == ""


def test_default_output_file_is_written_in_the_working_directory(tmp_path, monkeypatch,
                                                                 capsys):
    monkeypatch.chdir(tmp_path)
    assert cli.main(["graph"]) == 0
    assert (tmp_path / "diffkit-graph.png").read_bytes()[:8] == PNG


def test_a_picture_name_without_a_suffix_reports_the_file_written(tmp_path, monkeypatch,
                                                                 capsys):
    monkeypatch.chdir(tmp_path)
    assert cli.main(["graph", "-o", "lecture"]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "wrote lecture.png"
    assert [p.name for p in tmp_path.iterdir()] == ["lecture.png"]
    assert (tmp_path / "lecture.png").read_bytes()[:8] == PNG


def test_expression_shapes_dot_and_no_picture(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    dot = tmp_path / "g.dot"
    assert cli.main(["graph", "sum(W @ x) + x[0]", "--shapes", "x=3,W=2x3", "-o", "",
                     "--dot", str(dot)]) == 0
    stdout = capsys.readouterr().out
    assert stdout.splitlines()[:4] == ["z1 = W @ x", "z2 = sum(z1)", "z3 = x[0]",
                                       "out = z2 + z3"]
    assert "inputs = W, x" in stdout
    text = dot.read_text()
    assert text.startswith("digraph diffkit {") and text.count("->") == 6
    assert sorted(p.name for p in tmp_path.iterdir()) == ["g.dot"]  # no PNG


@pytest.mark.parametrize("argv, words", [
    (["graph", "x +* y"], ("syntax error", "line 1, column")),
    (["graph", "nosuch(x)"], ("unknown function 'nosuch'",)),
    (["graph", "x + y", "--shapes", "x=3,y=4"], ("do not broadcast",)),
    (["graph", "__import__('os').system('echo pwned')"], ("only plain function names",)),
    (["graph", "z1 = x\nz2 = x.T"], ("Attribute", "line 2")),
    (["graph", "x[0] * y"], ("cannot index 'x'", "with --shapes, e.g. --shapes x=3")),
])
def test_bad_expressions_exit_2_with_one_line_on_stderr(tmp_path, capfd, argv, words):
    out = tmp_path / "never.png"
    assert cli.main(argv + ["-o", str(out)]) == 2
    stdout, stderr = capfd.readouterr()  # file-descriptor level: os.system output too
    assert stdout == "" and "pwned" not in stdout
    lines = stderr.splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("diffkit graph: ")
    assert "Traceback" not in stderr
    for word in words:
        assert word in lines[0]
    assert not out.exists()


def test_unwritable_output_exits_2(tmp_path, capsys):
    assert cli.main(["graph", "-o", str(tmp_path / "missing" / "g.png")]) == 2
    stderr = capsys.readouterr().err
    assert stderr.startswith("diffkit graph: ") and "Traceback" not in stderr


@pytest.mark.parametrize("argv, words", [
    (["graph", "x", "--shapes", "x=three"], ("diffkit graph: ", "bad shape 'x=three'")),
    (["graph", "x", "--shapes", "x=-3"], ("diffkit graph: ", "bad shape 'x=-3'")),
    (["graph", "x", "--shapes", "=3"], ("diffkit graph: ", "bad shape '=3'")),
    (["graph", "x", "--shapes", "x=3,x=4"], ("diffkit graph: ", "x is given twice")),
    (["graph", "x", "--no-such-flag"], ("diffkit graph: ", "unrecognized arguments")),
    (["graph", "x", "--dot"], ("diffkit graph: ", "--dot")),
    (["bogus"], ("diffkit: ", "invalid choice: 'bogus'")),
    (["profile", "backprop", "--sizes=-3,0"], ("diffkit profile: ", "bad sizes '-3,0'")),
    (["profile", "backprop", "--sizes", ","], ("diffkit profile: ", "bad sizes ','")),
    (["profile", "backprop", "--sizes", "8,x"], ("diffkit profile: ", "bad sizes '8,x'")),
    ([], ("diffkit: ", "command")),
])
def test_bad_flags_are_one_line_with_status_2(capsys, argv, words):
    assert cli.main(argv) == 2
    stdout, stderr = capsys.readouterr()
    assert stdout == "" and len(stderr.splitlines()) == 1, stderr
    assert stderr.startswith(words[0]) and all(w in stderr for w in words[1:])
    assert "usage:" not in stderr


@pytest.mark.parametrize("argv, words", [
    (["graph", "sin(x)", "-o", "out.txt"], ("cannot draw a .txt picture; use one of ",
                                            "png", "svg")),
    (["graph", "sin(x)", "-o", "out.TXT", "--dot", "g.dot"], ("cannot draw a .txt",)),
    (["graph", ""], ("empty expression",)),
    (["graph", "sin(x)", "-o", "", "--dot", "missing/g.dot"], ("missing/g.dot",)),
])
def test_refused_outputs_and_empty_input_are_one_line_and_write_nothing(
        tmp_path, monkeypatch, capsys, argv, words):
    monkeypatch.chdir(tmp_path)
    assert cli.main(argv) == 2
    stdout, stderr = capsys.readouterr()
    assert stdout == "" and len(stderr.splitlines()) == 1, stderr
    assert stderr.startswith("diffkit graph: ") and all(w in stderr for w in words)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("command, module, function, argv", [
    ("graph", cli, "cmd_graph", ["graph"]),
    ("report", profile_cli, "cmd_report", ["report", "-o", "r"]),
])
def test_ctrl_c_is_one_line_and_status_130(monkeypatch, capsys, command, module, function,
                                           argv):
    def interrupted(args):
        raise KeyboardInterrupt

    monkeypatch.setattr(module, function, interrupted)
    assert cli.main(argv) == 130
    stdout, stderr = capsys.readouterr()
    assert stdout == "" and stderr == f"diffkit {command}: interrupted\n"


def test_python_dash_m_diffkit_runs_without_a_traceback(tmp_path):
    run = subprocess.run([sys.executable, "-m", "diffkit", "graph", "sin(", "-o", ""],
                         capture_output=True, text=True, cwd=tmp_path, timeout=60)
    assert run.returncode == 2
    assert run.stdout == "" and len(run.stderr.splitlines()) == 1
    assert run.stderr.startswith("diffkit graph: syntax error")
    run = subprocess.run([sys.executable, "-m", "diffkit", "graph", "-o", ""],
                         capture_output=True, text=True, cwd=tmp_path, timeout=60)
    assert run.returncode == 0 and run.stdout.splitlines()[:6] == LECTURE_LISTING
    run = subprocess.run([sys.executable, "-m", "diffkit", "--help"],
                         capture_output=True, text=True, cwd=tmp_path, timeout=60)
    assert run.returncode == 0 and "compare" in run.stdout and run.stderr == ""


def test_a_refused_report_folder_is_one_line_and_keeps_the_files(tmp_path, monkeypatch,
                                                                 capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "notes.txt").write_text("keep me")
    (tmp_path / "project").mkdir()
    (tmp_path / "project" / "main.py").write_text("keep me too")
    for argv in (["report", "-o", ".", "--quiet"],
                 ["profile", "backprop", "-o", "project", "--quiet"]):
        assert cli.main(argv) == 2
        stdout, stderr = capsys.readouterr()
        assert stdout == "" and len(stderr.splitlines()) == 1, stderr
        assert stderr.startswith(f"diffkit {argv[0]}: ")
    assert (tmp_path / "notes.txt").read_text() == "keep me"
    assert (tmp_path / "project" / "main.py").read_text() == "keep me too"


def test_a_bug_is_not_hidden_behind_a_one_line_message(monkeypatch):
    def broken(args):
        raise TypeError("internal")

    monkeypatch.setattr(cli, "cmd_graph", broken)
    with pytest.raises(TypeError, match="internal"):
        cli.main(["graph"])


def test_a_reader_that_has_gone_ends_the_command_quietly_with_status_141(monkeypatch,
                                                                          capsys):
    """``diffkit graph | head -1``: the pipe closes before diffkit has written all."""
    read, write = os.pipe()
    os.close(read)  # the reader has gone: writing raises BrokenPipeError
    with open(write, "w") as stdout:  # a pipe, so block-buffered as in a shell
        monkeypatch.setattr(sys, "stdout", stdout)
        assert cli.main(["graph", "-o", ""]) == 141
        monkeypatch.undo()
        assert os.path.samestat(os.fstat(write), os.stat(os.devnull))  # exit's flush is safe
    assert capsys.readouterr().err == ""
