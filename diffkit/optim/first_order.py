"""Plain and momentum gradient methods, and the sign-based ones.

GD and SGD share one update, ``x <- x - eta * g``; what makes SGD
stochastic is the data the gradient comes from (minibatches in
:func:`~diffkit.optim.minimize`), not the rule.
"""

from typing import NamedTuple

import numpy as np

from .base import (GradientTransformation, chain, scale_by_learning_rate,
                                stateless)
from .checks import ABOVE_ONE, FRACTION, OPEN_UNIT, POSITIVE, check, check_order

__all__ = [
    "trace", "gd", "sgd", "heavy_ball", "nesterov", "heavy_ball_tuning", "nesterov_tuning",
    "sign_sgd", "rprop",
]


class TraceState(NamedTuple):
    """Momentum buffer (velocity)."""

    velocity: np.ndarray


def trace(decay, nesterov=False):
    """Accumulate a momentum buffer ``v <- decay * v + g``.

    Returns ``v`` (heavy ball) or ``g + decay * v`` (Nesterov). Followed by a
    constant step ``eta`` this is exactly Polyak's
    ``x+ = x - eta g(x) + decay (x - x_prev)``, and with ``nesterov=True``
    Nesterov's ``y = x + decay (x - x_prev)``, ``x+ = y - eta g(y)`` written
    in the look-ahead variable ``y`` (so the gradient is taken where the
    iterate is).

    Parameters
    ----------
    decay : float
        Momentum coefficient in ``[0, 1)``.
    nesterov : bool
        Use Nesterov's look-ahead form.

    Examples
    --------
    >>> import numpy as np
    >>> t = trace(0.5)
    >>> state = t.init(np.zeros(1))
    >>> for _ in range(3):
    ...     v, state = t.update(np.ones(1), state)
    >>> v
    array([1.75])
    """
    decay = check("decay", decay, FRACTION)

    def init(params):
        return TraceState(velocity=np.zeros_like(params, dtype=float))

    def update(updates, state, params=None, **extra):
        velocity = decay * state.velocity + updates
        direction = updates + decay * velocity if nesterov else velocity
        return direction, TraceState(velocity)

    return GradientTransformation(init, update)


def sgd(learning_rate, momentum=0.0, nesterov=False):
    """Stochastic gradient descent, optionally with momentum.

    Parameters
    ----------
    learning_rate : float or callable
        Step size or schedule (:mod:`diffkit.optim.schedules`).
    momentum : float
        Heavy-ball coefficient; 0 gives plain (S)GD.
    nesterov : bool
        Use Nesterov momentum.

    Examples
    --------
    >>> import numpy as np
    >>> opt = sgd(0.1)
    >>> x = np.array([1.0])
    >>> updates, _ = opt.update(2 * x, opt.init(x))   # f = x**2
    >>> x + updates
    array([0.8])
    """
    momentum = check("momentum", momentum, FRACTION)
    if momentum == 0 and not nesterov:
        return scale_by_learning_rate(learning_rate)
    return chain(trace(momentum, nesterov), scale_by_learning_rate(learning_rate))


def gd(learning_rate):
    """Gradient descent ``x <- x - eta grad f(x)`` (same rule as :func:`sgd`).

    Examples
    --------
    >>> import numpy as np
    >>> opt = gd(0.25)
    >>> opt.update(np.array([4.0]), opt.init(np.zeros(1)))[0]
    array([-1.])
    """
    return sgd(learning_rate)


def heavy_ball(learning_rate, momentum=0.9):
    """Polyak's heavy-ball method ``x+ = x - eta g + beta (x - x_prev)``.

    See :func:`heavy_ball_tuning` for the optimal constants on a quadratic.

    Examples
    --------
    >>> import numpy as np
    >>> opt = heavy_ball(1.0, momentum=0.5)
    >>> state = opt.init(np.zeros(1))
    >>> u1, state = opt.update(np.ones(1), state)
    >>> u2, state = opt.update(np.ones(1), state)
    >>> u2   # -eta * g + beta * u1
    array([-1.5])
    """
    return sgd(learning_rate, momentum=momentum)


def nesterov(learning_rate, momentum=0.9):
    """Nesterov's accelerated gradient with constant momentum.

    See :func:`nesterov_tuning` for the strongly convex constants.

    Examples
    --------
    >>> import numpy as np
    >>> opt = nesterov(1.0, momentum=0.5)
    >>> opt.update(np.ones(1), opt.init(np.zeros(1)))[0]
    array([-1.5])
    """
    return sgd(learning_rate, momentum=momentum, nesterov=True)


def _constants(L, mu):
    """Check smoothness ``L`` and strong convexity ``mu``: ``0 < mu <= L``."""
    L, mu = check("L", L, POSITIVE), check("mu", mu, POSITIVE)
    check_order("mu", mu, "L", L)
    return L, mu


def heavy_ball_tuning(L, mu):
    """Polyak's optimal ``(learning_rate, momentum)`` for a quadratic with L and mu.

    ``eta = 4 / (sqrt(L) + sqrt(mu))**2``, ``beta = ((sqrt(k) - 1) / (sqrt(k) + 1))**2``
    with ``k = L / mu``; the distance to the optimum then shrinks by about
    ``(sqrt(k) - 1) / (sqrt(k) + 1)`` per step.

    Examples
    --------
    >>> eta, beta = heavy_ball_tuning(100.0, 1.0)
    >>> round(eta, 4), round(beta, 4)
    (0.0331, 0.6694)
    """
    L, mu = _constants(L, mu)
    root = (L / mu) ** 0.5
    return 4.0 / (L ** 0.5 + mu ** 0.5) ** 2, ((root - 1) / (root + 1)) ** 2


def nesterov_tuning(L, mu):
    """Nesterov's ``(learning_rate, momentum) = (1/L, (sqrt(k)-1)/(sqrt(k)+1))``.

    With these constants the error shrinks by about ``1 - 1/sqrt(k)`` per step.

    Examples
    --------
    >>> eta, beta = nesterov_tuning(100.0, 1.0)
    >>> round(eta, 4), round(beta, 4)
    (0.01, 0.8182)
    """
    L, mu = _constants(L, mu)
    root = (L / mu) ** 0.5
    return 1.0 / L, (root - 1) / (root + 1)


def sign_sgd(learning_rate):
    """signSGD: step ``eta`` against the sign of each gradient entry.

    Examples
    --------
    >>> import numpy as np
    >>> opt = sign_sgd(0.1)
    >>> opt.update(np.array([3.0, -1e-9, 0.0]), opt.init(np.zeros(3)))[0]
    array([-0.1,  0.1, -0. ])
    """
    return chain(stateless(np.sign), scale_by_learning_rate(learning_rate))


class RpropState(NamedTuple):
    """Per-coordinate step sizes and the previous gradient."""

    step_sizes: np.ndarray
    previous: np.ndarray


def rprop(initial_step=0.1, increase=1.2, decrease=0.5, min_step=1e-6, max_step=50.0):
    """Rprop (Riedmiller and Braun, 1993), the iRprop- variant.

    Each coordinate moves against the gradient sign by its own step, which
    grows by ``increase`` while the sign holds and shrinks by ``decrease``
    when it flips; after a flip that coordinate skips one step. Defaults
    are the paper's.

    Examples
    --------
    >>> import numpy as np
    >>> opt = rprop()
    >>> state = opt.init(np.zeros(2))
    >>> _, state = opt.update(np.array([1.0, 1.0]), state)
    >>> u, state = opt.update(np.array([2.0, -1.0]), state)
    >>> u, state.step_sizes
    (array([-0.12,  0.  ]), array([0.12, 0.05]))
    """
    initial_step = check("initial_step", initial_step, POSITIVE)
    increase = check("increase", increase, ABOVE_ONE)
    decrease = check("decrease", decrease, OPEN_UNIT)
    min_step = check("min_step", min_step, POSITIVE)
    max_step = check("max_step", max_step, POSITIVE)
    check_order("min_step", min_step, "max_step", max_step)

    def init(params):
        return RpropState(np.full(np.shape(params), float(initial_step)),
                          np.zeros(np.shape(params)))

    def update(updates, state, params=None, **extra):
        agree = updates * state.previous
        steps = np.where(agree > 0, np.minimum(state.step_sizes * increase, max_step),
                         np.where(agree < 0, np.maximum(state.step_sizes * decrease, min_step),
                                  state.step_sizes))
        # iRprop-: after a sign flip forget the gradient, so the next step
        # neither moves this coordinate nor counts as another flip.
        grad = np.where(agree < 0, 0.0, updates)
        return -np.sign(grad) * steps, RpropState(steps, grad)

    return GradientTransformation(init, update)
