"""Sweeps: a function family over sizes, for each method, into a table of measurements.

Rows are appended to a JSON-lines file as they complete (when ``path`` is
given), so an interrupted sweep keeps its data, and running the same sweep
again with the same file measures only what is missing.  The file starts
with :data:`ROWS_HEADER`, so that diffkit appends only to files it wrote;
each row carries the settings it was measured with, and only rows measured
with the settings asked for are reused.
"""
import contextlib
import csv
import io
import json
import warnings

from ..errors import DiffkitError, OptionError, OutputError
from ..progress import ProgressLine
from .fit import fit_exponent
from .measure import measure as measure_one

__all__ = ["SweepResult", "sweep", "method_specs", "to_csv"]

MEASURES = ("ops", "time", "both")
#: First line of a sweep's row file: how diffkit recognizes a file it may append to.
ROWS_HEADER = json.dumps({"diffkit": "sweep rows", "version": 1})
#: Quantities fitted by default for each kind of measurement.
DEFAULT_QUANTITIES = {"ops": ("flops", "sweeps"), "time": ("best_s",),
                      "both": ("flops", "sweeps", "best_s")}


def method_specs(methods):
    """Normalize methods to ``(label, backend, options)``: ``"fd"`` or ``("fd-fwd", "fd", {...})``.

    Examples
    --------
    >>> method_specs(["reverse", ("fd-forward", "fd", {"scheme": "forward"})])
    [('reverse', 'reverse', {}), ('fd-forward', 'fd', {'scheme': 'forward'})]
    """
    specs = []
    for m in methods:
        if isinstance(m, str):
            specs.append((m, m, {}))
        else:
            label, backend, *rest = m
            specs.append((label, backend, dict(rest[0]) if rest else {}))
    return specs


class SweepResult:
    """Measurements of one family over sizes and methods.

    Attributes
    ----------
    family, parameter, request, measure : str
    rows : list of dict
        One per (size, method): ``size``, ``method`` (the label), ``backend``
        and the fields of :meth:`Measurement.as_row`.
    notes : list of str
        What was skipped and why (e.g. a method that is not registered).
    """

    def __init__(self, family, parameter, request="grad", measure="ops", rows=(), notes=()):
        self.family = family
        self.parameter = parameter
        self.request = request
        self.measure = measure
        self.rows = list(rows)
        self.notes = list(notes)

    def __repr__(self):
        return (f"SweepResult({self.family!r}, {len(self.rows)} rows, "
                f"methods={self.methods()})")

    def methods(self):
        """Method labels in first-seen order."""
        return list(dict.fromkeys(r["method"] for r in self.rows))

    def series(self, quantity, min_size=None):
        """``{method: (sizes, values)}``; for ``"flops"`` also ``"f"``, the function itself.

        Sizes below ``min_size`` are left out.
        """
        out = {}
        lo = -float("inf") if min_size is None else min_size
        if quantity == "flops" and self.rows and all("function_flops" in r for r in self.rows):
            first = {}
            for r in sorted(self.rows, key=lambda r: r["size"]):
                if r["size"] >= lo:
                    first.setdefault(r["size"], r["function_flops"])
            out["f"] = (list(first), list(first.values()))
        for m in self.methods():
            rows = sorted((r for r in self.rows if r["method"] == m and r["size"] >= lo and
                           r.get(quantity) is not None), key=lambda r: r["size"])
            out[m] = ([r["size"] for r in rows], [r[quantity] for r in rows])
        return out

    def fit(self, quantities=None, min_size=None):
        """Log-log exponents per method and quantity: ``{(method, quantity): Fit}``.

        ``min_size`` fits the asymptotic regime only (sizes from it up).

        Examples
        --------
        >>> import numpy as np
        >>> from diffkit.profile import families, sweep
        >>> result = sweep(families.rosenbrock(), [4, 8, 16], ["fd"], measure="ops")
        >>> [row["sweeps"] for row in result.rows]  # central differences: 2d evaluations of f
        [8.0, 16.0, 32.0]
        >>> fit = result.fit()[("fd", "sweeps")]
        >>> round(fit.exponent, 6)
        1.0
        """
        quantities = DEFAULT_QUANTITIES[self.measure] if quantities is None else quantities
        fits = {}
        for q in ([quantities] if isinstance(quantities, str) else quantities):
            for m, (x, y) in self.series(q, min_size).items():
                fits[(m, q)] = fit_exponent(x, y, m, q)
        return fits

    def plot(self, quantity="flops", path=None, ax=None, title=None, min_size=None):
        """Log-log plot of ``quantity`` against size with the fitted lines; returns the Figure.

        The lines are fitted (and drawn) from ``min_size`` up.
        """
        from .plots import LABELS, PARAMETERS, figure, loglog, save
        fig, ax = figure() if ax is None else (ax.figure, ax)
        series = self.series(quantity)
        fits = {m: f for (m, q), f in self.fit([quantity], min_size).items()}
        loglog(ax, series, fits, xlabel=PARAMETERS.get(self.parameter, self.parameter),
               ylabel=LABELS.get(quantity, quantity),
               title=title or f"{self.request} of {self.family}: {quantity} against "
                              f"{self.parameter}")
        if path:
            save(fig, path)
        return fig

    def to_csv(self, path=None):
        """The rows as CSV text (dicts as JSON); written to ``path`` if given."""
        return to_csv(self.rows, path)

    def to_json(self, path=None):
        """The whole result as JSON text; written to ``path`` if given."""
        data = {"family": self.family, "parameter": self.parameter, "request": self.request,
                "measure": self.measure, "notes": self.notes, "rows": self.rows}
        return _emit(json.dumps(data, indent=1, default=float), path)

    @classmethod
    def from_json(cls, text):
        data = json.loads(text)
        return cls(data["family"], data["parameter"], data["request"], data["measure"],
                   data["rows"], data["notes"])


def to_csv(rows, path=None):
    """CSV text of a list of row dicts (columns in first-seen order; dicts and lists as JSON).

    Examples
    --------
    >>> print(to_csv([{"size": 4, "ops": {"add": 1}}, {"size": 8, "note": "x"}]), end="")
    size,ops,note
    4,"{""add"": 1}",
    8,,x
    """
    buf = io.StringIO()
    writer = csv.DictWriter(buf, list(dict.fromkeys(k for r in rows for k in r)),
                            lineterminator="\n")
    writer.writeheader()
    for r in rows:
        writer.writerow({k: json.dumps(v, sort_keys=True) if isinstance(v, (dict, list)) else v
                         for k, v in r.items()})
    return _emit(buf.getvalue(), path)


def _emit(text, path):
    if path is not None:
        with open(path, "w") as fh:
            fh.write(text)
    return text


def _open_rows(path):
    """Open the row file at ``path`` for appending; returns ``(rows, file)``.

    A new or empty file gets the header.  A last line cut short by an
    interruption is cut off, so the next row starts on a line of its own.
    A file that does not start with the header is refused, untouched.
    """
    header = ROWS_HEADER.encode() + b"\n"
    try:
        sink = open(path, "a+b")  # never truncates on opening
        sink.seek(0)
        data = sink.read()
    except OSError as err:
        raise OutputError(f"cannot use {path!r} as a sweep file ({err.strerror or err}); "
                          "give sweep another path=") from err
    if header.startswith(data):  # new, or cut short in its header
        sink.truncate(0)
        sink.write(header)
        return [], sink
    if not data.startswith(header):
        sink.close()
        raise OutputError(f"{path!r} is not a diffkit sweep file (its first line is not "
                          f"{ROWS_HEADER}); give sweep another path= or a new file")
    end = data.rfind(b"\n") + 1
    sink.truncate(end)
    rows = []
    for line in data[len(header):end].splitlines():
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError:  # a damaged line: its row is measured again
            continue
    return rows, sink


def _changes(old, new):
    """``key: old -> new`` for each setting that differs."""
    old = old if isinstance(old, dict) else {}
    return ", ".join(f"{k}: {old.get(k)!r} -> {new.get(k)!r}"
                     for k in sorted(set(old) | set(new)) if old.get(k) != new.get(k))


def sweep(family, sizes, methods=("fd", "forward", "reverse"), measure="ops", request="grad",
          path=None, progress=None, repeats=5, min_time=0.02, max_size=None):
    """Measure ``family`` at each size with each method.

    Parameters
    ----------
    family : Family
        See :mod:`diffkit.profile.families`.
    sizes : sequence of int
    methods : sequence
        Backend names or ``(label, backend, options)`` triples.  A backend
        that is not registered is skipped with a note.
    measure : {"ops", "time", "both"}
        ``"ops"`` reads the cost records only (fast: one call per point);
        ``"time"`` and ``"both"`` also time the steady state.
    request : str
        ``"grad"`` (default) or another request of :func:`measure`.
    path : str, optional
        JSON-lines file: rows are appended as they complete, and rows already
        there that were measured with the same settings (backend, options,
        timing, ``repeats``, ``min_time``) are reused, so an interrupted sweep
        resumes.  Rows measured with other settings are measured again, with
        a warning.  A file diffkit did not write raises
        :class:`~diffkit.errors.OutputError` and is left untouched.
    progress : bool, optional
        Progress line on stderr (default: only on a terminal).
    repeats, min_time
        Steady-state timing (see :func:`~diffkit.profile.measure.autorange`).
    max_size : dict, optional
        Method label -> largest size to measure it at (for methods that get
        slow, such as symbolic differentiation).

    Returns
    -------
    SweepResult

    Examples
    --------
    >>> from diffkit.profile import families, sweep
    >>> r = sweep(families.rosenbrock(), [4, 8], ["fd", "reverse"])
    >>> [(row["size"], row["method"], row["evaluations"]) for row in r.rows]
    [(4, 'fd', 8), (4, 'reverse', 1), (8, 'fd', 16), (8, 'reverse', 1)]
    """
    if measure not in MEASURES:
        raise OptionError(f"measure={measure!r}: choose one of {', '.join(MEASURES)}")
    specs, notes = _registered(method_specs(methods))
    timing = measure != "ops"
    wanted = {label: _settings(backend, options, timing, repeats, min_time)
              for label, backend, options in specs}
    stored, sink = _open_rows(path) if path else ([], None)
    with sink or contextlib.nullcontext():  # closed however the sweep ends
        found, other = _stored(stored, family.name, request, wanted)
        result = SweepResult(family.name, family.parameter, request, measure, found.values(),
                             notes)
        limit = max_size or {}
        todo = [(int(n), s) for n in sizes for s in specs
                if (int(n), s[0]) not in found and int(n) <= limit.get(s[0], int(n))]
        again = [(n, s[0]) for n, s in todo if (n, s[0]) in other]
        if again:
            n, label = again[0]
            message = (f"{len(again)} row(s) of {path} were measured with other settings "
                       f"({label} at {family.parameter}={n}: "
                       f"{_changes(other[n, label], wanted[label])}); measuring them again")
            result.notes.append(message)
            warnings.warn(message, stacklevel=2)
        with ProgressLine(f"sweep {family.name}", total=len(todo), enabled=progress) as bar:
            for k, (n, spec) in enumerate(todo):
                where = {family.parameter: n, "method": spec[0]}
                bar.update(k, **where)
                row = _measure_point(result, family, n, spec, request, timing, repeats, min_time)
                if row is not None and sink:
                    line = json.dumps({**row, "settings": wanted[spec[0]]}, default=float)
                    sink.write(line.encode() + b"\n")
                    sink.flush()
                bar.update(k + 1, **where)
    order = {n: i for i, n in enumerate(int(s) for s in sizes)}
    labels = {s[0]: i for i, s in enumerate(specs)}
    result.rows.sort(key=lambda r: (order.get(r["size"], len(order)), labels.get(r["method"], 0)))
    return result


def _registered(specs):
    """The specs whose backend is registered, and a note for each that is not."""
    from ..backends import methods as registered
    available = set(registered())
    notes = [f"method {backend!r} is not registered (diffkit.backends.methods() = "
             f"{sorted(available)}); {label!r} skipped"
             for label, backend, _ in specs if backend not in available]
    return [s for s in specs if s[1] in available], notes


def _settings(backend, options, timing, repeats, min_time):
    """What a row is measured with, as it reads back from JSON (so that == compares them)."""
    settings = {"backend": backend, "options": options, "timing": timing,
                **({"repeats": repeats, "min_time": min_time} if timing else {})}
    return json.loads(json.dumps(settings, sort_keys=True, default=str))


def _stored(rows, family, request, wanted):
    """Split stored rows of this sweep into (size, label) -> reusable row, and -> other settings.

    Rows of other families, requests or labels, or without an integer size, are ignored.
    """
    found, other = {}, {}
    for row in rows:
        label = row.get("method")
        if (row.get("family"), row.get("request")) != (family, request) or \
                label not in wanted or not isinstance(row.get("size"), int):
            continue
        settings = row.pop("settings", None)
        if settings == wanted[label]:
            found[row["size"], label] = row
        else:
            other[row["size"], label] = settings
    return found, other


def _measure_point(result, family, n, spec, request, timing, repeats, min_time):
    """Measure ``spec`` at size ``n`` into ``result``: the new row, or None with a note."""
    label, backend, options = spec
    case = family(n)
    try:
        m = measure_one(case.fn, *case.args, method=backend, request=request,
                        argnums=case.argnums, timing=timing, repeats=repeats,
                        min_time=min_time, options=options)
    except DiffkitError as err:  # e.g. symbolic over its size or time limit
        first = (str(err).splitlines() or [type(err).__name__])[0]
        result.notes.append(f"{label} at {family.parameter}={n} skipped: {first}")
        return None
    row = {"family": family.name, "parameter": family.parameter, "size": n,
           **m.as_row(), "method": label, "backend": backend}
    result.rows.append(row)
    return row
