"""The lecture experiments: each returns a prediction-versus-measurement table and plots.

Registered in the lectures' order: gradient-cost, mlp-cost, jacobian-order,
backprop, fd-error, swell, gd-vs-sgd.
"""
from .base import EXPERIMENTS, ExperimentResult, run
# each module registers its experiments
from . import chains, fd_error, gradient_cost, graphs, optimization, swell  # noqa: F401

__all__ = ["EXPERIMENTS", "ExperimentResult", "run"]
