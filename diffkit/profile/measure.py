"""Measuring one run: the deterministic cost record and the wall time, phase by phase.

A derivative's life has phases that cost very different amounts of time:
tracing the function into a graph, lowering (building the adjoint graph,
lowering to a flat program, or whatever the backend does to get ready),
loading the numba kernels (once per process), the first call, and then the
steady state that an optimizer loop sees.  :func:`measure` times each one
apart, so compile time never pollutes steady-state time, and reads the cost
record, which depends only on the program and the method.
"""
import gc
import statistics
import time
import tracemalloc
from dataclasses import dataclass, field

#: Wall-time phases, in the order they happen.
PHASES = ("trace_s", "lower_s", "kernels_s", "first_call_s")


def autorange(call, repeats=5, min_time=0.02):
    """Per-call wall time of ``call()``, timeit-style.

    The number of loops grows 1, 2, 5, 10, 20, ... until one batch takes at
    least ``min_time`` seconds; then ``repeats`` batches are timed (the
    calibrating batch counts as the first) with garbage collection off.

    Returns
    -------
    best, median : float
        Seconds per call, the minimum and the median over the batches.
    loops : int
        Calls per batch.

    Examples
    --------
    >>> best, median, loops = autorange(lambda: sum(range(100)), repeats=3, min_time=1e-3)
    >>> 0 < best <= median, loops >= 1
    (True, True)
    """
    def batch(loops):
        start = time.perf_counter()
        for _ in range(loops):
            call()
        return time.perf_counter() - start

    enabled = gc.isenabled()
    gc.disable()
    try:
        for loops in _loop_counts():
            elapsed = batch(loops)
            if elapsed >= min_time:
                break
        times = [elapsed] + [batch(loops) for _ in range(max(repeats, 1) - 1)]
    finally:
        if enabled:
            gc.enable()
    per_call = [t / loops for t in times]
    return min(per_call), statistics.median(per_call), loops


def format_seconds(seconds):
    """A duration as people read it: ``'1.67 us'``, ``'30.3 ms'``; ``'-'`` for None.

    Examples
    --------
    >>> format_seconds(1.67e-6), format_seconds(0.0303), format_seconds(None)
    ('1.67 us', '30.3 ms', '-')
    """
    if seconds is None:
        return "-"
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("us", 1e-6)):
        if seconds >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds / 1e-9:.3g} ns"


def _loop_counts():
    """1, 2, 5, 10, 20, 50, ..."""
    scale = 1
    while True:
        yield from (scale, 2 * scale, 5 * scale)
        scale *= 10


def timed(fn, *args):
    """``fn(*args)`` and the seconds it took.

    Examples
    --------
    >>> out, seconds = timed(sum, range(10))
    >>> out, seconds >= 0
    (45, True)
    """
    start = time.perf_counter()
    out = fn(*args)
    return out, time.perf_counter() - start


def peak_bytes(call):
    """Peak Python-side memory (bytes, NumPy buffers included) allocated during ``call()``.

    Examples
    --------
    >>> import numpy as np
    >>> peak_bytes(lambda: np.ones(100_000)) >= 800_000
    True
    """
    was_tracing = tracemalloc.is_tracing()
    if not was_tracing:
        tracemalloc.start()
    tracemalloc.reset_peak()
    base = tracemalloc.get_traced_memory()[0]
    call()
    peak = tracemalloc.get_traced_memory()[1] - base
    if not was_tracing:
        tracemalloc.stop()
    return max(int(peak), 0)


@dataclass
class Measurement:
    """One function, point and method, measured.

    Attributes
    ----------
    method, request : str
    cost : diffkit.cost.Cost
        The deterministic cost record (flops, sweeps, evaluations, tangents,
        stored bytes = the kernels' workspaces, ops by kind).
    nodes, edges : int
        |V| and |E| of the simplified graph of the function.
    peak_bytes : int
        Peak Python-side memory of one call (tracemalloc); the kernels'
        own workspace is ``cost.stored_bytes``.
    trace_s, lower_s, kernels_s, first_call_s : float
        Wall time of tracing (and simplifying), of the backend's
        preparation (adjoint graph, lowering, code generation), of loading
        the numba kernels (non-zero once per process) and of the first call.
    best_s, median_s : float or None
        Steady-state seconds per call (None when timing was off).
    loops, repeats : int
        Calls per timed batch and number of batches.
    options : dict
        The backend options used.
    swell : dict
        The symbolic backend's expression-swell record (empty for others).
    """

    method: str
    request: str
    cost: object
    nodes: int
    edges: int
    peak_bytes: int
    trace_s: float
    lower_s: float
    kernels_s: float
    first_call_s: float
    best_s: float = None
    median_s: float = None
    loops: int = 0
    repeats: int = 0
    options: dict = field(default_factory=dict)
    swell: dict = field(default_factory=dict)

    def as_row(self):
        """A flat dict: the cost fields (ops as a dict), graph size, memory and times."""
        row = self.cost.as_dict()
        row.update(method=self.method, request=self.request, options=dict(self.options))
        row.update(nodes=self.nodes, edges=self.edges, peak_bytes=self.peak_bytes)
        row.update({p: getattr(self, p) for p in PHASES})
        row.update(best_s=self.best_s, median_s=self.median_s, loops=self.loops,
                   repeats=self.repeats)
        row.update({f"swell_{k}": v for k, v in self.swell.items()})
        return row


def measure(fn, *args, method="reverse", request="grad", argnums=0, timing=True, repeats=5,
            min_time=0.02, options=None):
    """Measure ``request`` of ``fn`` at ``args`` by ``method``: cost record and timing split.

    Parameters
    ----------
    fn : callable, str or Graph
        What :func:`diffkit.grad` and friends accept.
    *args
        The point.  For ``request="hvp"`` the last one is the direction.
    method : str
        A registered backend (``diffkit.backends.methods()``).
    request : str
        ``"grad"``, ``"value_and_grad"``, ``"jacobian"``, ``"hessian"`` or ``"hvp"``.
    argnums : int or tuple of int
    timing : bool
        Time the steady state (:func:`autorange`); False keeps only the
        phases up to the first call, which is enough for op counts.
    repeats, min_time
        Passed to :func:`autorange`.
    options : dict, optional
        Backend options, e.g. ``{"scheme": "forward"}`` for ``method="fd"``.

    Returns
    -------
    Measurement

    Examples
    --------
    >>> import numpy as np
    >>> from diffkit.profile import measure
    >>> f = lambda x: np.sum(np.sin(x) * x)
    >>> m = measure(f, np.ones(10), method="fd", timing=False)
    >>> m.cost.evaluations, m.best_s is None   # central differences: 2 per input
    (20, True)
    >>> r = measure(f, np.ones(10), method="reverse", repeats=2, min_time=1e-3)
    >>> r.cost.sweeps < 4, r.best_s <= r.median_s, r.nodes  # x, sin, *, sum
    (True, True, 4)
    """
    from ..backends import get
    from ..graph.front import as_graph
    from ..kernels.build import kernels

    backend = get(method)(**dict(options or {}))
    point = args[:-1] if request == "hvp" else args
    graph, trace_s = timed(as_graph, fn, *point)
    _, kernels_s = timed(kernels)
    wrt = graph.positions(argnums)
    compiled, lower_s = timed(backend.compile, request, graph, wrt)
    _, first_call_s = timed(compiled, *args)
    peak = peak_bytes(lambda: compiled(*args))
    best = median = None
    loops = 0
    if timing:
        best, median, loops = autorange(lambda: compiled(*args), repeats, min_time)
    swell = getattr(compiled, "swell", None)
    return Measurement(method, request, compiled.cost, graph.num_nodes, graph.num_edges, peak,
                       trace_s, lower_s, kernels_s, first_call_s, best, median, loops,
                       repeats if timing else 0, dict(options or {}),
                       swell.as_dict() if swell is not None else {})
