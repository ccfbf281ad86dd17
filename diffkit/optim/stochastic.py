"""Noise, averaging and minibatches: the stochastic side of optimization.

The noisy transformations draw their noise from a Generator seeded by
``(seed, step count)``, so ``update`` stays a pure function of its inputs
and a run with an integer seed is reproducible. The default ``seed=None``
draws fresh entropy for each transformation built (NumPy's convention), so
two noisy parts of one chain, or two runs, never share their noise.
"""

from typing import NamedTuple

import numpy as np

from ..errors import OptionError
from .base import (GradientTransformation, as_schedule, chain, noise_entropy,
                                noise_generator, scale_by_learning_rate)
from .checks import COUNT, NONNEGATIVE, NONNEGATIVE_COUNT, check

__all__ = [
    "average_iterates", "averaged_sgd", "perturb", "perturbed_gd", "perturbed_sgd", "sgld",
    "minibatches",
]


class AverageState(NamedTuple):
    """Steps taken and the running average of the iterates."""

    count: int
    average: np.ndarray


def average_iterates(start=0):
    """Keep the Polyak-Ruppert average of the iterates; pass updates through.

    Place it last in a chain: it needs the final update to know the next
    iterate. The average covers the iterates after step ``start`` and is
    reported as ``result.average`` by :func:`~diffkit.optim.minimize`.

    Examples
    --------
    >>> import numpy as np
    >>> t = average_iterates()
    >>> x = np.zeros(1)
    >>> state = t.init(x)
    >>> for step in [1.0, 1.0, 1.0]:   # iterates 1, 2, 3
    ...     u, state = t.update(np.array([step]), state, x)
    ...     x = x + u
    >>> state.average
    array([2.])
    """
    start = check("start", start, NONNEGATIVE_COUNT)

    def init(params):
        return AverageState(0, np.array(params, dtype=float))

    def update(updates, state, params=None, **extra):
        count = state.count + 1
        average = state.average
        if count > start:
            average = average + (params + updates - average) / (count - start)
        return updates, AverageState(count, average)

    return GradientTransformation(init, update)


def averaged_sgd(learning_rate, start=0):
    """SGD whose answer is the average of its iterates (Polyak and Juditsky, 1992).

    Averaging cancels much of the noise of constant-step SGD; with steps
    decaying slower than ``1/t`` it reaches the optimal asymptotic variance.

    Examples
    --------
    >>> import numpy as np
    >>> opt = averaged_sgd(0.5)
    >>> opt.update(np.array([2.0]), opt.init(np.zeros(1)), np.zeros(1))[1][1].average
    array([-1.])
    """
    return chain(scale_by_learning_rate(learning_rate), average_iterates(start))


class PerturbState(NamedTuple):
    """Step count and the step of the last perturbation."""

    count: int
    last: int


def _unit_sphere(rng, shape):
    """A point uniformly distributed on the unit sphere of R^n."""
    z = rng.standard_normal(shape)
    return z / np.linalg.norm(z)


def perturb(radius, grad_threshold=None, wait=1, seed=None):
    """Add ``radius * u`` to the gradient, ``u`` uniform on the unit sphere.

    Parameters
    ----------
    radius : float
        Size of the perturbation, ``>= 0`` (in gradient units; the iterate
        moves by ``learning_rate * radius``).
    grad_threshold : float, optional
        Perturb only when the gradient norm is at most this, i.e. near a
        stationary point (Jin et al., 2017). ``None`` perturbs every step
        (Ge et al., 2015).
    wait : int
        Minimum number of steps between perturbations (``>= 1``), so that
        descent can carry the iterate away from a saddle before the next kick.
    seed : int, optional
        Seed of the noise; ``None`` draws fresh entropy for this
        transformation (see the module notes).

    Examples
    --------
    >>> import numpy as np
    >>> t = perturb(2.0, grad_threshold=1e-3)
    >>> g, _ = t.update(np.zeros(3), t.init(np.zeros(3)))
    >>> round(float(np.linalg.norm(g)), 12)
    2.0
    >>> t.update(np.ones(3), t.init(np.zeros(3)))[0]   # large gradient: untouched
    array([1., 1., 1.])
    """
    radius = check("radius", radius, NONNEGATIVE)
    grad_threshold = check("grad_threshold", grad_threshold, NONNEGATIVE, allow_none=True)
    wait = check("wait", wait, COUNT)
    entropy = noise_entropy(seed)

    def init(params):
        return PerturbState(0, -wait)

    def update(updates, state, params=None, **extra):
        count, last = state
        small = grad_threshold is None or np.linalg.norm(updates) <= grad_threshold
        if small and count - last >= wait:
            updates = updates + radius * _unit_sphere(noise_generator(entropy, count),
                                                      np.shape(updates))
            last = count
        return updates, PerturbState(count + 1, last)

    return GradientTransformation(init, update)


def perturbed_gd(learning_rate, radius, grad_threshold, wait=10, seed=None):
    """Gradient descent that kicks the iterate when the gradient is small.

    Plain GD started on the stable manifold of a strict saddle converges to
    the saddle; a random kick leaves that measure-zero set and the negative
    curvature then carries the iterate away (Jin et al., 2017).

    Examples
    --------
    >>> import numpy as np
    >>> opt = perturbed_gd(0.1, radius=1.0, grad_threshold=1e-3)
    >>> u, _ = opt.update(np.zeros(2), opt.init(np.zeros(2)))
    >>> round(float(np.linalg.norm(u)), 12)
    0.1
    """
    return chain(perturb(radius, grad_threshold, wait, seed),
                 scale_by_learning_rate(learning_rate))


def perturbed_sgd(learning_rate, radius, seed=None):
    """SGD with a sphere perturbation of the gradient at every step (Ge et al., 2015).

    Examples
    --------
    >>> import numpy as np
    >>> opt = perturbed_sgd(0.5, radius=1.0)
    >>> u, _ = opt.update(np.zeros(4), opt.init(np.zeros(4)))
    >>> round(float(np.linalg.norm(u)), 12)
    0.5
    """
    return chain(perturb(radius, None, 1, seed), scale_by_learning_rate(learning_rate))


class LangevinState(NamedTuple):
    """Step count and the step size used by the last update."""

    count: int
    step_size: float


def sgld(learning_rate, temperature=1.0, seed=None):
    """Stochastic gradient Langevin dynamics (Welling and Teh, 2011).

    ``x <- x - eta g + sqrt(2 eta T) xi`` with standard normal ``xi``: an
    Euler-Maruyama step of the Langevin diffusion whose stationary law is
    ``exp(-f / T)``. With a constant step the chain is biased; on
    ``f = x**2 / 2`` its stationary variance is ``T / (1 - eta / 2)``.

    Parameters
    ----------
    learning_rate : float or callable
        Step size ``eta`` or schedule.
    temperature : float
        ``T >= 0``; 1 samples the Gibbs law of ``f``, 0 gives gradient descent.
    seed : int, optional
        Seed of the noise; ``None`` draws fresh entropy for this optimizer.

    Examples
    --------
    >>> import numpy as np
    >>> opt = sgld(0.5, temperature=0.0)
    >>> opt.update(np.array([2.0]), opt.init(np.zeros(1)))[0]
    array([-1.])
    """
    schedule = as_schedule(learning_rate)
    temperature = check("temperature", temperature, NONNEGATIVE)
    entropy = noise_entropy(seed)

    def init(params):
        return LangevinState(0, float(schedule(0)))

    def update(updates, state, params=None, **extra):
        step = float(schedule(state.count))
        noise = noise_generator(entropy, state.count).standard_normal(np.shape(updates))
        updates = -step * updates + np.sqrt(2.0 * step * temperature) * noise
        return updates, LangevinState(state.count + 1, step)

    return GradientTransformation(init, update)


def minibatches(n, batch_size, rng):
    """An endless iterator of index arrays: each epoch a fresh permutation of ``range(n)``.

    Sampling is without replacement within an epoch, so every example is
    used exactly once per epoch; the last batch of an epoch is smaller when
    ``batch_size`` does not divide ``n``.

    Parameters
    ----------
    n : int
        Number of examples.
    batch_size : int
        Examples per batch, ``1 <= batch_size <= n``.
    rng : numpy.random.Generator
        Source of the shuffles.

    Examples
    --------
    >>> import numpy as np
    >>> batches = minibatches(5, 2, np.random.default_rng(0))
    >>> epoch = [next(batches) for _ in range(3)]
    >>> [len(b) for b in epoch], sorted(np.concatenate(epoch).tolist())
    ([2, 2, 1], [0, 1, 2, 3, 4])
    """
    # Checked here, not in the generator body, so bad input fails at once.
    batch_size = check("batch_size", batch_size, COUNT)
    if batch_size > n:
        raise OptionError(f"batch_size must be between 1 and the number of examples ({n}), "
                          f"got {batch_size}")

    def epochs():
        while True:
            order = rng.permutation(n)
            for begin in range(0, n, batch_size):
                yield order[begin:begin + batch_size]

    return epochs()
