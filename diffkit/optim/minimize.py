"""The optimization loop: gradients from any backend, steps from any optimizer."""

import time
from dataclasses import dataclass, field
from typing import NamedTuple, Optional

import numpy as np

from ..errors import NonFiniteError, OptionError, ShapeError
from .base import GradientTransformation, apply_updates, state_fields
from .checks import NONNEGATIVE, NONNEGATIVE_COUNT, check
from .stochastic import minibatches
from ..progress import ProgressLine

__all__ = ["minimize", "Result", "History", "StepInfo"]

#: A loss above this many times ``max(|first loss|, 1)`` counts as divergence.
DIVERGENCE_GROWTH = 1e12


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
        Final iterate; after divergence, the last iterate before it.
    fun, grad_norm : float
        Loss and gradient norm at ``x`` on the full data.
    status : str
        ``"converged"`` (gradient norm <= tol), ``"max_steps"``,
        ``"callback"`` (the callback asked to stop) or ``"diverged"`` (the
        loss became nan or infinite or grew past the divergence limit, or
        the gradient became nan or infinite).
    message : str
        Human-readable account of the status; after divergence it names
        the cause and the step.
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
            raise ShapeError(f"the gradient has shape {grad.shape} but x0 has shape "
                             f"{x.shape}; x0 must have the shape the objective expects")
        self.evals += len(self.batch[0]) if self.batch else 1
        self._memo = (x.copy(), (float(loss), grad))
        return self._memo[1]


def _resolve(objective, method, hessian, needs_hessian):
    """Return ``(value_and_grad, hessian)`` callables for ``method``."""
    if callable(method):
        if needs_hessian and hessian is None:
            raise OptionError("this optimizer needs a Hessian: pass hessian=callable "
                              "(e.g. problem.hessian) or a method name such as 'reverse'")
        return method, hessian
    from .. import api  # lazy: the optimizers work without the AD backends

    try:
        value_and_grad = api.value_and_grad(objective, method=method)
    except OptionError as error:  # the backends name their methods; a callable is the other way
        raise OptionError(f"{error}; or pass a callable (x, *batch) -> (loss, grad)") from None
    if needs_hessian and hessian is None:
        hessian = api.hessian(objective, method=method)
    return value_and_grad, hessian


def _check_data(data, batch_size):
    data = tuple(np.asarray(d) for d in data)
    if not data:
        if batch_size is not None:
            raise OptionError("batch_size needs data=(X, y) to sample minibatches from")
        return data
    rows = {len(d) for d in data}
    if len(rows) != 1:
        raise ShapeError(f"data arrays must have the same number of rows, got {sorted(rows)}")
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
    seed : int or None
        Seed of the minibatch sampling; ``None`` draws fresh OS entropy.
    progress : bool, optional
        Show a progress line on stderr; ``None`` shows it on a terminal only.

    Returns
    -------
    Result
        ``x``, ``fun``, ``status``, ``history`` and more.

    Raises
    ------
    NonFiniteError
        The loss or the gradient is nan or infinite at ``x0`` itself.

    Notes
    -----
    Divergence ends the run with ``status="diverged"``, the iterate before
    it as ``result.x`` and a message naming the cause, rather than an
    exception. A run diverges when, at some iterate,

    - the loss is nan or infinite, or exceeds ``1e12 * max(|f0|, 1)``,
      where ``f0`` is the first loss of the run (at ``x0``, on the first
      minibatch): a loss growing by twelve orders of magnitude is a step
      size too large, and waiting for the overflow to ``inf`` would waste
      hundreds of steps. No convergent run of a sensibly scaled problem
      comes near this limit, and the floor of 1 keeps a start at a loss
      near 0 from flagging ordinary fluctuations;
    - or the gradient is nan or infinite while the loss is finite: the
      function or its gradient source is not differentiable there (a kink
      or a singularity), which a smaller step size would not cure.

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
    diverged at step 1: the loss became inf; result.x is the iterate of step 0. Try a smaller ...

    A loss that grows without bound stops long before it overflows: here it
    quadruples each step and passes ``1e12`` at step 20 (``4**20 > 1e12``).

    >>> res = minimize(None, [1.0], gd(1.5), method=lambda x: (float(x @ x), 2 * x))
    >>> res.status, res.steps, res.fun == 4.0 ** 19
    ('diverged', 20, True)
    """
    if not isinstance(optimizer, GradientTransformation):
        raise OptionError(f"optimizer must be a GradientTransformation such as "
                          f"diffkit.optim.adam(), got {optimizer!r}")
    steps = check("steps", steps, NONNEGATIVE_COUNT)
    tol = check("tol", tol, NONNEGATIVE, allow_none=True)
    x = np.array(x0, dtype=float)
    if x.ndim != 1:
        raise ShapeError(f"x0 must be a 1-D array, got shape {x.shape}; pack matrices "
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


def _short(x):
    """An iterate for a one-line message (long vectors elided)."""
    return np.array2string(np.asarray(x), precision=4, threshold=6, edgeitems=2,
                           separator=", ", max_line_width=10 ** 6)


def _trouble(loss, grad, limit):
    """Why the run cannot go on from a point: ``"loss"``, ``"gradient"``, ``"growth"`` or None."""
    if not np.isfinite(loss):
        return "loss"
    if not np.all(np.isfinite(grad)):
        return "gradient"
    return "growth" if loss > limit else None


def _start_error(x, loss, cause):
    """The error for a start where the loss or the gradient is not finite."""
    if cause == "loss":
        return NonFiniteError(f"the objective is not finite at x0 (loss={loss}); start from "
                              "a point inside its domain")
    return NonFiniteError(f"the gradient is not finite at x0 = {_short(x)} although the loss "
                          f"({loss:.6g}) is: the function or its gradient source is not "
                          "differentiable there (a kink or a singularity such as sqrt at 0); "
                          "start from another point or check the gradient")


def _divergence_message(cause, step, loss, first_loss, x):
    """What went wrong at iterate ``step`` (see the Notes of :func:`minimize`)."""
    before = f"result.x is the iterate of step {step - 1}."
    if cause == "gradient":
        return (f"diverged at step {step}: the gradient is not finite at x = {_short(x)} "
                f"although the loss ({loss:.6g}) is; the function or its gradient source is "
                "not differentiable there (a kink or a singularity), which a smaller step "
                f"size will not fix; {before}")
    if cause == "growth":
        what = (f"grew to {loss:.3g}, over {DIVERGENCE_GROWTH:g} times max(|f0|, 1) with "
                f"f0 = {first_loss:.3g}")
    else:
        what = f"became {loss}"
    return f"diverged at step {step}: the loss {what}; {before} Try a smaller step size."


@dataclass
class _Run:
    """Where a run of :func:`minimize` stands.

    ``previous`` is the last iterate known to be finite, the one returned
    after a divergence; ``limit`` is the loss that counts as divergence,
    set from the first loss.
    """

    x: np.ndarray
    state: object
    previous: np.ndarray = None
    rows: list = field(default_factory=list)
    status: str = "max_steps"
    message: str = ""
    first_loss: float = None
    limit: float = np.inf

    def diverge(self, cause, loss):
        """Stop: the loss or the gradient at ``self.x`` is the trouble ``cause``."""
        self.status = "diverged"
        self.message = _divergence_message(cause, len(self.rows), loss, self.first_loss, self.x)


def _run(oracle, x, optimizer, batches, data, steps, tol, hessian, callback, bar):
    """The loop of :func:`minimize` once its inputs are checked."""
    run = _Run(x=x, state=optimizer.init(x), previous=x)
    start = time.perf_counter()
    for k in range(steps):
        if batches is not None:
            rows_used = next(batches)
            oracle.use(tuple(d[rows_used] for d in data))
        if not _step(run, k, oracle, optimizer, tol, hessian, callback, bar, start):
            break
    oracle.use(data)  # the result reports the loss on the full data
    loss, grad = _finish(run, oracle)
    return Result(x=run.x, fun=float(loss), grad_norm=float(np.linalg.norm(grad)),
                  status=run.status, message=_message(run, tol, steps), steps=len(run.rows),
                  history=_history(run.rows), average=_average(run.state))


def _step(run, k, oracle, optimizer, tol, hessian, callback, bar, start):
    """Take step ``k`` from ``run.x``; False when the run stops there (``run.status`` says why)."""
    x = run.x
    loss, grad = oracle(x)
    cause = _trouble(loss, grad, run.limit)
    if cause is not None:
        if k == 0:
            raise _start_error(x, loss, cause)
        run.diverge(cause, loss)
        return False
    if k == 0:
        run.first_loss, run.limit = loss, DIVERGENCE_GROWTH * max(abs(loss), 1.0)
    run.previous = x
    gnorm = float(np.linalg.norm(grad))
    if tol is not None and gnorm <= tol:
        run.status = "converged"
        return False
    updates, run.state = optimizer.update(grad, run.state, x,
                                          **_needed(optimizer.needs, loss, oracle, hessian, x))
    step_size = float(np.prod(state_fields(run.state, "step_size") or [np.nan]))
    run.rows.append((loss, gnorm, step_size, oracle.evals, time.perf_counter() - start))
    bar.update(k + 1, loss=loss, grad_norm=gnorm)
    stop = callback is not None and callback(StepInfo(k, x, loss, gnorm, step_size))
    run.x = apply_updates(x, updates)
    if stop:
        run.status = "callback"
    return not stop


def _needed(needs, loss, oracle, hessian, x):
    """The keyword arguments of ``update`` an optimizer asks for beyond the gradient."""
    extra = {"value": loss, "oracle": oracle} if needs & {"value", "oracle"} else {}
    if "hessian" in needs:
        extra["hessian"] = hessian(x, *oracle.batch)
    return extra


def _finish(run, oracle):
    """Check the returned point on the full data; return its (loss, gradient).

    The last update has not been evaluated yet: a point that is not finite
    there is a divergence, and the run returns the iterate before it.
    """
    if run.status != "diverged":
        loss, grad = oracle(run.x)
        cause = _trouble(loss, grad, run.limit)
        if cause is not None and not run.rows:
            raise _start_error(run.x, loss, cause)
        if cause is None or run.x is run.previous:
            return loss, grad
        run.diverge(cause, loss)
    run.x = run.previous
    return oracle(run.x)


def _message(run, tol, steps):
    if run.message:
        return run.message
    return {"converged": f"gradient norm reached tol={tol} after {len(run.rows)} steps",
            "max_steps": f"stopped after the maximum of {steps} steps",
            "callback": f"the callback stopped the run after {len(run.rows)} steps"}[run.status]


def _history(rows):
    if not rows:
        return History(*(np.zeros(0) for _ in History._fields))
    return History(*(np.array(col, dtype=float) for col in zip(*rows)))


def _average(state):
    """The averaged iterate of optimizers that keep one, else None."""
    average = state_fields(state, "average")
    return average[0] if average else None
