"""``diffkit report``: run the lecture experiments and write a folder a person can read.

The folder holds ``index.md`` and a self-contained ``index.html`` (plots
embedded), the plots as PNG, and each experiment's data as JSON and CSV.
It is written to a temporary sibling folder first and moved into place at
the end (:mod:`.output`), so an existing report is replaced whole or not at
all, and a folder diffkit did not write is never replaced.
"""
import base64
import html
import os
import platform
import sys
import time
from dataclasses import dataclass, field

from .experiments import EXPERIMENTS, run
from .experiments.base import check_choices
from .fit import COLUMNS, markdown_table
from .output import replacing_folder
from .sweep import to_csv

__all__ = ["Report", "write_report"]


@dataclass
class Report:
    """What :func:`write_report` produced."""

    path: str
    results: list = field(default_factory=list)
    seconds: float = 0.0

    def agreement(self):
        """(agreeing, checked) over all experiments."""
        pairs = [r.agreement() for r in self.results]
        return sum(a for a, _ in pairs), sum(c for _, c in pairs)


def write_report(folder="diffkit-report", experiments=None, preset="default", measure="both",
                 progress=None, log=None, sizes=None):
    """Run ``experiments`` (default: all) and write the report folder.

    Parameters
    ----------
    folder : str
        Destination: a new or empty folder, or a report diffkit wrote, which is
        replaced whole (keeping its permissions).  Anything else raises
        :class:`~diffkit.errors.OutputError` before any experiment runs.
    experiments : sequence of str, optional
        Names from :data:`diffkit.profile.experiments.EXPERIMENTS`.
    preset : {"quick", "default", "large"}
    measure : {"ops", "time", "both"}
    progress : bool, optional
        Progress lines of the sweeps on stderr (default: on a terminal).
    log : file-like, optional
        Where to write one line per experiment (e.g. ``sys.stderr``).
    sizes : list of int, optional
        Main-sweep sizes for every experiment run (meant for a single one).

    Returns
    -------
    Report

    Raises
    ------
    OptionError
        An experiment, preset or measure diffkit does not have (before the
        folder is touched).
    OutputError
        A destination that is not diffkit's to replace.
    """
    names = list(EXPERIMENTS) if experiments is None else list(experiments)
    check_choices(names, preset, measure)  # before the folder is touched
    start = time.perf_counter()
    with replacing_folder(folder) as tmp:
        report = Report(os.path.abspath(folder))
        if log:
            log.write(f"[0/{len(names)}] numba kernels (compiled on the first run after "
                      "install, then loaded from the cache) ...\n")
            log.flush()
        warm = _warm_kernels()
        if log:
            log.write(f"[0/{len(names)}] kernels ready ({warm:.1f} s)\n")
        for i, name in enumerate(names):
            if log:
                log.write(f"[{i + 1}/{len(names)}] {name} ...\n")
                log.flush()
            result = run(name, preset=preset, measure=measure, progress=progress, sizes=sizes)
            _write_experiment(result, tmp)
            report.results.append(result)
            if log:
                agree, checked = result.agreement()
                log.write(f"[{i + 1}/{len(names)}] {name}: {agree}/{checked} predictions "
                          f"agree ({result.seconds:.1f} s)\n")
                log.flush()
        report.seconds = time.perf_counter() - start
        meta = _metadata(preset, measure, report.seconds)
        meta["kernels ready in"] = f"{warm:.1f} s"
        with open(os.path.join(tmp, "index.md"), "w") as fh:
            fh.write(_markdown(report, meta))
        with open(os.path.join(tmp, "index.html"), "w") as fh:
            fh.write(_html(report, meta, tmp))
    return report


def _warm_kernels():
    """Compile or load the numba kernels of both sweeps; returns the seconds spent."""
    import numpy as np
    from ..api import grad
    start = time.perf_counter()
    for method in ("reverse", "forward"):
        grad(lambda x: np.sum(x * x), method=method)(np.ones(2))
    return time.perf_counter() - start


def _write_experiment(result, folder):
    result.figure_files = {k: os.path.basename(p) for k, p in result.plot(folder).items()}
    result.to_json(os.path.join(folder, f"{result.name}.json"))
    result.data_files = [f"{result.name}.json"]
    for key, rows in result.tables.items():
        name = f"{result.name}-{key}.csv"
        to_csv(rows, os.path.join(folder, name))
        result.data_files.append(name)


def _metadata(preset, measure, seconds):
    import numpy as np
    from .. import __version__
    return {"date": time.strftime("%Y-%m-%d %H:%M:%S"), "diffkit": __version__,
            "python": platform.python_version(), "numpy": np.__version__,
            "machine": f"{platform.machine()}, {os.cpu_count()} CPU(s)",
            "preset": preset, "measure": measure, "wall time": f"{seconds:.1f} s",
            "command": " ".join(["diffkit"] + sys.argv[1:]) if sys.argv else ""}


def _summary_rows(report):
    for r in report.results:
        agree, checked = r.agreement()
        yield [r.name, r.title, f"{agree}/{checked}", f"{r.seconds:.1f} s"]


def _markdown(report, meta):
    lines = ["# diffkit report: the lectures' cost claims, measured", "",
             " · ".join(f"{k}: {v}" for k, v in meta.items() if v), "",
             "| experiment | title | predictions that agree | time |", "|---|---|---|---|"]
    lines += ["| " + " | ".join(row) + " |" for row in _summary_rows(report)]
    lines += ["", "Exponents are log-log least-squares slopes ± their standard error; op "
              "counts are exact, times are steady-state best-of-repeats per call.", ""]
    for r in report.results:
        lines += [f"## {r.title}", "", r.claim, "", markdown_table(r.comparisons), ""]
        lines += [f"![{r.name} {k}]({f})" for k, f in r.figure_files.items()]
        lines += ["", "Data: " + ", ".join(f"[{f}]({f})" for f in r.data_files), ""]
        lines += [f"- note: {n}" for n in r.notes] + ([""] if r.notes else [])
    return "\n".join(lines)


_CSS = """body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;
color:#222}table{border-collapse:collapse;margin:1em 0;font-size:.9em}td,th{border:1px solid
#ccc;padding:.25em .5em;text-align:left}th{background:#f3f3f3}td.no{color:#b00;font-weight:bold}
td.yes{color:#070}img{max-width:49%;margin:.2em}.meta{color:#666;font-size:.85em}"""


def _table(header, rows, verdict_col=None):
    out = ["<table><tr>" + "".join(f"<th>{html.escape(h)}</th>" for h in header) + "</tr>"]
    for row in rows:
        cells = []
        for i, c in enumerate(row):
            cls = f' class="{c.strip("*")}"' if i == verdict_col and c.strip("*") in (
                "yes", "no") else ""
            cells.append(f"<td{cls}>{html.escape(c.strip('*') if cls else c)}</td>")
        out.append("<tr>" + "".join(cells) + "</tr>")
    return "\n".join(out) + "</table>"


def _html(report, meta, folder):
    parts = ["<!DOCTYPE html><html><head><meta charset='utf-8'>",
             "<title>diffkit report</title>", f"<style>{_CSS}</style></head><body>",
             "<h1>diffkit report: the lectures' cost claims, measured</h1>",
             "<p class='meta'>" + html.escape(" · ".join(f"{k}: {v}" for k, v in meta.items()
                                                         if v)) + "</p>",
             _table(["experiment", "title", "predictions that agree", "time"],
                    list(_summary_rows(report)))]
    for r in report.results:
        parts += [f"<h2 id='{r.name}'>{html.escape(r.title)}</h2>",
                  f"<p>{html.escape(r.claim)}</p>",
                  _table(COLUMNS, [c.cells() for c in r.comparisons], COLUMNS.index("agrees"))]
        for key, name in r.figure_files.items():
            with open(os.path.join(folder, name), "rb") as fh:
                data = base64.b64encode(fh.read()).decode("ascii")
            parts.append(f"<img alt='{html.escape(r.name)} {html.escape(key)}' "
                         f"src='data:image/png;base64,{data}'>")
        parts += [f"<p class='meta'>note: {html.escape(n)}</p>" for n in r.notes]
        parts.append("<p class='meta'>data: " + ", ".join(
            f"<a href='{html.escape(f)}'>{html.escape(f)}</a>" for f in r.data_files) + "</p>")
    parts.append("</body></html>")
    return "\n".join(parts)
