"""Text and pictures of a graph: the listing, its round trip through parse, DOT, PNG."""
import re

import matplotlib
import numpy as np
import pytest
from numpy.testing import assert_array_equal

import diffkit

matplotlib.use("Agg")

LECTURE_LISTING = """\
z1 = x * y
z2 = x ** 2
z3 = exp(z1)
z4 = 2 * z2
z5 = z3 + z4
out = sin(z5)"""


from diffkit.problems import lecture_example as lecture  # noqa: E402


def test_the_lecture_program_prints_as_the_lecture_writes_it():
    assert diffkit.trace(lecture, 1.0, 2.0).listing() == LECTURE_LISTING
    assert diffkit.parse(LECTURE_LISTING).listing() == LECTURE_LISTING


def test_the_nested_lecture_expression_lists_in_evaluation_order():
    g = diffkit.trace(lambda x, y: np.sin(np.exp(x * y) + 2 * x ** 2), 1.0, 2.0)
    assert g.listing() == "\n".join(["z1 = x * y", "z2 = exp(z1)", "z3 = x ** 2",
                                     "z4 = 2 * z3", "z5 = z2 + z4", "out = sin(z5)"])


SCALAR_FUNCTIONS = [
    lecture,
    lambda x, y: np.maximum(x, y) - np.minimum(x, 0.5) / (1.0 + y * y),
    lambda x, y: np.where(x > y, np.tanh(x), -y) + np.arctan2(x + 3.0, 2.0),
    lambda x, y: np.clip(x, -0.5, None) + np.clip(y, None, 0.25),
    lambda x, y: x * np.sin(1.5) + np.float64(0.1) * y,
    lambda x, y: np.logaddexp(x, y) ** 3 + abs(x - y) + np.sqrt(x * x + 1e-3),
    lambda x, y: np.where(2.0 > 1.0, x, y) * (x != y),
    lambda x, y: diffkit.relu(x) + np.exp(-y) + 1e-300 * x + 12345.678 * y,
]


@pytest.mark.parametrize("fn", SCALAR_FUNCTIONS, ids=range(len(SCALAR_FUNCTIONS)))
def test_parse_of_listing_round_trips_scalar_graphs(rng, fn):
    g = diffkit.trace(fn, 0.3, -0.4)
    h = diffkit.parse(g.listing())
    assert h.listing() == g.listing()
    assert h.op_counts() == g.op_counts()
    for x, y in rng.uniform(-1.5, 1.5, (10, 2)):
        assert_array_equal(h(x, y), g(x, y))


def test_listing_round_trips_array_graphs_with_shapes(rng):
    def f(x, W):
        h = np.tanh(W @ x)
        return np.sum(h[1:] * h[:-1], axis=0, keepdims=True) + np.max(W, axis=1)[::2]

    g = diffkit.trace(f, np.zeros(3), np.zeros((5, 3)))
    h = diffkit.parse(g.listing(), shapes={"x": (3,), "W": (5, 3)})
    assert h.listing() == g.listing()
    assert h.input_names == ("W", "x")  # parse orders inputs by first appearance
    x, W = rng.normal(size=3), rng.normal(size=(5, 3))
    assert_array_equal(h(W, x), f(x, W))


@pytest.mark.parametrize("fn, line", [
    (lambda x: np.sum(x), "out = sum(x)"),
    (lambda x: np.sum(x, axis=1), "out = sum(x, axis=1)"),
    (lambda x: np.mean(x, axis=(0, 1), keepdims=True), "out = mean(x, keepdims=True)"),
    (lambda x: np.max(x, axis=-1, keepdims=True), "out = max(x, axis=1, keepdims=True)"),
    (lambda x: x[1:, ::-1], "out = x[1:, ::-1]"),
    (lambda x: x[None, ..., 0], "out = x[None, ..., 0]"),
    (lambda x: x.reshape(-1), "out = reshape(x, shape=(6,))"),
    (lambda x: x.T, "out = transpose(x, axes=(1, 0))"),
    (lambda x: -x, "out = -x"),
    (lambda x: np.stack([x, x]), "out = stack([x, x], axis=0)"),
    (lambda x: x @ x.T, "out = x @ z1"),
])
def test_listing_of_array_ops(fn, line):
    assert diffkit.trace(fn, np.zeros((2, 3))).listing().splitlines()[-1] == line


def test_operators_on_constants_only_are_listed_as_calls():
    # parse would fold '0.5 ** 3' in Python floats (libm pow) and drop the node
    g = diffkit.parse("x + pow(0.5, 3) - neg(2) * add(1, 2)")
    lines = g.listing().splitlines()
    assert lines[:3] == ["z1 = pow(0.5, 3)", "z2 = x + z1", "z3 = neg(2)"]
    assert diffkit.parse(g.listing()).op_counts() == g.op_counts()
    assert g(1.0) == 1.0 + np.power(0.5, 3.0) - (-2.0) * 3.0


def test_array_constants_are_named_and_described():
    g = diffkit.trace(lambda x: np.ones((2, 3)) * x + np.arange(3.0), np.zeros((2, 3)))
    lines = g.listing().splitlines()
    assert "c1 = <constant array of shape (2, 3)>" in lines
    assert "c2 = <constant array of shape (3,)>" in lines
    assert lines[-1] == "out = z1 + c2"


def test_outputs_that_are_inputs_or_constants_are_listed():
    assert diffkit.trace(lambda x: x, 1.0).listing() == "out = x"
    assert diffkit.trace(lambda x, y: (y, 2.5), 1.0, 2.0).listing() == "out1 = y\nout2 = 2.5"


def test_describe_and_repr():
    g = diffkit.trace(lecture, 1.0, 2.0)
    sin = g.outputs[0]
    assert g.describe(sin) == "out = sin(z5)"
    assert g.describe(g.inputs[1]) == "y"
    assert repr(g) == "<Graph (x, y) -> 1 output(s), |V|=10, |E|=10>"


# -- DOT ------------------------------------------------------------------------

def _dot_edges(dot):
    return re.findall(r"^\s*n(\d+) -> n(\d+)(?: \[label=\"(\d+)\"\])?;$", dot, re.M)


def test_dot_is_well_formed_with_one_edge_per_operand():
    g = diffkit.trace(lambda x, y: np.sin(x * x) + np.where(x > y, x, y), 1.0, 2.0)
    dot = g.to_dot()
    lines = dot.splitlines()
    assert lines[0] == "digraph diffkit {" and lines[-1] == "}"
    assert dot.count("{") == dot.count("}") == 1
    declared = re.findall(r"^\s*n(\d+) \[label=\"[^\"]*\".*\];$", dot, re.M)
    assert sorted(map(int, declared)) == sorted(g.nx.nodes)
    edges = _dot_edges(dot)
    operands = [(m, n, i) for n in g.nx for i, m in enumerate(g.node(n)["args"])]
    assert len(edges) == len(operands) == sum(len(g.node(n)["args"]) for n in g.nx)
    # x * x: two edges from x into the product, labelled 0 and 1
    (mul,) = [n for n in g.nx if g.node(n)["op"] == "mul"]
    x = g.inputs[0]
    assert sorted(lab for a, b, lab in edges if (int(a), int(b)) == (x, mul)) == ["0", "1"]
    # where: three operands in order
    (where,) = [n for n in g.nx if g.node(n)["op"] == "where"]
    into_where = {lab: int(a) for a, b, lab in edges if int(b) == where}
    assert [into_where[str(i)] for i in range(3)] == list(g.node(where)["args"])
    assert "peripheries=2" in [ln for ln in lines if f"n{g.outputs[0]} [" in ln][0]


def test_dot_escapes_quotes_and_unary_edges_have_no_label():
    g = diffkit.trace(np.exp, 1.0)
    (edge,) = _dot_edges(g.to_dot())
    assert edge[2] == ""


# -- PNG --------------------------------------------------------------------------

def test_draw_writes_a_png(tmp_path):
    import matplotlib.pyplot as plt
    path = tmp_path / "lecture.png"
    fig = diffkit.trace(lecture, 1.0, 2.0).draw(path)
    try:
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert path.stat().st_size > 1000
        assert "|V| = 10, |E| = 10, depth = 4" in fig.axes[0].get_title()
    finally:
        plt.close(fig)


def test_draw_into_existing_axes_and_without_a_path(tmp_path):
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots()
    try:
        out = diffkit.parse("sum(x * x)", shapes={"x": (3,)}).draw(ax=ax)
        assert out is fig and ax.get_title().startswith("|V| = 3")
    finally:
        plt.close(fig)
    assert list(tmp_path.iterdir()) == []
