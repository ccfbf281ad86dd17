"""Figures for sweeps and experiments: log-log axes, fitted lines, slopes in the legend.

matplotlib is imported only here and only when a figure is drawn.  Figures
are built with ``matplotlib.figure.Figure`` (no pyplot, no global backend
switch), which renders with Agg when saved to a file.
"""
import numpy as np

#: Axis labels with units, per quantity.
LABELS = {
    "flops": "floating-point operations per call (flops)",
    "function_flops": "flops of one evaluation of f",
    "sweeps": "cost relative to f (flops / flops of f)",
    "evaluations": "kernel runs per call",
    "stored_bytes": "stored intermediates (bytes)",
    "peak_bytes": "peak Python memory of one call (bytes)",
    "best_s": "steady-state time per call, best (s)",
    "median_s": "steady-state time per call, median (s)",
    "first_call_s": "first call (s)",
    "trace_s": "tracing (s)",
    "lower_s": "lowering and compiling (s)",
}

#: Axis labels of the size parameters.
PARAMETERS = {"d": "input dimension d", "w": "width w", "L": "depth L (layers)",
              "V": "graph nodes V", "n": "compositions n", "E": "graph edges E"}

#: One colour per method, the same in every figure.
COLORS = {"f": "black", "fd": "tab:orange", "forward": "tab:blue", "reverse": "tab:green",
          "symbolic": "tab:purple", "naive": "tab:red", "backprop": "tab:green",
          "optimal": "tab:purple"}


#: Line styles that keep coinciding lines visible.
STYLES = {"f": "--", "optimal": ":", "symbolic": "-."}


def figure(width=6.4, height=4.4):
    """A new (Figure, Axes) pair."""
    from matplotlib.figure import Figure
    fig = Figure(figsize=(width, height), layout="constrained")
    return fig, fig.subplots()


def color(method, index=0):
    return COLORS.get(method, f"C{index % 10}")


def loglog(ax, series, fits=None, xlabel="size", ylabel="", title=""):
    """Draw ``{method: (sizes, values)}`` as points with fitted lines on log-log axes.

    Parameters
    ----------
    ax : matplotlib Axes
    series : dict
        method -> (sizes, values).
    fits : dict, optional
        method -> :class:`~diffkit.profile.fit.Fit`; its slope goes in the legend.

    Examples
    --------
    >>> from diffkit.profile.fit import fit_exponent
    >>> from diffkit.profile.plots import figure, loglog
    >>> fig, ax = figure()
    >>> loglog(ax, {"reverse": ([1, 2, 4], [3, 6, 12])},
    ...        {"reverse": fit_exponent([1, 2, 4], [3, 6, 12])}, "d", "flops", "demo")
    >>> [t.get_text() for t in ax.get_legend().get_texts()]
    ['reverse: slope 1.00 ± 0.00']
    """
    fits = fits or {}
    for i, (method, (x, y)) in enumerate(series.items()):
        c = color(method, i)
        x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
        style = STYLES.get(method, "-")
        fit = fits.get(method)
        if fit is not None and np.isfinite(fit.exponent):
            ax.plot(x, y, "o", color=c, ms=4)
            xs = np.geomspace(fit.lo, fit.hi, 50) if not fit.growth else \
                np.linspace(fit.lo, fit.hi, 50)
            ax.plot(xs, fit(xs), style, color=c, lw=1.2 if style == "-" else 2.0,
                    label=f"{method}: {fit.label()}")
        else:
            ax.plot(x, y, "o" + style, color=c, ms=4, label=method)
    ax.set_xscale("log")
    ax.set_yscale("log")
    sizes = sorted({float(v) for x, _ in series.values() for v in x})
    if 1 < len(sizes) <= 12:  # label the sizes themselves, in plain numbers
        from matplotlib.ticker import NullFormatter
        ax.set_xticks(sizes, [f"{v:g}" for v in sizes])
        ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.grid(True, which="major", alpha=0.3)
    if series:
        ax.legend(fontsize="small")


def save(fig, path):
    """Write ``fig`` as a PNG (120 dpi) and return the path."""
    fig.savefig(path, dpi=120)
    return path
