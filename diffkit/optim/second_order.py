"""Curvature-aware methods: damped Newton and L-BFGS with a line search.

Both still never differentiate: Newton receives the Hessian and L-BFGS an
oracle ``x -> (loss, grad)`` for its line search, from whichever backend
:func:`~diffkit.optim.minimize` was given.
"""

from typing import NamedTuple

import numpy as np

from ..errors import ShapeError
from .base import GradientTransformation, as_schedule
from .checks import COUNT, NONNEGATIVE, OPEN_UNIT, check

__all__ = ["newton", "lbfgs", "backtracking_line_search"]


class NewtonState(NamedTuple):
    """Step count, step size used and the diagonal shift added to the Hessian."""

    count: int
    step_size: float
    shift: float


def _shifted_solve(hessian, grad, damping):
    """Solve ``(H + shift I) d = g`` with the smallest ``shift >= damping`` found PD.

    Doubling the shift until a Cholesky factorization succeeds (Nocedal and
    Wright, Alg. 3.3) keeps ``d`` a descent direction where ``H`` is
    indefinite, e.g. near a saddle, where the pure Newton step would head
    for the saddle.
    """
    eye = np.eye(len(grad))
    shift = float(damping)
    floor = 1e-3 * max(float(np.max(np.abs(hessian))), 1e-12)
    for _ in range(200):
        try:
            np.linalg.cholesky(hessian + shift * eye)
        except np.linalg.LinAlgError:
            shift = max(2.0 * shift, floor)
            continue
        return np.linalg.solve(hessian + shift * eye, grad), shift
    raise np.linalg.LinAlgError("newton: no diagonal shift made the Hessian positive "
                                "definite; is the Hessian finite?")


def newton(learning_rate=1.0, damping=0.0):
    """Damped Newton's method ``x <- x - eta (H + lambda I)^{-1} g``.

    Parameters
    ----------
    learning_rate : float or callable
        Step length ``eta`` (1 is the pure Newton step) or schedule.
    damping : float
        Smallest ``lambda >= 0`` (Levenberg-Marquardt style). It grows
        automatically when ``H + lambda I`` is not positive definite.

    Notes
    -----
    Needs the Hessian: ``minimize`` computes it with the chosen backend,
    or from ``hessian=`` when a gradient callable is given.

    Examples
    --------
    >>> import numpy as np
    >>> opt = newton()
    >>> H = np.diag([2.0, 8.0]); x = np.array([1.0, 1.0])
    >>> u, _ = opt.update(H @ x, opt.init(x), x, hessian=H)  # f = x.H.x/2
    >>> x + u
    array([0., 0.])
    """
    schedule = as_schedule(learning_rate)
    damping = check("damping", damping, NONNEGATIVE)

    def init(params):
        return NewtonState(0, float(schedule(0)), float(damping))

    def update(updates, state, params=None, *, hessian, **extra):
        grad = np.ravel(updates)
        hessian = np.asarray(hessian, dtype=float)
        if hessian.shape != (grad.size, grad.size):
            raise ShapeError(f"newton: the Hessian has shape {hessian.shape}, expected "
                             f"{(grad.size, grad.size)} for {grad.size} parameters; the "
                             "hessian callable must return the (n, n) matrix at x")
        direction, shift = _shifted_solve(hessian, grad, damping)
        step = float(schedule(state.count))
        updates = -step * direction.reshape(np.shape(updates))
        return updates, NewtonState(state.count + 1, step, shift)

    return GradientTransformation(init, update, frozenset({"hessian"}))


def backtracking_line_search(oracle, x, value, grad, direction, step=1.0, c1=1e-4,
                             shrink=0.5, max_tries=50):
    """Shrink ``step`` until the Armijo sufficient-decrease condition holds.

    Accepts the first ``t = step * shrink**k`` with
    ``f(x + t d) <= f(x) + c1 t g.d``; a non-finite trial value counts as a
    failure, so the search also backs off from overflow.

    Parameters
    ----------
    oracle : callable
        ``x -> (loss, grad)``.
    x, grad : ndarray
        Current point and its gradient.
    value : float
        Current loss.
    direction : ndarray
        A descent direction (``grad @ direction < 0``).
    step, c1, shrink, max_tries
        First trial step, Armijo constant, backtracking factor, budget.

    Returns
    -------
    step : float
        Accepted step, or 0.0 when none was found within ``max_tries``.
    value, grad
        Loss and gradient at ``x + step * direction`` (the inputs when 0).

    Examples
    --------
    >>> import numpy as np
    >>> oracle = lambda x: (float(x @ x), 2 * x)
    >>> x = np.array([1.0])
    >>> t, f, g = backtracking_line_search(oracle, x, 1.0, 2 * x, -2 * x, step=4.0)
    >>> t, f
    (0.5, 0.0)
    """
    slope = float(np.vdot(grad, direction))
    for _ in range(max_tries):
        trial_value, trial_grad = oracle(x + step * direction)
        if trial_value <= value + c1 * step * slope:
            return step, trial_value, trial_grad
        step *= shrink
    return 0.0, value, grad


class LbfgsState(NamedTuple):
    """Recent steps ``s`` and gradient changes ``y`` (oldest first), last step size."""

    s: tuple
    y: tuple
    step_size: float


def _two_loop(grad, s_list, y_list):
    """Apply the L-BFGS inverse-Hessian estimate to ``grad`` (Nocedal and Wright, Alg. 7.4)."""
    q = grad.copy()
    alphas = []
    for s, y in zip(reversed(s_list), reversed(y_list)):
        alpha = np.vdot(s, q) / np.vdot(y, s)
        q -= alpha * y
        alphas.append(alpha)
    # Initial scaling gamma = s.y / y.y matches the curvature along the last step.
    gamma = np.vdot(s_list[-1], y_list[-1]) / np.vdot(y_list[-1], y_list[-1]) if s_list else 1.0
    r = gamma * q
    for s, y, alpha in zip(s_list, y_list, reversed(alphas)):
        beta = np.vdot(y, r) / np.vdot(y, s)
        r += s * (alpha - beta)
    return r


def lbfgs(memory=10, c1=1e-4, shrink=0.5, max_tries=50):
    """Limited-memory BFGS with a backtracking (Armijo) line search.

    Parameters
    ----------
    memory : int
        Number of ``(s, y)`` pairs kept, ``>= 1``.
    c1, shrink : float
        Armijo constant and backtracking factor, both in ``(0, 1)``.
    max_tries : int
        Line-search budget per step, ``>= 1``; see
        :func:`backtracking_line_search`.

    Notes
    -----
    A pair is stored only when its curvature ``s.y`` is clearly positive,
    which keeps the inverse-Hessian estimate positive definite without a
    Wolfe line search. The first step has unit length; later ones try the
    full quasi-Newton step first.

    Examples
    --------
    >>> import numpy as np
    >>> A = np.diag([1.0, 10.0])
    >>> oracle = lambda x: (0.5 * x @ A @ x, A @ x)
    >>> opt, x = lbfgs(), np.array([1.0, 1.0])
    >>> state = opt.init(x)
    >>> for _ in range(6):
    ...     f, g = oracle(x)
    ...     u, state = opt.update(g, state, x, value=f, oracle=oracle)
    ...     x = x + u
    >>> bool(np.linalg.norm(x) < 1e-6)
    True
    """
    memory, max_tries = check("memory", memory, COUNT), check("max_tries", max_tries, COUNT)
    c1, shrink = check("c1", c1, OPEN_UNIT), check("shrink", shrink, OPEN_UNIT)

    def init(params):
        return LbfgsState((), (), 0.0)

    def update(updates, state, params=None, *, value, oracle, **extra):
        grad = np.asarray(updates, dtype=float)
        s_list, y_list = state.s, state.y
        direction = -_two_loop(grad, s_list, y_list)
        if not np.vdot(grad, direction) < 0:
            # The estimate lost positive definiteness numerically: restart.
            s_list, y_list, direction = (), (), -grad
        gnorm = np.linalg.norm(grad)
        first = 1.0 if s_list or gnorm == 0 else min(1.0, 1.0 / gnorm)
        step, _, new_grad = backtracking_line_search(oracle, params, value, grad, direction,
                                                     first, c1, shrink, max_tries)
        s = step * direction
        y = new_grad - grad
        if np.vdot(s, y) > 1e-10 * np.linalg.norm(s) * np.linalg.norm(y):
            s_list = (s_list + (s,))[-memory:]
            y_list = (y_list + (y,))[-memory:]
        return s, LbfgsState(s_list, y_list, step)

    return GradientTransformation(init, update, frozenset({"value", "oracle"}))
