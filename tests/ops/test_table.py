"""Table-driven tests: every op in ``diffkit.ops.names()`` is traced, parsed and evaluated.

The parametrization is read off the op table itself, so an op added to the
table without cases here shows up as a failing ``<name>-UNCOVERED`` test.
Each case is a plain NumPy function; run on arrays it is the reference, run
on tracers it builds the graph.  The graph, evaluated at *new* random points
drawn from the op's domain, must equal NumPy to the last bit.
"""
import operator
from typing import Callable, NamedTuple, Optional

import numpy as np
import pytest
from numpy.testing import assert_array_equal

import diffkit
from diffkit import ops
from diffkit.graph.evaluate import evaluate_all


class Case(NamedTuple):
    shapes: list                      # one shape per operand
    fn: Callable                      # traced, and the NumPy reference unless ref is given
    text: Optional[str] = None        # the same computation as an expression string
    ref: Optional[Callable] = None


NAMES = "xyzw"


def _unary(name):
    fn = diffkit.relu if name == "relu" else ops.get(name).numpy[0]
    ref = (lambda x: np.maximum(x, 0.0)) if name == "relu" else None
    cases = [Case([s], fn, f"{name}(x)", ref) for s in [(), (4,), (2, 3)]]
    if name == "neg":
        cases.append(Case([(3,)], operator.neg, "-x"))
    if name == "abs":
        cases.append(Case([(3,)], abs))
    return cases


BINARY_SHAPES = [[(), ()], [(4,), (4,)], [(2, 3), (3,)], [(2, 1), (1, 3)], [(), (2, 2)]]
SYMBOLS = {"+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv,
           "**": operator.pow, "<": operator.lt, "<=": operator.le, ">": operator.gt,
           ">=": operator.ge, "==": operator.eq, "!=": operator.ne}


def _binary(name):
    op = ops.get(name)
    cases = [Case(s, op.numpy[0], f"{name}(x, y)") for s in BINARY_SHAPES]
    if op.symbol in SYMBOLS:
        cases += [Case(s, SYMBOLS[op.symbol], f"x {op.symbol} y") for s in BINARY_SHAPES[1:3]]
    return cases


def _reductions(name):
    if name == "norm":
        def call(axis, keepdims):
            return lambda x: np.linalg.norm(x, axis=axis, keepdims=keepdims)
        combos = [(None, False), (None, True), (0, False), (-1, True), ((0, 2), False),
                  ((1, 2), True)]
        # NumPy sums squares with add.reduce when an axis is given and with dot for
        # axis=None; large inputs make the two differ in the last bit.
        extra = [Case([(5,)], np.linalg.norm, "norm(x)"),
                 Case([(300,)], np.linalg.norm, "norm(x)"),
                 Case([(20, 30)], np.linalg.norm, "norm(x)"),
                 Case([(2, 3)], lambda x: np.linalg.norm(x, axis=1), "norm(x, axis=1)"),
                 Case([(300,)], lambda x: np.linalg.norm(x, axis=0)),
                 Case([(300,)], lambda x: np.linalg.norm(x, axis=-1, keepdims=True)),
                 Case([(20, 30)], lambda x: np.linalg.norm(x, axis=(1, 0))),
                 Case([(20, 30)], lambda x: np.linalg.norm(x, axis=(0, 1), keepdims=True))]
    else:
        fn = ops.get(name).numpy[0]

        def call(axis, keepdims):
            return lambda x: fn(x, axis=axis, keepdims=keepdims)
        combos = [(a, k) for a in (None, 0, -1, (0, 2), (1,)) for k in (False, True)]
        extra = [Case([(5,)], fn, f"{name}(x)"), Case([()], fn, f"{name}(x)"),
                 Case([(3, 4)], lambda x: fn(x, 0), f"{name}(x, 0)"),
                 Case([(3, 4)], lambda x: fn(x, 1, keepdims=True), f"{name}(x, 1, True)")]
    return [Case([(2, 3, 4)], call(a, k), f"{name}(x, axis={a!r}, keepdims={k})")
            for a, k in combos] + extra


def _getitem_cases():
    def at(index, text=None, shape=(5,)):
        return Case([shape], lambda x: x[index], text and f"x[{text}]")
    mask1 = np.array([True, False, True, True, False])
    mask2 = np.array([[True, False, False, True], [False, False, True, False],
                      [True, True, True, True]])
    return [
        at(2, "2"), at(-1, "-1"), at(slice(1, None), "1:"), at(slice(None, -1), ":-1"),
        at(slice(None, None, -2), "::-2"), at(slice(4, 0, -1), "4:0:-1"),
        at(np.array([0, 4, 4, 1]), "[0, 4, 4, 1]"), at(np.array([-1, 0]), "[-1, 0]"),
        at(mask1), at(None, "None"), at(Ellipsis, "..."),
        at((1, slice(None)), "1, :", (3, 4)), at((slice(None), -1), ":, -1", (3, 4)),
        at((None, Ellipsis, 2), "None, ..., 2", (3, 4)),
        at((Ellipsis, None), "..., None", (3, 4)),
        at((np.array([0, 2]), slice(1, 3)), "[0, 2], 1:3", (3, 4)),
        at((slice(None, None, 2), np.array([3, 0])), "::2, [3, 0]", (3, 4)),
        at(mask2, None, (3, 4)), at(np.array([[0, 1], [2, 0]]), None, (3, 4)),
        at((Ellipsis, 1), "..., 1", (2, 3, 4)), at((0, Ellipsis, None), "0, ..., None", (2, 3, 4)),
        at((-1, slice(1, None), -2), "-1, 1:, -2", (2, 3, 4)),
    ]


def _join(name, groups):
    fn = ops.get(name).numpy[0]
    out = []
    for shapes, axis in groups:
        names = ", ".join(NAMES[:len(shapes)])
        out.append(Case(shapes, lambda *xs, a=axis: fn(xs, axis=a),
                        f"{name}([{names}], axis={axis})"))
    return out


def _linalg(name, pairs):
    fn = ops.get(name).numpy[0]
    cases = [Case(list(p), fn, f"{name}(x, y)") for p in pairs]
    if name == "matmul":
        cases += [Case(list(p), operator.matmul, "x @ y") for p in pairs[:4]]
    return cases


def _param_cases(np_fn, name, shape, params, positional=False):
    out = []
    for p in params:
        out.append(Case([shape], lambda x, p=p: np_fn(x, p),
                        f"{name}(x, {p!r})" if positional else None))
    return out


CASES = {name: _unary(name) for name in ops.names()
         if ops.get(name).kind == "elementwise" and ops.get(name).arity == 1}
CASES.update({name: _binary(name) for name in ops.names()
              if ops.get(name).kind in ("elementwise", "comparison")
              and ops.get(name).arity == 2})
CASES.update({name: _reductions(name) for name in ops.names()
              if ops.get(name).kind == "reduction"})
CASES.update({
    "where": [
        Case([(), (), ()], lambda c, a, b: np.where(c > 0, a, b), "where(x > 0, y, z)"),
        Case([(4,), (4,), (4,)], np.where, "where(x, y, z)"),
        Case([(2, 3), (3,), ()], lambda c, a, b: np.where(c < 0.2, a, b),
             "where(x < 0.2, y, z)"),
        Case([(5,)], lambda x: np.where(x > 0, x, 0.0), "where(x > 0, x, 0)"),
    ],
    "clip": [
        Case([(), (), ()], np.clip, "clip(x, y, z)"),
        Case([(2, 3), (3,), ()], np.clip, "clip(x, y, z)"),
        Case([(6,)], lambda x: np.clip(x, -0.5, 1.0), "clip(x, -0.5, 1.0)"),
        Case([(6,)], lambda x: np.clip(x, -0.5, None), None),
        Case([(6,)], lambda x: x.clip(None, 0.3), None, lambda x: np.clip(x, None, 0.3)),
    ],
    "reshape": [Case([(2, 3, 4)], lambda x, s=s: np.reshape(x, s), f"reshape(x, {s!r})")
                for s in [(24,), (4, -1), (-1,), (6, 4), (2, 12), (-1, 3, 2, 2)]]
    + [Case([(6,)], lambda x: x.reshape(2, 3), "reshape(x, shape=(2, 3))"),
       Case([()], lambda x: np.reshape(x, (1, 1)), "reshape(x, (1, 1))")],
    "expand_dims": _param_cases(np.expand_dims, "expand_dims", (2, 3),
                                [0, 1, 2, -1, (0, 2)], positional=True),
    "squeeze": _param_cases(np.squeeze, "squeeze", (1, 3, 1), [0, 2, (0, 2), -1],
                            positional=True)
    + [Case([(1, 3, 1)], np.squeeze, "squeeze(x)")],
    "transpose": _param_cases(np.transpose, "transpose", (2, 3, 4),
                              [(1, 0, 2), (2, 0, 1), (-1, 0, 1)], positional=True)
    + [Case([(2, 3, 4)], np.transpose, "transpose(x)"), Case([(3,)], np.transpose),
       Case([(2, 3)], lambda x: x.T, "transpose(x)"),
       Case([(2, 3, 4)], lambda x: np.swapaxes(x, 0, 2))],
    "roll": [
        Case([(5,)], lambda x: np.roll(x, 2), "roll(x, 2)"),
        Case([(5,)], lambda x: np.roll(x, -1, axis=0), "roll(x, -1, axis=0)"),
        Case([(5,)], lambda x: np.roll(x, 7), "roll(x, 7)"),
        Case([(2, 3)], lambda x: np.roll(x, 1, axis=0), "roll(x, 1, 0)"),
        Case([(2, 3)], lambda x: np.roll(x, -2, axis=-1), "roll(x, -2, -1)"),
        Case([(2, 3)], lambda x: np.roll(x, (1, 2), axis=(0, 1)), "roll(x, (1, 2), (0, 1))"),
        Case([(2, 3)], lambda x: np.roll(x, 4), "roll(x, 4)"),
    ],
    "broadcast_to": [
        Case([s], lambda x, t=t: np.broadcast_to(x, t), f"broadcast_to(x, {t!r})")
        for s, t in [((3,), (2, 3)), ((2, 1), (2, 4)), ((), (3,)), ((1, 3), (2, 2, 3))]],
    "concatenate": _join("concatenate", [([(2, 3), (4, 3)], 0),
                                         ([(2, 3), (2, 1), (2, 2)], 1),
                                         ([(2, 3), (2, 3)], -1), ([(3,)], 0)]),
    "stack": _join("stack", [([(3,), (3,)], 0), ([(3,), (3,)], 1), ([(3,), (3,)], -1),
                             ([(2, 3)] * 3, 1), ([()] * 2, 0)]),
    "getitem": _getitem_cases(),
    "matmul": _linalg("matmul", [((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 4)),
                                 ((2, 3), (3, 4)), ((5, 2, 3), (3, 4)),
                                 ((5, 2, 3), (5, 3, 4)), ((2, 1, 2, 3), (4, 3, 2)),
                                 ((3,), (5, 3, 2))]),
    "dot": _linalg("dot", [((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 2)), ((2, 3), (3, 4))]),
    "inner": _linalg("inner", [((3,), (3,)), ((2, 3), (3,)), ((2, 3), (4, 3)),
                               ((3,), (2, 3))]),
    "outer": _linalg("outer", [((3,), (4,)), ((2, 2), (3,)), ((), (3,))]),
})

CASES.update({
    "cumsum": [Case([(5,)], np.cumsum, "cumsum(x, 0)"),
               Case([(2, 3)], np.cumsum, None, lambda x: np.cumsum(x.ravel())),
               Case([(2, 3)], lambda x: np.cumsum(x, axis=0), "cumsum(x, axis=0)"),
               Case([(2, 3, 4)], lambda x: np.cumsum(x, axis=-2), "cumsum(x, 1)"),
               Case([(2, 3)], lambda x: x.cumsum(1)),
               Case([(4,)], lambda x: ops.call("cumsum", x, axis=0, reverse=True), None,
                    lambda x: np.cumsum(x[::-1])[::-1])],
})

# cumprod, positions (argsort, argmax, argmin) and the gather by them (sort, median, quantile)
CASES.update({
    "cumprod": [Case([(5,)], np.cumprod, "cumprod(x, 0)"),
                Case([(2, 3)], np.cumprod, None, lambda x: np.cumprod(x.ravel())),
                Case([(2, 3)], lambda x: np.cumprod(x, axis=0), "cumprod(x, axis=0)"),
                Case([(2, 3, 4)], lambda x: np.cumprod(x, axis=-2), "cumprod(x, 1)"),
                Case([(2, 3)], lambda x: x.cumprod(1))],
    "argsort": [Case([(5,)], np.argsort, "argsort(x, 0)"),
                Case([(2, 3)], lambda x: np.argsort(x, axis=0), "argsort(x, axis=0)"),
                Case([(2, 3, 4)], lambda x: np.argsort(x, axis=None)),
                Case([(2, 3)], lambda x: x.argsort())],
    **{name: [Case([(5,)], fn, f"{name}(x, 0)"), Case([(2, 3)], fn),
              Case([(2, 3, 4)], lambda x, fn=fn: fn(x, axis=1), f"{name}(x, 1)"),
              Case([(2, 3)], lambda x, fn=fn: fn(x, axis=-1, keepdims=True),
                   f"{name}(x, 1, True)"),
              Case([(2, 3)], lambda x, fn=fn: fn(x, keepdims=True)),
              Case([(2, 3)], lambda x, name=name: getattr(x, name)(0))]
       for name, fn in (("argmax", np.argmax), ("argmin", np.argmin))},
    "take_along": [
        Case([(5,)], np.sort, "take_along(x, argsort(x, 0), 0)"),
        Case([(2, 3)], lambda x: np.sort(x, axis=0)), Case([(2, 3, 4)], np.sort),
        Case([(2, 3, 4)], lambda x: np.sort(x, axis=None)),
        Case([(3, 4)], lambda x: np.take_along_axis(
            x, np.argmax(x, axis=1, keepdims=True), axis=1)),
        Case([(3, 4)], lambda x: np.median(x, axis=1)), Case([(5,)], np.median),
        Case([(2, 3, 4)], lambda x: np.median(x, axis=(0, 2), keepdims=True)),
        Case([(2, 3, 4)], lambda x: np.quantile(x, [0.1, 0.5, 0.75], axis=(0, 2))),
        Case([(5,)], lambda x: np.percentile(x, 33.0)),
        Case([(3, 4)], lambda x: np.quantile(x, [0, 1], axis=0, keepdims=True))],
})

# NumPy's other spellings of elementwise ops, and the operators % and //
CASES.update({
    "abs": CASES["abs"] + [Case([(3,)], np.fabs)],
    "deg2rad": CASES["deg2rad"] + [Case([(3,)], np.radians)],
    "rad2deg": CASES["rad2deg"] + [Case([(3,)], np.degrees)],
    "remainder": CASES["remainder"] + [Case([(2, 3), (3,)], operator.mod),
                                       Case([(3,)], lambda x: 1.7 % x)],
    "floor_divide": CASES["floor_divide"] + [Case([(2, 3), (3,)], operator.floordiv),
                                             Case([(3,)], lambda x: 1.7 // x)],
})


def _cond(a):
    """Stacks of matrices I*m + a/4: well conditioned on the op domains (|a| < 2)."""
    return a / 4 + np.eye(a.shape[-1]) * a.shape[-1]


def _spread(a):
    """a/4 + diag(0, 4, 8...): eigenvalues at least 1 apart on the op domains (|a| < 2)."""
    return a / 4 + np.diag(4.0 * np.arange(a.shape[-1]))


CASES.update({
    "solve": [Case([(2, 2), (2,)], lambda a, b: np.linalg.solve(_cond(a), b)),
              Case([(3, 3), (3, 2)], np.linalg.solve, "solve(x, y)"),
              Case([(2, 3, 3), (2, 3, 1)], lambda a, b: np.linalg.solve(_cond(a), b)),
              Case([(3, 3), (2, 3, 2)], lambda a, b: np.linalg.solve(_cond(a), b)),
              Case([(2, 3, 3), (3,)], lambda a, b: np.linalg.solve(_cond(a), b)),
              Case([(2, 2)], lambda a: np.linalg.inv(_cond(a))),
              Case([(2, 3, 3)], lambda a: np.linalg.inv(_cond(a))),
              Case([(3, 3)], lambda a: np.linalg.matrix_power(_cond(a), -3))],
    "det": [Case([(2, 2)], lambda a: np.linalg.det(_cond(a))),
            Case([(3, 3)], np.linalg.det, "det(x)"),
            Case([(2, 4, 4)], np.linalg.det, "det(x)")],
    "slogdet": [Case([(2, 2)], lambda a: np.linalg.slogdet(_cond(a)).logabsdet),
                Case([(3, 3)], lambda a: np.linalg.slogdet(a)[0]),
                Case([(2, 3, 3)], lambda a: np.stack(np.linalg.slogdet(a), -1), "slogdet(x)")],
    "cholesky": [Case([(2, 2)], lambda a: np.linalg.cholesky(_cond(a))),
                 Case([(3, 3)], lambda a: np.linalg.cholesky(a @ a.T + 3.0),
                      "cholesky(x @ transpose(x) + 3)"),
                 Case([(2, 3, 3)], lambda a: np.linalg.cholesky(_cond(a))),
                 Case([(3, 3)], lambda a: np.linalg.cholesky(_cond(a), upper=True))],
    "eigh": [Case([(2, 2)], lambda a: np.linalg.eigh(_spread(a)).eigenvectors),
             Case([(3, 3)], lambda a: np.linalg.eigh(a)[0]),
             Case([(2, 3, 3)], lambda a: np.linalg.eigh(_spread(a))[1]),
             Case([(2, 3, 3)], lambda a: ops.call("eigh", a), "eigh(x)",
                  lambda a: np.concatenate([np.linalg.eigh(a)[0][..., None, :],
                                            np.linalg.eigh(a)[1]], axis=-2))],
})


def _params():
    out = []
    for name in ops.names():
        cases = CASES.get(name) or [None]
        out += [pytest.param(name, c, id=f"{name}-{i}" if c else f"{name}-UNCOVERED")
                for i, c in enumerate(cases)]
    return out


def _inputs(rng, name, case):
    domain = ops.get(name).domain
    return [rng.uniform(*domain[min(i, len(domain) - 1)], size=s)
            for i, s in enumerate(case.shapes)]


@pytest.mark.parametrize("name, case", _params())
def test_traced_graph_equals_numpy_at_new_points(rng, name, case):
    assert case is not None, f"op {name!r} is in the op table but has no test cases here"
    g = diffkit.trace(case.fn, *_inputs(rng, name, case))
    assert name in g.op_counts(), g.listing()
    ref = case.ref or case.fn
    for _ in range(2):
        new = _inputs(rng, name, case)
        got, want = g(*new), ref(*new)
        assert np.shape(got) == np.shape(want)
        assert np.asarray(got).dtype == np.asarray(want).dtype
        assert_array_equal(got, want)


@pytest.mark.parametrize("name, case", [p for p in _params() if p.values[1] is not None])
def test_shape_rules_and_flops_agree_with_numpy(rng, name, case):
    g = diffkit.trace(case.fn, *_inputs(rng, name, case))
    values = evaluate_all(g, _inputs(rng, name, case))
    for n in g.order:
        a = g.node(n)
        assert values[n].shape == tuple(a["shape"]), (n, a["op"])
        assert values[n].dtype == np.dtype(a["dtype"]), (n, a["op"])
        if a["op"] in ("input", "const"):
            continue
        op = ops.get(a["op"])
        shapes = [g.node(m)["shape"] for m in a["args"]]
        assert tuple(op.shape(*shapes, **a["params"])) == values[n].shape
        flops = op.flops(a["shape"], *shapes, **a["params"])
        assert type(flops) is int and flops >= 0, (a["op"], flops)
    assert g.output_shapes[0] == np.shape((case.ref or case.fn)(*_inputs(rng, name, case)))


@pytest.mark.parametrize("name, case", [p for p in _params()
                                        if p.values[1] is not None and p.values[1].text])
def test_parsed_expression_equals_numpy(rng, name, case):
    names = NAMES[:len(case.shapes)]
    g = diffkit.parse(case.text, shapes=dict(zip(names, case.shapes)))
    assert g.input_names == tuple(names)
    assert name in g.op_counts(), g.listing()
    new = _inputs(rng, name, case)
    got, want = g(*new), (case.ref or case.fn)(*new)
    assert np.shape(got) == np.shape(want)
    assert_array_equal(got, want)


def test_every_parseable_op_is_parsed_somewhere():
    parsed = {name for name, cases in CASES.items() if any(c.text for c in cases)}
    assert parsed == set(ops.names())


def test_an_op_added_without_cases_makes_a_failing_test(monkeypatch):
    table = ops.names()
    monkeypatch.setattr(ops, "names", lambda include_internal=False: table + ["brand_new"])
    params = {p.id: p.values for p in _params()}
    assert params["brand_new-UNCOVERED"] == ("brand_new", None)
    with pytest.raises(AssertionError, match="brand_new"):
        test_traced_graph_equals_numpy_at_new_points(None, "brand_new", None)


def test_cases_name_only_ops_of_the_table():
    assert set(CASES) <= set(ops.names())


@pytest.mark.parametrize("op", ops.all_ops(), ids=lambda op: op.name)
def test_op_records_are_complete(op):
    assert op.kind in ops.KINDS
    assert ops.get(op.name) is op
    assert callable(op.impl) and callable(op.shape) and callable(op.flops)
    assert op.arity == -1 or op.arity >= 1
    assert len(op.domain) >= 1 and all(lo < hi for lo, hi in op.domain)
    if op.arity > 0:
        assert len(op.domain) in (1, op.arity)
    assert op.dtype in ("float64", "bool", "int64")
    assert op.smooth or op.kink, f"{op.name} has a kink but states no convention"
    assert op.at_kink is None or op.kink, f"{op.name} tests for a kink it does not document"
    assert not op.analytic or op.smooth or op.name == "where", \
        f"{op.name} is kinked: a complex step cannot run through it"
    if op.dtype == "float64":
        assert op.differentiable
        if op.kind == "elementwise":
            assert op.partials is not None
        else:
            assert op.jvp is not None and op.vjp is not None


def test_names_excludes_internal_ops_and_keeps_registration_order():
    internal = {op.name for op in ops.all_ops() if op.internal}
    assert internal and not internal & set(ops.names())
    assert ops.names(include_internal=True) == [op.name for op in ops.all_ops()]


def test_internal_ops_against_hand_written_numpy(rng):
    a = np.array([0.0, 2.0, 0.0, -1.0])
    b = np.array([np.inf, 3.0, np.nan, 4.0])
    assert_array_equal(ops.call("zmul", a, b), [0.0, 6.0, 0.0, -4.0])
    g = rng.normal(size=(3,))
    index = ops.make_index(np.array([1, 1, 3]))
    want = np.zeros(5)
    want[1] = g[0] + g[1]
    want[3] = g[2]
    assert_array_equal(ops.call("getitem_t", g, indices=(index,), shape=(5,)), want)
    # several pieces add into one array (slices that overlap add up)
    h = rng.normal(size=(2,))
    both = ops.call("getitem_t", g, h, indices=(index, slice(3, 5)), shape=(5,))
    want[3:5] += h
    assert_array_equal(both, want)


def test_unknown_op_is_a_diffkit_error():
    with pytest.raises(diffkit.UnsupportedError, match="diffkit.ops.names"):
        ops.get("no_such_op")


def test_register_rejects_a_duplicate_name():
    with pytest.raises(ValueError, match="twice"):
        ops.register(ops.get("sin"))


# -- every differentiable op on every backend ----------------------------------------

#: Cases of the internal ops, which expressions cannot name (written with ops.call).
INTERNAL = {
    "zmul": Case([(3,), (3,)], lambda a, b: ops.call("zmul", a, b)),
    "getitem_t": Case([(3,)], lambda g: ops.call(
        "getitem_t", g, indices=(ops.make_index(np.array([1, 1, 3])),), shape=(5,))),
    "linrec": Case([(4,), (4,)], lambda x, c: ops.call("linrec", x, c, axis=0)),
    "take_along_t": Case([(3,)], lambda g: ops.call(
        "take_along_t", g, np.array([1, 1, -2]), axis=0, length=5)),
}
METHODS = ("fd", "symbolic", "forward", "reverse")
#: Exact methods vs the reference interpreter (the records' NumPy rules): the same
#: products and sums, associated in other orders (tangent rows, adjoint graph,
#: SymPy's expressions), agree to a few ulps per term; 1e-12 of the largest entry
#: is that with margin and catches any wrong rule, which is off by O(1).
AD_RTOL = 1e-12
#: Central differences with the step eps^(1/3) max(|x|, 1): truncation h^2 |f'''| / 6
#: plus round-off eps |f| / h, each ~1e-11 times the size of f and its derivatives on
#: the op domains; 1e-8 of max(1, |f|, |J|) is that with margin, and a wrong rule is
#: still off by O(1).
FD_RTOL = 1e-8


def _backend_case(name):
    """The op's smallest case with an array operand: every backend on a real Jacobian,
    cheaply (the symbolic backend keeps one SymPy expression per entry)."""
    if name in INTERNAL:
        return INTERNAL[name]
    cases = CASES.get(name)
    if not cases:
        return None
    return min(cases, key=lambda c: (all(s == () for s in c.shapes),
                                     sum(ops.size(s) for s in c.shapes)))


def _reference_jacobian(graph, xs):
    """(outputs, n_inputs) Jacobian from the reference interpreter's JVP, column by column."""
    from diffkit.program import reference
    cols = []
    for k, x in enumerate(xs):
        for j in range(x.size):
            ts = [np.zeros(y.shape) for y in xs]
            ts[k].flat[j] = 1.0
            cols.append(np.ravel(reference.jvp(graph, xs, ts)[1]))
    return np.array(cols).T


def _backend_params():
    out = []
    for op in ops.all_ops():
        if op.dtype == "bool":
            continue  # a comparison carries no derivative: tests/autodiff checks it is 0
        case = _backend_case(op.name)
        out += [pytest.param(op.name, case, m, id=f"{op.name}-{m}" if case else
                             f"{op.name}-{m}-UNCOVERED") for m in METHODS]
    return out


@pytest.mark.parametrize("name, case, method", _backend_params())
def test_every_backend_differentiates_every_op(rng, name, case, method):
    assert case is not None, f"op {name!r} is in the op table but has no case here"
    xs = _inputs(rng, name, case)
    graph = diffkit.trace(case.fn, *xs)
    assert name in graph.op_counts(), graph.listing()
    want = _reference_jacobian(graph, xs)
    blocks = diffkit.jacobian(case.fn, method=method, argnums=tuple(range(len(xs))))(*xs)
    got = np.concatenate([np.reshape(b, (want.shape[0], x.size)) for b, x in zip(blocks, xs)],
                         axis=1)
    scale = max(1.0, float(np.max(np.abs(want))))
    if method == "fd":
        scale = max(scale, float(np.max(np.abs(graph(*xs)))))
    rtol = FD_RTOL if method == "fd" else AD_RTOL
    err = np.max(np.abs(got - want)) / scale
    assert err <= rtol, f"{name} by {method}: {err:.1e} relative to {scale:.1e}"


def test_a_new_op_is_picked_up_by_the_backend_test(monkeypatch):
    brand_new = ops.Op(name="brand_new", arity=1, kind="elementwise", impl=np.negative,
                       shape=lambda s: s, flops=lambda *a, **k: 0,
                       partials=lambda x, y: (-1.0,))
    table = ops.all_ops()
    monkeypatch.setattr(ops, "all_ops", lambda: table + [brand_new])
    ids = [p.id for p in _backend_params()]
    assert {f"brand_new-{m}-UNCOVERED" for m in METHODS} <= set(ids)
    with pytest.raises(AssertionError, match="brand_new"):
        test_every_backend_differentiates_every_op(None, "brand_new", None, "reverse")


@pytest.mark.parametrize("name, case", [p for p in _params() if p.values[1] is not None
                                        and ops.get(p.values[0]).at_kink is not None])
def test_kink_tests_are_false_at_smooth_points(rng, name, case):
    """Random points of the domain are off every kink, and the test says so per entry."""
    graph = diffkit.trace(case.fn, *_inputs(rng, name, case))
    values = evaluate_all(graph, _inputs(rng, name, case))
    for n in graph.order:
        a = graph.node(n)
        if a["op"] != name:
            continue
        hit = ops.get(name).at_kink(*[values[m] for m in a["args"]], values[n], **a["params"])
        assert np.asarray(hit).dtype == bool and not np.any(hit), (name, hit)


#: A point on each op's kink or singular point, where its record's test must say so.
ON_KINK = {
    "abs": (0.0,), "sign": (-0.0,), "sqrt": (0.0,), "relu": (0.0,), "arcsin": (1.0,),
    "arccos": (-1.0,), "pow": (0.0, 0.5), "maximum": (1.5, 1.5), "minimum": (-2.0, -2.0),
    "clip": (0.3, 0.3, 0.3), "max": (np.array([1.0, -1.0, 1.0]),),
    "min": (np.array([0.5, 0.5, 2.0]),), "norm": (np.zeros(3),),
    "argsort": (np.array([1.0, 2.0, 1.0]),), "argmax": (np.array([2.0, -1.0, 2.0]),),
    "argmin": (np.array([0.5, 0.5, 2.0]),),
    **{name: (0.25, 0.25) for name in ("lt", "le", "gt", "ge", "eq", "ne")},
    "cbrt": (0.0,), "arccosh": (1.0,), "arctanh": (-1.0,), "floor": (2.0,), "ceil": (-1.0,),
    "trunc": (3.0,), "rint": (2.5,), "hypot": (0.0, 0.0), "fmax": (1.0, 1.0),
    "fmin": (0.5, 0.5), "copysign": (0.0, 1.5), "heaviside": (0.0, 0.5),
    "floor_divide": (3.0, 1.5), "remainder": (-3.0, 1.5), "fmod": (4.5, 1.5),
    "float_power": (0.0, 0.5), "logit": (1.0,), "gammaln": (-1.0,), "digamma": (0.0,),
    "xlogy": (0.5, 0.0), "xlog1py": (0.5, -1.0),
}


@pytest.mark.parametrize("op", [op for op in ops.all_ops() if op.at_kink is not None],
                         ids=lambda op: op.name)
def test_kink_tests_find_the_kink_and_compare_reports_it(op):
    from diffkit.comparison import active_kinks
    assert op.name in ON_KINK, f"{op.name} tests for a kink: give a point on it in ON_KINK"
    args = [np.asarray(a, dtype=float) for a in ON_KINK[op.name]]
    params = op.normalize([a.shape for a in args]) if op.normalize else {}
    out = op.impl(*args, **params)
    assert np.all(op.at_kink(*args, out, **params))
    graph = diffkit.trace(lambda *xs: ops.call(op.name, *xs) * 1.0, *args)
    assert [k.op for k in active_kinks(graph, args)] == [op.name]
