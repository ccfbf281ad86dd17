"""The elementwise dispatch of the kernels, generated from the op records.

Each elementwise and comparison op has a scalar form: its value and its
local partials as Python expressions in the operands ``a, b, c`` and the
output ``y`` (:func:`diffkit.program.scalar.scalar_form`, generated from the
op's record: the partials are the rules reverse mode runs).  :func:`generate`
turns them into three dispatch functions (values on one element, values on
contiguous runs, and partials for the tangent sweep), branching on the op's
code of :data:`diffkit.program.format.ELEMENTWISE_CODES`, so adding an
elementwise op is its record alone.  It also writes the tables of the
reductions' kernel variants (``REDUCE_COMBINE``...), by reduction code, that
the reduce kernels of :mod:`.structured` index.

The forms use ``np.*`` functions, which return nan outside the domain
(np.log(-1.0)) rather than raising, like the reference, and ``math``'s
functions that NumPy lacks (``math.erf``, ``math.lgamma``).

Examples
--------
>>> lines = generate().splitlines()
>>> print(lines[lines.index("def elementwise_scalar(f, v, out, oa, ob, oc):") + 1])
    if f == 0:  # neg
"""
from ..program.format import (COMBINE, ELEMENTWISE_ARITY, ELEMENTWISE_CODES, FINISH,
                              REDUCTION_CODES, reduction_variant, scalar_form)

_SCALAR_LOADS = ("a = v[oa]", "b = v[ob]", "c = v[oc]")
_ARRAY_LOADS = ("a = A[i]", "b = B[i]", "c = C[i]")
_LOADS = ("a = v[oa + i * sa]", "b = v[ob + i * sb]", "c = v[oc + i * sc]")


#: A scalar form longer than this many characters becomes a function of its own
#: that the dispatch calls: the series of digamma or log_ndtr pasted into every
#: branch made LLVM spend minutes on the three dispatch functions.  The forms of
#: the common ops stay inline, where LLVM vectorizes the array loops.
OUTLINE = 200


def _forms(name, arity, helpers):
    """The op's scalar form, long expressions replaced by calls of outlined functions."""
    value, partials = scalar_form(name)
    operands = list("abc"[:arity])

    def short(expr, fn, args):
        if len(expr) <= OUTLINE:
            return expr
        helpers.append(f"def {fn}({', '.join(args)}):\n    return {expr}\n\n")
        return f"{fn}({', '.join(args)})"
    # the value is what y will be; the partials may read it
    return (short(value, f"_value_{name}", operands),
            tuple(short(p, f"_partial{k}_{name}", operands + ["y"])
                  for k, p in enumerate(partials)))


def _branches(body, forms, indent="    "):
    """``if f == 0: ... elif f == 1: ...`` over the codes, ``body(arity, form)`` lines each."""
    lines = []
    for name, code in ELEMENTWISE_CODES.items():
        lines.append(f"{indent}{'if' if code == 0 else 'elif'} f == {code}:  # {name}")
        lines.extend(indent + "    " + line for line in body(ELEMENTWISE_ARITY[code], forms[name]))
    return lines


def _reduction_tables():
    """The reductions' kernel variants by code: tables the reduce kernels index."""
    variants = [reduction_variant(name) for name in sorted(REDUCTION_CODES,
                                                           key=REDUCTION_CODES.get)]
    lines = [f"C_{c.upper()} = {i}" for i, c in enumerate(COMBINE)]
    lines += [f"F_{(f or 'none').upper()} = {i}" for i, f in enumerate(FINISH)]
    lines += [f"REDUCE_COMBINE = {tuple(COMBINE.index(v.combine) for v in variants)!r}",
              f"REDUCE_SQUARE = {tuple(v.square for v in variants)!r}",
              f"REDUCE_FINISH = {tuple(FINISH.index(v.finish) for v in variants)!r}"]
    return lines


def generate():
    """Source of ``elementwise_scalar``, ``elementwise_array`` and ``elementwise_partials``.

    Values have two forms: one element (the scalar programs of small
    problems, run in the interpreter's tightest loop), and contiguous runs
    in which every operand has the result's size (lowering materializes
    broadcasts), a loop LLVM can vectorize.
    """
    def scalar(arity, form):
        return ["; ".join(_SCALAR_LOADS[:arity]), f"v[out] = {form[0]}"]

    def array(arity, form):
        loads = "; ".join(_ARRAY_LOADS[:arity])
        return ["for i in range(n):", f"    {loads}", f"    O[i] = {form[0]}"]

    def partials(arity, form):
        loads = "; ".join(_LOADS[:arity])
        sets = [f"    P[{k}, i] = {expr}" for k, expr in enumerate(form[1])]
        return ["for i in range(n):", f"    {loads}; y = v[out + i]"] + sets if sets else ["pass"]

    helpers = []
    forms = {name: _forms(name, ELEMENTWISE_ARITY[code], helpers)
             for name, code in ELEMENTWISE_CODES.items()}
    # scalar forms may call math's functions numba compiles (math.erf, math.lgamma)
    src = ["import math", "", ""] + helpers
    src += ["", "def elementwise_scalar(f, v, out, oa, ob, oc):"]
    src += _branches(scalar, forms)
    src += ["", "", "def elementwise_array(f, v, out, n, oa, ob, oc):",
            "    A = v[oa:oa + n]; B = v[ob:ob + n]; C = v[oc:oc + n]; O = v[out:out + n]"]
    src += _branches(array, forms)
    src += ["", "", "def elementwise_partials(f, v, out, n, oa, sa, ob, sb, oc, sc, P):"]
    src += _branches(partials, forms)
    src += ["", ""] + _reduction_tables()
    return "\n".join(src) + "\n"
