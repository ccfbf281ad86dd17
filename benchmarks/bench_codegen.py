"""Interpreter vs code generation: the trade-off, with numbers.

diffkit's kernels interpret the lowered program: one compiled loop serves
every graph, so a new graph costs tracing and lowering only, and each call
pays for dispatching every instruction.  The alternative, prototyped here,
generates straight-line Python from the adjoint graph (one line per node,
using the same scalar expressions as diffkit's elementwise kernels) and
compiles it with numba per graph: no dispatch at run time, a compile per
graph.  Scalar elementwise graphs only.  The same source with ``math``
functions in place of NumPy's, run by plain Python without numba, is
measured too ("python"): no compile at all (note math.log(-1.0) raises
where np.log gives nan, so it is a speed probe, not a drop-in).

Measured: per-call time in steady state; the first call in a fresh process
(compile from scratch, or load from numba's cache); and how compile time
and the per-call gap grow with the graph (the lecture example chained k
times), giving the number of calls after which compiling pays for itself.
"""
import hashlib
import importlib.util
import os
import re
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402  (first: it sets the thread counts before NumPy loads)

import numpy as np  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
CHAINS = (1, 4, 16, 64)
QUICK_CHAINS = (1, 16)


def chain(k):
    """The lecture example composed k times (k = 1: the example itself)."""
    def f(x, y):
        for _ in range(k - 1):
            x, y = np.sin(np.exp(x * y) + 2 * x ** 2), x * y
        return np.sin(np.exp(x * y) + 2 * x ** 2)
    return f


def adjoint(k=1):
    """The adjoint graph diffkit.grad runs: of the graph after diffkit's simplification."""
    import diffkit
    from diffkit.program.adjoint import adjoint_graph
    return adjoint_graph(diffkit.grad(chain(k), argnums=(0, 1)).graph(1.1, 0.7))


def generate(graph, name="grad", use_math=False):
    """Straight-line source computing the graph's outputs (value, then the adjoints)."""
    import math
    from diffkit import ops
    from diffkit.program.scalar import scalar_form
    names, lines = {}, []
    for n in graph.order:
        a = graph.node(n)
        if a["shape"] != ():
            raise NotImplementedError("the prototype handles scalar graphs only")
        if a["op"] == "input":
            names[n] = a["name"]
        elif a["op"] == "const":
            names[n] = f"({float(a['value'])!r})"
        elif ops.get(a["op"]).kind in ("elementwise", "comparison"):
            env = dict(zip("abc", (names[m] for m in a["args"])))
            expr = re.sub(r"\b([abc])\b", lambda m: env[m.group(1)], scalar_form(a["op"])[0])
            if use_math:  # np.exp -> math.exp where math has it
                expr = re.sub(r"\bnp\.(\w+)\(", lambda m: ("math." if hasattr(
                    math, m.group(1)) else "np.") + m.group(1) + "(", expr)
            names[n] = f"v{n}"
            lines.append(f"    v{n} = {expr}")
        else:
            raise NotImplementedError(f"op {a['op']!r} is not elementwise")
    outs = ", ".join(names[o] for o in graph.outputs)
    head = (f"import math\nimport numpy as np\nLN2 = {np.log(2.0)!r}\nLN10 = {np.log(10.0)!r}\n\n\n"
            f"def {name}({', '.join(graph.input_names)}):")
    return "\n".join([head, *lines, f"    return ({outs},)"]) + "\n"


def build(graph, folder, cache, jit=True):
    """Write the generated module to ``folder``, import it, wrap it with numba.njit
    (or, with ``jit=False``, return the plain Python function using ``math``)."""
    src = generate(graph, use_math=not jit)
    tag = hashlib.sha256(src.encode()).hexdigest()[:12]
    path = os.path.join(folder, f"dk_codegen_{tag}.py")
    if not os.path.exists(path):
        with open(path, "w") as fh:
            fh.write(src)
    spec = importlib.util.spec_from_file_location(f"dk_codegen_{tag}", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # numba's cache re-imports it by name
    spec.loader.exec_module(module)
    if not jit:
        return module.grad
    import numba
    return numba.njit(cache=cache, error_model="numpy")(module.grad)


CHILD = f"""
import json, sys, time
clock = time.perf_counter
import numpy as np
t = [clock()]
sys.path.insert(0, {HERE!r})
import numba, diffkit, bench_codegen as cg
t.append(clock())
graph = cg.adjoint()
t.append(clock())
fn = cg.build(graph, sys.argv[1], cache=sys.argv[2] == "1")
t.append(clock())
fn(1.1, 0.7)
t.append(clock())
print(json.dumps({{"import": t[1] - t[0], "trace+lower": t[2] - t[1], "generate": t[3] - t[2],
                  "first call": t[4] - t[3], "total": t[4] - t[0]}}))
"""


def fresh_processes(n):
    """Median phase times: codegen compiling, codegen from numba's cache, interpreter."""
    from bench_first_call import DIFFKIT, median_runs
    with tempfile.TemporaryDirectory() as tmp:
        compile_ = median_runs_argv(CHILD, n, tmp, "0")
        median_runs_argv(CHILD, 1, tmp, "1")  # fill numba's cache
        cached = median_runs_argv(CHILD, n, tmp, "1")
    return {"codegen, compiled in the process": compile_,
            "codegen, loaded from numba's cache": cached,
            "interpreter (diffkit.grad), warm cache": median_runs(DIFFKIT, n)[0]}


def median_runs_argv(code, n, *argv):
    import json
    import statistics
    import subprocess
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    runs = []
    for _ in range(n):
        out = subprocess.run([sys.executable, "-c", code, *argv], capture_output=True,
                             text=True, check=True, env=env).stdout
        runs.append(json.loads(out.strip().splitlines()[-1]))
    return {k: statistics.median(r[k] for r in runs) for k in runs[0]}


def scaling(chains, folder):
    """Per k: nodes, codegen compile time, per-call times, break-even call count."""
    import diffkit
    diffkit.grad(chain(1), argnums=(0, 1))(1.1, 0.7)  # numba's one-off start-up, not a compile
    rows = []
    for k in chains:
        graph = adjoint(k)
        fn = build(graph, folder, cache=False)
        compile_s, got = common.once(lambda: fn(1.1, 0.7))
        py_build_s, py = common.once(lambda: build(graph, folder, cache=False, jit=False))
        common.check_close(f"python codegen k={k}", py(1.1, 0.7), got)
        df = diffkit.value_and_grad(chain(k), argnums=(0, 1))
        want = df(1.1, 0.7)
        common.check_close(f"codegen k={k}", got, (want[0], *want[1]))
        program, kern = common.program_of(graph)
        run, _ = common.raw_values(program, kern, [1.1, 0.7])
        t_gen, t_py, t_api, t_kern = (
            common.measure(g, warmup=10)
            for g in (lambda: fn(1.1, 0.7), lambda: py(1.1, 0.7), lambda: df(1.1, 0.7), run))
        gap = t_api.best - t_gen.best
        rows.append((k, graph.num_nodes, program.n_instructions, common.fmt_time(compile_s),
                     t_gen, common.fmt_time(py_build_s), t_py, t_kern, t_api,
                     t_api.best / t_gen.best,
                     f"{compile_s / gap:,.0f}" if gap > 0 else "never"))
    return rows


def main():
    common.parse_quick()
    common.header("interpreter vs generated code: gradient of the lecture example")
    print("\ngenerated source (k = 1):\n" + generate(adjoint(1)))
    with tempfile.TemporaryDirectory() as tmp:
        rows = scaling(QUICK_CHAINS if common.QUICK else CHAINS, tmp)
    common.table("steady state and compile time per graph (lecture example chained k times)",
                 ["k", "adjoint nodes", "instructions", "numba compile", "numba call",
                  "python build", "python call", "interpreter kernel",
                  "diffkit.value_and_grad", "api/numba", "break-even calls"], rows,
                 note="break-even calls = numba compile time / (diffkit call - numba call); "
                      "python: the same source run by plain Python with math.*")
    phases = ("import", "trace+lower", "generate", "first call", "total")
    fresh = fresh_processes(3 if common.QUICK else 5)
    common.table("first gradient in a fresh process (median; NumPy imported before the clock)",
                 ["", *phases], [(name, *(common.fmt_time(r.get(p)) for p in phases))
                                 for name, r in fresh.items()],
                 note="interpreter: 'import' covers diffkit only and its 'kernels' phase "
                      "(numba import) is in 'total'; see bench_first_call.py")


if __name__ == "__main__":
    main()
