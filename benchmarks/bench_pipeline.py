"""From a Python program to its first gradient on graphs of 10^3 to 10^6 nodes.

Issue 11's targets: trace to first gradient in at most 20 µs and 2 KB of
peak memory per graph node, linear in the node count, and a 100,000-node
program at its first reverse-mode gradient in under 2 s.  Three programs
written with Python loops, each at growing sizes:

* loop: a Python loop of scalar operations on four scalar inputs,
  ``s = sin(s) * p[i % 4] + 0.5 * s``, gradient with respect to all four;
* rnn: an unrolled recurrent network ``h = tanh(W @ h + U @ x_t + b)``
  (8 hidden units, 4 inputs per step), loss ``sum(h * h)``, gradient with
  respect to W;
* det: a determinant by cofactor expansion (Python recursion on lists of
  entries), n = 6 ... 9, gradient with respect to the matrix.  The traced
  graph repeats every minor; simplification merges the repeats (n = 8:
  110,000 traced nodes, 1,850 after simplify).

"nodes" is ``diffkit.trace(fn, *args).num_nodes``, the graph before any
simplification; every per-node figure divides by it.  Phases of reverse mode,
each timed with time.perf_counter: trace, simplify, the adjoint graph (which
simplifies again), lowering (with the program's validation).  "first grad"
is ``diffkit.grad(fn, argnums=...)(*args)`` end to end on a fresh transform
(the numba kernels are loaded once per process before any timing and reported
apart).  The same end to end for forward mode, Hessians (up to
:data:`HESSIAN_MAX_NODES`) and the symbolic backend (until a size takes
longer than :data:`SYMBOLIC_LIMIT`).  Peak memory is tracemalloc's peak
during a separate end-to-end run (tracemalloc slows Python down, so times
come from runs without it); it counts Python objects and NumPy buffers.

The jax baseline runs the same code with jax.numpy under
``jax.jit(jax.grad(f, argnums))``: ``.trace`` (the jaxpr), ``.lower`` (to
StableHLO), ``.compile`` (XLA) and the first run of the compiled function,
whose sum is jax's first call.  A size is skipped when it is predicted to take
longer than :data:`JAX_LIMIT`, and abandoned when it does.

Each engine and program runs in its own process (``--child``), sizes in
increasing order; sizes predicted to exceed the time limits are skipped and
the tables say so.  ``--quick``: at most 10^5 nodes and shorter limits.
"""
import argparse
import gc
import json
import math
import os
import queue
import subprocess
import sys
import threading
import time
import tracemalloc

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import common  # noqa: E402  (first: it sets the thread counts before NumPy loads)
import numpy as np  # noqa: E402

#: Issue 11's targets for reverse mode.
TARGET_US, TARGET_KB, TARGET_AT, TARGET_SECONDS = 20.0, 2.0, 100_000, 2.0
SIZES = {"full": (1e3, 1e4, 1e5, 1e6), "quick": (1e3, 1e4, 1e5)}
DET_N = {"full": (6, 7, 8, 9), "quick": (6, 7, 8)}
#: Smaller sizes for the symbolic backend alone: SymPy's expressions of nested sin and
#: tanh swell exponentially, and its conversion stops below 10^2 nodes.
SYMBOLIC_SIZES, SYMBOLIC_DET_N = (20, 50, 100, 300), (4, 5)
#: Seconds one end-to-end run of diffkit / jax may be predicted to take (full, quick).
DIFFKIT_LIMIT = {"full": 120.0, "quick": 15.0}
JAX_LIMIT = {"full": 120.0, "quick": 10.0}
#: The symbolic backend's time budget (its guard stops it there).
SYMBOLIC_LIMIT = {"full": 60.0, "quick": 5.0}
HESSIAN_MAX_NODES = 15_000
#: Sizes up to this many nodes are timed as the best of 3 runs, larger ones once.
REPEAT_BELOW = 3000


# -- the programs: each builder takes a size parameter and a NumPy-like module -------------
def loop(steps, xp):
    """A Python loop of scalar operations: 5 nodes per step (one is the constant 0.5)."""
    def f(a, b, c, d):
        p = (a, b, c, d)
        s = a
        for i in range(steps):
            s = xp.sin(s) * p[i % 4] + 0.5 * s
        return s
    # |ds'/ds| = |cos(s) p + 0.5| < 0.9: the recurrence contracts, gradients stay finite
    return f, (0.3, 0.2, 0.4, 0.25), (0, 1, 2, 3)


def rnn(steps, xp, hidden=8, n_in=4):
    """An unrolled recurrent network: 6 nodes per step."""
    rng = np.random.default_rng(0)
    W = rng.standard_normal((hidden, hidden)) * 0.5 / math.sqrt(hidden)
    U = rng.standard_normal((hidden, n_in)) * 0.5 / math.sqrt(n_in)
    b = rng.standard_normal(hidden) * 0.1
    xs = rng.standard_normal((steps, n_in))

    def f(W, U, b, xs):
        h = xp.zeros(hidden)
        for t in range(steps):
            h = xp.tanh(W @ h + U @ xs[t] + b)
        return xp.sum(h * h)
    return f, (W, U, b, xs), 0


def det(n, xp):
    """The determinant of an n x n matrix by cofactor expansion along the first row."""
    A = np.random.default_rng(1).standard_normal((n, n))

    def expand(m):
        if len(m) == 1:
            return m[0][0]
        total = None
        for j, entry in enumerate(m[0]):
            term = entry * expand([row[:j] + row[j + 1:] for row in m[1:]])
            total = term if total is None else total + term if j % 2 == 0 else total - term
        return total

    def f(A):
        return expand([[A[i, j] for j in range(n)] for i in range(n)])
    return f, (A,), 0


PROGRAMS = {"loop": loop, "rnn": rnn, "det": det}


def traced_nodes(build, param):
    """Nodes of the traced graph of ``build(param)``, before any simplification."""
    import diffkit
    fn, args, _ = build(param, np)
    return diffkit.trace(fn, *args).num_nodes


def sizes(name, targets, det_n):
    """Size parameters of a program whose traced graphs have about ``targets`` nodes,
    from its node counts at two small sizes (det: the matrix sizes ``det_n``)."""
    build = PROGRAMS[name]
    if name == "det":
        return list(det_n)
    counts = [traced_nodes(build, k) for k in (100, 200)]
    per_step = (counts[1] - counts[0]) / 100
    base = counts[0] - 100 * per_step
    return [max(1, round((target - base) / per_step)) for target in targets]


# -- measurements, in the child processes ------------------------------------------------
def emit(record):
    print(json.dumps(record), flush=True)


def best_of(fn, repeat):
    times = []
    for _ in range(repeat):
        gc.collect()
        seconds, result = common.once(fn)
        times.append(seconds)
    return min(times), result


def peak_bytes(fn):
    """tracemalloc's peak during ``fn()``, in bytes (allocations made before are not counted)."""
    gc.collect()
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def flat(grads):
    """A gradient (or tuple of them) as a list of floats, for the cross-check in the parent."""
    parts = grads if isinstance(grads, tuple) else (grads,)
    return np.concatenate([np.ravel(np.asarray(g, dtype=float)) for g in parts]).tolist()


class Predictor:
    """Predicts a run's seconds at a node count from the runs so far (growth exponent >= 1)."""

    def __init__(self):
        self.points = []

    def add(self, nodes, seconds):
        self.points.append((nodes, seconds))

    def __call__(self, nodes):
        if not self.points:
            return 0.0
        (n0, t0), exponent = self.points[-1], 1.0
        if len(self.points) > 1:
            (n1, t1) = self.points[-2]
            exponent = max(1.0, math.log(t0 / t1) / math.log(n0 / n1))
        return t0 * (nodes / n0) ** exponent


def warm_kernels(build):
    """Load the numba kernels and call each once on a small program, before any timing.

    numba specializes a kernel at its first call (loading it from its disk
    cache, or compiling it when the cache is stale), which would otherwise
    land in the first measured run.  Large programs run the values kernel on
    a reused workspace, a second kernel: the small program takes that path too.
    """
    import diffkit
    from diffkit.backends import compiled
    fn, args, argnums = build(2, np)
    reuse = getattr(compiled, "REUSE_SLOTS", None)
    try:
        for threshold in (reuse, 0):
            if threshold is not None:
                compiled.REUSE_SLOTS = threshold
            diffkit.grad(fn, argnums=argnums)(*args)
            diffkit.grad(fn, argnums=argnums, method="forward")(*args)
            diffkit.hessian(fn, argnums=argnums)(*args)
    finally:
        if reuse is not None:
            compiled.REUSE_SLOTS = reuse


def child_diffkit(name, params, mode):
    import diffkit
    from diffkit.graph.passes import simplify
    from diffkit.program.adjoint import adjoint_graph
    build, limit = PROGRAMS[name], DIFFKIT_LIMIT[mode]
    seconds, _ = common.once(lambda: warm_kernels(build))
    emit({"kernels": seconds})
    predict = {"reverse": Predictor(), "forward": Predictor()}
    for param in params:
        fn, args, argnums = build(param, np)
        nodes = diffkit.trace(fn, *args).num_nodes
        rec = {"param": param, "nodes": nodes}
        if predict["reverse"](nodes) > limit:
            emit(dict(rec, what="skip", why=f"predicted {predict['reverse'](nodes):.0f} s"))
            break
        repeat = 3 if nodes <= REPEAT_BELOW else 1

        def phases():
            t = [time.perf_counter()]
            graph = diffkit.trace(fn, *args)
            t.append(time.perf_counter())
            simple = simplify(graph)
            t.append(time.perf_counter())
            adjoint = adjoint_graph(simple, simple.positions(argnums))
            t.append(time.perf_counter())
            common.program_of(adjoint)
            t.append(time.perf_counter())
            return dict(zip(("trace", "simplify", "adjoint", "lower"), np.diff(t).tolist()),
                        simplified=simple.num_nodes, adjoint_nodes=adjoint.num_nodes)
        emit(dict(rec, what="start", step="phases"))
        runs = [phases() for _ in range(repeat)]
        emit(dict(rec, what="phases", **{k: min(r[k] for r in runs) for k in runs[0]}))
        methods = [("reverse", lambda: diffkit.grad(fn, argnums=argnums)(*args)),
                   ("forward", lambda: diffkit.grad(fn, argnums=argnums, method="forward")(*args))]
        if nodes <= HESSIAN_MAX_NODES:
            methods.append(("hessian", lambda: diffkit.hessian(fn, argnums=argnums)(*args)))
        for method, run in methods:
            if method in predict and predict[method](nodes) > limit:
                emit(dict(rec, what="skip", method=method,
                          why=f"predicted {predict[method](nodes):.0f} s"))
                continue
            emit(dict(rec, what="start", step=method))
            seconds, grads = best_of(run, repeat)
            if method in predict:
                predict[method].add(nodes, seconds)
            emit(dict(rec, what="start", step=method + " memory"))
            emit(dict(rec, what=method, seconds=seconds, peak=peak_bytes(run),
                      grad=flat(grads) if method != "hessian" else None))


def child_symbolic(name, params, mode):
    import diffkit
    from diffkit.symbolic import SymbolicTooLarge
    build, limit = PROGRAMS[name], SYMBOLIC_LIMIT[mode]
    predict = Predictor()
    for param in params:
        fn, args, argnums = build(param, np)
        nodes = diffkit.trace(fn, *args).num_nodes
        rec = {"param": param, "nodes": nodes}
        if predict(nodes) > limit:
            emit(dict(rec, what="skip", why=f"predicted {predict(nodes):.0f} s"))
            break

        def run():
            # the guard's time budget is the limit; its size limits are lifted
            return diffkit.grad(fn, argnums=argnums, method="symbolic", time_budget=limit,
                                max_ops=10 ** 12, max_code_ops=10 ** 12)(*args)
        emit(dict(rec, what="start", step="symbolic"))
        try:
            seconds, grads = common.once(run)
        except (SymbolicTooLarge, RecursionError) as exc:
            emit(dict(rec, what="skip", why=f"{type(exc).__name__}: {str(exc)[:160]}"))
            break
        predict.add(nodes, seconds)
        # memory from a second run, slower under tracemalloc: it may run over the budget
        try:
            peak = peak_bytes(run) if seconds < limit / 3 else None
        except SymbolicTooLarge:
            peak = None
        emit(dict(rec, what="symbolic", seconds=seconds, peak=peak, grad=flat(grads)))


def child_jax(name, params, mode):
    jax = common.optional("jax")
    if jax is None:
        emit({"what": "missing", "why": common.SKIPPED["jax"]})
        return
    jax.block_until_ready(jax.jit(lambda x: 2 * x)(1.0))  # backend start-up, not timed
    build, limit = PROGRAMS[name], JAX_LIMIT[mode]
    predict = Predictor()
    for param in params:
        fn, args, argnums = build(param, jax.numpy)
        nodes = traced_nodes(build, param)
        rec = {"param": param, "nodes": nodes}
        if predict(nodes) > limit:
            emit(dict(rec, what="skip", why=f"predicted {predict(nodes):.0f} s"))
            break
        emit(dict(rec, what="start", step="jax"))
        jitted = jax.jit(jax.grad(fn, argnums=argnums))
        t = [time.perf_counter()]
        traced = jitted.trace(*args)
        t.append(time.perf_counter())
        lowered = traced.lower()
        t.append(time.perf_counter())
        compiled = lowered.compile()
        t.append(time.perf_counter())
        grads = jax.block_until_ready(compiled(*args))
        t.append(time.perf_counter())
        times = dict(zip(("trace", "lower", "compile", "run"), np.diff(t).tolist()))
        predict.add(nodes, t[-1] - t[0])
        emit(dict(rec, what="jax", eqns=len(traced.jaxpr.eqns), total=t[-1] - t[0],
                  grad=flat(tuple(grads) if isinstance(grads, (tuple, list)) else grads),
                  **times))


CHILDREN = {"diffkit": child_diffkit, "symbolic": child_symbolic, "jax": child_jax}
#: Seconds the parent waits for the next line of a child before abandoning the size.
PATIENCE = {"diffkit": 900.0, "symbolic": 180.0, "jax": 150.0}


# -- the parent: runs the children, prints the tables -------------------------------------
def run_child(engine, name, params, mode):
    """Records a child printed; a measurement that overruns :data:`PATIENCE` is abandoned."""
    cmd = [sys.executable, os.path.abspath(__file__), "--child", engine, name,
           json.dumps(params)] + (["--quick"] if mode == "quick" else [])
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    lines = queue.Queue()
    threading.Thread(target=lambda: [lines.put(x) for x in proc.stdout] + [lines.put(None)],
                     daemon=True).start()
    records, pending = [], None
    while True:
        try:
            line = lines.get(timeout=PATIENCE[engine])
        except queue.Empty:
            proc.kill()
            records.append(dict(pending or {}, what="skip",
                                why=f"abandoned after {PATIENCE[engine]:.0f} s"))
            break
        if line is None:
            break
        rec = json.loads(line)
        pending = rec if rec.get("what") == "start" else pending
        if rec.get("what") != "start":
            records.append(rec)
            progress(engine, name, rec)
    if proc.wait() != 0 and not any(r.get("what") == "skip" for r in records):
        records.append({"what": "skip", "why": f"{engine} child failed (exit {proc.returncode})",
                        "nodes": None, "param": None})
    return records


def number(x):
    """Three significant digits, without an exponent: 0.398, 17.7, 406, 43,300."""
    return f"{x:.3g}" if x < 1000 else f"{float(f'{x:.3g}'):,.0f}"


def progress(engine, name, rec):
    """One line on stderr per measurement, while the tables wait for the whole program."""
    what = rec.get("what", "kernels")
    seconds = (sum(rec[k] for k in ("trace", "simplify", "adjoint", "lower"))
               if what == "phases" else rec.get("seconds", rec.get("total", rec.get("kernels"))))
    nodes = f" at {rec['nodes']:,} nodes" if rec.get("nodes") else ""
    done = f": {seconds:.3g} s" if seconds is not None else f": {rec.get('why', '')}"
    print(f"  [{name}] {engine} {what}{nodes}{done}"[:150], file=sys.stderr, flush=True)


def per_node(seconds, peak, nodes):
    """(µs per node, KB per node) as table cells."""
    us = None if seconds is None else number(seconds / nodes * 1e6)
    kb = None if peak is None else number(peak / 1024 / nodes)
    return us, kb


def exponent(points):
    """Fitted exponent of y against x on log-log axes (None below 2 points)."""
    points = [(x, y) for x, y in points if x and y]
    if len(points) < 2:
        return None
    x, y = np.log([p[0] for p in points]), np.log([p[1] for p in points])
    return float(np.polyfit(x, y, 1)[0])


def verdict(ok):
    return "PASS" if ok else "FAIL"


def report(name, recs):
    """Print the tables and target lines of one program; return its target lines."""
    by = {}
    skips = []
    for engine, rs in recs.items():
        for r in rs:
            if r.get("what") == "skip":
                step = r.get("method") or r.get("step")
                step = None if step == engine else step
                skips.append(f"{engine}{' ' + step if step else ''}: "
                             f"size {r.get('param')} ({r.get('nodes') or '?'} nodes) skipped, "
                             f"{r['why']}")
            elif r.get("what") == "missing":
                skips.append(f"{engine}: {r['why']}")
            elif "param" in r:
                by.setdefault(r["param"], {"nodes": r["nodes"]})[r["what"]] = r
    params = sorted(by)
    param_name = "n" if name == "det" else "steps"
    kernels = next((r["kernels"] for r in recs["diffkit"] if "kernels" in r), None)

    rows = []
    for p in params:
        d = by[p]
        ph, rev = d.get("phases"), d.get("reverse")
        if ph is None and rev is None:
            continue  # a size of the symbolic backend alone
        us, kb = per_node(rev and rev["seconds"], rev and rev["peak"], d["nodes"])
        rows.append([f"{p:,}", f"{d['nodes']:,}",
                     ph and f"{ph['simplified']:,}", ph and f"{ph['adjoint_nodes']:,}",
                     *(ph and common.fmt_time(ph[k]) for k in ("trace", "simplify", "adjoint",
                                                               "lower")),
                     rev and common.fmt_time(rev["seconds"]), us, kb])
    common.table(f"[{name}] reverse mode: phases and first gradient",
                 [param_name, "nodes", "simplified", "adjoint", "trace", "simplify",
                  "adjoint", "lower", "first grad", "µs/node", "KB/node"], rows,
                 note=f"numba kernels loaded and called once per process before timing: "
                      f"{common.fmt_time(kernels)}" if kernels is not None else None)

    rows = []
    for p in params:
        d = by[p]
        row = [f"{p:,}", f"{d['nodes']:,}"]
        for method in ("forward", "hessian", "symbolic"):
            r = d.get(method)
            row += [r and common.fmt_time(r["seconds"]),
                    *per_node(r and r["seconds"], r and r["peak"], d["nodes"])]
        rows.append(row)
    common.table(f"[{name}] first call of forward mode, Hessian, symbolic",
                 [param_name, "nodes", "forward", "µs/node", "KB/node", "hessian", "µs/node",
                  "KB/node", "symbolic", "µs/node", "KB/node"], rows)

    rows = []
    for p in params:
        d = by[p]
        j, rev = d.get("jax"), d.get("reverse")
        if j is None:
            continue
        rows.append([f"{p:,}", f"{d['nodes']:,}", f"{j['eqns']:,}",
                     *(common.fmt_time(j[k]) for k in ("trace", "lower", "compile", "run",
                                                       "total")),
                     rev and common.fmt_time(rev["seconds"]),
                     rev and common.ratio(j["total"], rev["seconds"])])
        if rev:
            common.check_close(f"[{name}] {p} diffkit reverse vs jax", rev["grad"], j["grad"],
                               rtol=1e-7)
    if rows:
        common.table(f"[{name}] jax.jit(jax.grad): trace, lower, XLA compile, first run",
                     [param_name, "nodes", "jaxpr eqns", "trace", "lower", "compile", "run",
                      "jax total", "diffkit", "jax/diffkit"], rows)
    for p in params:
        d = by[p]
        for method in ("forward", "symbolic"):
            if d.get("reverse") and d.get(method) and d[method].get("grad"):
                common.check_close(f"[{name}] {p} {method} vs reverse", d[method]["grad"],
                                   d["reverse"]["grad"], rtol=1e-7)
        if name == "det" and d.get("reverse"):
            # d det(A) / dA = det(A) inv(A)^T, independent of the cofactor expansion
            A = det(p, np)[1][0]
            common.check_close(f"[det] {p} reverse vs det(A) inv(A)^T", d["reverse"]["grad"],
                               np.linalg.det(A) * np.linalg.inv(A).T, rtol=1e-7)
    for s in skips:
        print(f"  {s}")
    return targets(name, by, params)


def targets(name, by, params):
    lines = []
    for method in ("reverse", "forward", "hessian", "symbolic"):
        pts = [(by[p]["nodes"], by[p][method]) for p in params if method in by[p]]
        if not pts:
            continue
        us = max(r["seconds"] / n * 1e6 for n, r in pts)
        kbs = [r["peak"] / 1024 / n for n, r in pts if r["peak"] is not None]
        growth = exponent([(n, r["seconds"]) for n, r in pts])
        mem_growth = exponent([(n, r["peak"]) for n, r in pts])
        span = f"{pts[0][0]:,}..{pts[-1][0]:,} nodes"
        line = (f"[{name}] {method:8s} {span}: max {number(us)} µs/node "
                f"{verdict(us <= TARGET_US)} (<= {TARGET_US:g})")
        if kbs:
            line += f"; max {number(max(kbs))} KB/node {verdict(max(kbs) <= TARGET_KB)} " \
                    f"(<= {TARGET_KB:g})"
        if growth is not None:
            line += f"; growth exponent time {growth:.2f}"
            if mem_growth is not None:
                line += f", memory {mem_growth:.2f}"
        if method == "reverse":
            line += "; " + at_target(pts, growth)
        lines.append(line)
    return lines


def at_target(pts, growth):
    """The 10^5-node target: measured at the size nearest 10^5 nodes when it is within
    a factor 1.5, else the fitted power law's value at 10^5."""
    n, r = min(pts, key=lambda p: abs(math.log(p[0] / TARGET_AT)))
    if abs(math.log(n / TARGET_AT)) <= math.log(1.5):
        seconds, how = r["seconds"], f"measured at {n:,} nodes"
    elif growth is not None:
        seconds = r["seconds"] * (TARGET_AT / n) ** growth
        how = f"fitted from {n:,} nodes"
    else:
        return "10^5 nodes: not measured"
    return (f"10^5 nodes: {seconds:.3g} s {verdict(seconds < TARGET_SECONDS)} "
            f"(< {TARGET_SECONDS:g} s, {how})")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="at most 10^5 nodes, short limits")
    parser.add_argument("--only", nargs="+", choices=PROGRAMS, help="these programs only")
    parser.add_argument("--engines", nargs="+", choices=CHILDREN, default=list(CHILDREN),
                        help="diffkit, symbolic, jax (default: all)")
    parser.add_argument("--child", nargs=3, metavar=("ENGINE", "PROGRAM", "PARAMS"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args()
    common.set_quick(args.quick)
    mode = "quick" if args.quick else "full"
    if args.child:
        engine, name, params = args.child
        CHILDREN[engine](name, json.loads(params), mode)
        return
    print(f"=== trace to first gradient on large graphs, issue 11 ({mode}) ===")
    print(f"machine: {common.machine()}")
    print(f"timing: time.perf_counter around one run (best of 3 up to {REPEAT_BELOW:,} nodes); "
          f"memory from separate runs under tracemalloc")
    print(f"sizes: {', '.join(f'{s:.0e}' for s in SIZES[mode])} nodes (det: n = "
          f"{', '.join(map(str, DET_N[mode]))}); a run predicted over "
          f"{DIFFKIT_LIMIT[mode]:g} s (diffkit), {JAX_LIMIT[mode]:g} s (jax) is skipped; "
          f"symbolic budget {SYMBOLIC_LIMIT[mode]:g} s; KB = 1024 bytes")
    start, lines = time.perf_counter(), []
    for name in args.only or PROGRAMS:
        params = sizes(name, SIZES[mode], DET_N[mode])
        small = sizes(name, SYMBOLIC_SIZES, SYMBOLIC_DET_N)
        recs = {engine: [] for engine in CHILDREN}
        for engine in args.engines:
            recs[engine] = run_child(engine, name, small + params if engine == "symbolic"
                                     else params, mode)
        lines += report(name, recs)
    print("\ntargets of issue 11 (reverse mode; the other methods reported against the "
          "same numbers):")
    for line in lines:
        print(f"  {line}")
    print(f"\nbench_pipeline: {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
