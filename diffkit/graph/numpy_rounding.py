"""np.round / np.around / np.fix and ``x.round``: rounding composed of elementwise ops.

NumPy rounds to ``decimals`` digits as ``rint(x * 10**d) / 10**d`` (for
``d < 0``: ``rint(x / 10**-d) * 10**-d``), so the same three ops give its
bits.  Rounding is piecewise constant: its derivative is 0 (see the ``rint``
record).
"""
import numpy as np

from .. import ops
from ..errors import ArgumentError
from .numpy_functions import no_extras


def _power_of_ten(n):
    """10.0**n as NumPy's rounding computes it: exact up to 1e8, then repeated products."""
    if n < 9:
        return float(10 ** n)
    value = 1e9
    for _ in range(n - 9):
        value *= 10.0
    return value


def around(a, decimals=0, out=None):
    """np.round, np.around and ``x.round``: round half to even at ``decimals`` digits."""
    no_extras("round", {"out": out})
    if not isinstance(decimals, (int, np.integer)) or isinstance(decimals, bool):
        raise ArgumentError(f"np.round: decimals={decimals!r} must be an integer")
    decimals = int(decimals)
    if decimals == 0:
        return ops.call("rint", a)
    scale = _power_of_ten(abs(decimals))
    if decimals > 0:
        return ops.call("div", ops.call("rint", ops.call("mul", a, scale)), scale)
    return ops.call("mul", ops.call("rint", ops.call("div", a, scale)), scale)


def fix(x, out=None):
    """np.fix: round toward zero, which for floats is np.trunc."""
    no_extras("fix", {"out": out})
    return ops.call("trunc", x)


FUNCTIONS = {np.round: around, np.around: around, np.fix: fix}
METHODS = {"round": around}
