"""Shared helpers of the benchmarks: timing, optional baselines, tables.

Timing follows ``timeit``: warm-up calls first (never timed), then an
autorange picks a loop count whose total lasts at least ``LOOP_TIME``
seconds, then ``REPEAT`` such loops are timed and the best and the median
per-call times are kept.  The best is the number least disturbed by other
jobs on a shared machine; the median shows how noisy the run was.

``--quick`` on any script (or ``set_quick()``) shortens every measurement.

Every library runs on one thread (import this module before NumPy, torch or
jax): diffkit's kernels are single-threaded, and on 2 shared cores the
thread pools of torch (OpenMP) and XLA spin against each other, making
torch 20x slower after jax has run.  Exported variables win over these
defaults, e.g. ``OMP_NUM_THREADS=2 OPENBLAS_NUM_THREADS=2 XLA_FLAGS= ...``.
"""
import importlib
import os
import platform
import sys
import time

THREAD_DEFAULTS = {
    "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
    "XLA_FLAGS": "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1",
}
for _k, _v in THREAD_DEFAULTS.items():
    os.environ.setdefault(_k, _v)

import numpy as np  # noqa: E402

from diffkit.profile.measure import autorange, format_seconds  # noqa: E402

LOOP_TIME = 0.04
REPEAT = 7
QUICK = False
SKIPPED = {}  # baseline name -> reason


def set_quick(flag=True):
    """Shorter measurements and smaller sizes (``--quick``)."""
    global LOOP_TIME, REPEAT, QUICK
    QUICK = bool(flag)
    LOOP_TIME, REPEAT = (0.01, 3) if QUICK else (0.04, 7)


def parse_quick(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    set_quick("--quick" in argv)
    return QUICK


class Timing:
    """Per-call seconds of one measured function: best and median of the repeats."""

    def __init__(self, best, median, number):
        self.best, self.median, self.number = best, median, number

    def __repr__(self):
        return f"Timing(best={fmt_time(self.best)}, median={fmt_time(self.median)})"


def measure(fn, warmup=3, repeat=None):
    """Time ``fn()`` per call with diffkit's own timeit-style autorange, warm-up excluded."""
    for _ in range(warmup):
        fn()
    best, median, number = autorange(fn, repeats=REPEAT if repeat is None else repeat,
                                     min_time=LOOP_TIME)
    return Timing(best, median, number)


def once(fn):
    """Seconds of a single call (compile times, first calls)."""
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


# -- optional baselines -----------------------------------------------------------------
def optional(name):
    """Import a baseline library, or record why it is skipped and return None."""
    try:
        module = importlib.import_module(name)
    except Exception as exc:  # ImportError, or a broken install
        SKIPPED[name] = f"not installed ({type(exc).__name__}: {exc})"
        return None
    if name == "jax":
        module.config.update("jax_enable_x64", True)  # float64, like diffkit and NumPy
    return module


def report_skipped():
    for name, why in SKIPPED.items():
        print(f"  skipped {name}: {why}")


def check_close(name, got, want, rtol=1e-8):
    """Warn (never fail) when a benchmarked gradient disagrees with the reference."""
    got = np.concatenate([np.ravel(np.asarray(g, dtype=float)) for g in _tuple(got)])
    want = np.concatenate([np.ravel(np.asarray(w, dtype=float)) for w in _tuple(want)])
    if not np.allclose(got, want, rtol=rtol, atol=rtol * (1 + np.abs(want).max())):
        print(f"  WARNING: {name} disagrees with the reference gradient "
              f"(max abs diff {np.abs(got - want).max():.3g})")


def _tuple(x):
    return x if isinstance(x, (tuple, list)) else (x,)


# -- output ---------------------------------------------------------------------------
fmt_time = format_seconds


def fmt_ratio(x):
    if x is None:
        return "-"
    return f"{x:.3g}x" if x < 100 else f"{x:.0f}x"


def ratio(a, b):
    """a / b on best times (None if either is missing)."""
    if a is None or b is None:
        return None
    a = a.best if isinstance(a, Timing) else a
    b = b.best if isinstance(b, Timing) else b
    return a / b


def table(title, header, rows, note=None):
    """Print a plain-text table; cells may be str, Timing (best), float (ratio) or None."""
    cells = [[_cell(c) for c in row] for row in rows]
    widths = [max(len(str(h)), *(len(r[i]) for r in cells)) if cells else len(str(h))
              for i, h in enumerate(header)]
    print(f"\n{title}")
    print("  " + "  ".join(str(h).rjust(w) for h, w in zip(header, widths)))
    print("  " + "  ".join("-" * w for w in widths))
    for r in cells:
        print("  " + "  ".join(c.rjust(w) for c, w in zip(r, widths)))
    if note:
        print(f"  {note}")


def _cell(c):
    if isinstance(c, Timing):
        return fmt_time(c.best)
    if isinstance(c, float):
        return fmt_ratio(c)
    return "-" if c is None else str(c)


def machine():
    """One line describing where the numbers were measured."""
    import numba
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as fh:
            cpu = next(l.split(":", 1)[1].strip() for l in fh if l.startswith("model name"))
    except (OSError, StopIteration):
        pass
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    threads = os.environ["OMP_NUM_THREADS"]
    return (f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, "
            f"NumPy {np.__version__}, numba {numba.__version__}, load avg {load:.2f}, "
            f"library threads {threads}")


def header(name):
    print(f"=== {name} ({'quick' if QUICK else 'full'}) ===")
    print(f"machine: {machine()}")
    print(f"timing: best of {REPEAT} repeats of >= {LOOP_TIME * 1e3:.0f} ms loops, "
          f"warm-up excluded")


# -- diffkit internals the benchmarks time directly ---------------------------------
def program_of(graph):
    """(program, kernels) of a diffkit graph: lowered, validated, kernels loaded."""
    from diffkit.backends.compiled import compile_program
    return compile_program(graph)


def raw_values(program, kern, x):
    """A zero-argument callable running the values kernel on ``x`` with preallocated
    buffers: the interpreter alone, without diffkit's packing and unpacking.

    Follows the kernel's calling convention, which is being tuned: either
    ``values(ints, consts, x, out)`` or ``values(ints, consts, io)`` with io = inputs
    then outputs.  Returns the callable and a function giving its outputs.
    """
    import inspect
    values, ints, consts = kern.values, program.ints, program.consts
    n_params = len(inspect.signature(getattr(values, "py_func", values)).parameters)
    x = np.ascontiguousarray(x, dtype=float).ravel()
    if n_params == 4:
        out = np.empty(program.n_outputs)
        return (lambda: values(ints, consts, x, out)), (lambda: out)
    io = np.empty(x.size + program.n_outputs)

    def run():
        io[:x.size] = x
        values(ints, consts, io)
    return run, (lambda: io[x.size:])
