"""Run every differentiation method on one function at one point, side by side.

:func:`compare` returns a :class:`~diffkit.compare_report.CompareReport`: per
method the gradient, its error against reverse mode (cross-checked with
the symbolic backend), the cost record, the first-call time (tracing and
compiling included) and the steady-state time (best of repeats).  It flags
disagreements larger than a method's tolerance and lists the kinks active
at the point, with the convention each method applies there.
"""
import warnings
from typing import NamedTuple

import numpy as np

from . import backends, ops
from .errors import ArgumentError, NonFiniteError, OptionError, ShapeError
from .fd.schemes import EPS
from .graph.evaluate import evaluate_all
from .graph.format import expression
from .graph.front import as_graph
from .profile.measure import autorange, timed
from .compare_report import CompareReport, Kink, MethodRow

METHODS = ("fd", "symbolic", "forward", "reverse")
#: Relative tolerance of the exact methods (forward, reverse, symbolic).
EXACT_RTOL = 1e-8

_FD_AT_KINK = {
    "forward": "the forward difference takes the slope on the right",
    "backward": "the backward difference takes the slope on the left",
}


def _flat(parts):
    return np.concatenate([np.ravel(np.asarray(p, dtype=float)) for p in parts])


def _differences(g, reference):
    """``|g - reference|``, with 0 where both are the same value, inf or nan included:
    two methods that give the same inf at a singular point follow the same convention."""
    same = (g == reference) | (np.isnan(g) & np.isnan(reference))
    return np.where(same, 0.0, np.abs(g - reference))


def _check_function(graph, args, wrt, label):
    """compare needs an input to differentiate and one scalar output, finite at the point."""
    if not graph.inputs:
        raise ArgumentError(f"{label} has no inputs: there is nothing to differentiate")
    if not wrt:
        raise OptionError("argnums=() selects no input: there is nothing to differentiate; "
                          "leave argnums out for all inputs")
    if graph.output_shapes != ((),):
        shapes = ", ".join(str(s) for s in graph.output_shapes)
        raise ShapeError(f"{label} must give one number at the point, got output shape(s) "
                         f"{shapes}: sum the output or pick one entry")
    value = float(graph(*args))
    if not np.isfinite(value):
        at = ", ".join(f"{n}={np.asarray(a, dtype=float).tolist()}"
                       for n, a in zip(graph.input_names, args))
        raise NonFiniteError(f"{label} is {value} at {at}; compare needs a point where the "
                             "function is finite")


#: Longest sub-expression a kink note spells out in full.
_MAX_TEXT = 80


#: How tightly Python binds what a note writes infix; calls, names and x[...] bind tightest.
_BINDING = {"+": 1, "-": 1, "*": 2, "/": 2, "@": 2, "neg": 3, "**": 4}
_ATOM = 5


def _binding(graph, n, text):
    """How tightly node ``n``, written as ``text``, binds as an operand."""
    a = graph.node(n)
    if a["op"] in ("input", "const"):
        return _BINDING["neg"] if text.startswith("-") else _ATOM
    # as graph.format writes it: an operator on constants only is a call
    if a["op"] == "getitem" or all(graph.node(m)["op"] == "const" for m in a["args"]):
        return _ATOM
    if a["op"] == "neg":
        return _BINDING["neg"]
    symbol = ops.get(a["op"]).symbol
    return _BINDING.get(symbol, 0) if symbol else _ATOM  # 0: a comparison


def _sources(graph):
    """Each node written out in the user's terms (inputs and constants), not z1, z2, ...

    Operands get parentheses only where Python needs them, so ``sqrt(x*x + y*y)``
    reads ``sqrt(x * x + y * y)``.  Texts longer than ``_MAX_TEXT`` are cut with
    "..." so deep graphs stay cheap.
    """
    texts, binding = {}, {}
    for n in graph.order:
        a = graph.node(n)
        if a["op"] in ("input", "const"):
            texts[n] = graph.describe(n)
            binding[n] = _binding(graph, n, texts[n])
            continue
        own = _binding(graph, n, "")
        # inside a call's parentheses nothing needs more; x[...] needs an atom before it
        needed = _ATOM if a["op"] == "getitem" else own if own < _ATOM else 0
        names = {}
        for i, m in enumerate(a["args"]):
            # a looser operand, or an equally tight one on the side the operator does not
            # group from: a - (b - c), (a ** b) ** c, and either side of a comparison,
            # which Python would chain
            looser = binding[m] < needed or binding[m] == needed < _ATOM and (
                i == 1 or needed == 0) != (needed == _BINDING["**"])
            names[m] = f"({texts[m]})" if looser else texts[m]
        text = expression(graph, n, names)
        texts[n] = text if len(text) <= _MAX_TEXT else text[:_MAX_TEXT - 3] + "..."
        binding[n] = own
    return texts


def active_kinks(graph, args, scheme="central"):
    """Kinks of non-smooth ops (and singular points of sqrt, arcsin, pow...) met at ``args``.

    Examples
    --------
    >>> import numpy as np, diffkit
    >>> from diffkit.comparison import active_kinks
    >>> g = diffkit.trace(lambda x: np.abs(x) + x, 0.0)
    >>> [(k.op, k.convention) for k in active_kinks(g, [0.0])]
    [('abs', "abs'(0) = sign(0) = 0")]
    """
    values = evaluate_all(graph, args)
    sources = _sources(graph)
    fd_note = _FD_AT_KINK.get(scheme, "a central difference averages the slopes on "
                               "either side")
    kinks = []
    for n in graph.order:
        a = graph.node(n)
        if a["op"] in ("input", "const"):
            continue
        op = ops.get(a["op"])
        # each record tests for its own kink or singular point (sqrt, arcsin, pow...)
        if op.at_kink is not None and np.any(
                op.at_kink(*[values[m] for m in a["args"]], values[n], **a["params"])):
            kinks.append(Kink(sources[n], a["op"], op.kink, fd_note))
    return kinks


def _label(fn):
    if isinstance(fn, str):
        return fn
    return getattr(fn, "__name__", type(fn).__name__)


def compare(fn, *args, methods=METHODS, argnums=None, options=None, repeats=5):
    """Differentiate ``fn`` at ``args`` with each method and report side by side.

    Parameters
    ----------
    fn : callable, str or Graph
    *args : the point (one value per input)
    methods : sequence of str
        Backends to run (any of ``diffkit.backends.methods()``).
    argnums : int or tuple of int, optional
        Inputs to differentiate (default: all).
    options : dict, optional
        Per-method options, e.g. ``{"fd": {"scheme": "complex"}}``.
    repeats : int
        Rounds for the steady-state time (best of).

    Returns
    -------
    CompareReport

    Raises
    ------
    ArgumentError
        ``fn`` has no inputs.
    OptionError
        ``argnums`` selects no input or one that does not exist, a method is unknown
        or named twice, or a method's options are not valid.
    ShapeError
        ``fn`` does not give one scalar at ``args``.
    NonFiniteError
        ``fn`` is inf or nan at ``args``: there is nothing to differentiate there.
        (A gradient that is not finite where ``fn`` is, as ``sqrt`` at 0, is
        reported: methods that give the same inf agree.)

    Examples
    --------
    >>> from diffkit.comparison import compare
    >>> r = compare("sin(exp(x*y) + 2*x**2)", 1.1, 0.7, repeats=1)
    >>> [row.method for row in r.rows], r.agree
    (['fd', 'symbolic', 'forward', 'reverse'], True)
    >>> r["fd"].evaluations, r["reverse"].evaluations
    (4, 1)
    >>> r["fd"].error < 1e-8, r["forward"].error < 1e-15
    (True, True)
    """
    methods = tuple(methods)
    twice = sorted({m for m in methods if methods.count(m) > 1})
    if twice:  # one row per method: the report is looked up by method name
        raise OptionError(f"methods {','.join(methods)} name {', '.join(twice)} more than "
                          "once; list each method once")
    options = {m: dict(o) for m, o in (options or {}).items()}
    # inf and nan at the point are reported in the table and its notes, not as NumPy's
    # RuntimeWarnings on the terminal
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return _compare(fn, args, methods, argnums, options, repeats)


def _compare(fn, args, methods, argnums, options, repeats):
    # one graph serves every method: traced (or parsed) and simplified once
    graph, trace_s = timed(as_graph, fn, *args)
    wrt = graph.positions(argnums)
    _check_function(graph, args, wrt, _label(fn))
    base = _first_run(graph, args, wrt, "reverse", {}, trace_s)
    reference = base.gradient
    # relative to the largest finite entry: an inf entry (sqrt at 0) is matched exactly
    finite = np.abs(reference[np.isfinite(reference)])
    scale = max(float(np.max(finite)), np.finfo(float).tiny) if finite.size else 1.0
    notes = []
    if not np.all(np.isfinite(reference)):
        notes.append("reverse mode's gradient is not finite at the point: another method "
                     "agrees only where it gives the same inf or nan")
    scheme = options.get("fd", {}).get("scheme", "central")
    kinks = active_kinks(graph, args, scheme)
    rows = []
    for method in methods:
        opts = options.get(method, {})
        # the reference is reverse mode's row too, unless the row has options of its own
        run = base if method == "reverse" and not opts else _first_run(
            graph, args, wrt, method, opts, trace_s)
        rows.append(_run(method, run, graph, args, wrt, opts, reference, scale, repeats,
                         kinks))
    if "symbolic" in methods:
        sym = next(r for r in rows if r.method == "symbolic")
        if sym.error > EXACT_RTOL:
            notes.append(f"reverse mode and symbolic differentiation differ by {sym.error:.1e}"
                            " (relative): the reference itself is in doubt")
    point = {name: (np.asarray(a, dtype=float).tolist()) for name, a in
             zip(graph.input_names, args)}
    return CompareReport(_label(fn), point, reference.tolist(), rows, kinks, notes)


class _FirstRun(NamedTuple):
    compiled: object
    gradient: np.ndarray
    first: float  # seconds from the function to its first gradient: trace, compile, run


def _first_run(graph, args, wrt, method, opts, trace_s):
    """Compile ``method``'s gradient of ``graph`` and run it once, timing both."""
    backend = backends.get(method)(**opts)
    compiled, compile_s = timed(backend.compile, "grad", graph, wrt)
    grads, run_s = timed(compiled, *args)
    return _FirstRun(compiled, _flat(grads), trace_s + compile_s + run_s)


def _run(method, run, graph, args, wrt, opts, reference, scale, repeats, kinks):
    compiled, g = run.compiled, run.gradient
    steady = autorange(lambda: compiled(*args), repeats=repeats, min_time=1e-3)[0]
    cost = compiled.cost
    abs_err = _differences(g, reference)
    error = float(np.max(abs_err)) / scale if g.size else 0.0
    estimate, note = None, ""
    if method == "fd":
        from .fd import gradient as fd_gradient
        est = fd_gradient(graph, *args, argnums=wrt, scheme=opts.get("scheme", "central"),
                          step=opts.get("step"), levels=opts.get("levels"),
                          shrink=opts.get("shrink"))
        est_flat = _flat(est.error)
        estimate = float(np.max(est_flat)) / scale if est_flat.size else 0.0
        # agreement within the method's own error estimate; an inf or nan gradient,
        # estimate or relative error (a jump, as sign(x) at 0) never agrees
        ok = bool(np.isfinite(error) and np.all(np.isfinite(est_flat))
                  and np.all(abs_err <= 10 * est_flat + 10 * EPS * scale))
        tolerance = max(10 * estimate, 10 * EPS)
        if not ok:
            note = (f"differs from reverse mode by more than 10x its error estimate "
                    f"({estimate:.1e})" + ("; a kink is active at the point" if kinks else ""))
    else:
        tolerance = EXACT_RTOL
        ok = error <= tolerance
        if not ok:
            note = f"differs from reverse mode by {error:.1e} (relative)"
    swell = getattr(compiled, "swell", None)
    label = ", ".join(f"{k}={v}" for k, v in opts.items() if k != "scheme")
    if method == "fd":
        label = ", ".join(filter(None, [opts.get("scheme", "central"), label]))
    return MethodRow(method, label, g.tolist(), error, tolerance, bool(ok), cost.evaluations,
                     int(cost.flops), int(cost.stored_bytes), run.first, steady, estimate, note,
                     swell.as_dict() if swell is not None else {})
