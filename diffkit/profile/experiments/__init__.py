"""The lecture experiments: each returns a prediction-versus-measurement table and plots."""
from .base import EXPERIMENTS, ExperimentResult, run
from . import gradient_cost  # noqa: F401  (registers gradient-cost and mlp-cost)

__all__ = ["EXPERIMENTS", "ExperimentResult", "run"]
