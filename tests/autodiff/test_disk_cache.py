"""The compiled kernels are cached on disk: a second process does not compile again.

SLOW BY NATURE (~15-20 s): the first subprocess compiles the kernels from
scratch into an empty DIFFKIT_CACHE_DIR; that is the point of the test.
Times are measured inside the subprocesses (interpreter start-up and imports
excluded), from just before the first gradient call to just after it.
"""
import json
import os
import subprocess
import sys

import pytest

SCRIPT = r"""
import json, time
import numpy as np
import diffkit
x = np.array([0.5, -1.0, 2.0])
start = time.perf_counter()
g = diffkit.grad(lambda x: np.sum(np.sin(x) * x))(x)
first = time.perf_counter() - start
ok = bool(np.allclose(g, np.sin(x) + x * np.cos(x), rtol=1e-14, atol=0))
print(json.dumps({"first_call": first, "ok": ok}))
"""


def _run(cache_dir):
    env = dict(os.environ, DIFFKIT_CACHE_DIR=str(cache_dir))
    proc = subprocess.run([sys.executable, "-c", SCRIPT], env=env, capture_output=True,
                          text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["ok"], "wrong gradient from the cached kernels"
    return result["first_call"]


@pytest.mark.skipif(os.environ.get("NUMBA_DISABLE_JIT") == "1",
                    reason="no compilation, so nothing to cache")
def test_a_second_process_loads_the_compiled_kernels_from_the_disk_cache(tmp_path):
    cold = _run(tmp_path)
    kernel_dir = tmp_path / "kernels"
    written = sorted(p.name for p in kernel_dir.rglob("*"))
    assert any(n.startswith("diffkit_kernels_") and n.endswith(".py") for n in written), written
    assert any(n.endswith(".nbi") for n in written), written   # numba's cache index
    warm = _run(tmp_path)
    # compiling takes seconds; loading the cache a fraction of one (generous for CI)
    assert warm < 1.0, (cold, warm)
    assert warm < cold, (cold, warm)
