"""Readable derivatives: text, CSE temporaries, pretty text and LaTeX."""
import numpy as np
import pytest
import sympy as sp

import diffkit
from diffkit.symbolic import derivative


def test_lecture_example_text():
    d = derivative("sin(exp(x*y) + 2*x**2)")
    lines = str(d).splitlines()
    assert lines[0] == "f(x, y) = sin(2*x**2 + exp(x*y))"
    x, y = sp.symbols("x y", real=True)
    f = sp.sin(sp.exp(x * y) + 2 * x ** 2)
    # the printed derivatives are the true ones (checked by SymPy, not by string)
    assert sp.simplify(sp.sympify(lines[1].split(" = ")[1], locals={"x": x, "y": y})
                       - sp.diff(f, x)) == 0
    assert lines[2].startswith("df/dy = ")


def test_cse_shows_temporaries_and_is_shorter():
    f = lambda x: np.sum(np.tanh(x[1:] * x[:-1]) ** 2)  # noqa: E731
    plain = derivative(f, np.ones(4))
    shared = derivative(f, np.ones(4), cse=True)
    assert any(line.startswith("x0 = ") for line in str(shared).splitlines())
    assert shared.swell.derivative_ops_cse < plain.swell.derivative_ops
    assert [n for n in plain.names] == ["df/dx_0", "df/dx_1", "df/dx_2", "df/dx_3"]


def test_latex_and_pretty():
    d = derivative("x**2 * sin(y)", argnums=0)
    tex = d.latex()
    assert tex.startswith("\\begin{aligned}") and tex.endswith("\\end{aligned}")
    assert "\\frac{\\partial f}{\\partial x} &= 2 x \\sin{\\left(y \\right)}" in tex
    assert "sin(y)" in d.pretty()


def test_jacobian_and_hessian_names():
    d = derivative(lambda x: x[::-1] * 2.0, np.ones(2))
    assert d.names == ["df_0/dx_0", "df_0/dx_1", "df_1/dx_0", "df_1/dx_1"]
    assert [str(e) for e in d.exprs] == ["0", "2", "2", "0"]
    h = derivative("x * y ** 2", request="hessian")
    assert h.names == ["d2f/dxdx", "d2f/dxdy", "d2f/dydy"]
    assert [str(e) for e in h.exprs] == ["0", "2*y", "2*x"]
    with pytest.raises(diffkit.OptionError, match="request='hvp': choose 'grad'"):
        derivative("x", request="hvp")


def test_an_expression_takes_its_shapes_from_example_arguments():
    # x[0] needs x to be an array: the example argument gives it the shape (2,)
    d = derivative("x[0] * x[1] ** 2", np.ones(2))
    assert str(d).splitlines()[1:] == ["df/dx_0 = x_1**2", "df/dx_1 = 2*x_0*x_1"]
    with pytest.raises(diffkit.OptionError, match="not both"):
        derivative("x[0] * x[1]", np.ones(2), shapes={"x": (2,)})
    with pytest.raises(diffkit.OptionError, match="leave shapes= out"):
        derivative(lambda x: x[0] * x[1], np.ones(2), shapes={"x": (2,)})


def test_graph_input_and_guard():
    g = diffkit.parse("exp(x) * y")
    assert str(derivative(g, argnums=1)).splitlines()[1] == "df/dy = exp(x)"
    with pytest.raises(diffkit.symbolic.SymbolicTooLarge):
        derivative("sum(x * x)", shapes={"x": (100,)}, max_ops=50)


def test_kink_functions_print_in_every_form():
    """Comparisons, where, max, norm, abs, sign and powers print as people read them
    (pretty and LaTeX too, a power of abs included), never as class names or code."""
    f = lambda x, y: (diffkit.relu(x) * np.sign(y) + np.max(np.stack([x, 2 * y]))  # noqa: E731
                      * np.linalg.norm(np.stack([x, y])) + np.abs(x) ** y)
    d = derivative(f, 0.5, 0.5)
    text, pretty, latex = str(d), d.pretty(), d.latex()
    assert "where([x <= 0], 0, 1)" in text and "[x == max(x, 2*y)]" in text
    for shown in (pretty, latex):
        assert "where" in shown and "max" in shown
        for name in ("Select", "LessEqual", "Maximum", "Equal", "Sign", "1.0 if"):
            assert name not in shown, (name, shown)
    assert r"\left[x \leq 0\right]" in latex and r"\left|{x}\right|^{y}" in latex
    assert "[x ≤ 0]" in pretty
