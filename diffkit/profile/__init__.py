"""The profiler: cost records, sweeps over sizes, fitted exponents, plots and reports."""
from . import families
from .fit import Comparison, Fit, fit_exponent
from .measure import Measurement, autorange, measure, peak_bytes
from .sweep import SweepResult, sweep

__all__ = ["Comparison", "Fit", "Measurement", "SweepResult", "autorange", "families",
           "fit_exponent", "measure", "peak_bytes", "sweep"]
