"""Report folders: diffkit replaces only folders it wrote, and recovers killed runs."""
import os
import stat
import subprocess
import sys

import pytest

from diffkit import cli
from diffkit.errors import OutputError
from diffkit.profile.output import MARKER, SIGNATURE, read_marker, replacing_folder


def snapshot(folder):
    """Every entry under ``folder`` (itself included): its permission bits and file content."""
    found = {}
    for root, dirs, files in os.walk(folder):
        for name in ["."] + dirs + files if root == str(folder) else dirs + files:
            path = os.path.normpath(os.path.join(root, name))
            content = open(path, "rb").read() if os.path.isfile(path) else None
            found[os.path.relpath(path, folder)] = (stat.S_IMODE(os.stat(path).st_mode), content)
    return found


def write(folder, text="new"):
    """One run of a report writer into ``folder``."""
    with replacing_folder(str(folder)) as tmp:
        with open(os.path.join(tmp, "index.md"), "w") as fh:
            fh.write(text)


def mark(folder, state, **files):
    """A folder as diffkit leaves it in ``state``, holding ``files`` (name=text)."""
    os.mkdir(folder)
    for name, text in files.items():
        (folder / f"{name}.md").write_text(text)
    (folder / MARKER).write_text(f"{SIGNATURE}\n{state}\n")


@pytest.fixture
def project(tmp_path):
    """A user's project folder with unusual permissions, beside nothing else."""
    folder = tmp_path / "project"
    (folder / "src").mkdir(parents=True)
    (folder / "src" / "main.py").write_text("print('mine')")
    (folder / "notes.txt").write_text("keep me")
    folder.chmod(0o751)
    return folder


@pytest.fixture(scope="module")
def dead_pid():
    """The id of a process that has ended (and was reaped)."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def refused(folder, match):
    with pytest.raises(OutputError, match=match) as err:
        write(folder)
    assert "\n" not in str(err.value)


@pytest.mark.parametrize("where", [".", ".."])
def test_the_current_folder_and_its_parents_are_refused_untouched(project, monkeypatch, where):
    top = project.parent
    before = snapshot(top)
    monkeypatch.chdir(project)
    refused(where, "current folder, a parent of it")
    refused(str(project), "current folder")  # the same folder, however it is spelled
    assert snapshot(top) == before


def test_home_is_refused_even_when_empty(tmp_path, monkeypatch):
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    refused(str(home), "home folder")
    assert os.listdir(home) == [] and os.listdir(tmp_path) == ["home"]


def test_a_non_empty_folder_diffkit_did_not_write_is_refused_untouched(project):
    before = snapshot(project.parent)
    refused(project, "not empty and diffkit did not write it")
    assert snapshot(project.parent) == before


@pytest.mark.parametrize("marker", ["", "hello\n", f"{SIGNATURE}\n", f"{SIGNATURE}\ndone\n",
                                    f"x{SIGNATURE}\ncomplete\n",
                                    f"{SIGNATURE}\ncomplete\nand more\n"])
def test_a_marker_of_other_content_does_not_count(project, marker):
    (project / MARKER).write_text(marker)
    before = snapshot(project.parent)
    assert read_marker(str(project)) is None
    refused(project, "diffkit did not write it")
    assert snapshot(project.parent) == before


def test_a_missing_folder_is_created_with_its_parents(tmp_path):
    out = tmp_path / "a" / "b" / "report"
    write(out)
    assert sorted(os.listdir(out)) == [MARKER, "index.md"]
    assert read_marker(str(out)) == "complete"
    assert os.listdir(out.parent) == ["report"]


def test_an_empty_folder_is_filled_and_keeps_its_permissions(tmp_path):
    out = tmp_path / "report"
    out.mkdir()
    out.chmod(0o751)
    write(out)
    assert (out / "index.md").read_text() == "new" and read_marker(str(out)) == "complete"
    assert stat.S_IMODE(out.stat().st_mode) == 0o751
    assert os.listdir(tmp_path) == ["report"]


def test_an_earlier_report_is_replaced_whole_and_keeps_its_permissions(tmp_path):
    out = tmp_path / "report"
    write(out, "old")
    (out / "stale.png").write_text("from the earlier run")
    out.chmod(0o705)
    write(out, "new")
    assert sorted(os.listdir(out)) == [MARKER, "index.md"]  # stale.png is gone
    assert (out / "index.md").read_text() == "new"
    assert stat.S_IMODE(out.stat().st_mode) == 0o705
    assert os.listdir(tmp_path) == ["report"]


def test_a_failing_run_leaves_the_earlier_report_and_no_leftover(tmp_path):
    out = tmp_path / "report"
    write(out, "old")
    with pytest.raises(KeyboardInterrupt):
        with replacing_folder(str(out)) as tmp:
            (open(os.path.join(tmp, "index.md"), "w")).close()
            raise KeyboardInterrupt
    assert (out / "index.md").read_text() == "old" and read_marker(str(out)) == "complete"
    assert os.listdir(tmp_path) == ["report"]


def test_a_run_killed_between_the_two_renames_is_recovered(tmp_path, dead_pid):
    # The old report was renamed aside, the new complete one not yet moved in.
    out = tmp_path / "report"
    mark(tmp_path / f".report.diffkit-old-{dead_pid}-0", "complete", index="old")
    mark(tmp_path / f".report.diffkit-tmp-{dead_pid}-0", "writing", index="half")
    with pytest.raises(RuntimeError):  # a run that fails still restores the old report first
        with replacing_folder(str(out)):
            raise RuntimeError("interrupted")
    assert os.listdir(tmp_path) == ["report"]
    assert (out / "index.md").read_text() == "old" and read_marker(str(out)) == "complete"
    write(out, "new")
    assert (out / "index.md").read_text() == "new" and os.listdir(tmp_path) == ["report"]


KILLED = """
import os, signal, sys
from diffkit.profile.output import replacing_folder
out, when = sys.argv[1:]
rename, renames = os.rename, []
def killing_rename(src, dst):
    renames.append(dst)
    if when == "between the renames" and len(renames) == 2:
        os.kill(os.getpid(), signal.SIGKILL)
    rename(src, dst)
os.rename = killing_rename
with replacing_folder(out) as tmp:
    with open(os.path.join(tmp, "index.md"), "w") as fh:
        fh.write("unfinished")
    if when == "while writing":
        os.kill(os.getpid(), signal.SIGKILL)
"""


@pytest.mark.skipif(os.name != "posix", reason="SIGKILL")
@pytest.mark.parametrize("when", ["while writing", "between the renames"])
def test_the_run_after_a_killed_one_finds_a_complete_report(tmp_path, when):
    out = tmp_path / "report"
    write(out, "old")
    killed = subprocess.run([sys.executable, "-c", KILLED, str(out), when])
    assert killed.returncode == -9 and len(os.listdir(tmp_path)) == 2  # a hidden leftover
    with pytest.raises(RuntimeError):  # even a run that fails puts the old report back
        with replacing_folder(str(out)):
            raise RuntimeError("interrupted")
    assert (out / "index.md").read_text() == "old" and os.listdir(tmp_path) == ["report"]
    write(out, "new")
    assert (out / "index.md").read_text() == "new" and os.listdir(tmp_path) == ["report"]


def test_leftovers_beside_an_existing_report_are_removed(tmp_path, dead_pid):
    out = tmp_path / "report"
    write(out, "current")
    mark(tmp_path / f".report.diffkit-old-{dead_pid}-0", "complete", index="older")
    mark(tmp_path / f".report.diffkit-tmp-{dead_pid}-3", "complete", index="unmoved")
    write(out, "new")
    assert (out / "index.md").read_text() == "new" and os.listdir(tmp_path) == ["report"]


def test_an_old_report_whose_removal_was_cut_short_is_not_restored(tmp_path, dead_pid):
    mark(tmp_path / f".report.diffkit-old-{dead_pid}-0", "removing", index="half gone")
    out = tmp_path / "report"
    with pytest.raises(RuntimeError):
        with replacing_folder(str(out)):
            raise RuntimeError("interrupted")
    assert os.listdir(tmp_path) == []


def test_leftovers_of_a_running_writer_are_not_touched(tmp_path):
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        mark(tmp_path / f".report.diffkit-old-{child.pid}-0", "complete", index="old")
        mark(tmp_path / f".report.diffkit-tmp-{child.pid}-0", "writing", index="half")
        before = snapshot(tmp_path)
        out = tmp_path / "report"
        write(out)
        after = snapshot(tmp_path)
        assert {k: v for k, v in after.items() if not k.startswith("report")} == before
        assert (out / "index.md").read_text() == "new"
    finally:
        child.kill()
        child.wait()


def test_a_run_killed_while_creating_or_removing_a_folder_leaves_nothing(tmp_path, dead_pid):
    (tmp_path / f".report.diffkit-tmp-{dead_pid}-0").mkdir()  # before its first marker
    (tmp_path / f".report.diffkit-tmp-{dead_pid}-1").mkdir()  # while writing it
    (tmp_path / f".report.diffkit-tmp-{dead_pid}-1" / f"{MARKER}.part").write_text(SIGNATURE[:9])
    (tmp_path / f".report.diffkit-old-{dead_pid}-0").mkdir()  # marker removed, folder not
    write(tmp_path / "report")
    assert os.listdir(tmp_path) == ["report"]


def test_unmarked_look_alike_folders_are_never_touched(tmp_path, dead_pid):
    for name in [f".report.diffkit-old-{dead_pid}-0", f".report.diffkit-tmp-{dead_pid}-0"]:
        (tmp_path / name).mkdir()
        (tmp_path / name / "index.md").write_text("someone's")
    for n, name in enumerate([MARKER, f"{MARKER}.part"], 1):
        (tmp_path / f".report.diffkit-tmp-{dead_pid}-{n}").mkdir()
        (tmp_path / f".report.diffkit-tmp-{dead_pid}-{n}" / name).write_text("not diffkit's\n")
    (tmp_path / f".report.diffkit-old-{dead_pid}-3").write_text("a file, not a folder")
    before = snapshot(tmp_path)
    write(tmp_path / "report")
    after = snapshot(tmp_path)
    assert {k: v for k, v in after.items() if not k.startswith("report")} == before


def test_report_command_refuses_the_current_folder(project, monkeypatch, capsys):
    before = snapshot(project.parent)
    monkeypatch.chdir(project)
    status = cli.main(["report", "-o", ".", "--experiments", "jacobian-order",
                       "--preset", "quick", "--measure", "ops", "--quiet"])
    err = capsys.readouterr().err
    assert status != 0 and len(err.splitlines()) == 1 and "current folder" in err
    assert snapshot(project.parent) == before


def test_profile_command_refuses_a_folder_diffkit_did_not_write(project, capsys):
    before = snapshot(project.parent)
    status = cli.main(["profile", "fd-error", "--preset", "quick", "--quiet",
                       "-o", str(project)])
    err = capsys.readouterr().err
    assert status != 0 and len(err.splitlines()) == 1 and "did not write it" in err
    assert snapshot(project.parent) == before
