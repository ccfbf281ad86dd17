"""Scalar forms of elementwise ops and kernel variants of reductions, from the op records.

The compiled kernels evaluate an elementwise op one element at a time, as a
Python expression in its operands ``a, b, c`` (and its result ``y``) that
numba compiles.  Nothing here restates an op: the value is the record's
``kernel`` template, or for an op composed of others (relu, the zero-wins
product) its ``impl`` traced and printed; each local partial is the
record's ``partials`` rule, the NumPy function reverse mode runs, traced
and printed.  So forward mode's tangents and reverse mode's adjoints come
from the same rules.

A reduction's record names its kernel variant (:class:`diffkit.ops.Reduce`),
which :func:`reduction_variant` checks and hands to the kernels.

A traced rule prints as one expression: every node becomes its op's scalar
form, a comparison ``(1.0 if a < b else 0.0)`` (or, as the condition of a
``where``, the test ``a < b``), a constant ``repr(float)``.

Examples
--------
>>> from diffkit.program.scalar import scalar_form
>>> scalar_form("mul")
('(a * b)', ('b', 'a'))
>>> scalar_form("relu")
('np.maximum(a, 0.0)', ('((1.0 if a > 0.0 else 0.0) * 1.0)',))
>>> scalar_form("zmul")[0]
'(0.0 if a == 0.0 else (0.0 if b == 0.0 else (a * b)))'
>>> zmul = scalar_function("zmul")
>>> zmul(0.0, float("inf")), zmul(2.0, 3.0)
(np.float64(0.0), np.float64(6.0))
"""
import functools
import math

import numpy as np

from .. import ops
from ..graph.tracing import trace

#: Names of the operands in scalar forms, then of the op's result.
OPERANDS = ("a", "b", "c")
RESULT = "y"


class Code:
    """A scalar expression in the operands; ``test``: the same, used as a condition."""

    __slots__ = ("text", "test")

    def __init__(self, text, test=None):
        self.text = text
        self.test = test if test is not None else f"{text} != 0.0"

    def __format__(self, spec):
        return self.text


def _constant(value):
    """A 0-d constant as Python source: ``0.5``, ``(-1.0)``, ``np.inf``, ``np.nan``."""
    value = np.asarray(value)
    if value.shape != ():
        raise ValueError(f"a scalar form cannot hold the array constant {value!r}")
    x = float(value)
    text = repr(abs(x)) if np.isfinite(x) else "np.nan" if np.isnan(x) else "np.inf"
    return f"(-{text})" if np.signbit(x) and not np.isnan(x) else text


def apply(op, operands):
    """The :class:`Code` of ``op`` applied to the Codes ``operands``."""
    if op.kind not in ("elementwise", "comparison"):
        raise ValueError(f"op {op.name!r} is a {op.kind}, not elementwise: it has no scalar form")
    if op.kernel is None:
        return _print(_traced_impl(op.name), operands)[0]
    text = op.kernel.format(**dict(zip(OPERANDS, operands)))
    if op.kind == "comparison":
        return Code(f"(1.0 if {text} else 0.0)", test=text)
    return Code(text)


@functools.lru_cache(maxsize=None)
def _traced_impl(name):
    """The graph of an op without a kernel template: its impl, made of other ops."""
    op = ops.get(name)
    graph = trace(op.impl, *[0.0] * op.arity, names=OPERANDS[:op.arity])
    if name in graph.op_counts():
        raise ValueError(f"op {name!r} has no kernel template and its impl traces to the op "
                         "itself: give its record a kernel= template")
    return graph


def _print(graph, inputs):
    """The Codes of ``graph``'s outputs, its inputs standing for the Codes ``inputs``."""
    codes = dict(zip(graph.inputs, inputs))
    for n in graph.order:
        a = graph.node(n)
        if a["op"] == "const":
            codes[n] = Code(_constant(a["value"]))
        elif a["op"] != "input":
            codes[n] = apply(ops.get(a["op"]), [codes[m] for m in a["args"]])
    return [codes[n] for n in graph.outputs]


def _partials(op):
    """The record's partials rule as one function of (operands..., result) for tracing;
    an operand without a derivative (where's condition) gets 0."""
    def rule(*args):
        return tuple(0.0 if p is None else p for p in op.partials(*args))
    return rule


@functools.lru_cache(maxsize=None)
def scalar_form(name):
    """``(value, partials)`` of elementwise or comparison op ``name`` as Python source.

    ``value`` is an expression in ``a, b, c``; ``partials`` holds one
    expression per operand in ``a, b, c`` and the result ``y`` (none for a
    comparison, which carries no derivative).
    """
    op = ops.get(name)
    operands = [Code(x) for x in OPERANDS[:op.arity]]
    value = apply(op, operands).text
    if op.partials is None:
        return value, ()
    names = OPERANDS[:op.arity] + (RESULT,)
    graph = trace(_partials(op), *[0.0] * len(names), names=names)
    return value, tuple(c.text for c in _print(graph, operands + [Code(RESULT)]))


@functools.lru_cache(maxsize=None)
def scalar_function(name):
    """Op ``name`` on floats, compiled from its scalar form: ``f(a, b) -> np.float64``.

    What code generated elsewhere calls to apply the op exactly as the
    kernels do (the symbolic backend's zero-wins products); the result is a
    NumPy float so that the arithmetic that follows has NumPy's semantics
    (1/0 is inf, not an exception), and numba compiles it as it is.
    """
    operands = ", ".join(OPERANDS[:ops.get(name).arity])
    source = f"def {name}({operands}):\n    return np.float64({scalar_form(name)[0]})\n"
    namespace = {"np": np, "math": math}
    exec(compile(source, f"<scalar form of {name}>", "exec"), namespace)  # noqa: S102
    return namespace[name]


#: The values a reduction variant's fields take, in the order the kernels number them.
COMBINE = ("add", "mul", "max", "min")
FINISH = ("", "mean", "sqrt")


def reduction_variant(name):
    """The kernel variant of reduction ``name``; ValueError if the kernels cannot run it.

    Examples
    --------
    >>> reduction_variant("norm")
    Reduce(combine='add', square=True, finish='sqrt')
    """
    op = ops.get(name)
    variant = op.reduce
    if variant is None:
        raise ValueError(f"op {name!r} has no kernel variant (Op.reduce): only reductions have")
    if (variant.combine not in COMBINE or variant.finish not in FINISH
            or variant.square and (variant.combine, variant.finish) != ("add", "sqrt")):
        raise ValueError(f"reduction {name!r} has the variant {variant}, which the kernels do not "
                         f"run: combine is one of {COMBINE}, finish one of {FINISH}, and only "
                         "a square root of a sum squares its entries")
    return variant
