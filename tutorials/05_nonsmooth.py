# ---
# jupyter:
#   jupytext:
#     formats: py:percent
# ---

# %% [markdown]
# # 5. Non-smoothness: kinks, conservative gradients and the `np.where` NaN trap
#
# Automatic differentiation applies the chain rule to the operations a program
# executes. At a kink (`abs`, `relu`, `maximum`, `clip`) an operation has no
# derivative, so every AD system picks a number and calls it one. This
# tutorial shows diffkit's conventions, what they imply for a program that
# computes a smooth function through kinks, and why a branch that `np.where`
# did not select never turns a gradient into NaN.

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
from diffkit import ops, optim

OUT = Path(os.environ.get("DIFFKIT_TUTORIAL_OUT", "."))
FD = "fd" in diffkit.backends.methods()  # central differences, if this install has them


def save(fig, name):
    OUT.mkdir(parents=True, exist_ok=True)
    fig.tight_layout()
    fig.savefig(OUT / name, dpi=110)
    print(f"saved {OUT / name}")


# %% [markdown]
# ## 1. One convention per op
#
# The op table (`diffkit.ops`) records, for every op that is not smooth, the
# number its derivative takes at the kink; `sqrt` is smooth but its
# derivative at the end of its domain is infinite. Forward and reverse mode
# read the same table, so they agree exactly. A central difference
# $(f(x+h)-f(x-h))/2h$ is shown for comparison: it averages the two one-sided
# slopes, which is a different convention again (and at `sqrt(0)` it steps
# outside the domain).

# %%
kinks = {"abs": (np.abs, 0.0), "relu": (diffkit.relu, 0.0),
         "maximum": (lambda x: np.maximum(x, 0.0), 0.0),
         "minimum": (lambda x: np.minimum(x, 1.0), 1.0),
         "clip": (lambda x: np.clip(x, 0.0, 1.0), 1.0), "sqrt": (np.sqrt, 0.0),
         "norm": (lambda x: np.linalg.norm(x), np.zeros(3))}
first = lambda v: float(np.ravel(v)[0])
print(f"{'op':8s} {'at':>4s} {'reverse':>9s} {'forward':>9s} {'central':>9s}   convention")
differ = []
for name, (f, x) in kinks.items():
    rev, fwd = diffkit.grad(f)(x), diffkit.grad(f, method="forward")(x)
    with np.errstate(invalid="ignore"):
        central = diffkit.grad(f, method="fd")(x) if FD else np.nan
    assert np.array_equal(rev, fwd), name
    if FD and not np.array_equal(rev, central):
        differ.append(name)
    print(f"{name:8s} {first(x):4g} {first(rev):9.3g} {first(fwd):9.3g} {first(central):9.3g}   "
          f"{ops.get(name).kink or 'smooth; the derivative at the domain end is inf'}")
print(f"forward == reverse at all {len(kinks)} points; central differences differ at "
      f"{differ if FD else '(no fd backend in this install)'}")

# %% [markdown]
# Plotted over a grid that contains the kinks exactly, each derivative is the
# usual one away from the kink and the tabled number at it.

# %%
grid = np.arange(-150, 151) / 100.0                 # contains -1, 0 and 1 exactly
fig, axes = plt.subplots(1, 4, figsize=(13, 3.4))
for ax, name in zip(axes, ["abs", "relu", "maximum", "clip"]):
    f, at = kinks[name]
    df = diffkit.grad(f)                            # compiled once, called per point
    ax.plot(grid, [f(x) for x in grid], color="gray", label="f(x)")
    ax.plot(grid, [df(x) for x in grid], ".", ms=3, label="diffkit f'(x)")
    ax.plot([at], [df(at)], "o", color="C3", ms=8, label=f"f'({at:g}) at the kink")
    ax.set(title=name, xlabel="x", ylabel="value")
    ax.legend(fontsize=7)
save(fig, "05_kink_conventions.png")

# %% [markdown]
# ## 2. `relu(x) - relu(-x)` is `x`, yet its computed derivative at 0 is 0
#
# The program computes the identity, whose derivative is 1 everywhere. The
# chain rule gives $\mathrm{relu}'(x) + \mathrm{relu}'(-x)$, which at $x = 0$ is
# $2\,\mathrm{relu}'(0)$: whatever the convention for $\mathrm{relu}'(0)$ is,
# the answer is twice it. With diffkit's $\mathrm{relu}'(0) = 0$ that is 0;
# writing the same function with `np.maximum`, whose ties split the
# derivative 0.5/0.5, gives $0.5 + 0.5 = 1$.

# %%
via_relu = lambda x: diffkit.relu(x) - diffkit.relu(-x)
via_maximum = lambda x: np.maximum(x, 0.0) - np.maximum(-x, 0.0)
same = max(abs(via_relu(x) - x) for x in grid)
relu0 = diffkit.grad(diffkit.relu)(0.0)
d_relu = {m: float(diffkit.grad(via_relu, method=m)(0.0)) for m in ("reverse", "forward")}
d_max = float(diffkit.grad(via_maximum)(0.0))
print(f"max |f(x) - x| on the grid: {same}; relu'(0) = {relu0}")
print(f"d/dx [relu(x) - relu(-x)] at 0: reverse {d_relu['reverse']}, forward "
      f"{d_relu['forward']} (= 2 relu'(0) = {2 * relu0}); the derivative of x is 1")
print(f"d/dx [maximum(x,0) - maximum(-x,0)] at 0: {d_max} (= 0.5 + 0.5)")
samples = np.random.default_rng(0).standard_normal(100_000)
wrong = int(np.sum(diffkit.grad(lambda x: np.sum(via_relu(x)))(samples) != 1.0))
print(f"at 100,000 random normal points the reverse-mode derivative differs from 1 at "
      f"{wrong} points: the error lives on the kink set, measure zero")
assert same == 0 and d_relu == {"reverse": 0.0, "forward": 0.0} and d_max == 1.0 and wrong == 0

# %% [markdown]
# This is the conservative-gradient remark of the lectures (Bolte and
# Pauwels): for programs built from such ops, what AD returns is an element of
# a *conservative field* of the function. It equals the gradient almost
# everywhere, so training with random data almost never notices, but at the
# exceptional points it need not be a derivative of any kind: for $f(x) = x$
# the Clarke subdifferential at 0 is $\{1\}$, and 0 is not in it. A method
# that trusts it can stop at a "stationary point" of a function that has
# none. Minimizing $f(x) = \mathrm{relu}(x) - \mathrm{relu}(-x)$, which is
# unbounded below, from $x_0 = 0$:

# %%
objective = lambda x: np.sum(via_relu(x))
stuck = diffkit.minimize(objective, np.zeros(1), optim.gd(0.1), steps=100, tol=1e-12,
                         progress=False)
moved = diffkit.minimize(lambda x: np.sum(via_maximum(x)), np.zeros(1), optim.gd(0.1),
                         steps=100, tol=1e-12, progress=False)
print(f"relu form: status {stuck.status!r} after {stuck.steps} steps at x = {stuck.x[0]}, "
      f"f = {stuck.fun}; maximum form: {moved.status!r}, x = {moved.x[0]:.1f}, "
      f"f = {moved.fun:.1f} after {moved.steps} steps")
assert stuck.status == "converged" and stuck.steps == 0 and moved.fun < -9

fig, ax = plt.subplots(figsize=(6, 3.8))
for program, style, label in [(via_maximum, "-", "maximum(x,0) - maximum(-x,0)"),
                              (via_relu, ".", "relu(x) - relu(-x)")]:
    df = diffkit.grad(program)
    ax.plot(grid, [df(x) for x in grid], style, ms=4, lw=4, alpha=0.6, label=label)
ax.annotate(f"relu form at 0: {d_relu['reverse']:g}", (0, d_relu["reverse"]), (0.2, 0.3),
            arrowprops={"arrowstyle": "->"})
ax.set(xlabel="x", ylabel="reverse-mode derivative", ylim=(-0.1, 1.3),
       title="two programs for f(x) = x, differentiated")
ax.legend(loc="upper left", fontsize=8)
save(fig, "05_relu_identity.png")

# %% [markdown]
# ## 3. The `np.where` NaN trap
#
# `np.where(x > 0, np.sqrt(x), 0.0)` evaluates *both* branches. Backpropagating
# by hand, the unselected branch receives a zero cotangent, and the chain rule
# multiplies it by the local derivative $1/(2\sqrt{x})$: at $x = 0$ that is
# $0 \cdot \infty$, and for $x < 0$ it is $0 \cdot \mathrm{NaN}$. IEEE arithmetic
# makes both NaN, and one NaN poisons a whole gradient step. Other libraries ask
# the user for a "double where" (`np.sqrt(np.where(x > 0, x, 1.0))`). diffkit
# propagates derivatives through a product in which a zero factor wins, so an
# unselected branch contributes exactly 0.

# %%
def naive_gradient(x):
    """Hand-written backprop of sum(where(x > 0, sqrt(x), 0)), as NumPy computes it."""
    mask = x > 0
    root = np.sqrt(x)                          # nan for x < 0, 0 at x = 0
    cotangent = np.where(mask, 1.0, 0.0)       # what flows back into the sqrt branch
    return cotangent * (0.5 / root)            # 0 * inf and 0 * nan are nan


def double_where(x):
    safe = np.where(x > 0, x, 1.0)
    return np.where(x > 0, 0.5 / np.sqrt(safe), 0.0)


guarded = lambda x: np.sum(np.where(x > 0, np.sqrt(x), 0.0))
with np.errstate(divide="ignore", invalid="ignore"):
    naive = naive_gradient(grid)
    print(f"0 * inf in NumPy: {np.float64(0.0) * np.inf}")
ours = {m: diffkit.grad(guarded, method=m)(grid) for m in ("reverse", "forward")}
print(f"hand-written backprop: {int(np.isnan(naive).sum())} NaN entries out of {grid.size} "
      f"(every x <= 0); diffkit reverse: {int(np.isnan(ours['reverse']).sum())}, forward: "
      f"{int(np.isnan(ours['forward']).sum())}; gradient at 0: {ours['reverse'][grid == 0][0]}")
print(f"diffkit equals the double-where workaround everywhere: "
      f"{all(np.array_equal(g, double_where(grid)) for g in ours.values())}")
log_or_identity = lambda x: np.where(x > 0, np.log(x), x)
slope = diffkit.grad(log_or_identity)(-1.0)
print(f"d/dx where(x > 0, log(x), x) at -1: {slope} (the selected branch x has slope 1)")
assert np.isnan(naive[grid <= 0]).all() and not np.isnan(ours["reverse"]).any()
assert np.array_equal(ours["reverse"], double_where(grid)) and slope == 1.0

fig, ax = plt.subplots(figsize=(6.5, 4))
ax.plot(grid, ours["reverse"], lw=3, alpha=0.5, label="diffkit reverse mode")
ax.plot(grid, naive, "k.", ms=3, label="hand-written backprop (NaN: not drawn)")
nan_at = grid[np.isnan(naive)]
ax.plot(nan_at, np.full(nan_at.size, -0.15), "rx", ms=3,
        label=f"where hand-written backprop is NaN ({nan_at.size} points)")
ax.set(xlabel="x", ylabel="d/dx where(x > 0, sqrt(x), 0)", ylim=(-0.3, 3),
       title="gradient of a guarded square root")
ax.legend(loc="upper left", fontsize=8)
save(fig, "05_where_nan.png")

# %% [markdown]
# The value diffkit gives at 0 is the derivative of the branch that was
# selected (the constant 0). The function itself has no derivative there (its
# right derivative is infinite): like the kink conventions above, this is a
# choice, made so that guarded code yields finite gradients, and it is the
# same choice a careful user makes with the double where.
