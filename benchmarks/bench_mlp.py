"""Gradient of an MLP's loss with respect to its packed parameters.

A fixed batch of 64 samples with 16 features; ``depth`` tanh hidden layers of
``width`` units and a linear read-out; mean squared error.  All parameters
live in one vector theta, sliced and reshaped inside the loss, as a user of
a small optimizer would write it.

Issue 3's targets: reverse gradient / diffkit forward evaluation at most 4
for width 16..512 and depth 2..16; faster than PyTorch eager at width 512,
depth 8.  torch runs the same math on the same packed vector.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402  (first: it sets the thread counts before NumPy loads)

import numpy as np  # noqa: E402

BATCH, FEATURES = 64, 16
WIDTHS, DEPTHS = (16, 64, 256, 512), (2, 4, 8, 16)
QUICK_WIDTHS, QUICK_DEPTHS = (16, 512), (2, 8)
TARGET = (512, 8)  # issue 3: faster than torch eager here


def layer_shapes(width, depth):
    sizes = [FEATURES] + [width] * depth + [1]
    return list(zip(sizes[:-1], sizes[1:]))


def make_problem(width, depth, seed=0):
    """(loss, theta, data) with loss(theta) written in plain NumPy."""
    rng = np.random.default_rng(seed)
    shapes = layer_shapes(width, depth)
    theta = np.concatenate([np.concatenate([rng.normal(0, 1 / np.sqrt(n), n * m),
                                            np.zeros(m)]) for n, m in shapes])
    X, Y = rng.normal(size=(BATCH, FEATURES)), rng.normal(size=BATCH)

    def loss(theta):
        h, off = X, 0
        for i, (n, m) in enumerate(shapes):
            W = theta[off:off + n * m].reshape(n, m)
            b = theta[off + n * m:off + n * m + m]
            off += n * m + m
            h = h @ W + b
            if i < len(shapes) - 1:
                h = np.tanh(h)
        return np.mean((h[:, 0] - Y) ** 2)

    return loss, theta, (X, Y, shapes)


def torch_grad(torch, data):
    """The same loss and its gradient, in torch eager mode."""
    X, Y, shapes = data
    Xt, Yt = torch.from_numpy(X), torch.from_numpy(Y)

    def grad(theta):
        t = torch.from_numpy(theta).requires_grad_()
        h, off = Xt, 0
        for i, (n, m) in enumerate(shapes):
            h = h @ t[off:off + n * m].view(n, m) + t[off + n * m:off + n * m + m]
            off += n * m + m
            if i < len(shapes) - 1:
                h = torch.tanh(h)
        (g,) = torch.autograd.grad(torch.mean((h[:, 0] - Yt) ** 2), t)
        return g.numpy()

    return grad


def run_config(width, depth, torch):
    import diffkit
    from diffkit.program.adjoint import adjoint_graph

    loss, theta, data = make_problem(width, depth)
    graph = diffkit.trace(loss, theta)
    program, kern = common.program_of(graph)
    adjoint, _ = common.program_of(adjoint_graph(graph))
    eval_f, _ = common.raw_values(program, kern, theta)
    kernel_g, _ = common.raw_values(adjoint, kern, theta)
    df = diffkit.grad(loss)
    t = {"numpy f": common.measure(lambda: loss(theta)), "eval": common.measure(eval_f),
         "kernel grad": common.measure(kernel_g), "reverse": common.measure(lambda: df(theta))}
    if torch:
        tg = torch_grad(torch, data)
        common.check_close("torch vs diffkit", tg(theta), df(theta), rtol=1e-7)
        t["torch"] = common.measure(lambda: tg(theta))
    return theta.size, t


def main():
    common.parse_quick()
    common.header(f"MLP loss gradient wrt packed parameters (batch {BATCH}, "
                  f"{FEATURES} features, tanh)")
    torch = common.optional("torch")
    widths, depths = (QUICK_WIDTHS, QUICK_DEPTHS) if common.QUICK else (WIDTHS, DEPTHS)
    results = {(w, L): run_config(w, L, torch) for w in widths for L in depths}
    r = common.ratio
    rows = [(w, L, p, t["numpy f"], t["eval"], t["reverse"], t.get("torch"),
             r(t["reverse"], t["eval"]), r(t["kernel grad"], t["eval"]),
             r(t["eval"], t["numpy f"]), r(t.get("torch"), t["reverse"]))
            for (w, L), (p, t) in results.items()]
    common.table("per-call times and ratios",
                 ["width", "depth", "params", "NumPy f", "diffkit eval", "reverse grad",
                  "torch eager", "rev/eval", "kernel grad/eval", "eval/NumPy f",
                  "torch/diffkit"], rows,
                 note="targets: rev/eval <= 4 everywhere; torch/diffkit > 1 at width 512, "
                      "depth 8")
    if TARGET in results and torch:
        t = results[TARGET][1]
        print(f"  width 512, depth 8: diffkit {common.fmt_time(t['reverse'].best)}, torch "
              f"eager {common.fmt_time(t['torch'].best)}: diffkit "
              f"{t['torch'].best / t['reverse'].best:.3g}x torch's speed")
    common.report_skipped()
    return results


if __name__ == "__main__":
    main()
