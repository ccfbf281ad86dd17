"""Validation of hyperparameters: one check, one wording, for every optimizer and schedule.

Each constructor checks its arguments when it is called, not at the first
update, so ``adam(eps=-1)`` fails on the line that wrote it. The ranges are
named once here (:data:`POSITIVE`, :data:`FRACTION`, :data:`COUNT`, ...)
and the error names the parameter, the value given and the valid range.
"""

import math
import numbers
from typing import NamedTuple

from ..errors import OptionError

__all__ = ["Range", "POSITIVE", "NONNEGATIVE", "FRACTION", "OPEN_UNIT", "ABOVE_ONE", "COUNT",
           "NONNEGATIVE_COUNT", "check", "check_order"]


class Range(NamedTuple):
    """An interval of valid values, optionally of integers only.

    ``closed_low`` and ``closed_high`` say whether the ends belong to it; an
    infinite end never does, so every accepted value is finite.
    """

    low: float
    high: float
    closed_low: bool = False
    closed_high: bool = False
    integer: bool = False

    def __contains__(self, value):
        above = value >= self.low if self.closed_low else value > self.low
        below = value <= self.high if self.closed_high else value < self.high
        return bool(above and below and math.isfinite(value))

    def __str__(self):
        kind = "an integer" if self.integer else "a number"
        if self.high == math.inf:
            return f"{kind} {'>=' if self.closed_low else '>'} {self.low:g}"
        left, right = "[" if self.closed_low else "(", "]" if self.closed_high else ")"
        return f"{kind} in {left}{self.low:g}, {self.high:g}{right}"


POSITIVE = Range(0.0, math.inf)
"""Step sizes, learning rates, radii of clipping: ``> 0``."""
NONNEGATIVE = Range(0.0, math.inf, closed_low=True)
"""Weight decay, damping, eps of the adaptive methods, temperature: ``>= 0``."""
FRACTION = Range(0.0, 1.0, closed_low=True)
"""Decays, betas, momentum: ``[0, 1)`` (1 would never forget)."""
OPEN_UNIT = Range(0.0, 1.0)
"""Shrink factors and the Armijo constant: ``(0, 1)``."""
ABOVE_ONE = Range(1.0, math.inf)
"""Growth factors: ``> 1``."""
COUNT = Range(1, math.inf, closed_low=True, integer=True)
"""Numbers of steps or pairs: integers ``>= 1``."""
NONNEGATIVE_COUNT = Range(0, math.inf, closed_low=True, integer=True)
"""Step indices and budgets that may be empty: integers ``>= 0``."""


def check(name, value, valid, *, allow_none=False, hint=""):
    """Return ``value`` (as float or int) if it lies in ``valid``, else raise.

    Parameters
    ----------
    name : str
        The parameter's name as the user wrote it.
    value : object
        What the user passed.
    valid : Range
        The values accepted.
    allow_none : bool
        Accept ``None`` (meaning "off") and return it unchanged.
    hint : str
        Why the range is what it is, appended to the message.

    Raises
    ------
    OptionError
        A ``ValueError`` naming ``name``, ``value`` and ``valid``.

    Examples
    --------
    >>> check("memory", 5, COUNT)
    5
    >>> check("decay", 1.5, FRACTION)
    Traceback (most recent call last):
    ...
    diffkit.errors.OptionError: decay=1.5 is not valid: decay must be a number in [0, 1)
    """
    if value is None and allow_none:
        return None
    if valid.integer:
        ok = isinstance(value, numbers.Integral) and not isinstance(value, bool)
    else:
        ok = isinstance(value, numbers.Real) and not isinstance(value, bool)
    if not (ok and value in valid):
        also = " or None" if allow_none else ""
        raise OptionError(f"{name}={value!r} is not valid: {name} must be {valid}{also}"
                          + (f" ({hint})" if hint else ""))
    return int(value) if valid.integer else float(value)


def check_order(low_name, low, high_name, high):
    """Raise unless ``low <= high`` (two already checked bounds of one range).

    Examples
    --------
    >>> check_order("min_step", 1.0, "max_step", 0.5)
    Traceback (most recent call last):
    ...
    diffkit.errors.OptionError: min_step=1.0 exceeds max_step=0.5: min_step must be ...
    """
    if low > high:
        raise OptionError(f"{low_name}={low!r} exceeds {high_name}={high!r}: "
                          f"{low_name} must be <= {high_name}")
