"""Parsing expression strings: programs, inputs, shapes, parameters, errors, hostile input."""
import time

import numpy as np
import pytest
from numpy.testing import assert_array_equal

import diffkit
from diffkit import ParseError
from diffkit.graph.parsing import input_names

LECTURE = "z1 = x * y; z2 = x ** 2; z3 = exp(z1); z4 = 2 * z2; z5 = z3 + z4; out = sin(z5)"


def lecture_value(x, y):
    """NumPy's value on arrays: for NumPy scalars ** is libm's pow, not NumPy's loop."""
    x, y = np.reshape(x, (1,)), np.reshape(y, (1,))
    return np.sin(np.exp(x * y) + 2 * x ** 2)[0]


def test_single_expression(rng):
    g = diffkit.parse("sin(exp(x*y) + 2*x**2)")
    assert g.input_names == ("x", "y")
    assert g.op_counts() == {"mul": 2, "pow": 1, "exp": 1, "add": 1, "sin": 1}
    for x, y in rng.uniform(-1, 1, (10, 2)):
        assert g(x, y) == lecture_value(x, y)


@pytest.mark.parametrize("source", [
    LECTURE, LECTURE.replace("; ", "\n"), LECTURE.replace("; ", "\n") + "\n",
    "z1 = x * y\nz2 = x ** 2\n\n# a comment\nz3 = exp(z1); z4 = 2 * z2\nsin(z3 + z4)",
])
def test_straight_line_programs(rng, source):
    g = diffkit.parse(source)
    assert g.input_names == ("x", "y")
    assert g.num_nodes == 10
    for x, y in rng.uniform(-1, 1, (10, 2)):
        assert g(x, y) == lecture_value(x, y)


def test_parse_and_trace_give_the_same_graph():
    parsed = diffkit.parse(LECTURE)
    traced = diffkit.trace(diffkit.problems.lecture_example, 1.0, 1.0)
    assert parsed.listing() == traced.listing()
    assert (parsed.num_nodes, parsed.num_edges, parsed.depth) == \
        (traced.num_nodes, traced.num_edges, traced.depth)


@pytest.mark.parametrize("source, names", [
    ("y * x", ("y", "x")), ("b + a * c", ("b", "a", "c")),
    ("t = w * 2; u = v + t; u * w", ("w", "v")), ("sin(q) + q * p", ("q", "p")),
])
def test_inputs_in_order_of_first_appearance(source, names):
    assert diffkit.parse(source).input_names == names


def test_assigned_names_are_not_inputs_and_constants_need_no_input():
    g = diffkit.parse("a = 2 * 3; out = a * x + pi")
    assert g.input_names == ("x",)
    assert g(2.0) == 6.0 * 2.0 + np.pi


def test_shapes_make_array_inputs(rng):
    g = diffkit.parse("sum(x[1:] - x[:-1] ** 2) + sum(W @ x)", shapes={"x": (5,), "W": (3, 5)})
    assert g.input_names == ("x", "W") and g.input_shapes == ((5,), (3, 5))
    x, W = rng.normal(size=5), rng.normal(size=(3, 5))
    assert g(x, W) == np.sum(x[1:] - x[:-1] ** 2) + np.sum(W @ x)


@pytest.mark.parametrize("source, ref", [
    ("sum(x, axis=0)", lambda x: np.sum(x, axis=0)),
    ("sum(x, 0)", lambda x: np.sum(x, axis=0)),
    ("sum(x, 1, True)", lambda x: np.sum(x, axis=1, keepdims=True)),
    ("sum(x, axis=None, keepdims=False)", np.sum),
    ("mean(x, keepdims=True)", lambda x: np.mean(x, keepdims=True)),
    ("max(x, axis=(0, 1))", np.max),
    ("reshape(x, (3, 2))", lambda x: np.reshape(x, (3, 2))),
    ("reshape(x, shape=(-1,))", np.ravel),
    ("transpose(x)", np.transpose),
    ("roll(x, 1, axis=None)", lambda x: np.roll(x, 1)),
    ("squeeze(expand_dims(x, 0), axis=0)", lambda x: x),
    ("concatenate([x, x], axis=1)", lambda x: np.concatenate([x, x], axis=1)),
    ("stack((x, x), 2)", lambda x: np.stack([x, x], axis=2)),
    ("norm(x)", np.linalg.norm),
    ("absolute(x) + power(x, 2) - negative(x)", lambda x: np.abs(x) + x ** 2 + x),
    ("x[-1, ::-1]", lambda x: x[-1, ::-1]),
    ("x[None, ..., [2, 0]]", lambda x: x[None, ..., [2, 0]]),
])
def test_keyword_and_positional_parameters(rng, source, ref):
    g = diffkit.parse(source, shapes={"x": (2, 3)})
    x = rng.normal(size=(2, 3))
    assert_array_equal(g(x), ref(x))


def test_several_outputs():
    g = diffkit.parse("x * y, x + y")
    assert g(2.0, 3.0) == (6.0, 5.0)


def test_a_function_of_constants_is_still_a_node():
    g = diffkit.parse("sin(1) + x")
    assert g.op_counts() == {"sin": 1, "add": 1}
    assert g(0.5) == np.sin(1.0) + 0.5


def test_boolean_inf_and_nan_constants_as_listings_print_them():
    g = diffkit.parse("where(True, x, -inf) + where(False, nan, x)")
    assert g(2.0) == 4.0
    assert np.isnan(diffkit.parse("x * nan")(1.0))


def test_constant_arithmetic_is_done_in_floats():
    g = diffkit.parse("x * 2 ** 0.5 + x / 3")
    assert g(1.5) == 1.5 * 2.0 ** 0.5 + 1.5 / 3.0


# -- syntax and semantic errors carry positions -------------------------------------

@pytest.mark.parametrize("source, lineno, offset", [
    ("x +* y", 1, 3), ("sin(x", 1, 3), ("z1 = x * y\nz2 = z1 +\nout = z2", 2, 9),
])
def test_syntax_errors_carry_the_position(source, lineno, offset):
    with pytest.raises(ParseError) as info:
        diffkit.parse(source)
    err = info.value
    assert err.msg.startswith("syntax error")
    assert err.lineno == lineno
    assert abs(err.offset - offset) <= 1  # CPython versions place the caret slightly apart
    text = str(err)
    line = source.splitlines()[lineno - 1]
    assert f"line {lineno}" in text and line in text
    assert text.splitlines()[-1] == "    " + " " * err.offset + "^"


@pytest.mark.parametrize("source, lineno, offset, words", [
    ("a = x\nb = nosuch(a)", 2, 4, ("unknown function 'nosuch'",)),
    ("x + y.T", 1, 4, ("Attribute",)),
    ("sin(x) + (1 < x < 2)", 1, 10, ("chained",)),
    ("out = x\ny = x; import os", 2, 7, ("Import",)),
    ("out = x\nx * y; y = 1", 2, 0, ("only the last line",)),
    ("sum(x, axes=0)", 1, 0, ("axes", "axis")),
    ("maximum(x)", 1, 0, ("2 operand",)),
    ("x + sin", 1, 4, ("is a function",)),
    ("sum(x, axis=y)", 1, 12, ("constant",)),
    ("x[1.5]", 1, 2, ("integer",)),
])
def test_semantic_errors_carry_the_position(source, lineno, offset, words):
    with pytest.raises(ParseError) as info:
        diffkit.parse(source, shapes={"x": (3,)})
    assert (info.value.lineno, info.value.offset) == (lineno, offset)
    for word in words:
        assert word in info.value.msg


@pytest.mark.parametrize("source", [
    "", "   ", "# nothing", "x; y", "x + None", "'a' + x", "x << 2", "x & 2", "~x", "not x",
    "x or y", "x is y", "x if y else 2", "{1: x}", "f'{x}'", "*x", "sum(**d)", "x += 1",
    "(1, 2) * 3", "[x] + 1", "-(1, 2)", "x[(0,) * 3]", "sum(x, axis=(0,) * 10)",
    "sum(x, axis=1.5)", "sin(x, out=1)", "add(x, x, where=0)", "sin(x, y)", "1 / 0",
    "x * 10 ** 400", "reshape(x, (4, 4))", "x[7]",
])
def test_invalid_sources_raise_parse_error(source):
    with pytest.raises(ParseError):
        diffkit.parse(source, shapes={"x": (3,)})


def test_non_string_source_is_a_type_error():
    with pytest.raises(TypeError):
        diffkit.parse(lambda x: x)


# -- hostile input: rejected, and nothing runs --------------------------------------

HOSTILE = [
    "__import__('os').system('touch {p}')",
    "system('touch {p}')",
    "open('{p}', 'w')",
    "exec(\"open('{p}', 'w')\")",
    "eval(\"open('{p}', 'w')\")",
    "x = 1; __import__('os').system('touch {p}')",
    "sin(x) + __import__('os').system('touch {p}')",
    "x[__import__('os').system('touch {p}')]",
    "sum(x, axis=__import__('os').system('touch {p}'))",
    "().__class__.__bases__[0].__subclasses__()",
    "x.__class__", "__builtins__", "__import__", "x.__dict__", "sin.__globals__",
    "(lambda: open('{p}', 'w'))()", "[open('{p}', 'w') for _ in (1,)]",
    "import os", "from os import system", "def f(): pass", "class A: pass",
    "with open('{p}') as f: pass", "for i in (1, 2): x = i", "while 1: pass",
    "q[0]", "undefined_function(x)", "getattr(x, 'T')", "globals()", "vars()",
    "breakpoint()", "getitem(x, 0)", "zmul(x, x)", "(x := 1)", "del x", "assert x",
    "global x", "raise SystemExit", "x.T",
]


@pytest.mark.parametrize("template", HOSTILE)
def test_hostile_strings_are_rejected_and_nothing_runs(tmp_path, template):
    victim = tmp_path / "pwned"
    with pytest.raises(ParseError):
        diffkit.parse(template.format(p=victim))
    assert not victim.exists()


@pytest.mark.parametrize("source", ["9**9**9", "x * 9 ** 9 ** 9", "2 ** 2 ** 2 ** 2 ** 2 ** 2",
                                    "(10 ** 300) ** 300"])
def test_huge_constant_powers_fail_fast(source):
    start = time.perf_counter()
    with pytest.raises(ParseError, match="constant arithmetic"):
        diffkit.parse(source)
    assert time.perf_counter() - start < 1.0


@pytest.mark.parametrize("source", ["(" * 5000 + "x" + ")" * 5000, "-" * 100_000 + "x",
                                    "sin(" * 3000 + "x" + ")" * 3000])
def test_deep_nesting_is_a_parse_error_not_a_crash(source):
    with pytest.raises(ParseError):
        diffkit.parse(source)


@pytest.mark.parametrize("source", ["x" + "+x" * 100_000, "-" * 100_000 + "x",
                                    "(" * 5000 + "x" + ")" * 5000, "x +* y"],
                         ids=["long sum", "long negation", "deep parentheses", "syntax error"])
def test_long_strings_fail_the_same_way_through_grad_and_parse(source):
    """grad looks the input names up before parsing: that lookup is guarded as well."""
    with pytest.raises(ParseError) as by_parse:
        diffkit.parse(source)
    with pytest.raises(ParseError) as by_input_names:
        input_names(source)
    with pytest.raises(ParseError) as by_grad:
        diffkit.grad(source)(1.0)
    assert str(by_grad.value) == str(by_input_names.value) == str(by_parse.value)


def test_indexing_an_input_without_a_shape_says_how_to_give_one():
    with pytest.raises(ParseError) as info:
        diffkit.parse("y + x[0]")
    assert info.value.msg.startswith("cannot index 'x': ")
    assert info.value.msg.endswith("give its shape, e.g. parse(..., shapes={'x': (3,)})")
    assert (info.value.lineno, info.value.offset) == (1, 4)
    with pytest.raises(ParseError) as info:
        diffkit.parse("W[1]", shapes_hint="give its shape with --shapes, e.g. --shapes {name}=3")
    assert info.value.msg.endswith("give its shape with --shapes, e.g. --shapes W=3")


def test_remainder_and_floor_division_parse_as_numpy_computes_them():
    x, y = np.array([5.5, -2.0, 3.0]), np.array([2.0, 1.5, -2.0])
    g = diffkit.parse("x % y + x // y + 7 % 3", shapes={"x": (3,), "y": (3,)})
    np.testing.assert_array_equal(g(x, y), x % y + x // y + 1)
    # a % b = a - b * floor(a / b): d/da = 1, d/db = -floor(a / b) away from the jumps
    ga, gb = diffkit.grad(diffkit.parse("sum(x % y)", shapes={"x": (3,), "y": (3,)}),
                          argnums=(0, 1))(x, y)
    np.testing.assert_array_equal(ga, np.ones(3))
    np.testing.assert_array_equal(gb, -np.floor(x / y))
