"""Limits that keep symbolic differentiation from hanging: a size limit and a time budget.

SymPy works on expression trees, and a derivative's tree can grow much
faster than the graph it came from (expression swell).  Before converting,
the graph's size is checked against ``max_ops``; during the work a time
budget is checked between steps and, in the main thread, enforced by a
timer signal that repeats until it interrupts the work, so even a single
long SymPy call is stopped, and a signal Python swallows (in a
garbage-collector callback) is followed by another.  Both raise
:class:`SymbolicTooLarge` saying the size (or time) and the limit.
"""
import signal
import threading
import time
from contextlib import contextmanager

from ..errors import DiffkitError

#: Default limits: scalar operations of the function, seconds of SymPy work, and
#: operations of the generated derivative code.
MAX_OPS = 5000
TIME_BUDGET = 30.0
MAX_CODE_OPS = 500_000

#: Seconds between timer signals once the budget is spent.
_REPEAT = 0.05


class SymbolicTooLarge(DiffkitError):
    """A graph or its derivative is too large for symbolic differentiation.

    Attributes ``size`` and ``limit`` hold the numbers the message states.
    """

    def __init__(self, message, size=None, limit=None):
        super().__init__(message)
        self.size = size
        self.limit = limit


class _Interrupt(BaseException):
    """Raised by the timer signal inside SymPy; never escapes :class:`Budget`."""


def check_size(n_ops, max_ops):
    """Raise SymbolicTooLarge if a function of ``n_ops`` scalar operations is over the limit."""
    if max_ops is not None and n_ops > max_ops:
        raise SymbolicTooLarge(
            f"the graph has {n_ops} scalar operations, over the symbolic limit of {max_ops} "
            "(max_ops=); symbolic differentiation expands every array entry into its own "
            "expression: use method='reverse', or raise max_ops", n_ops, max_ops)


def check_code(n_ops, limit, cse):
    if limit is not None and n_ops > limit:
        hint = "" if cse else ", or pass cse=True"
        raise SymbolicTooLarge(
            f"the derivative has {n_ops} operations{'' if cse else ' without CSE'}, over the "
            f"limit of {limit} for generated code (max_code_ops=){hint}", n_ops, limit)


class Budget:
    """Wall-clock budget for the SymPy steps of one symbolic compilation.

    Examples
    --------
    >>> from diffkit.symbolic.guard import Budget
    >>> budget = Budget(10.0)
    >>> with budget.step("differentiating"):
    ...     pass
    >>> budget.elapsed < 10.0
    True
    """

    def __init__(self, seconds, what="the graph"):
        self.seconds = seconds
        self.what = what
        self.start = time.perf_counter()

    @property
    def elapsed(self):
        return time.perf_counter() - self.start

    def _over(self, stage):
        return SymbolicTooLarge(
            f"symbolic differentiation of {self.what} ran over its time budget of "
            f"{self.seconds:g} s while {stage} (after {self.elapsed:.2f} s); raise "
            "time_budget= or use method='reverse'", round(self.elapsed, 3), self.seconds)

    def check(self, stage):
        """Raise SymbolicTooLarge if the budget is spent."""
        if self.seconds is not None and self.elapsed > self.seconds:
            raise self._over(stage)

    @contextmanager
    def step(self, stage):
        """Run a block under the budget, interrupting it (main thread) when time runs out."""
        self.check(stage)
        use_timer = (self.seconds is not None and hasattr(signal, "setitimer")
                     and threading.current_thread() is threading.main_thread())
        if not use_timer:
            try:
                yield
            except RecursionError:
                raise _too_deep(stage) from None
            self.check(stage)
            return

        def interrupt(signum, frame):
            raise _Interrupt()

        old = signal.signal(signal.SIGALRM, interrupt)
        # a repeating timer: an interrupt raised inside a garbage-collector callback or a
        # __del__ is swallowed by Python, so one signal could be lost; the next one is not
        signal.setitimer(signal.ITIMER_REAL, max(self.seconds - self.elapsed, 1e-3), _REPEAT)
        try:
            try:
                yield
            finally:  # stop the timer before anything else; a tick here still reaches the except
                signal.setitimer(signal.ITIMER_REAL, 0)
                signal.signal(signal.SIGALRM, old)
        except _Interrupt:
            raise self._over(stage) from None
        except RecursionError:
            raise _too_deep(stage) from None
        self.check(stage)


def _too_deep(stage):
    return SymbolicTooLarge(f"the expression is nested too deeply for SymPy while {stage} "
                            "(RecursionError); use method='reverse'")
