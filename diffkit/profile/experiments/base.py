"""What every lecture experiment returns, and the registry that names them.

An experiment is a function ``run(preset="default", measure="both",
progress=None, sizes=None) -> ExperimentResult``.  ``preset`` picks sizes
(``"quick"`` for tests, ``"default"`` for the report, ``"large"`` for a
patient user); ``sizes`` overrides the main sweep's sizes.
"""
import json
import os
import time
from dataclasses import dataclass, field

from ...errors import OptionError
from ..fit import Comparison, markdown_table
from ..sweep import MEASURES

__all__ = ["ExperimentResult", "EXPERIMENTS", "check_choices", "register", "run", "pick",
           "compare_fits"]

EXPERIMENTS = {}
#: The presets; each experiment has a ``*_SETTINGS`` dict from each of them to its settings.
PRESETS = ("quick", "default", "large")


def register(number, name, title):
    """Decorator adding experiment ``number`` (the issue's numbering) under ``name``."""
    def deco(fn):
        fn.number, fn.title = number, title
        EXPERIMENTS[name] = fn
        ordered = sorted(EXPERIMENTS.items(), key=lambda item: item[1].number)
        EXPERIMENTS.clear()
        EXPERIMENTS.update(ordered)
        return fn
    return deco


def check_choices(names=(), preset="default", measure="both"):
    """Refuse an experiment, a preset or a measure diffkit does not have, naming the choices."""
    unknown = [n for n in names if not isinstance(n, str) or n not in EXPERIMENTS]
    if unknown:
        raise OptionError(f"unknown experiment(s) {', '.join(map(repr, unknown))}; choose from "
                          f"{', '.join(EXPERIMENTS)}")
    if preset not in PRESETS:
        raise OptionError(f"preset={preset!r}: choose one of {', '.join(PRESETS)}")
    if measure not in MEASURES:
        raise OptionError(f"measure={measure!r}: choose one of {', '.join(MEASURES)}")


def pick(settings, preset, sizes=None, key="sizes"):
    """The settings dict of ``preset``, with ``sizes`` (if given) replacing ``key``."""
    check_choices(preset=preset)
    settings = dict(settings[preset])
    if sizes is not None:
        settings[key] = [int(s) for s in sizes]
    return settings


def compare_fits(result, case, quantity, predicted, tol=0.15, note="", min_size=None):
    """Comparisons of a sweep's fitted exponents of ``quantity`` with ``predicted``.

    ``predicted`` maps method -> exponent (None: measured, no claim); methods
    the sweep has no data for are left out.  ``min_size`` fits sizes from it up.
    """
    fits = result.fit([quantity], min_size)
    return [Comparison.from_fit(_span(case, fits[(m, quantity)]), fits[(m, quantity)], p, tol,
                                note)
            for m, p in predicted.items() if (m, quantity) in fits and
            fits[(m, quantity)].points >= 2]


def _span(case, fit):
    """``case`` with the fitted range of sizes appended: ``'MLP in w (16..256)'``."""
    return f"{case} ({fit.lo:g}..{fit.hi:g})" if fit.points else case


def upper_half(sizes):
    """The smallest size of the larger half: where fits of times start."""
    sizes = sorted(sizes)
    return sizes[min(len(sizes) // 2, max(len(sizes) - 3, 0))]


@dataclass
class ExperimentResult:
    """The outcome of one lecture experiment.

    Attributes
    ----------
    name, title : str
    claim : str
        What the lectures predict, in a sentence or two.
    comparisons : list of Comparison
        The prediction-versus-measurement table.
    tables : dict
        Table name -> list of row dicts (the data behind the plots).
    figures : dict
        Figure name -> callable returning a matplotlib Figure (drawn lazily).
    notes : list of str
        Skipped methods, limits hit, caveats.
    seconds : float
        Wall time of the run.
    """

    name: str
    title: str
    claim: str
    comparisons: list = field(default_factory=list)
    tables: dict = field(default_factory=dict)
    figures: dict = field(default_factory=dict)
    notes: list = field(default_factory=list)
    seconds: float = 0.0
    settings: dict = field(default_factory=dict)

    def table(self):
        """The prediction-versus-measurement table as Markdown."""
        return markdown_table(self.comparisons)

    def agreement(self):
        """(agreeing, checked): how many predictions the measurements confirm."""
        verdicts = [c.agrees for c in self.comparisons if c.agrees is not None]
        return sum(verdicts), len(verdicts)

    def plot(self, folder=None):
        """Draw every figure; with ``folder``, save them as ``<name>-<figure>.png``.

        Returns ``{figure name: Figure}`` (or ``{figure name: path}`` when saved).
        """
        from ..plots import save
        out = {}
        for key, draw in self.figures.items():
            fig = draw()
            out[key] = save(fig, os.path.join(folder, f"{self.name}-{key}.png")) \
                if folder else fig
        return out

    def as_dict(self):
        return {"name": self.name, "title": self.title, "claim": self.claim,
                "settings": self.settings, "seconds": self.seconds, "notes": self.notes,
                "comparisons": [c.as_dict() for c in self.comparisons],
                "tables": self.tables}

    def to_json(self, path=None):
        text = json.dumps(self.as_dict(), indent=1, default=_jsonable)
        if path:
            with open(path, "w") as fh:
                fh.write(text)
        return text

    def __str__(self):
        lines = [f"{self.title}", "", self.claim, "", self.table()]
        lines += [f"note: {n}" for n in self.notes]
        return "\n".join(lines)


def _jsonable(v):
    try:
        return float(v)
    except (TypeError, ValueError):
        return str(v)


def run(name, preset="default", measure="both", progress=None, sizes=None):
    """Run the experiment called ``name``; returns its :class:`ExperimentResult`.

    Examples
    --------
    >>> from diffkit.profile import experiments
    >>> list(experiments.EXPERIMENTS)
    ['gradient-cost', 'mlp-cost', 'jacobian-order', 'backprop', 'fd-error', 'swell', 'gd-vs-sgd']
    """
    check_choices([name], preset, measure)
    start = time.perf_counter()
    result = EXPERIMENTS[name](preset=preset, measure=measure, progress=progress, sizes=sizes)
    result.seconds = time.perf_counter() - start
    return result
