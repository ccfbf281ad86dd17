"""Gradient transformations: the pieces every optimizer is built from.

An optimizer is a pair of pure functions bundled in a
:class:`GradientTransformation`:

- ``init(params) -> state`` builds the initial state (a NamedTuple);
- ``update(updates, state, params, **extra) -> (updates, state)`` turns
  gradients into the step to add to the parameters.

Parameters are one NumPy array (models pack their weights in one flat
vector). Transformations never compute gradients; a few need more than the
gradient and say so in ``needs``: ``"value"`` (the loss at ``params``),
``"oracle"`` (a callable ``x -> (loss, grad)`` on the same data, for line
searches) or ``"hessian"`` (the Hessian matrix at ``params``). The
:func:`~diffkit.optim.minimize` loop supplies exactly what is needed.
"""

from typing import Callable, NamedTuple

import numpy as np

from ..errors import OptionError
from .checks import NONNEGATIVE_COUNT, POSITIVE, check

__all__ = [
    "GradientTransformation", "EmptyState", "ScaleState", "chain", "apply_updates",
    "scale_by_learning_rate", "clip_by_value", "clip_by_global_norm", "state_fields",
]


class GradientTransformation(NamedTuple):
    """An optimizer as an ``(init, update)`` pair of pure functions.

    Attributes
    ----------
    init : callable
        ``init(params) -> state``.
    update : callable
        ``update(updates, state, params=None, **extra) -> (updates, state)``.
    needs : frozenset of str
        Extra keyword inputs ``update`` requires: any of ``"value"``,
        ``"oracle"``, ``"hessian"``.
    """

    init: Callable
    update: Callable
    needs: frozenset = frozenset()


class EmptyState(NamedTuple):
    """State of a transformation that remembers nothing."""


class ScaleState(NamedTuple):
    """Step counter and the step size used by the last update."""

    count: int
    step_size: float


def chain(*transforms):
    """Compose transformations: each one's output is the next one's input.

    Parameters
    ----------
    *transforms : GradientTransformation
        Applied left to right.

    Returns
    -------
    GradientTransformation
        State is the tuple of the parts' states; ``needs`` is their union.

    Examples
    --------
    >>> import numpy as np
    >>> opt = chain(clip_by_value(1.0), scale_by_learning_rate(0.5))
    >>> state = opt.init(np.zeros(2))
    >>> updates, state = opt.update(np.array([4.0, -0.2]), state)
    >>> updates
    array([-0.5,  0.1])
    """
    for t in transforms:
        if not isinstance(t, GradientTransformation):
            raise OptionError(f"chain() takes GradientTransformation objects, got {t!r}; "
                              "build them with diffkit.optim functions such as adam()")

    def init(params):
        return tuple(t.init(params) for t in transforms)

    def update(updates, state, params=None, **extra):
        new_state = []
        for t, s in zip(transforms, state):
            updates, s = t.update(updates, s, params, **extra)
            new_state.append(s)
        return updates, tuple(new_state)

    needs = frozenset().union(*(t.needs for t in transforms))
    return GradientTransformation(init, update, needs)


def apply_updates(params, updates):
    """Return ``params + updates`` (the step is already signed).

    Examples
    --------
    >>> import numpy as np
    >>> apply_updates(np.array([1.0, 2.0]), np.array([-0.5, 0.5]))
    array([0.5, 2.5])
    """
    return params + updates


def as_schedule(learning_rate, name="learning_rate"):
    """Turn a positive number or a callable of the step count into a callable."""
    if callable(learning_rate):
        return learning_rate
    value = check(name, learning_rate, POSITIVE,
                  hint="or a schedule from diffkit.optim.schedules")
    return lambda count: value


def scale_by_learning_rate(learning_rate):
    """Multiply by ``-learning_rate`` (descent), with an optional schedule.

    Parameters
    ----------
    learning_rate : float or callable
        A positive number, or a schedule ``count -> step size`` from
        :mod:`diffkit.optim.schedules` (``count`` starts at 0).

    Examples
    --------
    >>> import numpy as np
    >>> opt = scale_by_learning_rate(lambda t: 1.0 / (t + 1))
    >>> state = opt.init(np.zeros(1))
    >>> for _ in range(2):
    ...     updates, state = opt.update(np.ones(1), state)
    >>> updates, state.step_size
    (array([-0.5]), 0.5)
    """
    schedule = as_schedule(learning_rate)

    def init(params):
        return ScaleState(count=0, step_size=float(schedule(0)))

    def update(updates, state, params=None, **extra):
        step = float(schedule(state.count))
        return -step * updates, ScaleState(count=state.count + 1, step_size=step)

    return GradientTransformation(init, update)


def stateless(fn):
    """A transformation with no state that maps ``updates -> fn(updates)``."""

    def init(params):
        return EmptyState()

    def update(updates, state, params=None, **extra):
        return fn(updates), state

    return GradientTransformation(init, update)


def clip_by_value(max_abs):
    """Clip every gradient entry to ``[-max_abs, max_abs]``.

    Examples
    --------
    >>> import numpy as np
    >>> opt = clip_by_value(1.0)
    >>> opt.update(np.array([3.0, -0.5]), opt.init(None))[0]
    array([ 1. , -0.5])
    """
    max_abs = check("max_abs", max_abs, POSITIVE)
    return stateless(lambda g: np.clip(g, -max_abs, max_abs))


def clip_by_global_norm(max_norm):
    """Rescale the gradient so its 2-norm is at most ``max_norm``.

    The direction is kept, unlike clipping by value.

    Examples
    --------
    >>> import numpy as np
    >>> opt = clip_by_global_norm(1.0)
    >>> opt.update(np.array([3.0, 4.0]), opt.init(None))[0]
    array([0.6, 0.8])
    """
    max_norm = check("max_norm", max_norm, POSITIVE)

    def clip(g):
        norm = np.linalg.norm(g)
        return g * (max_norm / norm) if norm > max_norm else g

    return stateless(clip)


def state_fields(state, name):
    """All values of fields called ``name`` in a (nested) optimizer state.

    The loop reads ``step_size`` and ``average`` this way, without knowing
    how the optimizer was composed.

    Examples
    --------
    >>> import numpy as np
    >>> opt = chain(clip_by_value(1.0), scale_by_learning_rate(0.1))
    >>> state_fields(opt.init(np.zeros(1)), "step_size")
    [0.1]
    """
    found = []
    stack = [state]
    while stack:
        s = stack.pop()
        if hasattr(s, "_fields"):
            if name in s._fields:
                found.append(getattr(s, name))
            stack.extend(reversed([v for v in s if isinstance(v, tuple)]))
        elif isinstance(s, tuple):
            stack.extend(reversed(s))
    return found


def noise_entropy(seed):
    """The entropy a noisy transformation draws from: ``seed``, or fresh OS entropy.

    ``None`` follows NumPy's convention (``np.random.default_rng(None)``):
    each transformation built without a seed gets its own entropy, so two of
    them in one chain, or noise beside minibatch sampling, never repeat each
    other's draws. An integer seed makes the noise reproducible.

    Examples
    --------
    >>> noise_entropy(7), noise_entropy(None) != noise_entropy(None)
    (7, True)
    """
    if seed is None:
        return np.random.SeedSequence().entropy
    return check("seed", seed, NONNEGATIVE_COUNT, allow_none=True)


def noise_generator(entropy, count):
    """A NumPy Generator for step ``count`` of a noisy transformation.

    Deriving it from ``(entropy, count)`` keeps ``update`` a pure function:
    the same state always gives the same noise. The count is a spawn key, so
    no step's stream coincides with ``np.random.default_rng(entropy)``, the
    stream :func:`~diffkit.optim.minimize` samples minibatches from when
    given the same seed.
    """
    return np.random.default_rng(np.random.SeedSequence(entropy, spawn_key=(count,)))
