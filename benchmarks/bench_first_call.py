"""First gradient of the lecture example in a fresh process.

Issue 3's target: under 0.1 s with numba's cache warm.  Each run is a new
Python process that times its own phases with time.perf_counter:

* import: ``import diffkit`` (NumPy already imported);
* kernels: importing numba and binding the cached kernel module;
* trace+lower: tracing f, the adjoint graph, simplification, lowering;
* first call: the first kernel call (numba loads the compiled code for these
  argument types from its on-disk cache) and diffkit's unpacking;
* total: from before ``import diffkit`` to the first gradient in hand.

The same is done for jax (import, then the first jit-compiled gradient),
torch and autograd.  The children run without PYTHONDONTWRITEBYTECODE (set
in some sandboxes), so imports read .pyc files as on a user's machine.  In full mode one extra run uses an empty cache
directory: the one-off compilation of diffkit's interpreter.
"""
import json
import os
import statistics
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402  (first: it sets the thread counts before NumPy loads)

TARGET = 0.1
PRELUDE = """
import json, time
clock = time.perf_counter
import numpy as np
t = [clock()]
"""
DIFFKIT = PRELUDE + """
import diffkit
t.append(clock())
from diffkit.kernels.build import kernels
kernels()
t.append(clock())
df = diffkit.grad(lambda x, y: np.sin(np.exp(x * y) + 2 * x ** 2), argnums=(0, 1))
df.compile(1.1, 0.7)
t.append(clock())
g = df(1.1, 0.7)
t.append(clock())
df(1.1, 0.7)
t.append(clock())
print(json.dumps({"import": t[1] - t[0], "kernels": t[2] - t[1], "trace+lower": t[3] - t[2],
                  "first call": t[4] - t[3], "total": t[4] - t[0], "second call": t[5] - t[4]}))
"""
BASELINE = PRELUDE + """
{imports}
t.append(clock())
g = {first}
t.append(clock())
print(json.dumps({{"import": t[1] - t[0], "first call": t[2] - t[1], "total": t[2] - t[0]}}))
"""
BASELINES = {
    "jax.jit(jax.grad)": (
        "import jax\njax.config.update('jax_enable_x64', True)\njnp = jax.numpy",
        "jax.block_until_ready(jax.jit(jax.grad(lambda x, y: jnp.sin(jnp.exp(x * y) + "
        "2 * x ** 2), argnums=(0, 1)))(1.1, 0.7))"),
    "torch eager": (
        "import torch",
        "(lambda x, y: torch.autograd.grad(torch.sin(torch.exp(x * y) + 2 * x ** 2), (x, y)))"
        "(torch.tensor(1.1, dtype=torch.float64, requires_grad=True), "
        "torch.tensor(0.7, dtype=torch.float64, requires_grad=True))"),
    "autograd": (
        "import autograd\nimport autograd.numpy as anp",
        "autograd.grad(lambda x, y: anp.sin(anp.exp(x * y) + 2 * x ** 2), (0, 1))(1.1, 0.7)"),
}
PHASES = ("import", "kernels", "trace+lower", "first call", "total", "second call")


def fresh(code, env=None):
    """Run ``code`` in a new interpreter; returns its JSON dict of phase times."""
    env = {**os.environ, **(env or {})}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=env, timeout=600)
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr.strip().splitlines()[-1] if proc.stderr else "failed")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def median_runs(code, n):
    runs = [fresh(code) for _ in range(n)]
    return {k: statistics.median(r[k] for r in runs) for k in runs[0]}, runs


def main():
    common.parse_quick()
    common.header("first gradient of the lecture example in a fresh process")
    n = 3 if common.QUICK else 7
    fresh(DIFFKIT)  # make sure numba's cache holds the current kernels
    rows = []
    med, runs = median_runs(DIFFKIT, n)
    rows.append(("diffkit (warm cache)", *(common.fmt_time(med.get(p)) for p in PHASES)))
    for name, (imports, first) in BASELINES.items():
        if common.optional(name.split(".")[0].split()[0]) is None:
            continue
        bmed, _ = median_runs(BASELINE.format(imports=imports, first=first), n)
        rows.append((name, *(common.fmt_time(bmed.get(p)) for p in PHASES)))
    if not common.QUICK:
        with tempfile.TemporaryDirectory() as tmp:
            cold = fresh(DIFFKIT, {"DIFFKIT_CACHE_DIR": tmp})
        rows.append(("diffkit (empty cache, once)",
                     *(common.fmt_time(cold.get(p)) for p in PHASES)))
    common.table(f"median of {n} fresh processes (NumPy imported before the clock starts)",
                 ["", *PHASES], rows)
    best = min(r["total"] for r in runs)
    print(f"  target: first gradient < {TARGET} s with a warm cache; measured median "
          f"{med['total']:.3g} s (best {best:.3g} s): {med['total'] / TARGET:.3g}x the target")
    common.report_skipped()


if __name__ == "__main__":
    main()
