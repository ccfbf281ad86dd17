"""The kernels' elementwise forms, generated from the op records, against hand-written ones.

``HAND_WRITTEN`` is the table the kernels compiled before their forms were
generated (value and partials of every elementwise op, written by hand as
scalar Python).  It is the independent reference: compiled by numba with
the kernels' flags, it must give the same bits as the generated kernels
(values and the tangent sweep) at points of each op's domain and at the
points where conventions matter: zeros of both signs, ties, +-1, +-inf,
nan, tiny and huge numbers.
"""
import itertools

import numpy as np
import pytest

import diffkit
from diffkit import ops
from diffkit.kernels import tangents, values
from diffkit.kernels.build import jit
from diffkit.program.lower import lower
from diffkit.program.scalar import scalar_form

HAND_WRITTEN = {
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
NAMES = list(HAND_WRITTEN)
SPECIAL = [0.0, -0.0, 1.0, -1.0, 0.5, -2.5, 3.0, 1e-300, -1e-300, 1e300, -1e300, np.inf,
           -np.inf, np.nan]


def _reference_source():
    """One numba function evaluating the hand-written table at arrays of points."""
    lines = ["def reference(f, A, B, C, O, P):", "    for i in range(A.size):",
             "        a = A[i]; b = B[i]; c = C[i]"]
    for code, (value, partials) in enumerate(HAND_WRITTEN.values()):
        lines.append(f"        {'if' if code == 0 else 'elif'} f == {code}:")
        lines.append(f"            y = {value}; O[i] = y")
        lines += [f"            P[{q}, i] = {p}" for q, p in enumerate(partials)]
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def reference():
    namespace = {"np": np, "LN2": np.log(2.0), "LN10": np.log(10.0)}
    exec(_reference_source(), namespace)  # noqa: S102 - the test's own table
    return jit(namespace["reference"])


def _points(name, rng):
    """Special values in every combination, plus random points of the op's domain."""
    op = ops.get(name)
    grid = np.array(list(itertools.product(SPECIAL, repeat=op.arity))).T
    domain = [op.domain[min(q, len(op.domain) - 1)] for q in range(op.arity)]
    drawn = np.array([rng.uniform(lo, hi, 200) for lo, hi in domain])
    # ties of the first two operands, at random values
    if op.arity > 1:
        drawn[1, :50] = drawn[0, :50]
    return np.concatenate([grid, drawn], axis=1)


def test_the_hand_written_table_names_elementwise_ops_of_the_records():
    """Ops added later need no entry here: the op table test checks their kernels
    against their rules on every backend."""
    generated = [op.name for op in ops.all_ops() if op.kind in ("elementwise", "comparison")]
    assert set(NAMES) <= set(generated)


@pytest.mark.parametrize("name", NAMES)
def test_generated_kernels_equal_the_hand_written_forms_bit_for_bit(name, reference, rng):
    op = ops.get(name)
    x = _points(name, rng)
    n = x.shape[1]
    graph = diffkit.trace(lambda *xs: ops.call(name, *xs), *x)
    program = lower(graph)
    # one direction per operand: the tangent of the output is that operand's partial
    tx = np.kron(np.eye(op.arity), np.ones(n))
    with np.errstate(all="ignore"):
        got, tangent = tangents(program, x.ravel(), tx)
    want, partials = np.empty(n), np.zeros((3, n))
    padded = [x[min(q, op.arity - 1)] for q in range(3)]
    reference(NAMES.index(name), *padded, want, partials)
    np.testing.assert_array_equal(got, want)
    assert np.array_equal(np.signbit(got), np.signbit(want))  # -0.0 stays -0.0
    np.testing.assert_array_equal(values(program, x.ravel()), want)
    if op.differentiable:
        # the sweep adds t * p only where both are nonzero (zero wins), into +0.0
        expected = np.where(partials[:op.arity] == 0, 0.0, partials[:op.arity])
        np.testing.assert_array_equal(tangent, expected)


@pytest.mark.parametrize("name", NAMES)
def test_one_element_programs_run_the_same_forms(name, reference, rng):
    """Scalar programs run the one-element dispatch, a separate generated function."""
    op = ops.get(name)
    x = _points(name, rng)[:, ::7]
    graph = diffkit.trace(lambda *xs: ops.call(name, *xs), *[0.0] * op.arity)
    program = lower(graph)
    want, partials = np.empty(x.shape[1]), np.zeros((3, x.shape[1]))
    reference(NAMES.index(name), *[x[min(q, op.arity - 1)] for q in range(3)], want, partials)
    got = np.array([values(program, x[:, i])[0] for i in range(x.shape[1])])
    np.testing.assert_array_equal(got, want)


def test_scalar_forms_are_generated_from_the_rules():
    """A form follows its record: the partials are the reverse-mode rule, printed."""
    assert scalar_form("sin") == ("np.sin(a)", ("np.cos(a)",))
    assert scalar_form("lt") == ("(1.0 if a < b else 0.0)", ())
    value, (da, db) = scalar_form("pow")
    assert value == "(a ** b)"
    assert da == "(0.0 if b == 0.0 else (b * (a ** (b - 1.0))))"
    # the zero-wins product is its record's impl, traced
    assert scalar_form("zmul")[0] == "(0.0 if a == 0.0 else (0.0 if b == 0.0 else (a * b)))"


def test_non_elementwise_ops_have_no_scalar_form():
    with pytest.raises(ValueError, match="not elementwise"):
        scalar_form("sum")


@pytest.mark.parametrize("name, impl, words", [
    ("with_sum", lambda x: np.sum(x) + x, "'sum' is a reduction"),
    ("itself", np.cbrt, "traces to the op itself")])
def test_an_impl_that_has_no_scalar_form_is_named(monkeypatch, name, impl, words):
    """An op without a kernel template gets the form of its impl, which must be made
    of elementwise ops other than itself."""
    from diffkit.graph import numpy_functions
    fresh = ops.Op(name=name, arity=1, kind="elementwise", impl=impl, numpy=(np.cbrt,),
                   shape=lambda s: s, flops=lambda *a, **k: 0, partials=lambda x, y: (1.0,))
    monkeypatch.setitem(ops.core._REGISTRY, name, fresh)
    monkeypatch.setitem(numpy_functions.NUMPY_TO_OP, np.cbrt, name)
    with pytest.raises(ValueError, match=words):
        scalar_form(name)


def test_every_reduction_has_a_code_and_a_variant_the_kernels_run():
    from diffkit.program.format import REDUCTION_CODES
    from diffkit.program.scalar import reduction_variant
    reductions = [op.name for op in ops.all_ops() if op.kind == "reduction"]
    assert sorted(REDUCTION_CODES, key=REDUCTION_CODES.get) == reductions
    assert sorted(REDUCTION_CODES.values()) == list(range(len(reductions)))
    assert reduction_variant("mean") == ops.Reduce("add", finish="mean")


@pytest.mark.parametrize("variant", [ops.Reduce("sub"), ops.Reduce("add", finish="log"),
                                     ops.Reduce("mul", square=True, finish="sqrt"),
                                     ops.Reduce("add", square=True)])
def test_a_variant_the_kernels_cannot_run_is_refused(monkeypatch, variant):
    from diffkit.program.scalar import reduction_variant
    bad = ops.Op(name="bad", arity=1, kind="reduction", impl=np.sum, shape=lambda s: (),
                 flops=lambda *a, **k: 0, reduce=variant)
    monkeypatch.setitem(ops.core._REGISTRY, "bad", bad)
    with pytest.raises(ValueError, match="'bad'.*do not run"):
        reduction_variant("bad")
