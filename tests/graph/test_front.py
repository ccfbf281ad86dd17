"""diffkit.graph.as_graph: the one front door from a function, an expression or a Graph."""
import numpy as np
import pytest

import diffkit
from diffkit import ArgumentError, OptionError, ParseError, ShapeError, TraceError
from diffkit.graph import as_graph
from diffkit.profile import measure
from diffkit.symbolic import derivative
from diffkit.testing import check_grads

X = np.array([0.5, -1.0, 2.0])


def f(x, y):
    return np.sum(np.sin(x) * 1.0) * y  # "* 1.0" is gone once simplified


def test_a_function_is_traced_at_the_point_and_simplified():
    g = as_graph(f, X, 3.0)
    assert g.input_names == ("x", "y") and g.input_shapes == ((3,), ())
    assert g.op_counts() == {"sin": 1, "sum": 1, "mul": 1}
    assert float(g(X, 3.0)) == pytest.approx(np.sum(np.sin(X)) * 3.0, rel=1e-15)


def test_an_expression_takes_its_shapes_from_the_point():
    g = as_graph("sum(x[1:] * x[:-1]) * y * 1.0", X, 2.0)
    assert g.input_names == ("x", "y") and g.input_shapes == ((3,), ())
    assert "const" not in {g.node(n)["op"] for n in g.order}
    assert float(g(X, 2.0)) == (0.5 * -1.0 + -1.0 * 2.0) * 2.0


def test_an_expression_without_a_point_takes_shapes_or_scalars():
    assert as_graph("x * y").input_shapes == ((), ())
    assert as_graph("sum(x) * y", shapes={"x": (4,)}).input_shapes == ((4,), ())


def test_a_graph_is_checked_against_the_point_and_simplified_once():
    raw = diffkit.parse("sum(x * 1.0)", shapes={"x": (3,)})
    g = as_graph(raw, X)
    assert g is not raw and raw.op_counts() == {"mul": 1, "sum": 1}
    assert g.op_counts() == {"sum": 1}
    # what as_graph returned is simplified: it comes back as it is, at any call
    assert as_graph(g, X) is g and as_graph(g) is g
    assert as_graph(raw) is not raw  # nothing to check without a point, still simplified


@pytest.mark.parametrize("fn, args, error, words", [
    (42, (1.0,), ArgumentError, "expected a function, an expression string or a Graph, got int"),
    (None, (), ArgumentError, "got NoneType"),
    ("x * y", (1.0,), ArgumentError, "takes 2 input(s) (x, y), got 1"),
    ("x * y", (1.0, 2.0, 3.0), ArgumentError, "got 3"),
    ("x * y", (1.0, "a"), ArgumentError, "input 'y' must be real numbers"),
    ("x * y", (1.0, 1j), ArgumentError, "input 'y' must be real numbers"),
    (lambda x: x * 2, ("a",), ArgumentError, "input 'x' must be real numbers"),
    (lambda x: None, (1.0,), TraceError, "returned None"),
    ("x +", (1.0,), ParseError, "syntax error"),
    ("x[0]", (), ParseError, "cannot index 'x'"),
])
def test_bad_input_is_a_clear_error(fn, args, error, words):
    with pytest.raises(error) as info:
        as_graph(fn, *args)
    assert words in str(info.value)


def test_a_graph_refuses_a_point_of_other_shapes_or_count():
    g = as_graph(f, X, 3.0)
    with pytest.raises(ShapeError, match=r"input 'x' has shape \(2,\) but the graph was built"):
        as_graph(g, np.ones(2), 3.0)
    with pytest.raises(ArgumentError, match=r"takes 2 input\(s\) \(x, y\), got 1"):
        as_graph(g, X)


@pytest.mark.parametrize("fn, args, words", [
    ("x * y", (1.0, 2.0), "not both"),
    (f, (X, 3.0), "a function takes them from its example arguments"),
    (diffkit.parse("x"), (), "a Graph has its own"),
])
def test_shapes_is_for_an_expression_without_a_point(fn, args, words):
    with pytest.raises(OptionError, match=words):
        as_graph(fn, *args, shapes={"x": (3,)})


ENTRY_POINTS = {
    "grad": lambda fn, *a: diffkit.grad(fn)(*a),
    "compare": lambda fn, *a: diffkit.compare(fn, *a, repeats=1),
    "check_grads": lambda fn, *a: check_grads(fn, *a),
    "fd.gradient": lambda fn, *a: diffkit.fd.gradient(fn, *a),
    "fd.error_curve": lambda fn, *a: diffkit.fd.error_curve(fn, *a),
    "derivative": lambda fn, *a: derivative(fn, *a),
    "measure": lambda fn, *a: measure(fn, *a, timing=False),
}


@pytest.mark.parametrize("entry", ENTRY_POINTS)
@pytest.mark.parametrize("fn, args, error, words", [
    (42, (1.0,), ArgumentError, "expected a function, an expression string or a Graph"),
    ("x * y", (1.0, "a"), ArgumentError, "input 'y' must be real numbers"),
    ("x * y", (1.0,), ArgumentError, "takes 2 input(s) (x, y), got 1"),
    (diffkit.parse("sum(x)", shapes={"x": (3,)}), (np.ones(2),), ShapeError,
     "input 'x' has shape (2,) but the graph was built for shape (3,)"),
])
def test_every_entry_point_refuses_the_same_input_with_the_same_words(entry, fn, args,
                                                                      error, words):
    with pytest.raises(error) as info:
        ENTRY_POINTS[entry](fn, *args)
    assert words in str(info.value)


def test_every_entry_point_checks_argnums_the_same_way():
    calls = [lambda a: diffkit.grad("x * y", argnums=a)(1.0, 2.0),
             lambda a: diffkit.compare("x * y", 1.0, 2.0, argnums=a, repeats=1),
             lambda a: check_grads("x * y", 1.0, 2.0, argnums=a),
             lambda a: diffkit.fd.gradient("x * y", 1.0, 2.0, argnums=a),
             lambda a: diffkit.fd.error_curve("x * y", 1.0, 2.0, argnums=a),
             lambda a: derivative("x * y", argnums=a),
             lambda a: measure("x * y", 1.0, 2.0, argnums=a, timing=False)]
    for call in calls:
        for argnums, words in ((2, "argnums=2 is out of range: the function has 2 input(s)"),
                               ((0, 0), "names an input twice"), (1.5, "expected an int")):
            with pytest.raises(OptionError) as info:
                call(argnums)
            assert words in str(info.value)



@pytest.mark.parametrize("argnums", [1, np.int64(1), np.int32(-1)])
def test_a_numpy_integer_argnums_names_one_input_like_an_int(argnums):
    # d/dy of sum(sin(x)) * y is sum(sin(x)); d2/dy2 is 0: one array each, not a 1-tuple
    g = diffkit.grad(f, argnums=argnums)(X, 3.0)
    assert not isinstance(g, tuple) and float(g) == pytest.approx(np.sum(np.sin(X)), 1e-15)
    assert float(diffkit.hessian(f, argnums=argnums)(X, 3.0)) == 0.0
    r = diffkit.fd.gradient(f, X, 3.0, argnums=argnums)
    assert not isinstance(r.gradient, tuple) and np.shape(r.gradient) == ()
    assert float(r.gradient) == pytest.approx(np.sum(np.sin(X)), rel=1e-8)
