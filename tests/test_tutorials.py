"""Every tutorial runs top to bottom as a script and draws at least one figure.

The tutorials are jupytext percent-format files (``tutorials/NN_name.py``);
each is run in a fresh interpreter, as a reader running all cells would, so
a change to diffkit that breaks a tutorial (or one of the measured claims it
asserts) fails here. New tutorials are picked up by their file name.
"""
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

TUTORIALS = sorted((Path(__file__).resolve().parent.parent / "tutorials").glob("[0-9][0-9]_*.py"))

# Each tutorial is meant to take well under a minute on two cores with a warm
# kernel cache; the timeout leaves room for a cold cache and a busy machine.
TIMEOUT = 180


def test_tutorials_exist():
    assert TUTORIALS, "no tutorials/NN_*.py found"


@pytest.mark.parametrize("path", TUTORIALS, ids=[p.stem for p in TUTORIALS])
def test_tutorial_runs(path, tmp_path):
    env = dict(os.environ, MPLBACKEND="Agg", DIFFKIT_TUTORIAL_OUT=str(tmp_path),
               PYTHONUNBUFFERED="1")
    start = time.perf_counter()
    try:
        proc = subprocess.run([sys.executable, str(path)], cwd=tmp_path, env=env,
                              capture_output=True, text=True, timeout=TIMEOUT)
    except subprocess.TimeoutExpired as exc:
        out = exc.stdout.decode() if isinstance(exc.stdout, bytes) else (exc.stdout or "")
        pytest.fail(f"{path.name} did not finish within {TIMEOUT} s; last output:\n{out[-3000:]}")
    elapsed = time.perf_counter() - start
    assert proc.returncode == 0, (f"{path.name} failed (exit {proc.returncode}) after "
                                  f"{elapsed:.1f} s\n--- stdout ---\n{proc.stdout[-3000:]}\n"
                                  f"--- stderr ---\n{proc.stderr[-5000:]}")
    figures = sorted(p.name for p in tmp_path.glob("*.png"))
    assert figures, f"{path.name} ran but saved no PNG figure in DIFFKIT_TUTORIAL_OUT"
