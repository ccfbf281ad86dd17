"""diffkit.comparison.compare: report contents, agreement flags, kinks, CSV and JSON."""
import csv
import io
import json
import time
import warnings

import numpy as np
import pytest

import diffkit
from diffkit.comparison import active_kinks, compare

LECTURE = "sin(exp(x*y) + 2*x**2)"
# d/dx = cos(u) (y e^{xy} + 4x), d/dy = cos(u) x e^{xy}, u = e^{xy} + 2x^2 (by hand)
U = np.exp(1.1 * 0.7) + 2 * 1.1 ** 2
EXACT = [np.cos(U) * (0.7 * np.exp(0.77) + 4.4), np.cos(U) * 1.1 * np.exp(0.77)]


@pytest.fixture(scope="module")
def report():
    return compare(LECTURE, 1.1, 0.7, repeats=2)


def test_rows_gradients_and_errors(report):
    assert [r.method for r in report.rows] == ["fd", "symbolic", "forward", "reverse"]
    assert np.allclose(report.reference, EXACT, rtol=1e-14)
    for r in report.rows:
        assert len(r.gradient) == 2 and r.agrees
    # error orders: central differences ~1e-10, the exact methods a few ulps
    assert 1e-13 < report["fd"].error < 1e-8
    for m in ("symbolic", "forward"):
        assert report[m].error < 1e-15
    assert report["reverse"].error == 0.0
    assert report.agree and report.kinks == [] and report.warnings == []


def test_costs_and_times(report):
    fd, rev = report["fd"], report["reverse"]
    assert fd.evaluations == 4 and fd.options == "central"  # 2d, d = 2
    assert fd.flops == 4 * diffkit.parse(LECTURE).flops()
    assert rev.evaluations == 1 and rev.stored_bytes > 0
    assert report["symbolic"].swell["derivative_ops"] > report["symbolic"].swell["function_ops"]
    for r in report.rows:
        assert 0 < r.steady_seconds <= r.first_call_seconds


def test_fd_error_estimate_and_tolerance(report):
    fd = report["fd"]
    assert fd.error_estimate is not None
    assert fd.error <= 10 * fd.error_estimate + 1e-15
    assert fd.tolerance == pytest.approx(10 * fd.error_estimate)


def test_table_text(report):
    text = str(report)
    lines = text.splitlines()
    assert lines[0] == f"{LECTURE} at x=1.1, y=0.7"
    header = lines[2]
    for col in ("method", "gradient", "rel. error", "agrees", "evals", "first call", "steady"):
        assert col in header
    assert lines[3].startswith("fd (central)")
    assert "-0.78174748" in lines[4] and "yes" in lines[4]


def test_to_dicts_and_json_round_trip(report):
    dicts = report.to_dicts()
    assert [d["method"] for d in dicts] == ["fd", "symbolic", "forward", "reverse"]
    back = json.loads(report.to_json())
    assert back["methods"] == dicts  # floats survive JSON exactly
    assert back["point"] == {"x": 1.1, "y": 0.7} and back["agree"] is True
    assert back["reference"] == report.reference


def test_csv_round_trip(report, tmp_path):
    text = report.to_csv(tmp_path / "r.csv")
    assert (tmp_path / "r.csv").read_text() == text
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["method"] for r in rows] == ["fd", "symbolic", "forward", "reverse"]
    for row, d in zip(rows, report.to_dicts()):
        assert [float(v) for v in row["gradient"].split(";")] == d["gradient"]
        assert float(row["error"]) == d["error"]
        assert int(row["evaluations"]) == d["evaluations"]
        assert row["agrees"] == str(d["agrees"])


def test_methods_options_and_argnums():
    r = compare(lambda x, y: np.sum(x * np.exp(y)), np.ones(3), np.zeros(3),
                methods=("fd", "reverse"), argnums=1, options={"fd": {"scheme": "complex"}},
                repeats=1)
    assert [row.method for row in r.rows] == ["fd", "reverse"]
    assert r["fd"].options == "complex" and r["fd"].evaluations == 3
    assert r["fd"].error < 1e-15 and r.reference == [1.0, 1.0, 1.0]


def test_one_graph_serves_every_method(monkeypatch):
    """compare traces and simplifies the function once and compiles reverse mode once (the
    reference is reverse mode's row); each row's first-call time still counts the trace."""
    traced = []

    def f(x, y):
        traced.append(type(x))
        time.sleep(0.02)
        return np.sin(np.exp(x * y) + 2 * x ** 2)

    simplified, compiled = [], []
    front_simplify = diffkit.graph.front.simplify
    monkeypatch.setattr(diffkit.graph.front, "simplify",
                        lambda g: simplified.append(g) or front_simplify(g))
    reverse = diffkit.backends.get("reverse")
    reverse_compile = reverse.compile
    monkeypatch.setattr(reverse, "compile", lambda self, request, graph, wrt: compiled.append(
        request) or reverse_compile(self, request, graph, wrt))
    r = compare(f, 1.1, 0.7, repeats=1)
    assert traced == [diffkit.graph.Tracer] and len(simplified) == 1
    assert compiled == ["grad"]
    assert r.agree and np.allclose(r.reference, EXACT, rtol=1e-14)
    assert all(row.first_call_seconds >= 0.02 for row in r.rows)


def test_disagreement_is_flagged_at_a_kink():
    r = compare(lambda x: np.sum(np.abs(x)) + np.max(x), np.array([0.0, 1.0, 1.0]),
                options={"fd": {"scheme": "forward"}}, repeats=1)
    assert not r["fd"].agrees and not r.agree
    assert r["fd"].gradient == pytest.approx([1.0, 2.0, 2.0], abs=1e-6)  # right slopes
    assert r["reverse"].gradient == [0.0, 1.5, 1.5]
    assert {k.op for k in r.kinks} == {"abs", "max"}
    assert all("right" in k.fd for k in r.kinks)
    assert "NO" in str(r)


def test_active_kinks_only_where_tied():
    g = diffkit.trace(lambda x: np.sum(np.maximum(x, 0.5)) + np.linalg.norm(x), np.ones(2))
    assert active_kinks(g, [np.array([1.0, 2.0])]) == []
    ops_at = [k.op for k in active_kinks(g, [np.array([0.5, 2.0])])]
    assert ops_at == ["maximum"]
    assert [k.op for k in active_kinks(g, [np.zeros(2)])] == ["norm"]


def test_unknown_method_raises():
    with pytest.raises(diffkit.DiffkitError, match="unknown method"):
        compare("x * y", 1.0, 2.0, methods=("fd", "magic"))


def test_fd_never_agrees_with_an_infinite_relative_error():
    """sign jumps at 0: the central difference is about 1/h, reverse mode says 0."""
    r = compare("sign(x)", 0.0, methods=("fd", "reverse"), repeats=1)
    assert r.reference == [0.0]
    assert abs(r["fd"].gradient[0]) > 1e3 and r["fd"].error == np.inf
    assert not r["fd"].agrees and not r.agree


def test_powers_are_kinks_only_where_singular():
    # (x**2)' = 2x and (x**3)' = 3x**2 are 0 at 0: smooth; x**0.5 and sqrt have
    # infinite slope there
    for source in ("x**2", "x**3", "x**1"):
        assert compare(source, 0.0, methods=("reverse",), repeats=1).kinks == [], source
    assert [k.op for k in compare("x**0.5", 0.0, methods=("reverse",), repeats=1).kinks] \
        == ["pow"]
    assert [k.op for k in compare("sqrt(x)", 0.0, methods=("reverse",), repeats=1).kinks] \
        == ["sqrt"]
    # arcsin and arccos have infinite one-sided slopes at +-1
    for source, point in (("arcsin(x)", 1.0), ("arccos(x)", -1.0)):
        r = compare(source, point, methods=("fd", "reverse"), repeats=1,
                    options={"fd": {"scheme": "backward" if point > 0 else "forward"}})
        assert [k.node for k in r.kinks] == [source], source
        assert "one-sided" in r.kinks[0].convention
    assert compare("arcsin(x)", 0.5, methods=("reverse",), repeats=1).kinks == []


def test_kink_notes_name_the_users_expression():
    r = compare("abs(x * y) + sin(x) * 2", 0.0, 1.0, methods=("reverse",), repeats=1)
    assert [k.node for k in r.kinks] == ["abs(x * y)"]
    assert "kink active at abs(x * y):" in str(r)
    r = compare(lambda x, y: np.max(x[1:] - y) * 3, np.array([5.0, 1.0, 1.0]), 2.0,
                methods=("reverse",), repeats=1)
    assert [k.node for k in r.kinks] == ["max(x[1:] - y)"]
    r = compare("-(x - y) * abs(-(x - y))", 1.0, 1.0, methods=("reverse",), repeats=1)
    assert [k.node for k in r.kinks] == ["abs(-(x - y))"]


@pytest.mark.parametrize("source, point", [("sign(x)", 0.0), ("sqrt(x) + x", 0.0),
                                           ("log(x) + sqrt(x)", 1e-300)])
def test_numpy_warnings_do_not_leak(source, point):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        r = compare(source, point, repeats=1)
    assert not r.agree


def test_an_infinite_gradient_is_matched_exactly_and_fd_never_agrees():
    # sqrt'(x) = 1 / (2 sqrt(x)) is +inf at 0: the exact methods all say so (the same
    # convention), the central difference steps outside the domain
    r = compare("sqrt(x) + y", 0.0, 2.0, repeats=1)
    assert r.reference == [np.inf, 1.0]
    for method in ("symbolic", "forward", "reverse"):
        assert r[method].gradient == [np.inf, 1.0] and r[method].agrees, method
        assert r[method].error == 0.0
    assert not r["fd"].agrees and not r.agree
    assert any("not finite" in w for w in r.warnings)


@pytest.mark.parametrize("source, point", [("x / 0", (1.0,)), ("log(x) * y", (0.0, 1.0)),
                                           ("exp(x) + y", (1000.0, 1.0))])
def test_a_function_that_is_not_finite_at_the_point_is_an_error(source, point):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # and no RuntimeWarning on the way
        with pytest.raises(diffkit.NonFiniteError, match="finite") as info:
            compare(source, *point, repeats=1)
    assert str(info.value).startswith(f"{source} is ")


@pytest.mark.parametrize("source, args, kwargs, error, words", [
    ("1 + 2", (), {}, diffkit.ArgumentError, "has no inputs"),
    ("x * y", (1.0, 2.0), {"argnums": ()}, diffkit.OptionError, "selects no input"),
    ("x * 2", (np.ones(2),), {}, diffkit.ShapeError, "output shape(s) (2,)"),
])
def test_nothing_to_compare_is_a_diffkit_error(source, args, kwargs, error, words):
    with pytest.raises(error) as info:
        compare(source, *args, repeats=1, **kwargs)
    assert words in str(info.value)


@pytest.mark.parametrize("argnums", [5, -3, (0, 0), 1.0])
def test_argnums_is_range_checked(argnums):
    with pytest.raises(diffkit.OptionError, match="argnums"):
        compare("x**2 * y", 1.0, 2.0, argnums=argnums, methods=("reverse",), repeats=1)


def test_negative_argnums_counts_from_the_end():
    r = compare("x**2 * y", 3.0, 2.0, argnums=-1, methods=("reverse",), repeats=1)
    assert r.reference == [9.0]  # d/dy x**2 y = x**2


def test_a_method_named_twice_raises():
    with pytest.raises(diffkit.OptionError, match="name reverse more than once"):
        compare("x * y", 1.0, 2.0, methods=("reverse", "fd", "reverse"))


def test_kink_notes_use_parentheses_only_where_python_needs_them():
    r = compare("sqrt(x*x + y*y)", 0.0, 0.0, methods=("reverse",), repeats=1)
    assert [k.node for k in r.kinks] == ["sqrt(x * x + y * y)"]


@pytest.mark.parametrize("source", [
    "x - (y - z)", "x - y - z", "(x ** y) ** z", "x ** y ** z", "(-x) ** 2", "-(x ** 2)",
    "x ** -y", "-(x * y)", "(x < y) < z", "x < (y < z)", "(x + y) < z * 2", "x / (y * z)",
    "(-2.0) ** x", "-2.0 * x", "sin(x + y) * (x - y)", "(x + y)[1:] @ z[:2]",
    "max(x * y) ** 2 - -x[0]",
])
def test_kink_note_text_reads_back_as_the_same_graph(source):
    from diffkit.comparison import _sources
    shapes = {n: (3,) for n in "xyz"} if "[" in source else None
    graph = diffkit.parse(source, shapes=shapes)
    text = _sources(graph)[graph.outputs[0]]
    assert diffkit.parse(text, shapes=shapes).listing() == graph.listing(), text
