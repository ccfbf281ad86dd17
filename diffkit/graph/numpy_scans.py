"""np.cumsum and the ndarray method, on traced values.

Like NumPy, no axis means the flattened array.
"""
import numpy as np

from .. import ops
from .numpy_functions import _check_float64, no_extras


def cumsum(a, axis=None, dtype=None, out=None):
    """np.cumsum and ``x.cumsum``."""
    _check_float64("cumsum", dtype)
    no_extras("cumsum", {"out": out})
    if axis is None:
        a, axis = ops.call("reshape", a, shape=(-1,)), 0
    return ops.call("cumsum", a, axis=axis)


FUNCTIONS = {np.cumsum: cumsum}
METHODS = {"cumsum": cumsum}
