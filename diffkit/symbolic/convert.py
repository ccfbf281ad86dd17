"""Graphs to SymPy: every array becomes an object array of scalar expressions.

Each input entry becomes a real SymPy symbol (``x`` for a scalar input,
``x_0, x_1, ...`` or ``W_0_1, ...`` for array entries); each node becomes an
object ndarray of its shape, built by the op's entry in
:mod:`diffkit.symbolic.rules`.  So the expressions SymPy sees are trees of
scalar operations: the DAG of the graph is unrolled, which is where
expression swell starts.
"""
from dataclasses import dataclass

import numpy as np
import sympy as sp

from .. import ops
from ..errors import UnsupportedError
from .rules import obj_array, rule

#: Integral constants up to this size become SymPy Integers.
_INT_LIMIT = 2 ** 53


def number(v):
    """The SymPy number for a float constant: Integer, small Rational, or exact Float."""
    v = float(v)  # a boolean is the number 0 or 1, as the comparisons are
    if np.isfinite(v) and v == int(v) and abs(v) < _INT_LIMIT:
        return sp.Integer(int(v))
    if np.isfinite(v):
        r = sp.Rational(v).limit_denominator(1000)
        if float(r) == v:
            return r
        return sp.Float(v, 17)  # 17 digits print back to the same double
    return sp.nan if np.isnan(v) else (sp.oo if v > 0 else -sp.oo)


def entry_names(name, shape):
    """Symbol names of an input's entries, in C order."""
    if shape == ():
        return [name]
    return [f"{name}_" + "_".join(map(str, idx)) for idx in np.ndindex(*shape)]


@dataclass
class Converted:
    """A graph in SymPy form.

    Attributes
    ----------
    symbols : list of ndarray
        One object array of symbols per input, shaped like the input.
    outputs : list of ndarray
        One object array of expressions per output.
    """

    symbols: list
    outputs: list

    def flat_symbols(self, which=None):
        """Symbols of the inputs ``which`` (positions; default all), packed in order."""
        which = range(len(self.symbols)) if which is None else which
        return [s for i in which for s in self.symbols[i].ravel()]

    def flat_outputs(self):
        return [e for out in self.outputs for e in out.ravel()]


def to_sympy(graph, budget=None):
    """Convert ``graph`` to SymPy expressions.

    Examples
    --------
    >>> import diffkit
    >>> from diffkit.symbolic.convert import to_sympy
    >>> c = to_sympy(diffkit.parse("sin(exp(x*y) + 2*x**2)"))
    >>> c.flat_outputs()
    [sin(2*x**2 + exp(x*y))]
    >>> to_sympy(diffkit.parse("sum(x ** 2)", shapes={"x": (3,)})).flat_outputs()
    [x_0**2 + x_1**2 + x_2**2]
    """
    taken = set(graph.input_names)
    symbols, values = [], {}
    for n, name, shape in zip(graph.inputs, graph.input_names, graph.input_shapes):
        names = entry_names(name, shape)
        clash = sorted(taken & set(names)) if shape != () else []
        if clash:
            raise UnsupportedError(f"the symbolic backend names the entries of input {name!r} "
                                   f"{name}_<index> ({names[0]}, ...); input {clash[0]!r} "
                                   "clashes with them: rename it")
        arr = obj_array(None, shape)
        flat = [sp.Symbol(s, real=True) for s in names]
        for idx, s in zip(np.ndindex(*shape), flat):
            arr[idx] = s
        symbols.append(arr)
        values[n] = arr
    node = graph.node
    for count, n in enumerate(graph.order):
        a = node(n)
        kind = a["op"]
        if kind == "input":
            continue
        if kind == "const":
            v = np.asarray(a["value"])
            out = obj_array(None, v.shape)
            for idx in np.ndindex(*v.shape):
                out[idx] = number(v[idx])
            values[n] = out
            continue
        if budget is not None and count % 64 == 0:
            budget.check("converting the graph to SymPy")
        values[n] = _apply(kind, a, [values[m] for m in a["args"]])
    return Converted(symbols, [values[n] for n in graph.outputs])


def _apply(kind, a, args):
    how, fn = rule(kind)
    if how == "array":
        return _sympified(obj_array(fn(*args, **a["params"]), a["shape"]))
    if all(isinstance(e, sp.Number) for x in args for e in x.flat):
        return _folded(kind, a, args)
    out = np.frompyfunc(fn, len(args), 1)(*args)
    return _sympified(obj_array(out, a["shape"]))


def _folded(kind, a, args):
    """An elementwise op on constants, computed by NumPy: SymPy's exact arithmetic
    would give complex numbers (arcsin(1.21)) or zoo (1/0) where NumPy gives nan or inf.

    Booleans are the numbers 0 and 1 here, as in the kernels: the graph may apply
    an arithmetic op to a comparison directly (``(a > b) * 1.0`` loses its ``* 1``).
    """
    arrays = [np.array([float(e) for e in x.flat]).reshape(x.shape) for x in args]
    with np.errstate(all="ignore"):
        value = np.asarray(ops.get(kind).impl(*arrays, **a["params"]))
    return obj_array(np.frompyfunc(number, 1, 1)(value), a["shape"])


def _sympified(arr):
    """``arr`` with any plain Python number NumPy left in it made a SymPy number."""
    if all(isinstance(e, sp.Basic) for e in arr.flat):
        return arr
    return obj_array(np.frompyfunc(sp.sympify, 1, 1)(arr), arr.shape)
