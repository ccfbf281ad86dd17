"""Optimizers as pure gradient transformations, step-size schedules and the loop.

Every optimizer is a :class:`GradientTransformation` ``(init, update)``;
:func:`minimize` feeds it gradients from any diffkit backend (or your own
``(x, *batch) -> (loss, grad)`` callable) and records the run.

Examples
--------
>>> import numpy as np
>>> from diffkit import optim, problems
>>> p = problems.quadratic(dim=5, condition=10.0, seed=0)
>>> res = optim.minimize(p.fn, p.x0, optim.adam(0.1), method=p.value_and_grad,
...                      steps=2000, tol=1e-8)
>>> res.status, bool(np.allclose(res.x, p.x_star, atol=1e-7))
('converged', True)
"""

from .adaptive import (adadelta, adagrad, adam, adamax, adamw, add_decayed_weights,
                                    nadam, rmsprop, scale_by_adadelta, scale_by_adam,
                                    scale_by_adamax, scale_by_rms)
from .base import (EmptyState, GradientTransformation, ScaleState, apply_updates,
                                chain, clip_by_global_norm, clip_by_value,
                                scale_by_learning_rate, state_fields)
from .first_order import (gd, heavy_ball, heavy_ball_tuning, nesterov,
                                       nesterov_tuning, rprop, sgd, sign_sgd, trace)
from .minimize import History, Result, StepInfo, minimize
from .second_order import backtracking_line_search, lbfgs, newton
from .stochastic import (average_iterates, averaged_sgd, minibatches, perturb,
                                      perturbed_gd, perturbed_sgd, sgld)
from . import schedules
from .schedules import reduce_on_plateau

__all__ = [
    "GradientTransformation", "EmptyState", "ScaleState", "chain", "apply_updates",
    "scale_by_learning_rate", "clip_by_value", "clip_by_global_norm", "state_fields",
    "gd", "sgd", "heavy_ball", "nesterov", "heavy_ball_tuning", "nesterov_tuning", "trace",
    "sign_sgd", "rprop",
    "adam", "adamw", "nadam", "adamax", "rmsprop", "adagrad", "adadelta", "scale_by_adam",
    "scale_by_adamax", "scale_by_rms", "scale_by_adadelta", "add_decayed_weights",
    "averaged_sgd", "average_iterates", "perturb", "perturbed_gd", "perturbed_sgd", "sgld",
    "minibatches",
    "newton", "lbfgs", "backtracking_line_search",
    "schedules", "reduce_on_plateau",
    "minimize", "Result", "History", "StepInfo",
]
