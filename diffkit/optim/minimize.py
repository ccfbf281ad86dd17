"""The optimization loop: gradients from any backend, steps from any optimizer."""

import time
from typing import NamedTuple, Optional

import numpy as np

from diffkit.optim.base import GradientTransformation, apply_updates, state_fields
from diffkit.optim.stochastic import minibatches
from diffkit.progress import ProgressLine

__all__ = ["minimize", "Result", "History", "StepInfo"]

METHODS = ("reverse", "forward", "fd", "symbolic")


class History(NamedTuple):
    """Per-step record; row ``k`` describes the step from ``x_k`` to ``x_{k+1}``.

    Attributes
    ----------
    loss, grad_norm : ndarray
        Loss and gradient norm at ``x_k`` (on the step's minibatch, if any).
    step_size : ndarray
        Step size the optimizer used (NaN when it has none, e.g. Rprop).
    grad_evals : ndarray
        Cumulative gradient evaluations, counted per example for finite
        sums (a minibatch of ``b`` rows costs ``b``) and as 1 per call
        otherwise; line-search trials are included.
    time : ndarray
        Wall time in seconds since the start of the run.
    """

    loss: np.ndarray
    grad_norm: np.ndarray
    step_size: np.ndarray
    grad_evals: np.ndarray
    time: np.ndarray


class StepInfo(NamedTuple):
    """What a callback receives at each step: the iterate ``x = x_k``, its loss
    and gradient norm, and the step size of the update computed from it.

    The final iterate is ``result.x``.
    """

    step: int
    x: np.ndarray
    loss: float
    grad_norm: float
    step_size: float


class Result(NamedTuple):
    """Outcome of :func:`minimize`.

    Attributes
    ----------
    x : ndarray
        Final iterate; after divergence, the last iterate with a finite loss.
    fun, grad_norm : float
        Loss and gradient norm at ``x`` on the full data.
    status : str
        ``"converged"`` (gradient norm <= tol), ``"max_steps"``,
        ``"callback"`` (the callback asked to stop) or ``"diverged"``.
    message : str
        Human-readable account of the status.
    steps : int
        Number of updates applied.
    history : History
        Per-step record.
    average : ndarray or None
        Average of the iterates for optimizers that keep one.
    """

    x: np.ndarray
    fun: float
    grad_norm: float
    status: str
    message: str
    steps: int
    history: History
    average: Optional[np.ndarray]

    @property
    def converged(self):
        """True when the run stopped because the gradient norm reached ``tol``."""
        return self.status == "converged"


class _Oracle:
    """``x -> (loss, grad)`` on the current batch, counting evaluations.

    Remembers the last point, so the gradient a line search already
    computed at the accepted point is not computed (or counted) again.
    """

    def __init__(self, value_and_grad, data):
        self.value_and_grad = value_and_grad
        self.batch = data
        self.evals = 0
        self._memo = None

    def use(self, batch):
        self.batch = batch
        self._memo = None

    def __call__(self, x):
        if self._memo is not None and np.array_equal(self._memo[0], x):
            return self._memo[1]
        loss, grad = self.value_and_grad(x, *self.batch)
        grad = np.asarray(grad, dtype=float)
        if grad.shape != x.shape:
            raise ValueError(f"the gradient has shape {grad.shape} but x0 has shape "
                             f"{x.shape}; x0 must have the shape the objective expects")
        self.evals += len(self.batch[0]) if self.batch else 1
        self._memo = (x.copy(), (float(loss), grad))
        return self._memo[1]


def _resolve(objective, method, hessian, needs_hessian):
    """Return ``(value_and_grad, hessian)`` callables for ``method``."""
    if callable(method):
        if needs_hessian and hessian is None:
            raise ValueError("this optimizer needs a Hessian: pass hessian=callable "
                             "(e.g. problem.hessian) or a method name such as 'reverse'")
        return method, hessian
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}: use one of {', '.join(METHODS)} "
                         "or a callable (x, *batch) -> (loss, grad)")
    from diffkit import api  # lazy: the optimizers work without the AD backends

    if needs_hessian and hessian is None:
        hessian = api.hessian(objective, method=method)
    return api.value_and_grad(objective, method=method), hessian


def _check_data(data, batch_size):
    data = tuple(np.asarray(d) for d in data)
    if not data:
        if batch_size is not None:
            raise ValueError("batch_size needs data=(X, y) to sample minibatches from")
        return data
    rows = {len(d) for d in data}
    if len(rows) != 1:
        raise ValueError(f"data arrays must have the same number of rows, got {sorted(rows)}")
    return data


def minimize(objective, x0, optimizer, method="reverse", *, steps=1000, tol=None,
             data=(), batch_size=None, hessian=None, callback=None, seed=0,
             progress=None):
    """Minimize ``objective`` from ``x0`` with ``optimizer``.

    Parameters
    ----------
    objective : callable
        ``objective(x, *data)``: plain NumPy that diffkit can trace. For a
        finite sum it takes ``(x, X, y)`` and returns the mean loss over the
        rows given, so the same function gives full and minibatch losses.
    x0 : array_like
        Starting point, a 1-D array (pack matrices into one flat vector).
    optimizer : GradientTransformation
        From :mod:`diffkit.optim`, e.g. ``adam()``.
    method : str or callable
        ``"reverse"``, ``"forward"``, ``"fd"`` or ``"symbolic"`` (through
        :mod:`diffkit.api`), or a callable ``(x, *batch) -> (loss, grad)``.
    steps : int
        Maximum number of updates.
    tol : float, optional
        Stop when the gradient norm at the current iterate is at most this.
    data : tuple of arrays
        Finite-sum data ``(X, y)``, rows are examples.
    batch_size : int, optional
        Rows per minibatch, sampled without replacement and reshuffled each
        epoch; ``None`` uses all rows every step.
    hessian : callable, optional
        ``(x, *batch) -> (n, n)`` for Newton when ``method`` is a callable.
    callback : callable, optional
        Called with a :class:`StepInfo` after each step; returning True stops.
    seed : int
        Seed of the minibatch sampling.
    progress : bool, optional
        Show a progress line on stderr; ``None`` shows it on a terminal only.

    Returns
    -------
    Result
        ``x``, ``fun``, ``status``, ``history`` and more. A NaN or infinite
        loss ends the run with ``status="diverged"`` and the last finite
        iterate rather than an exception.

    Examples
    --------
    >>> import numpy as np
    >>> from diffkit.optim import gd
    >>> f = lambda x: (float(x @ x), 2 * x)
    >>> res = minimize(None, np.ones(2), gd(0.25), method=f, steps=100, tol=1e-8)
    >>> res.status, res.steps, res.x.round(6)
    ('converged', 29, array([0., 0.]))
    >>> blow_up = lambda x: (float(x @ x) * 1e300, 2e300 * x)
    >>> res = minimize(None, [1.0], gd(2.0), method=blow_up, steps=100)
    >>> res.status, res.x
    ('diverged', array([1.]))
    >>> print(res.message)
    diverged at step 1: the loss became inf; result.x is the last finite iterate (step 0). ...
    """
    if not isinstance(optimizer, GradientTransformation):
        raise TypeError(f"optimizer must be a GradientTransformation such as "
                        f"diffkit.optim.adam(), got {optimizer!r}")
    x = np.array(x0, dtype=float)
    if x.ndim != 1:
        raise ValueError(f"x0 must be a 1-D array, got shape {x.shape}; pack matrices "
                         "into one flat vector and unpack them inside the objective")
    data = _check_data(data, batch_size)
    value_and_grad, hessian = _resolve(objective, method, hessian, "hessian" in optimizer.needs)
    oracle = _Oracle(value_and_grad, data)
    batches = minibatches(len(data[0]), batch_size, np.random.default_rng(seed)) \
        if batch_size is not None else None

    # NaN and overflow are detected and reported as divergence, so NumPy's
    # warnings about them would only repeat the message.
    with np.errstate(over="ignore", invalid="ignore"), \
            ProgressLine("minimize", total=steps, enabled=progress) as bar:
        return _run(oracle, x, optimizer, batches, data, steps, tol, hessian, callback, bar)


def _run(oracle, x, optimizer, batches, data, steps, tol, hessian, callback, bar):
    """The loop of :func:`minimize` once its inputs are checked."""
    needs = optimizer.needs
    state = optimizer.init(x)
    rows = []
    status, last_finite, last_step, bad_loss = "max_steps", x, 0, None
    start = time.perf_counter()
    for k in range(steps):
        if batches is not None:
            rows_used = next(batches)
            oracle.use(tuple(d[rows_used] for d in data))
        loss, grad = oracle(x)
        if not (np.isfinite(loss) and np.all(np.isfinite(grad))):
            if k == 0:
                raise ValueError(f"the objective is not finite at x0 (loss={loss}); "
                                 "start from a point inside its domain")
            status, bad_loss = "diverged", loss
            break
        last_finite, last_step = x, k
        gnorm = float(np.linalg.norm(grad))
        if tol is not None and gnorm <= tol:
            status = "converged"
            break
        extra = {"value": loss, "oracle": oracle} if needs & {"value", "oracle"} else {}
        if "hessian" in needs:
            extra["hessian"] = hessian(x, *oracle.batch)
        updates, state = optimizer.update(grad, state, x, **extra)
        step_size = float(np.prod(state_fields(state, "step_size") or [np.nan]))
        rows.append((loss, gnorm, step_size, oracle.evals, time.perf_counter() - start))
        bar.update(k + 1, loss=loss, grad_norm=gnorm)
        stop = callback is not None and callback(StepInfo(k, x, loss, gnorm, step_size))
        x = apply_updates(x, updates)
        if stop:
            status = "callback"
            break

    # Report the loss on the full data at the returned point.
    oracle.use(data)
    if status != "diverged":
        loss, grad = oracle(x)
        if np.isfinite(loss) and np.all(np.isfinite(grad)):
            last_finite = x
        else:
            status, bad_loss, last_step = "diverged", loss, len(rows) - 1
    if status == "diverged":
        loss, grad = oracle(last_finite)
        message = (f"diverged at step {last_step + 1}: the loss became {bad_loss}; result.x "
                   f"is the last finite iterate (step {last_step}). Try a smaller step size.")
    else:
        message = {"converged": f"gradient norm reached tol={tol} after {len(rows)} steps",
                   "max_steps": f"stopped after the maximum of {steps} steps",
                   "callback": f"the callback stopped the run after {len(rows)} steps"}[status]
    history = History(*(np.array(col, dtype=float) for col in zip(*rows))) if rows \
        else History(*(np.zeros(0) for _ in History._fields))
    average = state_fields(state, "average")
    return Result(x=last_finite, fun=float(loss), grad_norm=float(np.linalg.norm(grad)),
                  status=status, message=message, steps=len(rows), history=history,
                  average=average[0] if average else None)
