"""The profiler: cost records, sweeps over sizes, fitted exponents, plots and reports.

* :func:`measure`: one function, point and method: the cost record and the
  wall time split into tracing, lowering, kernel loading, first call and
  steady state.
* :func:`sweep`: a family of functions (:mod:`.families`) over sizes and
  methods; :class:`SweepResult` fits log-log exponents, plots, writes CSV/JSON.
* :mod:`.experiments`: the seven lecture experiments, each a table of
  prediction against measurement with plots (``experiments.run(name)``).
* :func:`write_report`: all of them into a folder (``diffkit report``).

matplotlib is imported only when a plot is drawn.
"""
from . import families
from .fit import Comparison, Fit, fit_exponent
from .measure import Measurement, autorange, measure, peak_bytes
from .sweep import SweepResult, sweep

__all__ = ["Comparison", "Fit", "Measurement", "SweepResult", "autorange", "experiments",
           "families", "fit_exponent", "measure", "peak_bytes", "sweep", "write_report"]


def __getattr__(name):
    # the experiments pull in the optimizers and problems: loaded on first use
    if name == "experiments":
        from importlib import import_module
        return import_module(".experiments", __name__)
    if name == "write_report":
        from .report import write_report
        return write_report
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
