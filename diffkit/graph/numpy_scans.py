"""np.cumsum, np.cumprod and their ndarray methods, on traced values.

Like NumPy, no axis means the flattened array.
"""
import numpy as np

from .. import ops
from .numpy_functions import _check_float64, no_extras


def _scan(name):
    def scan(a, axis=None, dtype=None, out=None):
        _check_float64(name, dtype)
        no_extras(name, {"out": out})
        if axis is None:
            a, axis = ops.call("reshape", a, shape=(-1,)), 0
        return ops.call(name, a, axis=axis)
    scan.__name__ = scan.__qualname__ = name
    scan.__doc__ = f"np.{name} and ``x.{name}``."
    return scan


cumsum, cumprod = _scan("cumsum"), _scan("cumprod")

FUNCTIONS = {np.cumsum: cumsum, np.cumprod: cumprod}
METHODS = {"cumsum": cumsum, "cumprod": cumprod}
