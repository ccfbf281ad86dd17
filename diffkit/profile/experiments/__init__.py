"""The lecture experiments: each returns a prediction-versus-measurement table and plots."""
from .base import EXPERIMENTS, ExperimentResult, run
from . import chains, fd_error, gradient_cost, graphs, optimization, swell  # noqa: F401  (each module registers its experiments)

__all__ = ["EXPERIMENTS", "ExperimentResult", "run"]
