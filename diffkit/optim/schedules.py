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

from diffkit.optim.base import GradientTransformation, as_schedule

__all__ = [
    "constant", "polynomial_decay", "inverse_time_decay", "inverse_sqrt_decay",
    "robbins_monro", "step_decay", "exponential_decay", "cosine_decay", "linear_warmup",
    "reduce_on_plateau",
]


def _positive(name, value):
    if not value > 0:
        raise ValueError(f"{name} must be positive, got {value!r}")
    return float(value)


def constant(value):
    """``eta_t = value``.

    Examples
    --------
    >>> constant(0.1)(1000)
    0.1
    """
    value = _positive("constant step size", value)
    return lambda t: value


def polynomial_decay(init, power, scale=1.0):
    """``eta_t = init / (1 + t / scale) ** power``.

    Parameters
    ----------
    init : float
        Step size at ``t = 0``.
    power : float
        Decay exponent; 1 gives ``1/t`` decay, 0.5 gives ``1/sqrt(t)``.
    scale : float
        Number of steps over which the decay sets in.

    Examples
    --------
    >>> round(polynomial_decay(1.0, power=1.0, scale=10)(10), 3)
    0.5
    """
    init = _positive("init", init)
    scale = _positive("scale", scale)
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
    ValueError: robbins_monro needs 1/2 < power <= 1 (sum of steps infinite, ...; got power=0.5
    """
    if not 0.5 < power <= 1.0:
        raise ValueError("robbins_monro needs 1/2 < power <= 1 (sum of steps infinite, "
                         f"sum of squares finite); got power={power}")
    return polynomial_decay(init, power, scale)


def step_decay(init, every, factor=0.1):
    """Multiply the step by ``factor`` every ``every`` steps.

    Examples
    --------
    >>> s = step_decay(1.0, every=100)
    >>> s(99), round(s(100), 12), round(s(250), 12)
    (1.0, 0.1, 0.01)
    """
    init = _positive("init", init)
    if int(every) < 1:
        raise ValueError(f"step_decay needs every >= 1, got {every!r}")
    return lambda t: init * factor ** (t // int(every))


def exponential_decay(init, rate):
    """``eta_t = init * rate ** t`` with ``0 < rate <= 1``.

    Examples
    --------
    >>> exponential_decay(1.0, 0.5)(3)
    0.125
    """
    init = _positive("init", init)
    if not 0 < rate <= 1:
        raise ValueError(f"exponential_decay needs 0 < rate <= 1, got {rate!r}")
    return lambda t: init * rate ** t


def cosine_decay(init, total_steps, final=0.0):
    """Half a cosine from ``init`` at ``t = 0`` to ``final`` at ``total_steps``.

    Stays at ``final`` afterwards.

    Examples
    --------
    >>> s = cosine_decay(1.0, total_steps=100)
    >>> s(0), round(s(50), 12), s(100), s(200)
    (1.0, 0.5, 0.0, 0.0)
    """
    init = _positive("init", init)
    total = int(total_steps)

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
    schedule = as_schedule(schedule)
    warmup = int(warmup_steps)
    if warmup < 1:
        raise ValueError(f"linear_warmup needs warmup_steps >= 1, got {warmup_steps!r}")

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
        Initial step size.
    factor : float
        Multiplier applied at each plateau (0.1: divide by 10).
    patience : int
        Steps without improvement tolerated before reducing.
    min_delta : float
        Smallest decrease that counts as progress.

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
    init_step = _positive("learning_rate", learning_rate)

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
