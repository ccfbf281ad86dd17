"""Scalar kernels of the elementwise ops, and the code generated from them.

``SCALAR`` maps each elementwise op to its value and its local partials,
as expressions in the operands ``a, b, c`` and the output ``y``; they run
inside numba-compiled loops.  :func:`generate` turns the table into two
dispatch functions (values, and partials for the tangent sweep), so adding
an elementwise op is one line here next to its record in :mod:`diffkit.ops`.

The expressions use ``np.*`` forms where NumPy returns nan outside the
domain (np.log(-1.0)) rather than raising, like the reference.
"""

SCALAR = {
    # name: (value, (partial wrt a, partial wrt b, partial wrt c))
    "neg": ("-a", ("-1.0",)),
    "abs": ("abs(a)", ("np.sign(a)",)),
    "sign": ("np.sign(a)", ("0.0",)),
    "sqrt": ("np.sqrt(a)", ("0.5 / y",)),
    "square": ("a * a", ("2.0 * a",)),
    "exp": ("np.exp(a)", ("y",)),
    "expm1": ("np.expm1(a)", ("np.exp(a)",)),
    "log": ("np.log(a)", ("1.0 / a",)),
    "log1p": ("np.log1p(a)", ("1.0 / (1.0 + a)",)),
    "log2": ("np.log2(a)", ("1.0 / (a * LN2)",)),
    "log10": ("np.log10(a)", ("1.0 / (a * LN10)",)),
    "sin": ("np.sin(a)", ("np.cos(a)",)),
    "cos": ("np.cos(a)", ("-np.sin(a)",)),
    "tan": ("np.tan(a)", ("1.0 + y * y",)),
    "arcsin": ("np.arcsin(a)", ("1.0 / np.sqrt((1.0 - a) * (1.0 + a))",)),
    "arccos": ("np.arccos(a)", ("-1.0 / np.sqrt((1.0 - a) * (1.0 + a))",)),
    "arctan": ("np.arctan(a)", ("1.0 / (1.0 + a * a)",)),
    "sinh": ("np.sinh(a)", ("np.cosh(a)",)),
    "cosh": ("np.cosh(a)", ("np.sinh(a)",)),
    "tanh": ("np.tanh(a)", ("1.0 - y * y",)),
    "relu": ("np.maximum(a, 0.0)", ("1.0 if a > 0.0 else 0.0",)),
    "add": ("a + b", ("1.0", "1.0")),
    "sub": ("a - b", ("1.0", "-1.0")),
    "mul": ("a * b", ("b", "a")),
    "div": ("a / b", ("1.0 / b", "-y / b")),
    "pow": ("a ** b", ("0.0 if b == 0.0 else b * a ** (b - 1.0)",
                       "0.0 if a == 0.0 else np.log(a) * y")),
    "arctan2": ("np.arctan2(a, b)", ("b / (a * a + b * b)", "-a / (a * a + b * b)")),
    "logaddexp": ("np.logaddexp(a, b)", ("np.exp(a - y)", "np.exp(b - y)")),
    "maximum": ("np.maximum(a, b)", ("1.0 if a > b else (0.5 if a == b else 0.0)",
                                     "1.0 if b > a else (0.5 if a == b else 0.0)")),
    "minimum": ("np.minimum(a, b)", ("1.0 if a < b else (0.5 if a == b else 0.0)",
                                     "1.0 if b < a else (0.5 if a == b else 0.0)")),
    "zmul": ("0.0 if a == 0.0 or b == 0.0 else a * b", ("b", "a")),
    "lt": ("1.0 if a < b else 0.0", ()),
    "le": ("1.0 if a <= b else 0.0", ()),
    "gt": ("1.0 if a > b else 0.0", ()),
    "ge": ("1.0 if a >= b else 0.0", ()),
    "eq": ("1.0 if a == b else 0.0", ()),
    "ne": ("1.0 if a != b else 0.0", ()),
    "where": ("b if a != 0.0 else c", ("0.0", "1.0 if a != 0.0 else 0.0",
                                       "0.0 if a != 0.0 else 1.0")),
    "clip": ("np.minimum(np.maximum(a, b), c)", ("1.0 if b <= a and a <= c else 0.0",
                                                "1.0 if a < b and b <= c else 0.0",
                                                "1.0 if np.maximum(a, b) > c else 0.0")),
}

_SCALAR_LOADS = ("a = v[oa]", "b = v[ob]", "c = v[oc]")
_ARRAY_LOADS = ("a = A[i]", "b = B[i]", "c = C[i]")
_LOADS = ("a = v[oa + i * sa]", "b = v[ob + i * sb]", "c = v[oc + i * sc]")


def _branches(body, indent="    "):
    """``if f == 0: ... elif f == 1: ...`` over the table, ``body(name, entry)`` lines each."""
    lines = []
    for code, (name, entry) in enumerate(SCALAR.items()):
        lines.append(f"{indent}{'if' if code == 0 else 'elif'} f == {code}:  # {name}")
        lines.extend(indent + "    " + line for line in body(name, entry))
    return lines


def _arity(name):
    from .. import ops
    return ops.get(name).arity


def generate():
    """Source of ``elementwise_scalar``, ``elementwise_array`` and ``elementwise_partials``.

    Values have two forms: one element (the scalar programs of small
    problems, run in the interpreter's tightest loop), and contiguous runs
    in which every operand has the result's size (lowering materializes
    broadcasts), a loop LLVM can vectorize.
    """
    def scalar(name, entry):
        return ["; ".join(_SCALAR_LOADS[:_arity(name)]), f"v[out] = {entry[0]}"]

    def array(name, entry):
        loads = "; ".join(_ARRAY_LOADS[:_arity(name)])
        return ["for i in range(n):", f"    {loads}", f"    O[i] = {entry[0]}"]

    def partials(name, entry):
        loads = "; ".join(_LOADS[:_arity(name)])
        sets = [f"    P[{k}, i] = {expr}" for k, expr in enumerate(entry[1])]
        return ["for i in range(n):", f"    {loads}; y = v[out + i]"] + sets if sets else ["pass"]

    src = ["def elementwise_scalar(f, v, out, oa, ob, oc):"] + _branches(scalar)
    src += ["", "", "def elementwise_array(f, v, out, n, oa, ob, oc):",
            "    A = v[oa:oa + n]; B = v[ob:ob + n]; C = v[oc:oc + n]; O = v[out:out + n]"]
    src += _branches(array)
    src += ["", "", "def elementwise_partials(f, v, out, n, oa, sa, ob, sb, oc, sc, P):"]
    src += _branches(partials)
    return "\n".join(src) + "\n"
