"""The side-by-side report of :func:`diffkit.compare`: a table, dicts, CSV and JSON."""
import csv
import io
import json
from dataclasses import asdict, dataclass, field

from .profile.measure import format_seconds


@dataclass
class MethodRow:
    """One method's result at the point.

    ``error`` is max_j |g_j - ref_j| / max_j |ref_j| against the reference
    gradient; ``tolerance`` is the largest error counted as agreement (for
    fd, ten times its own error estimate); ``agrees`` says which it was.
    """

    method: str
    options: str
    gradient: list
    error: float
    tolerance: float
    agrees: bool
    evaluations: int
    flops: int
    stored_bytes: int
    first_call_seconds: float
    steady_seconds: float
    error_estimate: float = None
    note: str = ""
    swell: dict = field(default_factory=dict)


@dataclass
class Kink:
    """A kink of a non-smooth op that is active (tied) at the point."""

    node: str
    op: str
    convention: str
    fd: str


def _fmt_grad(g, digits=10):
    shown = [f"{v:.{digits}g}" for v in g[:4]]
    return "[" + ", ".join(shown) + (", ..." if len(g) > 4 else "") + "]"


class CompareReport:
    """Results of every method on one function at one point.

    Attributes
    ----------
    function : str
    point : dict
        Input name -> value (lists for arrays).
    reference : list
        The reference gradient (flat), from reverse mode.
    rows : list of MethodRow
    kinks : list of Kink
    warnings : list of str
    """

    COLUMNS = ("method", "gradient", "rel. error", "agrees", "evals", "flops", "stored B",
               "first call", "steady")

    def __init__(self, function, point, reference, rows, kinks=(), warnings=()):
        self.function = function
        self.point = point
        self.reference = list(reference)
        self.rows = list(rows)
        self.kinks = list(kinks)
        self.warnings = list(warnings)

    def __getitem__(self, method):
        for row in self.rows:
            if row.method == method:
                return row
        raise KeyError(method)

    @property
    def agree(self):
        """True if every method agrees with the reference within its tolerance."""
        return all(r.agrees for r in self.rows)

    def to_dicts(self):
        """One flat dict per method (gradient as a list of floats)."""
        return [asdict(r) for r in self.rows]

    def to_csv(self, path=None):
        """CSV text with one row per method (gradient entries joined by ';')."""
        out = io.StringIO()
        fields = [f for f in MethodRow.__dataclass_fields__ if f != "swell"]
        writer = csv.DictWriter(out, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        for d in self.to_dicts():
            d.pop("swell")
            d["gradient"] = ";".join(repr(float(v)) for v in d["gradient"])
            writer.writerow({k: ("" if v is None else v) for k, v in d.items()})
        text = out.getvalue()
        if path is not None:
            with open(path, "w") as fh:
                fh.write(text)
        return text

    def as_dict(self):
        return {"function": self.function, "point": self.point, "reference": self.reference,
                "methods": self.to_dicts(), "kinks": [asdict(k) for k in self.kinks],
                "warnings": self.warnings, "agree": self.agree}

    def to_json(self, indent=2):
        """The whole report as JSON (``json.loads`` gives :meth:`as_dict`)."""
        return json.dumps(self.as_dict(), indent=indent)

    def __str__(self):
        point = ", ".join(f"{k}={v}" for k, v in self.point.items())
        lines = [f"{self.function} at {point}", ""]
        table = [self.COLUMNS]
        for r in self.rows:
            label = r.method + (f" ({r.options})" if r.options else "")
            table.append((label, _fmt_grad(r.gradient), f"{r.error:.1e}",
                          "yes" if r.agrees else "NO", str(r.evaluations), str(r.flops),
                          str(r.stored_bytes), format_seconds(r.first_call_seconds),
                          format_seconds(r.steady_seconds)))
        widths = [max(len(row[i]) for row in table) for i in range(len(self.COLUMNS))]
        for row in table:
            lines.append("  ".join(c.ljust(w) if i < 2 else c.rjust(w)
                                   for i, (c, w) in enumerate(zip(row, widths))).rstrip())
        lines.append("")
        lines.append("rel. error: max |g - g_ref| / (largest finite |g_ref|) against reverse "
                     "mode; evals: function evaluations (fd) or sweeps; flops: operations "
                     "counted per call")
        for r in self.rows:
            if r.note:
                lines.append(f"{r.method}: {r.note}")
        for k in self.kinks:
            lines.append(f"kink active at {k.node}: {k.convention} (reverse, forward, "
                         f"symbolic); fd: {k.fd}")
        lines.extend(f"warning: {w}" for w in self.warnings)
        return "\n".join(lines).rstrip()

    def __repr__(self):
        return f"<CompareReport {self.function}: {[r.method for r in self.rows]}, " \
               f"agree={self.agree}>"
