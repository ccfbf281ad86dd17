"""Adaptive methods: per-coordinate step sizes from gradient statistics.

Each optimizer is a ``scale_by_*`` transformation (the direction) chained
with a learning rate, so the directions can be reused with schedules,
clipping or weight decay. Defaults follow the papers: Adam, AdamW, NAdam
and Adamax from Kingma & Ba (2015) / Dozat (2016) / Loshchilov & Hutter
(2019), RMSProp from Hinton's lecture 6e, AdaGrad from Duchi et al. (2011),
Adadelta from Zeiler (2012).
"""

from typing import NamedTuple

import numpy as np

from .base import GradientTransformation, chain, scale_by_learning_rate
from .checks import FRACTION, NONNEGATIVE, POSITIVE, check

__all__ = [
    "scale_by_adam", "scale_by_adamax", "scale_by_rms", "scale_by_adadelta",
    "add_decayed_weights", "adam", "adamw", "nadam", "adamax", "rmsprop", "adagrad",
    "adadelta",
]


def _ema(average, value, decay):
    """Exponential moving average: ``decay * average + (1 - decay) * value``."""
    return decay * average + (1.0 - decay) * value


def _debias(moment, decay, count):
    """Undo the bias towards 0 of an EMA started at 0, after ``count`` steps."""
    return moment / (1.0 - decay ** count)


def _betas_and_eps(b1, b2, eps):
    """Check Adam-style moment decays (in ``[0, 1)``) and ``eps`` (``>= 0``).

    ``eps = 0`` is allowed: it gives the exactly scale-invariant step, and
    only a coordinate whose gradient has always been 0 then yields 0/0.
    """
    return check("b1", b1, FRACTION), check("b2", b2, FRACTION), check("eps", eps, NONNEGATIVE)


def _rescale(g, mean_square, eps):
    """Divide by the root of a running second moment (AdaGrad, RMSProp, Adam)."""
    return g / (np.sqrt(mean_square) + eps)


class MomentsState(NamedTuple):
    """Step count with first and second moment estimates."""

    count: int
    mu: np.ndarray
    nu: np.ndarray


def _init_moments(params):
    zeros = np.zeros(np.shape(params))
    return MomentsState(0, zeros, zeros)


def scale_by_adam(b1=0.9, b2=0.999, eps=1e-8, nesterov=False):
    """Adam's direction ``mu_hat / (sqrt(nu_hat) + eps)``; NAdam with ``nesterov``.

    NAdam (Dozat, 2016) replaces ``mu_hat`` by the look-ahead
    ``b1 mu_t / (1 - b1**(t+1)) + (1 - b1) g_t / (1 - b1**t)``; here with a
    constant ``b1`` (no momentum schedule).

    Examples
    --------
    >>> import numpy as np
    >>> t = scale_by_adam()
    >>> t.update(np.array([0.1, -5.0]), t.init(np.zeros(2)))[0].round(6)
    array([ 1., -1.])
    """
    b1, b2, eps = _betas_and_eps(b1, b2, eps)

    def update(updates, state, params=None, **extra):
        count = state.count + 1
        mu = _ema(state.mu, updates, b1)
        nu = _ema(state.nu, updates ** 2, b2)
        if nesterov:
            mu_hat = b1 * _debias(mu, b1, count + 1) + (1 - b1) * _debias(updates, b1, count)
        else:
            mu_hat = _debias(mu, b1, count)
        direction = _rescale(mu_hat, _debias(nu, b2, count), eps)
        return direction, MomentsState(count, mu, nu)

    return GradientTransformation(_init_moments, update)


def scale_by_adamax(b1=0.9, b2=0.999, eps=1e-8):
    """Adamax's direction: ``mu_hat`` over an exponentially weighted infinity norm.

    ``u_t = max(b2 u_{t-1}, |g_t|)`` needs no bias correction; ``eps`` only
    guards coordinates whose gradient has always been 0.

    Examples
    --------
    >>> import numpy as np
    >>> t = scale_by_adamax()
    >>> t.update(np.array([2.0, 0.0]), t.init(np.zeros(2)))[0]
    array([1., 0.])
    """
    b1, b2, eps = _betas_and_eps(b1, b2, eps)

    def update(updates, state, params=None, **extra):
        count = state.count + 1
        mu = _ema(state.mu, updates, b1)
        nu = np.maximum(b2 * state.nu, np.abs(updates))
        return _debias(mu, b1, count) / (nu + eps), MomentsState(count, mu, nu)

    return GradientTransformation(_init_moments, update)


class SquaresState(NamedTuple):
    """Running (sum or average of) squared gradients."""

    squares: np.ndarray


def scale_by_rms(decay, eps):
    """Divide by the root of accumulated squared gradients.

    ``decay=None`` sums them (AdaGrad); a number in ``[0, 1)`` keeps an
    exponential average (RMSProp). ``eps >= 0`` is added to the root.

    Examples
    --------
    >>> import numpy as np
    >>> t = scale_by_rms(decay=None, eps=0.0)
    >>> state = t.init(np.zeros(1))
    >>> _, state = t.update(np.array([3.0]), state)
    >>> t.update(np.array([4.0]), state)[0]
    array([0.8])
    """
    decay = check("decay", decay, FRACTION, allow_none=True)
    eps = check("eps", eps, NONNEGATIVE)

    def init(params):
        return SquaresState(np.zeros(np.shape(params)))

    def update(updates, state, params=None, **extra):
        if decay is None:
            squares = state.squares + updates ** 2
        else:
            squares = _ema(state.squares, updates ** 2, decay)
        return _rescale(updates, squares, eps), SquaresState(squares)

    return GradientTransformation(init, update)


class AdadeltaState(NamedTuple):
    """Running averages of squared gradients and of squared steps."""

    grad_squares: np.ndarray
    step_squares: np.ndarray


def scale_by_adadelta(rho=0.95, eps=1e-6):
    """Adadelta's direction ``RMS[dx]_{t-1} / RMS[g]_t * g`` (Zeiler, 2012).

    The ratio of RMS values gives the step the units of the parameters, so
    the method needs no learning rate (use 1.0). ``eps > 0`` is required: it
    sets the size of the first steps (with 0 the method never moves).

    Examples
    --------
    >>> import numpy as np
    >>> t = scale_by_adadelta(rho=0.0, eps=1e-6)
    >>> t.update(np.array([2.0]), t.init(np.zeros(1)))[0].round(6)
    array([0.001])
    """
    rho, eps = check("rho", rho, FRACTION), check("eps", eps, POSITIVE)

    def init(params):
        zeros = np.zeros(np.shape(params))
        return AdadeltaState(zeros, zeros)

    def update(updates, state, params=None, **extra):
        grad_squares = _ema(state.grad_squares, updates ** 2, rho)
        step = np.sqrt(state.step_squares + eps) / np.sqrt(grad_squares + eps) * updates
        step_squares = _ema(state.step_squares, step ** 2, rho)
        return step, AdadeltaState(grad_squares, step_squares)

    return GradientTransformation(init, update)


def add_decayed_weights(weight_decay):
    """Add ``weight_decay * params`` to the direction (decoupled weight decay).

    Examples
    --------
    >>> import numpy as np
    >>> t = add_decayed_weights(0.1)
    >>> t.update(np.zeros(1), t.init(None), np.array([2.0]))[0]
    array([0.2])
    """
    weight_decay = check("weight_decay", weight_decay, NONNEGATIVE)

    def init(params):
        return ()

    def update(updates, state, params=None, **extra):
        return updates + weight_decay * params, state

    return GradientTransformation(init, update)


def adam(learning_rate=1e-3, b1=0.9, b2=0.999, eps=1e-8):
    """Adam (Kingma and Ba, 2015) with the paper's defaults.

    Examples
    --------
    >>> import numpy as np
    >>> opt = adam(0.1)
    >>> opt.update(np.array([5.0]), opt.init(np.zeros(1)))[0].round(6)
    array([-0.1])
    """
    return chain(scale_by_adam(b1, b2, eps), scale_by_learning_rate(learning_rate))


def adamw(learning_rate=1e-3, b1=0.9, b2=0.999, eps=1e-8, weight_decay=1e-2):
    """AdamW: Adam plus weight decay applied outside the adaptive scaling.

    ``x <- x - eta (adam_direction + weight_decay * x)``; unlike an L2 term
    in the loss, the decay is not divided by ``sqrt(nu)``.

    Examples
    --------
    >>> import numpy as np
    >>> opt = adamw(0.1, weight_decay=0.5)
    >>> x = np.array([2.0])
    >>> opt.update(np.zeros(1), opt.init(x), x)[0]   # zero gradient: pure decay
    array([-0.1])
    """
    return chain(scale_by_adam(b1, b2, eps), add_decayed_weights(weight_decay),
                 scale_by_learning_rate(learning_rate))


def nadam(learning_rate=2e-3, b1=0.9, b2=0.999, eps=1e-8):
    """NAdam: Adam with Nesterov momentum (Dozat, 2016; default step 0.002).

    Examples
    --------
    >>> import numpy as np
    >>> opt = nadam(0.1)
    >>> opt.update(np.array([5.0]), opt.init(np.zeros(1)))[0].round(4)
    array([-0.1474])
    """
    return chain(scale_by_adam(b1, b2, eps, nesterov=True),
                 scale_by_learning_rate(learning_rate))


def adamax(learning_rate=2e-3, b1=0.9, b2=0.999, eps=1e-8):
    """Adamax, the infinity-norm variant of Adam (default step 0.002).

    Examples
    --------
    >>> import numpy as np
    >>> opt = adamax(0.1)
    >>> opt.update(np.array([-3.0]), opt.init(np.zeros(1)))[0]
    array([0.1])
    """
    return chain(scale_by_adamax(b1, b2, eps), scale_by_learning_rate(learning_rate))


def rmsprop(learning_rate=1e-3, decay=0.9, eps=1e-8):
    """RMSProp: divide by a running RMS of the gradient (Hinton, lecture 6e).

    Examples
    --------
    >>> import numpy as np
    >>> opt = rmsprop(0.01)
    >>> opt.update(np.array([4.0]), opt.init(np.zeros(1)))[0].round(6)
    array([-0.031623])
    """
    return chain(scale_by_rms(decay, eps), scale_by_learning_rate(learning_rate))


def adagrad(learning_rate=1e-2, eps=1e-8):
    """AdaGrad: divide by the root of the summed squared gradients (Duchi et al., 2011).

    Examples
    --------
    >>> import numpy as np
    >>> opt = adagrad(0.5)
    >>> opt.update(np.array([-4.0]), opt.init(np.zeros(1)))[0].round(6)
    array([0.5])
    """
    return chain(scale_by_rms(None, eps), scale_by_learning_rate(learning_rate))


def adadelta(learning_rate=1.0, rho=0.95, eps=1e-6):
    """Adadelta (Zeiler, 2012); the paper has no learning rate, so 1.0.

    Examples
    --------
    >>> import numpy as np
    >>> opt = adadelta()
    >>> opt.update(np.array([2.0]), opt.init(np.zeros(1)))[0].round(5)
    array([-0.00447])
    """
    return chain(scale_by_adadelta(rho, eps), scale_by_learning_rate(learning_rate))
