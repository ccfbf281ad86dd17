# ---
# jupyter:
#   jupytext:
#     formats: py:percent
# ---

# %% [markdown]
# # 4. Optimizers on the lecture problems
#
# The lectures make quantitative promises about first-order methods: on a
# quadratic with condition number $\kappa = L/\mu$, gradient descent contracts
# the error by $(\kappa-1)/(\kappa+1)$ per step, heavy ball by
# $(\sqrt\kappa-1)/(\sqrt\kappa+1)$ and Nesterov by $1-1/\sqrt\kappa$; a
# Polyak-Lojasiewicz function converges linearly without being convex;
# constant-step SGD stalls at a noise floor proportional to the step;
# perturbed GD escapes strict saddles. Here each promise is measured.
# Every gradient comes from diffkit's reverse mode (`method="reverse"`, the
# default of `diffkit.minimize`); the optimizers only receive gradients.

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
from diffkit import optim, problems
OUT = Path(os.environ.get("DIFFKIT_TUTORIAL_OUT", "."))
START = time.perf_counter()


def save(fig, name):
    OUT.mkdir(parents=True, exist_ok=True)
    fig.tight_layout()
    fig.savefig(OUT / name, dpi=110)
    print(f"saved {OUT / name}")


# %% [markdown]
# ## GD, heavy ball and Nesterov on an ill-conditioned quadratic
#
# `problems.quadratic(dim, condition)` has Hessian eigenvalues spread evenly
# over $[\mu, L] = [1, \kappa]$. We run each method with its textbook tuning
# (`heavy_ball_tuning`, `nesterov_tuning`; GD with $\eta = 2/(L+\mu)$) and fit
# the per-step contraction of $\sqrt{f - f^*}$ (the loss is quadratic in the
# error) on the straight part of the log-loss curve, above round-off.

# %%
def methods(L, mu):
    k = L / mu
    return {"GD": (optim.gd(2 / (L + mu)), (k - 1) / (k + 1)),
            "heavy ball": (optim.heavy_ball(*optim.heavy_ball_tuning(L, mu)),
                           (k ** 0.5 - 1) / (k ** 0.5 + 1)),
            "Nesterov": (optim.nesterov(*optim.nesterov_tuning(L, mu)), 1 - k ** -0.5)}


def fitted_rate(loss):
    """Per-step contraction of sqrt(loss), fitted where 1e-4 > loss/loss0 > 1e-22."""
    end = int(np.nonzero(loss > 1e-22 * loss[0])[0][-1])
    below = np.nonzero(loss < 1e-4 * loss[0])[0]
    begin = int(below[0]) if len(below) and end - below[0] > 20 else end // 2
    t = np.arange(begin, end)
    return float(np.exp(np.polyfit(t, np.log(loss[begin:end]), 1)[0] / 2))


kappa = 1000.0
quad = problems.quadratic(dim=50, condition=kappa, seed=0)
fig, ax = plt.subplots(figsize=(7, 4.5))
for (name, (opt, predicted)), color in zip(methods(quad.L, quad.mu).items(), "C0 C1 C2".split()):
    res = diffkit.minimize(quad.fn, quad.x0, opt, steps=3000, progress=False)
    loss = res.history.loss
    rate = fitted_rate(loss)
    print(f"{name:10s} measured rate {rate:.4f} vs predicted {predicted:.4f} "
          f"({np.log(rate) / np.log(predicted):.2f} of the predicted log-rate)")
    # Optimal tunings put a double root at the extreme eigenvalue: the error is
    # (a + b t) r^t, whose fitted slope is a few percent flatter than r^t.
    assert abs(np.log(rate) / np.log(predicted) - 1) < 0.12, name
    steps = np.arange(len(loss))
    ax.semilogy(steps, loss, color=color, label=f"{name} (measured {rate:.4f})")
    ax.semilogy(steps, loss[0] * predicted ** (2 * steps), "--", color=color, lw=1,
                label=f"{name} predicted $r^{{2t}}$, r = {predicted:.4f}")
ax.set(xlim=(0, 1500), ylim=(1e-26, 1e6), xlabel="step t", ylabel="f(x_t) - f*",
       title=f"quadratic, dim 50, condition number {kappa:g}")
ax.legend(fontsize=8)
save(fig, "04_quadratic_rates.png")

# %% [markdown]
# The rates predict how the number of steps grows with $\kappa$: like
# $\kappa$ for GD, like $\sqrt\kappa$ for the accelerated methods. We count
# the steps each needs to reduce the loss by $10^{10}$ and fit the exponent.

# %%
kappas = [10.0, 100.0, 1000.0]
steps_needed = {}
for k in kappas:
    q = problems.quadratic(dim=50, condition=k, seed=1)
    f0 = q(q.x0)
    for name, (opt, _) in methods(q.L, q.mu).items():
        res = diffkit.minimize(q.fn, q.x0, opt, steps=20000, progress=False,
                               callback=lambda info: info.loss < 1e-10 * f0)
        steps_needed.setdefault(name, []).append(res.steps)
fig, ax = plt.subplots(figsize=(6, 4))
for name, counts in steps_needed.items():
    slope = np.polyfit(np.log(kappas), np.log(counts), 1)[0]
    print(f"{name:10s} steps to 1e-10: {counts}; fitted exponent {slope:.2f}")
    assert abs(slope - (1.0 if name == "GD" else 0.5)) < 0.15, name
    ax.loglog(kappas, counts, "o-", label=f"{name}: steps ~ kappa^{slope:.2f}")
ax.set(xlabel="condition number kappa", ylabel="steps to reduce f by 1e10",
       title="iteration count against conditioning")
ax.legend()
save(fig, "04_steps_vs_kappa.png")

# %% [markdown]
# ## A Polyak-Lojasiewicz function: linear convergence without convexity
#
# $f(x) = (x_1 - \cos x_2)^2$ satisfies $\|\nabla f\|^2 \ge 2\mu f$ with
# $\mu = 2$, and GD with $\eta = 1/L$ then obeys
# $f(x_t) \le (1-\mu/L)^t f(x_0)$. The Hessian computed by diffkit (forward
# over reverse) shows that $f$ is not convex.

# %%
pl = problems.pl_cosine()
hessian = diffkit.hessian(pl.fn)
point = np.array([-1.0, 0.5])
lowest = np.linalg.eigvalsh(hessian(point))[0]
print(f"smallest Hessian eigenvalue at {point}: {lowest:.3f} (negative, so f is not convex)")
res = diffkit.minimize(pl.fn, pl.x0, optim.gd(1 / pl.L), steps=60, progress=False)
loss = res.history.loss
bound = loss[0] * (1 - pl.mu / pl.L) ** np.arange(len(loss))
measured = (loss[40] / loss[0]) ** (1 / 40)
print(f"PL bound holds at every step: {bool(np.all(loss <= bound))}; measured rate "
      f"{measured:.3f} per step vs the bound's {1 - pl.mu / pl.L:.3f}; ends at "
      f"x = {np.round(res.x, 4)}, one of the minima on the curve x1 = cos x2 "
      f"(|x1 - cos x2| = {abs(res.x[0] - np.cos(res.x[1])):.1e})")
assert lowest < 0 and np.all(loss <= bound)
fig, ax = plt.subplots(figsize=(6, 4))
ax.semilogy(loss, label="GD, step 1/L (measured)")
ax.semilogy(bound, "--", label=f"PL bound (1 - mu/L)^t f(x0), mu/L = {pl.mu / pl.L:.2f}")
ax.set(xlabel="step t", ylabel="f(x_t) - f*", title="(x1 - cos x2)^2: non-convex, PL")
ax.legend()
save(fig, "04_pl.png")

# %% [markdown]
# ## SGD: the noise floor of a constant step, and decaying schedules
#
# On least squares with noisy labels the per-example gradients do not
# vanish at the minimum. With steps $\eta$ and one example per step, a
# first-order analysis of the stationary covariance predicts
# $\mathbb{E}[f - f^*] \approx \eta\,\mathrm{tr}(\Sigma)/4$, where $\Sigma$ is the
# covariance of per-example gradients at $x^*$, which we compute from the data.
# A step size decaying like $1/t$ (Robbins-Monro) has no floor.

# %%
ls = problems.least_squares(n=5000, d=10, noise=1.0, seed=0)
X, y = ls.data
per_example = X * (X @ ls.x_star - y)[:, None]
trace_sigma = float(np.mean(np.sum(per_example ** 2, axis=1)))
schedules = {"constant 0.02": 0.02, "constant 0.005": 0.005,
             "0.02 / (1 + t/200)": optim.schedules.inverse_time_decay(0.02, scale=200.0)}
fig, ax = plt.subplots(figsize=(7, 4.5))
floors = {}
for (name, lr), color in zip(schedules.items(), "C0 C1 C2".split()):
    gaps = []  # the gap on the full data, recorded every 5 steps by the callback
    record = lambda info: gaps.append(ls(info.x) - ls.f_star) if info.step % 5 == 0 else None
    diffkit.minimize(ls.fn, ls.x0, optim.sgd(lr), data=ls.data, batch_size=1, steps=20000,
                     seed=1, callback=record, progress=False)
    gaps = np.array(gaps)
    floors[name] = gaps[len(gaps) // 2:].mean()
    ax.loglog(5 * np.arange(1, len(gaps)), gaps[1:], color=color, lw=0.8, label=name)
    if isinstance(lr, float):
        ax.axhline(lr * trace_sigma / 4, color=color, ls="--", label=f"predicted floor, eta={lr}")
        print(f"{name}: measured floor {floors[name]:.4f} vs predicted {lr * trace_sigma / 4:.4f}")
        assert 0.5 < floors[name] / (lr * trace_sigma / 4) < 2, name
print(f"floor ratio for a 4x larger step: "
      f"{floors['constant 0.02'] / floors['constant 0.005']:.2f}; the 1/t schedule averages "
      f"{floors['0.02 / (1 + t/200)']:.5f} over the second half, "
      f"{floors['constant 0.005'] / floors['0.02 / (1 + t/200)']:.0f}x below the smaller floor")
assert floors["0.02 / (1 + t/200)"] < floors["constant 0.005"]
ax.set(xlabel="step", ylabel="f(x_t) - f*  (full data)",
       title="SGD, one example per step, least squares with noise")
ax.legend(fontsize=8)
save(fig, "04_sgd_noise_floor.png")

# %% [markdown]
# ## Adaptive methods on a small MLP
#
# `problems.mlp` is a tanh network classifying two rings. Which optimizer
# "wins" depends on the step size each gets, so we sweep a common grid of
# step sizes (minibatches of 20, 1500 steps) and score each run by its mean
# minibatch loss over the last 300 steps (less luck than the very last
# value): we look at the best score, and at how wide a range of step sizes
# scores below 0.05.

# %%
net = problems.mlp(n=200, width=8, seed=0)
rates = 10.0 ** np.arange(-3, 1.01, 0.5)
makers = {"SGD": optim.sgd, "AdaGrad": optim.adagrad, "RMSProp": optim.rmsprop, "Adam": optim.adam}
fig, (ax_lr, ax_curve) = plt.subplots(1, 2, figsize=(11, 4.5))
best = {}
for name, make in makers.items():
    runs = [diffkit.minimize(net.fn, net.x0, make(lr), data=net.data, batch_size=20,
                             steps=1500, seed=0, progress=False) for lr in rates]
    final = np.array([r.history.loss[-300:].mean() if r.status != "diverged" else np.nan
                      for r in runs])
    i = int(np.nanargmin(final))
    good = rates[final < 0.05]
    best[name] = final[i]
    decades = np.log10(good.max() / good.min()) if len(good) else 0.0
    print(f"{name:8s} best lr {rates[i]:<7.3g} score {final[i]:.2e}; "
          f"score < 0.05 for lr in [{good.min():.3g}, {good.max():.3g}] ({decades:.1f} decades)")
    ax_lr.loglog(rates, final, "o-", label=name)
    smooth = np.convolve(runs[i].history.loss, np.ones(50) / 50, mode="valid")
    ax_curve.semilogy(smooth, label=f"{name}, lr={rates[i]:.3g}")
print(f"measured ranking by best score: {' < '.join(sorted(best, key=best.get))}")
ax_lr.axhline(0.05, color="gray", ls=":")
ax_lr.set(xlabel="step size", ylabel="mean loss over the last 300 steps",
          title="step-size sensitivity (missing point: diverged)")
ax_curve.set(xlabel="step", ylabel="minibatch loss (moving average of 50)",
             title="each optimizer at its best step size")
ax_lr.legend(), ax_curve.legend()
save(fig, "04_mlp_adaptive.png")

# %% [markdown]
# ## Escaping a strict saddle with perturbed GD
#
# `problems.strict_saddle()` is $x_1^2/2 + x_2^4/4 - x_2^2/2$, started on the
# stable manifold $x_2 = 0$ of its saddle at the origin. Exact gradients keep
# $x_2 = 0$ forever; perturbed GD adds a small random kick when the gradient
# is small.

# %%
saddle = problems.strict_saddle()
plain = diffkit.minimize(saddle.fn, saddle.x0, optim.gd(0.1), steps=400, progress=False)
kicked = diffkit.minimize(saddle.fn, saddle.x0,
                          optim.perturbed_gd(0.1, radius=0.1, grad_threshold=1e-3, wait=50, seed=0),
                          steps=400, progress=False)
escape = int(np.argmax(kicked.history.loss < saddle.f_star + 1e-3))
print(f"GD ends at x = {plain.x} with f = {plain.fun:.2e}: stuck at the saddle (f* = "
      f"{saddle.f_star}); perturbed GD ends at x = {np.round(kicked.x, 3)} with f = "
      f"{kicked.fun:.4f}, within 1e-3 of f* from step {escape}")
assert plain.x[1] == 0 and abs(plain.fun) < 1e-12 and kicked.fun < saddle.f_star + 1e-3
fig, ax = plt.subplots(figsize=(6, 4))
ax.plot(plain.history.loss, label="GD (stays on the stable manifold)")
ax.plot(kicked.history.loss, label="perturbed GD")
ax.axhline(saddle.f_star, color="gray", ls=":", label="f* = -1/4")
ax.set(xlabel="step", ylabel="f(x_t)", title="strict saddle x1^2/2 + x2^4/4 - x2^2/2")
ax.legend()
save(fig, "04_saddle.png")
print(f"tutorial 4 ran in {time.perf_counter() - START:.1f} s")
