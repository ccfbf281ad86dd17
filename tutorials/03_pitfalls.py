# ---
# jupyter:
#   jupytext:
#     formats: py:percent
# ---

# %% [markdown]
# # 3. Numerical pitfalls: round-off, truncation and expression swell
#
# Two of the four methods of tutorial 1 have a weakness that the lectures
# warn about. A finite difference $(f(x+h) - f(x))/h$ has a truncation error
# that shrinks like $h^p$ and a round-off error, from subtracting two nearly
# equal numbers, that grows like $\varepsilon/h$: no step makes both small.
# Symbolic differentiation is exact but writes the derivative as a tree, and
# a tree repeats every subexpression each time it is used: it swells.
# This tutorial measures both, and the cures: higher-order stencils, the
# complex step and Richardson extrapolation for the first; common
# subexpression elimination (CSE), or automatic differentiation, for the second.

# %%
import os
import sys
import time
from pathlib import Path

import matplotlib
if "ipykernel" not in sys.modules and "MPLBACKEND" not in os.environ:
    matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

import diffkit
from diffkit import fd
from diffkit.profile import families, fit_exponent
from diffkit.symbolic import derivative

OUT = Path(os.environ.get("DIFFKIT_TUTORIAL_OUT", "."))
EPS = np.finfo(float).eps


def save(fig, name):
    OUT.mkdir(parents=True, exist_ok=True)
    fig.tight_layout()
    fig.savefig(OUT / name, dpi=110)
    print(f"saved {OUT / name}")


# %% [markdown]
# ## Truncation against round-off: the V
#
# The test function of Squire and Trapp's complex-step paper,
# $f(x) = e^x / \sqrt{\sin^3 x + \cos^3 x}$ at $x = 1.5$, with 61 relative
# steps from $10^{-16}$ to $10^{-1}$. `fd.error_curve` compares each
# scheme's derivative with reverse mode's. On the right of its minimum each
# curve follows the truncation error $h^p$ ($p$ = 1 forward, 2 central, 4
# for the five-point `central4`); on the left, round-off $\varepsilon/h$. The
# theory puts the bottom near $h^* \approx \varepsilon^{1/(p+1)}$ with error
# $\approx \varepsilon^{p/(p+1)}$ (`fd.optimal_step` has the constants).

# %%
def squire_trapp(x):
    return np.exp(x) / np.sqrt(np.sin(x) ** 3 + np.cos(x) ** 3)


x0 = 1.5
curve = fd.error_curve(squire_trapp, x0, steps=np.logspace(-16, -1, 61),
                       schemes=("forward", "central", "central4", "complex"))
print(f"{'scheme':9s} {'truncation':>10s} {'round-off':>10s} {'best step':>10s} "
      f"{'theory':>8s} {'best error':>10s} {'eps^(p/(p+1))':>14s}")
fits = {}
for scheme, p in [("forward", 1), ("central", 2), ("central4", 4)]:
    h, err = curve.steps, curve.errors[scheme]
    h_best, e_best = curve.best(scheme)
    high = err > 30 * e_best                      # well above the bottom of the V
    trunc = fit_exponent(h[high & (h > h_best)], err[high & (h > h_best)])
    round_off = fit_exponent(h[high & (h < h_best) & (err < 1e-3)],
                             err[high & (h < h_best) & (err < 1e-3)])
    fits[scheme] = (trunc, round_off)
    print(f"{scheme:9s} {trunc.exponent:10.2f} {round_off.exponent:10.2f} {h_best:10.1e} "
          f"{fd.optimal_step(scheme):8.1e} {e_best:10.1e} {EPS ** (p / (p + 1)):14.1e}")
    assert abs(trunc.exponent - p) < 0.05 and abs(round_off.exponent + 1) < 0.2, scheme
    assert abs(np.log10(e_best / EPS ** (p / (p + 1)))) < 1, scheme
    assert abs(np.log10(h_best / fd.optimal_step(scheme))) < 1.5, scheme
tiny = int(np.argmin(abs(np.log10(curve.steps) + 15)))
print(f"at h = 1e-15 the forward difference is off by {curve.errors['forward'][tiny]:.0%}, "
      f"central by {curve.errors['central'][tiny]:.0%}")
flat = curve.errors["complex"][curve.steps < 1e-8]
coarse = curve.steps > 1e-4
print(f"complex step: error {flat.max():.1e} or less for every step below 1e-8 (no "
      f"subtraction, no round-off branch); truncation slope "
      f"{fit_exponent(curve.steps[coarse], curve.errors['complex'][coarse]).exponent:.2f}")
assert flat.max() <= 4 * EPS

fig, ax = plt.subplots(figsize=(8, 5))
styles = {"forward": "C0", "central": "C1", "central4": "C2", "complex": "C3"}
for scheme, color in styles.items():
    err = np.where(curve.errors[scheme] > 0, curve.errors[scheme], np.nan)  # 0: a gap
    label = scheme if scheme not in fits else (
        f"{scheme}: slope {fits[scheme][0].exponent:.2f} (truncation), "
        f"{fits[scheme][1].exponent:.2f} (round-off)")
    ax.loglog(curve.steps, err, ".-" if scheme != "complex" else ".--", color=color,
              label=label, lw=3 if scheme == "central" else 1.2,   # central: under complex
              zorder=3 if scheme == "complex" else 2)
    if curve.optimal[scheme] is not None:
        ax.axvline(curve.optimal[scheme], color=color, ls=":", lw=1)
ax.axhline(EPS, color="gray", ls=":", lw=1, label="machine epsilon")
ax.set(xlabel="relative step h", ylabel="relative error of f'(x)", ylim=(1e-17, 10),
       title=f"finite differences of e^x / sqrt(sin^3 x + cos^3 x) at x = {x0}\n"
             "dotted verticals: optimal steps of theory; gaps: error exactly 0")
ax.legend(fontsize=8, loc="upper center")
save(fig, "03_fd_error_curves.png")

# %% [markdown]
# The round-off branch is the pitfall: below $h^*$ a smaller step is
# *worse*. The complex step follows the central difference's truncation line
# (both err by $f'''(x)h^2/6$) but has no round-off branch at all.
#
# ## Cures: the default steps, the complex step, Richardson
#
# `diffkit.grad(f, method="fd", scheme=...)` and `fd.gradient` use the rule
# of thumb $h = \varepsilon^{1/(p+1)}\max(|x|, 1)$. The complex step
# $\mathrm{Im} f(x + ih)/h$ needs one complex evaluation and no subtraction,
# so $h = 10^{-20}$ is fine. Richardson (Ridders) extrapolation combines
# central differences at shrinking steps and estimates its own error.

# %%
exact = float(diffkit.grad(squire_trapp)(x0))
print(f"{'scheme':11s} {'evaluations':>11s} {'error':>9s} {'estimate':>9s}   step")
results = {}
for scheme in ("forward", "central", "central4", "complex", "richardson"):
    r = fd.gradient(squire_trapp, x0, scheme=scheme)
    results[scheme] = abs(float(r.gradient) - exact) / abs(exact)
    print(f"{scheme:11s} {r.evaluations:11d} {results[scheme]:9.1e} "
          f"{float(r.error) / abs(exact):9.1e}   {float(r.step[0]):.1e}")
    assert abs(float(r.gradient) - exact) <= 10 * float(r.error) + 4 * EPS * abs(exact), scheme
print("the rule-of-thumb step's error against the best step on the curve: " + ", ".join(
    f"{s} x{results[s] / curve.best(s)[1]:.1f}" for s in ("forward", "central", "central4")))
symbolic = float(diffkit.grad(squire_trapp, method="symbolic")(x0))
print(f"reference: reverse mode, {abs(symbolic - exact) / abs(exact):.1e} from symbolic")
assert results["complex"] <= 2 * EPS and results["richardson"] < 1e-12
assert results["central4"] < results["central"] < results["forward"] < 1e-6

# %% [markdown]
# The rule of thumb assumes $|f| \approx |f^{(p+1)}|$; where the higher
# derivatives are larger (here), the best step is smaller and the default
# loses a little accuracy, most for `central4`, whose optimum is flattest.
# The complex step is exact to rounding for one evaluation; Richardson comes
# within about $10^{-14}$ for 14 real ones, and its error estimate holds.
# The complex step's price is that every op must be complex-analytic: a
# program with a kink is refused rather than differentiated wrongly.

# %%
try:
    fd.gradient(lambda x: np.abs(x) * np.exp(x), 1.0, scheme="complex")
except diffkit.UnsupportedError as err:
    print(f"UnsupportedError: {err}")
else:
    raise AssertionError("the complex step accepted abs")

# %% [markdown]
# ## Expression swell, with and without CSE
#
# The logistic map $l \leftarrow 4l(1-l)$ composed $n$ times
# (`families.composition_chain`) is a graph of $3n$ operations, but as one
# expression $l$ appears twice in each step, so the tree doubles with each
# composition, and its derivative (product rule: two copies of the inner
# derivative) grows faster still. `derivative(...).swell` counts the
# operations of the trees and of the code after SymPy's CSE; reverse mode's
# cost record counts what the AD graph executes.

# %%
sizes = list(range(1, 12))
rows = []
for n in sizes:
    case = families.composition_chain()(n)
    start = time.perf_counter()
    sw = derivative(case.fn, *case.args).swell
    sympy_s = time.perf_counter() - start
    reverse = diffkit.grad(case.fn)
    reverse(*case.args)
    rows.append((n, sw.function_ops, sw.derivative_ops, sw.derivative_ops_cse,
                 reverse.cost.flops, sympy_s))
n, fun, tree, cse, ad, secs = map(np.array, zip(*rows))
print(" n  function tree  derivative tree  derivative CSE  reverse-mode flops  SymPy s")
for row in rows:
    print(f"{row[0]:2d} {row[1]:14d} {row[2]:16d} {row[3]:15d} {row[4]:19d} {row[5]:8.2f}")
print(derivative("4*x*(1 - x)"), derivative(families.composition_chain()(2).fn, 0.3, cse=True),
      sep="\n")
big = n >= 4
growth = np.exp(fit_exponent(n[big], tree[big], growth=True).exponent)
growth_f = np.exp(fit_exponent(n[big], fun[big], growth=True).exponent)
cse_slope = fit_exponent(n[big], cse[big]).exponent
ad_slope = fit_exponent(n[big], ad[big]).exponent
print(f"per composition the function tree grows x{growth_f:.2f}, the derivative tree "
      f"x{growth:.2f}; with CSE the derivative grows like n^{cse_slope:.2f}, reverse mode "
      f"like n^{ad_slope:.2f}; at n = {n[-1]}: {tree[-1]} tree ops, {cse[-1]} after CSE, "
      f"{ad[-1]} AD flops ({tree[-1] / ad[-1]:.0f}x and {cse[-1] / ad[-1]:.1f}x the AD cost)")
assert abs(growth_f - 2) < 0.1 and growth > 2.2
assert 1 < cse_slope < 2.5 and abs(ad_slope - 1) < 0.1

fig, ax = plt.subplots(figsize=(7, 4.5))
for values, style, label in [(tree, "o-", f"derivative as a tree (x{growth:.2f} per step)"),
                             (fun, "s--", f"function as a tree (x{growth_f:.2f})"),
                             (cse, "^-", f"derivative after CSE (~n^{cse_slope:.1f})"),
                             (ad, "v-", f"reverse-mode AD flops (~n^{ad_slope:.2f})")]:
    ax.semilogy(n, values, style, label=label)
ax.set(xlabel="compositions n of l -> 4 l (1 - l)", ylabel="operations",
       title="expression swell of the derivative")
ax.legend(fontsize=8)
save(fig, "03_swell.png")

# %% [markdown]
# CSE removes the exponential growth but, because SymPy differentiates the
# tree first and shares afterwards, keeps a polynomial excess over the graph;
# reverse-mode AD never builds the tree and stays linear in $n$. The SymPy
# time column grows with the tree: that, not the final code, is what makes
# symbolic differentiation of deep programs impractical.
