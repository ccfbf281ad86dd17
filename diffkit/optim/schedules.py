"""Step-size schedules: functions of the step count ``t = 0, 1, 2, ...``.

Pass any of them as ``learning_rate`` to an optimizer. The Robbins-Monro
conditions for stochastic approximation ask for ``sum_t eta_t = inf`` (the
steps can travel any distance) and ``sum_t eta_t**2 < inf`` (the gradient
noise they add up has finite variance); :func:`robbins_monro` builds the
polynomial family ``eta0 / (1 + t / t0)**p`` that satisfies both for
``1/2 < p <= 1``. Constant steps violate the second condition and stall at
a noise floor; ``1/sqrt(t)`` sits on the border.

:func:`reduce_on_plateau` needs the loss, not only the count, so it is a
gradient transformation rather than a schedule.
"""

from typing import NamedTuple

import numpy as np

from .base import GradientTransformation, as_schedule
from .checks import (COUNT, NONNEGATIVE, OPEN_UNIT, POSITIVE, Range, check,
                                  check_order)

__all__ = [
    "constant", "polynomial_decay", "inverse_time_decay", "inverse_sqrt_decay",
    "robbins_monro", "step_decay", "exponential_decay", "cosine_decay", "linear_warmup",
    "reduce_on_plateau",
]


# Multipliers that shrink the step or leave it: (0, 1].
SHRINK = Range(0.0, 1.0, closed_high=True)


def constant(value):
    """``eta_t = value``.

    Examples
    --------
    >>> constant(0.1)(1000)
    0.1
    """
    value = check("value", value, POSITIVE)
    return lambda t: value


def polynomial_decay(init, power, scale=1.0):
    """``eta_t = init / (1 + t / scale) ** power``.

    Parameters
    ----------
    init : float
        Step size at ``t = 0``.
    power : float
        Decay exponent ``>= 0``; 1 gives ``1/t`` decay, 0.5 gives ``1/sqrt(t)``.
    scale : float
        Number of steps over which the decay sets in (``> 0``).

    Examples
    --------
    >>> round(polynomial_decay(1.0, power=1.0, scale=10)(10), 3)
    0.5
    """
    init, scale = check("init", init, POSITIVE), check("scale", scale, POSITIVE)
    power = check("power", power, NONNEGATIVE)
    return lambda t: init / (1.0 + t / scale) ** power


def inverse_time_decay(init, scale=1.0):
    """``eta_t = init / (1 + t / scale)``, the classic ``1/t`` decay.

    Examples
    --------
    >>> inverse_time_decay(1.0)(3)
    0.25
    """
    return polynomial_decay(init, 1.0, scale)


def inverse_sqrt_decay(init, scale=1.0):
    """``eta_t = init / sqrt(1 + t / scale)``.

    Examples
    --------
    >>> inverse_sqrt_decay(1.0)(3)
    0.5
    """
    return polynomial_decay(init, 0.5, scale)


def robbins_monro(init, power=1.0, scale=1.0):
    """A polynomial decay that satisfies the Robbins-Monro conditions.

    Parameters
    ----------
    init, scale : float
        As in :func:`polynomial_decay`.
    power : float
        Must lie in ``(1/2, 1]``: above 1 the steps sum to a finite
        distance, at or below 1/2 their squares do not sum.

    Examples
    --------
    >>> round(robbins_monro(0.1, power=0.75)(15), 4)
    0.0125
    >>> robbins_monro(0.1, power=0.5)
    Traceback (most recent call last):
    ...
    diffkit.errors.OptionError: power=0.5 is not valid: power must be a number in (0.5, 1] ...
    """
    check("power", power, Range(0.5, 1.0, closed_high=True),
          hint="robbins_monro needs 1/2 < power <= 1: sum of steps infinite, "
               "sum of squares finite")
    return polynomial_decay(init, power, scale)


def step_decay(init, every, factor=0.1):
    """Multiply the step by ``factor`` every ``every`` steps.

    Examples
    --------
    >>> s = step_decay(1.0, every=100)
    >>> s(99), round(s(100), 12), round(s(250), 12)
    (1.0, 0.1, 0.01)
    """
    init, every = check("init", init, POSITIVE), check("every", every, COUNT)
    factor = check("factor", factor, SHRINK)
    return lambda t: init * factor ** (t // every)


def exponential_decay(init, rate):
    """``eta_t = init * rate ** t`` with ``0 < rate <= 1``.

    Examples
    --------
    >>> exponential_decay(1.0, 0.5)(3)
    0.125
    """
    init, rate = check("init", init, POSITIVE), check("rate", rate, SHRINK)
    return lambda t: init * rate ** t


def cosine_decay(init, total_steps, final=0.0):
    """Half a cosine from ``init`` at ``t = 0`` to ``final`` at ``total_steps``.

    Stays at ``final`` afterwards. Needs ``total_steps >= 1`` and
    ``0 <= final <= init``.

    Examples
    --------
    >>> s = cosine_decay(1.0, total_steps=100)
    >>> s(0), round(s(50), 12), s(100), s(200)
    (1.0, 0.5, 0.0, 0.0)
    """
    init, total = check("init", init, POSITIVE), check("total_steps", total_steps, COUNT)
    final = check("final", final, NONNEGATIVE)
    check_order("final", final, "init", init)

    def schedule(t):
        progress = min(t, total) / total
        return final + 0.5 * (init - final) * (1.0 + float(np.cos(np.pi * progress)))

    return schedule


def linear_warmup(schedule, warmup_steps):
    """Ramp linearly up to ``schedule`` over ``warmup_steps``, then follow it.

    During warm-up ``eta_t = (t + 1) / warmup_steps * schedule(0)``; after it,
    ``schedule`` runs from its own start, ``schedule(t - warmup_steps)``.

    Examples
    --------
    >>> s = linear_warmup(0.1, warmup_steps=4)
    >>> [round(s(t), 3) for t in range(6)]
    [0.025, 0.05, 0.075, 0.1, 0.1, 0.1]
    """
    schedule = as_schedule(schedule, "schedule")
    warmup = check("warmup_steps", warmup_steps, COUNT)

    def warmed(t):
        if t < warmup:
            return (t + 1) / warmup * schedule(0)
        return schedule(t - warmup)

    return warmed


class PlateauState(NamedTuple):
    """Current step size, best loss so far, steps without improvement."""

    step_size: float
    best: float
    waited: int


def reduce_on_plateau(learning_rate, factor=0.1, patience=10, min_delta=0.0):
    """Scale by ``-step_size``; divide the step by 10 when the loss stalls.

    Use it in place of a learning rate at the end of a chain. The loss
    counts as improved when it drops below ``best - min_delta``; after
    ``patience`` steps without improvement the step size is multiplied by
    ``factor`` and the wait starts over.

    Parameters
    ----------
    learning_rate : float
        Initial step size, ``> 0``.
    factor : float
        Multiplier in ``(0, 1)`` applied at each plateau (0.1: divide by 10).
    patience : int
        Steps without improvement tolerated before reducing, ``>= 1``.
    min_delta : float
        Smallest decrease that counts as progress, ``>= 0``.

    Examples
    --------
    >>> import numpy as np
    >>> opt = reduce_on_plateau(1.0, patience=2)
    >>> state = opt.init(np.zeros(1))
    >>> for loss in [3.0, 2.0, 2.0, 2.0]:
    ...     _, state = opt.update(np.ones(1), state, value=loss)
    >>> round(state.step_size, 12)
    0.1
    """
    init_step = check("learning_rate", learning_rate, POSITIVE)
    factor = check("factor", factor, OPEN_UNIT)
    patience = check("patience", patience, COUNT)
    min_delta = check("min_delta", min_delta, NONNEGATIVE)

    def init(params):
        return PlateauState(step_size=init_step, best=np.inf, waited=0)

    def update(updates, state, params=None, *, value, **extra):
        step, best, waited = state
        if value < best - min_delta:
            best, waited = value, 0
        else:
            waited += 1
            if waited >= patience:
                step, waited = step * factor, 0
        return -step * updates, PlateauState(step, best, waited)

    return GradientTransformation(init, update, frozenset({"value"}))
