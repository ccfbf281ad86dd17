"""diffkit: four ways to differentiate NumPy code, measured side by side.

Functions and expression strings become computation graphs (networkx DAGs)
that diffkit evaluates with NumPy and differentiates.

Examples
--------
>>> import numpy as np, diffkit
>>> g = diffkit.trace(lambda x, y: np.sin(np.exp(x * y) + 2 * x ** 2), 1.1, 0.7)
>>> print(g.listing())
z1 = x * y
z2 = exp(z1)
z3 = x ** 2
z4 = 2 * z3
z5 = z2 + z4
out = sin(z5)
"""
from . import ops
from .errors import (ArgumentError, DiffkitError, GraphError, NonFiniteError, OptionError,
                     OutputError, ParseError, ShapeError, TraceError, UnsupportedError)
from .graph import Graph, evaluate, parse, passes, trace
from .api import grad, hessian, hvp, jacobian, value_and_grad
from .cost import Cost
from . import backends, fd, optim, problems, profile, symbolic, testing
from .comparison import compare
from .optim import minimize
from .ops.special import logsumexp, softmax


def relu(x):
    """max(x, 0) with relu'(0) = 0 (np.maximum(x, 0) splits 0.5 at the tie)."""
    return ops.call("relu", x)


__version__ = "0.1.0"

__all__ = ["ArgumentError", "Cost", "DiffkitError", "compare", "fd", "symbolic", "Graph", "GraphError", "NonFiniteError",
           "OptionError", "OutputError", "ParseError", "ShapeError",
           "TraceError", "UnsupportedError", "backends", "evaluate", "grad", "hessian", "hvp",
           "jacobian", "logsumexp", "minimize", "ops", "optim", "parse", "passes", "problems", "profile", "relu", "softmax", "testing",
           "trace", "value_and_grad"]
