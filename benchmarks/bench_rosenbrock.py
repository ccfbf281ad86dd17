"""Vectorized Rosenbrock, d = 10 .. 100,000: the cheap-gradient principle.

Issue 3's targets: reverse-mode gradient time / diffkit forward evaluation
time at most 4, flat in d; forward-mode gradient time linear in d; at
d = 100,000 faster than PyTorch eager.

"diffkit eval" runs the values kernel on the lowered program of f with
preallocated buffers (the cheapest way diffkit evaluates f); "kernel grad"
runs the same kernel on the adjoint program the same way, so
kernel grad / eval is the interpreter's own ratio and reverse grad / eval
adds diffkit's per-call Python work (packing, unpacking, dispatch).
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402  (first: it sets the thread counts before NumPy loads)

import numpy as np  # noqa: E402

SIZES = (10, 100, 1000, 10_000, 100_000)
QUICK_SIZES = (10, 1000, 100_000)
FORWARD_MAX = 1000  # forward mode costs d sweeps: only small d


def rosenbrock(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


def rosenbrock_grad(x):
    """Hand-written NumPy gradient."""
    t = x[1:] - x[:-1] ** 2
    g = np.zeros_like(x)
    g[:-1] = -400.0 * x[:-1] * t - 2.0 * (1.0 - x[:-1])
    g[1:] += 200.0 * t
    return g


def baselines():
    """name -> factory(x) giving a zero-argument gradient callable."""
    out = {"NumPy hand-written": lambda x: (lambda: rosenbrock_grad(x))}
    torch = common.optional("torch")
    if torch:
        def torch_factory(x):
            def run():
                t = torch.from_numpy(x).requires_grad_()
                y = torch.sum(100.0 * (t[1:] - t[:-1] ** 2) ** 2 + (1.0 - t[:-1]) ** 2)
                (g,) = torch.autograd.grad(y, t)
                return g.numpy()
            return run
        out["torch eager"] = torch_factory
    jax = common.optional("jax")
    if jax:
        jnp = jax.numpy
        jg = jax.jit(jax.grad(lambda x: jnp.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2
                                                + (1.0 - x[:-1]) ** 2)))

        def jax_factory(x):
            xj = jnp.asarray(x)  # on the device already: the best case for jax
            return lambda: jg(xj).block_until_ready()
        out["jax.jit"] = jax_factory
    autograd = common.optional("autograd")
    if autograd:
        anp = autograd.numpy
        ag = autograd.grad(lambda x: anp.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2
                                             + (1.0 - x[:-1]) ** 2))
        out["autograd"] = lambda x: (lambda: ag(x))
    return out


def run_size(d, others):
    import diffkit
    from diffkit.program.adjoint import adjoint_graph

    x = np.random.default_rng(0).uniform(-2.0, 2.0, d)
    want = rosenbrock_grad(x)
    graph = diffkit.trace(rosenbrock, x)
    program, kern = common.program_of(graph)
    adjoint, _ = common.program_of(adjoint_graph(graph))
    kernel_f, _ = common.raw_values(program, kern, x)
    kernel_g, _ = common.raw_values(adjoint, kern, x)
    df = diffkit.grad(rosenbrock)
    fwd = diffkit.grad(rosenbrock, method="forward") if d <= FORWARD_MAX else None

    t = {"numpy f": common.measure(lambda: rosenbrock(x)),
         "eval": common.measure(kernel_f),
         "kernel grad": common.measure(kernel_g)}
    common.check_close("diffkit reverse", df(x), want)
    t["reverse"] = common.measure(lambda: df(x))
    if fwd is not None:
        common.check_close("diffkit forward", fwd(x), want)
        t["forward"] = common.measure(lambda: fwd(x), warmup=1)
    for name, factory in others.items():
        fn = factory(x)
        common.check_close(name, fn(), want)
        t[name] = common.measure(fn)
    return t


ONE_OP = {"x * x": lambda x: np.sum(x * x), "x ** 2": lambda x: np.sum(x ** 2),
          "x + 1": lambda x: np.sum(x + 1.0), "sum(x)": np.sum,
          "x[1:] - x[:-1]": lambda x: np.sum(x[1:] - x[:-1])}


def one_op_programs(d):
    """Where the evaluation time goes: tiny programs, diffkit's kernel vs NumPy."""
    import diffkit
    x = np.random.default_rng(0).uniform(-2.0, 2.0, d)
    rows = []
    for name, f in ONE_OP.items():
        program, kern = common.program_of(diffkit.trace(f, x))
        run, _ = common.raw_values(program, kern, x)
        t, tn = common.measure(run), common.measure(lambda: f(x))
        rows.append((name, program.n_instructions, t, tn, common.ratio(t, tn)))
    common.table(f"one-op programs at d = {d:,} (each ends in a sum)",
                 ["f(x)", "instructions", "diffkit eval", "NumPy", "diffkit/NumPy"], rows)


def main():
    common.parse_quick()
    common.header("vectorized Rosenbrock: gradient, d = 10 .. 100,000")
    others = baselines()
    results = {d: run_size(d, others) for d in (QUICK_SIZES if common.QUICK else SIZES)}
    r = common.ratio
    rows = [(d, t["numpy f"], t["eval"], t["kernel grad"], t["reverse"], t.get("forward"),
             r(t["reverse"], t["eval"]), r(t["kernel grad"], t["eval"]),
             r(t["eval"], t["numpy f"]), r(t.get("forward"), t["eval"]))
            for d, t in results.items()]
    common.table("diffkit: forward evaluation, reverse and forward gradient",
                 ["d", "NumPy f", "diffkit eval", "kernel grad", "reverse grad",
                  "forward grad", "rev/eval", "kernel grad/eval", "eval/NumPy f",
                  "fwd/eval"], rows,
                 note="target: rev/eval <= 4 at every d, flat in d; fwd/eval grows like d")
    names = list(others)
    rows = [(d, t["reverse"], *(t[n] for n in names), *(r(t[n], t["reverse"]) for n in names))
            for d, t in results.items()]
    common.table("reverse gradient against the baselines (ratio = baseline / diffkit: "
                 ">1 means diffkit is faster)",
                 ["d", "diffkit", *names, *(f"{n} ratio" for n in names)], rows,
                 note="target: faster than torch eager at d = 100,000")
    one_op_programs(max(results))
    common.report_skipped()
    return results


if __name__ == "__main__":
    main()
