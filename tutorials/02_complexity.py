# ---
# jupyter:
#   jupytext:
#     formats: py:percent
# ---

# %% [markdown]
# # 2. What a gradient costs
#
# The lectures' table for a function of $d$ inputs:
#
# | method | gradient cost |
# | --- | --- |
# | finite differences | $2d$ evaluations of $f$ (central) |
# | forward mode | $d$ tangent sweeps, $O(d)\cdot\mathrm{cost}(f)$ |
# | reverse mode | a small constant times $\mathrm{cost}(f)$, whatever $d$ |
#
# and for an MLP of width $w$, depth $L$ and input dimension $d$: $f$ costs
# $O(w^2 L)$, its input gradient $O(d\,w^2 L)$ by finite differences and
# forward mode and $O(w^2 L)$ by reverse mode. For a Jacobian of $m$ outputs
# the roles swap: forward mode pays per input, reverse mode per output.
#
# diffkit counts the floating-point operations each derivative executes
# (`cost.flops`, from the op table) instead of timing it, so the counts are
# deterministic and the fitted exponents can be asserted exactly. `sweep`
# measures a family of functions over sizes; `fit` fits log-log slopes.

# %%
import os
import sys
from pathlib import Path

import matplotlib
if "ipykernel" not in sys.modules and "MPLBACKEND" not in os.environ:
    matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

import diffkit
from diffkit.profile import experiments, families, sweep

OUT = Path(os.environ.get("DIFFKIT_TUTORIAL_OUT", "."))


def save(fig, name):
    OUT.mkdir(parents=True, exist_ok=True)
    if fig.get_layout_engine() is None:         # diffkit's own figures lay themselves out
        fig.tight_layout()
    fig.savefig(OUT / name, dpi=110)
    print(f"saved {OUT / name}")


def slopes(result, quantity, min_size=None):
    """{method: fitted log-log exponent of quantity against the swept size}."""
    return {m: fit.exponent for (m, _), fit in result.fit([quantity], min_size).items()}


# %% [markdown]
# ## Cost against the input dimension
#
# `families.rosenbrock()` is the vectorized Rosenbrock function in $d$
# dimensions. We read each method's cost relative to one evaluation of $f$
# (`sweeps` = flops of the gradient / flops of $f$) and fit its exponent in
# $d$ from $d = 32$ up, where lower-order terms have faded. Symbolic
# differentiation (SymPy writes one formula per entry) stops at $d = 32$.

# %%
dims = [4, 8, 16, 32, 64, 128, 256]
rosen = sweep(families.rosenbrock(), dims, ["fd", "forward", "reverse", "symbolic"],
              measure="ops", max_size={"symbolic": 32})
exponent = slopes(rosen, "sweeps", min_size=32)
last = {r["method"]: r for r in rosen.rows if r["size"] == dims[-1]}
print("method    cost/f at d=256  exponent in d (lecture)")
for m, lecture in [("fd", 1), ("forward", 1), ("reverse", 0)]:
    print(f"{m:9s} {last[m]['sweeps']:15.1f}  {exponent[m]:5.2f} ({lecture})")
    assert abs(exponent[m] - lecture) < 0.05, m
reverse_max = max(r["sweeps"] for r in rosen.rows if r["method"] == "reverse")
symbolic = [r["sweeps"] for r in rosen.rows if r["method"] == "symbolic"]
print(f"reverse mode never costs more than {reverse_max:.2f} f; central differences use "
      f"exactly {last['fd']['evaluations']} = 2d evaluations at d = {dims[-1]}; symbolic "
      f"code costs {min(symbolic):.2f}-{max(symbolic):.2f} f (d <= 32) once SymPy has "
      f"written it")
assert reverse_max <= 4 and last["fd"]["evaluations"] == 2 * dims[-1]
save(rosen.plot("sweeps", min_size=32, title="gradient of Rosenbrock: cost relative to f"),
     "02_rosenbrock.png")

# %% [markdown]
# ## The MLP: width, depth and input dimension
#
# `families.mlp(vary=...)` builds the tanh network $h \leftarrow \tanh(hW + b)$
# with a loss $\sum h_L^2$, differentiated with respect to its input. We
# sweep one of $w$, $L$, $d$ at a time and fit the exponent of the flops
# (for $w$ and $L$) or of the cost relative to $f$ (for $d$: with $d \ll w$
# the first layer is a small part of $f$, so $f$ itself barely grows with
# $d$). `f` is the function itself, from the same cost records.

# %%
mlp_sweeps = {  # parameter: (family, sizes, quantity, lecture's exponents, fit from)
    "w": (families.mlp("w", depth=3, d=4), [16, 32, 64, 128, 256], "flops",
          {"f": 2, "fd": 2, "forward": 2, "reverse": 2}, 32),
    "L": (families.mlp("L", width=32, d=32), [1, 2, 4, 8, 16], "flops",
          {"f": 1, "fd": 1, "forward": 1, "reverse": 1}, 2),
    "d": (families.mlp("d", width=32, depth=3), [4, 8, 16, 32, 64], "sweeps",
          {"fd": 1, "forward": 1, "reverse": 0}, 8),
}
fig, axes = plt.subplots(1, 3, figsize=(15, 4.4))
print(f"{'swept':6s} {'quantity':9s}" + "".join(f"{m:>16s}" for m in ("f", "fd", "forward",
                                                                      "reverse")))
worst, results = 0.0, {}
for ax, (name, (family, sizes, quantity, lecture, low)) in zip(axes, mlp_sweeps.items()):
    result = results[name] = sweep(family, sizes, ["fd", "forward", "reverse"], measure="ops")
    measured = slopes(result, quantity, min_size=low)
    cells = [f"{round(measured[m], 2) + 0.0:6.2f} ({lecture[m]})" if m in lecture else "" for m in
             ("f", "fd", "forward", "reverse")]
    print(f"{name:6s} {quantity:9s}" + "".join(f"{c:>16s}" for c in cells))
    worst = max(worst, *(abs(measured[m] - p) for m, p in lecture.items()))
    result.plot(quantity, ax=ax, min_size=low, title=f"MLP input gradient in {name}")
print(f"measured (lecture) exponents; largest gap from the lecture's table: {worst:.2f}")
assert worst < 0.1
save(fig, "02_mlp.png")
multiple = {m: v[-1] for m, (_, v) in results["w"].series("sweeps").items()}
print(f"at w = 256, d = 4 the input gradient costs " + ", ".join(
    f"{m} {c:.1f} f" for m, c in multiple.items()))

# %% [markdown]
# In $w$ and $L$ every method grows like $f$: the gradient's cost is a
# multiple of $f$'s, and that multiple is what depends on the method and on
# $d$ (printed above for $d = 4$: $2d$ evaluations for central differences,
# a multiple growing with $d$ for forward mode, a constant for reverse mode).
#
# ## A Jacobian: per input or per output
#
# For $F: \mathbb{R}^n \to \mathbb{R}^m$, forward mode pushes one tangent per
# input column, reverse mode pulls one adjoint per output row. We build a
# four-layer map from $n = 16$ inputs to $m$ outputs as a `families.Family`
# and sweep $m$ with `request="jacobian"`.

# %%
n_in, hidden, rng = 16, 32, np.random.default_rng(0)
layers = [rng.standard_normal((hidden, fan_in)) / np.sqrt(fan_in)
          for fan_in in (n_in, hidden, hidden)]


def to_outputs(m):
    """The Case for m outputs: three fixed tanh layers, then a head of m rows."""
    head = np.random.default_rng(m).standard_normal((m, hidden)) / np.sqrt(hidden)

    def F(x):
        for W in layers + [head]:
            x = np.tanh(W @ x)
        return x
    return families.Case(F, (np.cos(np.arange(n_in)),))


outputs = [1, 2, 4, 8, 16, 32, 64, 128]
jac = sweep(families.Family("jacobian_16_to_m", "m", to_outputs), outputs,
            ["forward", "reverse"], measure="ops", request="jacobian")
cost = {m: dict(zip(*jac.series("sweeps")[m])) for m in ("forward", "reverse")}
crossover = min(m for m in outputs if cost["reverse"][m] > cost["forward"][m])
rev_slope = slopes(jac, "sweeps", min_size=4)["reverse"]
spread = sorted(cost["forward"].values())
print(f"forward mode: {spread[0]:.2f} to {spread[-1]:.2f} f for every m (the value and "
      f"n = {n_in} tangents); reverse mode: {cost['reverse'][1]:.1f} f at "
      f"m = 1 to {cost['reverse'][outputs[-1]]:.0f} f at m = {outputs[-1]}, exponent in m "
      f"{rev_slope:.2f}; reverse stops being cheaper at m = {crossover} (n = {n_in})")
assert all(abs(c - (n_in + 1)) < 0.5 for c in cost["forward"].values())
assert abs(rev_slope - 1) < 0.1 and n_in / 4 <= crossover <= n_in
J_fwd = diffkit.jacobian(to_outputs(8).fn, method="forward")(*to_outputs(8).args)
J_rev = diffkit.jacobian(to_outputs(8).fn)(*to_outputs(8).args)
print(f"the two Jacobians (8 x 16) differ by at most {np.abs(J_fwd - J_rev).max():.1e}")
assert np.allclose(J_fwd, J_rev, rtol=1e-13, atol=1e-15)
save(jac.plot("sweeps", title=f"Jacobian of R^{n_in} -> R^m: cost relative to f"),
     "02_jacobian_outputs.png")

# %% [markdown]
# Reverse mode's constant per output is about 2 (one value sweep plus one
# adjoint sweep per row), forward mode's per input about 1, so here reverse
# mode wins below $m \approx n/2$.
#
# ## The order of a Jacobian chain
#
# The Jacobian of $f_L \circ \dots \circ f_1$ is the product $J_L \cdots J_1$.
# Forward accumulation multiplies from the input side (matrix-matrix
# products), reverse accumulation from the output side (vector-matrix
# products when the output is a scalar). Any of the Catalan$(L-1)$
# bracketings is valid; the matrix-chain dynamic program finds the cheapest.
# The lecture experiment `jacobian-order` counts all three on chains of
# random widths (its default preset, op counts only: well under a second).
# The fits in $L$ are rough because the widths are random; the ratios are
# exact counts.

# %%
chain = experiments.run("jacobian-order", preset="default", measure="ops")
print(chain.table())
find = lambda quantity: [c for c in chain.comparisons if c.quantity == quantity]
ratio = find("flops forward / reverse")[0]
dp = find("flops / min(forward, reverse)")
n0, outs = chain.settings["n_in"], chain.settings["outputs"]
best_vs_reverse = find("flops optimal / reverse")[0].measured
orders = find("number of orders")[0].measured
print(f"scalar output: forward accumulation costs {ratio.measured:.1f}x reverse (n_0 = {n0}), "
      f"and the DP finds nothing cheaper than reverse ({best_vs_reverse:g}x); with "
      f"{outs[-1]} outputs the DP order costs {dp[-1].measured:.2f}x the better of forward "
      f"and reverse, chosen among {orders:.3g} bracketings")
assert n0 / 2 < ratio.measured <= n0 and all(c.agrees for c in dp)
assert best_vs_reverse == 1 and dp[-1].measured < 0.5
for key, figure in chain.plot().items():
    save(figure, f"02_chain_{key}.png")
