# ---
# jupyter:
#   jupytext:
#     formats: py:percent
# ---

# %% [markdown]
# # 1. Three ways to differentiate (and a fourth)
#
# The lectures differentiate one small program four ways:
#
# $$z_1 = xy,\quad z_2 = x^2,\quad z_3 = e^{z_1},\quad z_4 = 2 z_2,\quad
#   z_5 = z_3 + z_4,\quad f = \sin z_5 .$$
#
# Finite differences treat it as a black box, symbolic differentiation
# manipulates the whole expression $\sin(e^{xy} + 2x^2)$, and automatic
# differentiation applies the chain rule node by node to the computation
# graph, either from the inputs (forward mode) or from the output (reverse
# mode, backpropagation). Here the program becomes a graph three ways, is
# differentiated by all four methods, and each answer is checked against a
# 50-digit reference.

# %%
import os
import sys
from pathlib import Path

import matplotlib
if "ipykernel" not in sys.modules and "MPLBACKEND" not in os.environ:
    matplotlib.use("Agg")
import matplotlib.pyplot as plt
import mpmath
import numpy as np

import diffkit
from diffkit.comparison import compare
from diffkit.symbolic import derivative

OUT = Path(os.environ.get("DIFFKIT_TUTORIAL_OUT", "."))
POINT = (1.1, 0.7)


def save(fig, name):
    OUT.mkdir(parents=True, exist_ok=True)
    fig.tight_layout()
    fig.savefig(OUT / name, dpi=110)
    print(f"saved {OUT / name}")


# %% [markdown]
# ## The program as code, as a string, as a graph
#
# `diffkit.trace` runs plain NumPy code on tracer values and records each
# operation; `diffkit.parse` reads the same straight-line program from text
# (with Python's `ast` and a whitelist, never `eval`). Both give the same
# graph: a DAG with one node per input, constant and operation.

# %%
def f(x, y):
    z1 = x * y
    z2 = x ** 2
    z3 = np.exp(z1)
    z4 = 2 * z2
    z5 = z3 + z4
    return np.sin(z5)


traced = diffkit.trace(f, *POINT)
parsed = diffkit.parse("z1 = x * y; z2 = x ** 2; z3 = exp(z1); z4 = 2 * z2; "
                       "z5 = z3 + z4; out = sin(z5)")
print(traced.listing())
print(f"traced: |V| = {traced.num_nodes}, |E| = {traced.num_edges}; parsed: |V| = "
      f"{parsed.num_nodes}, |E| = {parsed.num_edges}; same listing: "
      f"{traced.listing() == parsed.listing()}")
print(f"f{POINT} = {f(*POINT)!r}, graph evaluated = {traced(*POINT)!r}")
assert traced.listing() == parsed.listing() and traced(*POINT) == parsed(*POINT) == f(*POINT)
fig = traced.draw()
fig.axes[0].set_title(f"sin(exp(x*y) + 2*x**2): {fig.axes[0].get_title()}")
save(fig, "01_graph.png")

# %% [markdown]
# ## Forward and reverse mode by hand
#
# Forward mode carries a tangent $\dot z_i = \partial z_i/\partial x$ along with
# each value, in the order of the listing. Reverse mode first stores every
# value, then carries adjoints $\bar z_i = \partial f/\partial z_i$ backwards
# from $\bar f = 1$; one backward sweep gives *both* partials. This is what
# diffkit's kernels do, node by node.

# %%
x, y = POINT
z1, z2 = x * y, x ** 2
z3, z4 = np.exp(z1), 2 * z2
z5 = z3 + z4
# forward mode, seeded with (dx, dy) = (1, 0): one sweep per input direction
d1, d2 = y * 1.0, 2 * x * 1.0
d3, d4 = z3 * d1, 2 * d2
d5 = d3 + d4
tangent = np.cos(z5) * d5
# reverse mode: adjoints from the output back to the inputs
b5 = np.cos(z5)
b3, b4 = b5, b5
b2, b1 = 2 * b4, z3 * b3
bx, by = b1 * y + b2 * 2 * x, b1 * x
print(f"forward sweep, seed x: df/dx = {tangent:.15f}")
print(f"reverse sweep: adjoints z5..z1 = {b5:.4f}, {b4:.4f}, {b3:.4f}, {b2:.4f}, {b1:.4f}; "
      f"df/dx = {bx:.15f}, df/dy = {by:.15f}")

# %% [markdown]
# ## Four methods, one table
#
# `compare` runs every registered method at the point and prints the
# gradient, its error against reverse mode, and the cost record: function
# evaluations (or sweeps), counted flops, stored bytes and times. To judge
# reverse mode itself we also evaluate the hand-derived formula
# $\nabla f = \cos z_5\,(y e^{xy} + 4x,\; x e^{xy})$ in 50-digit arithmetic
# (mpmath) at the same two doubles.

# %%
report = compare(f, *POINT, methods=diffkit.backends.methods())
print(report)
mpmath.mp.dps = 50
X, Y = mpmath.mpf(x), mpmath.mpf(y)            # the doubles nearest 1.1 and 0.7, exactly
c = mpmath.cos(mpmath.exp(X * Y) + 2 * X ** 2)
exact = [c * (Y * mpmath.exp(X * Y) + 4 * X), c * X * mpmath.exp(X * Y)]


def error(g):
    return max(float(abs(mpmath.mpf(float(a)) - e) / abs(e)) for a, e in zip(g, exact))


errors = {row.method: error(row.gradient) for row in report.rows}
flops = {row.method: row.flops for row in report.rows}
# cos z5 = -0.13 is small where z5 = 4.6: rounding z5 (relative eps) moves cos z5 by
# eps |z5 tan z5| relative, so no double-precision evaluation does better than that
floor = np.finfo(float).eps * abs(z5 * np.tan(z5))
for m in errors:
    print(f"{m:9s} relative error against 50 digits {errors[m]:.1e}")
print(f"the hand-written reverse sweep: {error((bx, by)):.1e}; conditioning floor "
      f"eps |z5 tan z5| = {floor:.1e}; forward tangent == reverse df/dx: {tangent == bx}")
exact_methods = [m for m in errors if m != "fd"]
assert report.agree and all(report[m].error < 1e-15 for m in exact_methods)
assert all(errors[m] < 2 * floor for m in exact_methods) and error((bx, by)) < 2 * floor

# %% [markdown]
# The exact methods agree with each other to the last bit, and with the
# 50-digit value to the accuracy the problem allows (the cosine is evaluated
# near a zero, which amplifies the rounding of its argument). Central
# differences lose a third of the 16 digits (tutorial 3 says why) and pay
# two evaluations of $f$ per input. The cost columns show the other
# difference: the flops a gradient takes, relative to $f$ itself.

# %%
order = list(errors)
fig, (ax_err, ax_cost) = plt.subplots(1, 2, figsize=(10, 3.8))
bars = ax_err.bar(order, [errors[m] for m in order], color="C0")
ax_err.bar_label(bars, [f"{errors[m]:.1e}" for m in order], fontsize=8)
ax_err.axhline(floor, color="gray", ls=":", label="conditioning floor eps |z5 tan z5|")
ax_err.set(yscale="log", ylabel="relative error vs 50-digit gradient",
           title=f"gradient of the lecture example at (x, y) = {POINT}")
ax_err.legend()
probe = diffkit.grad(f, argnums=(0, 1))
probe(*POINT)
f_cost = probe.cost.function_flops               # flops of one evaluation of f
bars = ax_cost.bar(order, [flops[m] / f_cost for m in order], color="C1")
ax_cost.bar_label(bars, [f"{flops[m]} flops" for m in order], fontsize=8)
ax_cost.set(ylabel="flops / flops of one evaluation of f",
            title=f"cost of the gradient (f itself: {f_cost} flops)")
save(fig, "01_methods.png")
digits = {m: -np.log10(errors[m]) for m in order}
print(f"conclusion: exact methods keep {min(digits[m] for m in exact_methods):.1f}+ digits, "
      f"central differences {digits['fd']:.1f}; cost relative to f: "
      + ", ".join(f"{m} {flops[m] / f_cost:.1f}" for m in order))
assert 1e-12 < errors["fd"] < 1e-7 and report["fd"].evaluations == 4
assert report["reverse"].evaluations == 1

# %% [markdown]
# With two inputs every method costs a few evaluations of $f$. The
# differences are in how the costs grow: finite differences and forward mode
# pay per input, reverse mode does not. Tutorial 2 measures that growth.

# %% [markdown]
# ## The derivative as an expression
#
# Symbolic differentiation returns formulas. `derivative` prints them as
# they come from SymPy, with common subexpressions pulled out as
# temporaries (CSE), and as LaTeX. The temporaries are exactly the values a
# reverse sweep stores: $e^{xy}$ is $z_3$ and the cosine is $\bar z_5$.

# %%
plain = derivative(f, *POINT)
shared = derivative(f, *POINT, cse=True)
print(plain, shared, plain.latex(), sep="\n\n")
sw = plain.swell
print(f"operations: function {sw.function_ops}, derivative {sw.derivative_ops} as trees, "
      f"{sw.derivative_ops_cse} with CSE; reverse mode executed {flops['reverse']} flops")
assert sw.derivative_ops_cse <= sw.derivative_ops
