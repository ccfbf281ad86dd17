"""Derivative test cases for every op of the table, and helpers the autodiff tests share.

A case is a function of its operands written with ``diffkit.ops.call``: on
NumPy arrays it computes, on traced values it builds the graph, so one
function gives both the graph under test and the NumPy semantics.  Inputs
are drawn from the op's own ``domain`` record.
"""
from typing import Callable, NamedTuple, Optional

import numpy as np

import diffkit
from diffkit import ops
from diffkit.program import reference

EPS = np.finfo(float).eps
#: Central-difference step: EPS**(1/3) ~ 6e-6 balances the truncation error
#: h^2 |f'''| / 6 (~6e-12 |f'''|) against the round-off EPS |f| / h (~4e-11 |f|).
H = EPS ** (1 / 3)
#: AD vs central differences: the error model above is ~1e-10 for the op domains
#: (which stay away from singularities); 1e-6 leaves four orders of margin and
#: still catches any wrong rule, which is off by O(1).
FD_RTOL = 1e-6
#: Forward mode, reverse mode and the reference interpreter compute the same
#: products and sums, associated in different orders (tangent blocks vs adjoint
#: graph vs NumPy's pairwise sums), so they agree to a few ulps times the number
#: of terms; 1e-12 of the max norm is that with margin and an absolute floor for
#: entries that cancel to ~0.
AD_RTOL = 1e-12


class Case(NamedTuple):
    op: str
    shapes: list                         # one shape per operand
    fn: Callable                         # operands -> output, through ops.call
    label: str = ""
    inputs: Optional[Callable] = None    # rng -> operands, overriding the domain draw


def domain(name, i):
    d = ops.get(name).domain
    return d[min(i, len(d) - 1)]


def draw(rng, case):
    if case.inputs is not None:
        return [np.asarray(a, dtype=float) for a in case.inputs(rng)]
    return [rng.uniform(*domain(case.op, i), size=s) for i, s in enumerate(case.shapes)]


def _call(name, **params):
    return lambda *xs: ops.call(name, *xs, **params)


def _elementwise(name):
    op = ops.get(name)
    if op.arity == 1:
        shapes = [[()], [(4,)], [(2, 3)]]
    else:
        shapes = [[(), ()], [(3,), (3,)], [(2, 3), (3,)], [(2, 1), (1, 3)], [(), (2, 2)]]
    return [Case(name, s, _call(name), str(s)) for s in shapes]


def _comparison(name):
    # x * (x cmp y): the comparison is a constant factor, so d/dx = diag(x cmp y) and
    # d/dy = 0 exactly.  y = x + (0, 0.5, 0, -0.5, ...): ties, y above and y below, so
    # every comparison mixes true and false.
    def fn(x, y):
        return x * ops.call(name, x, y)

    def inputs(shape):
        def draw(rng):
            x = rng.uniform(-2, 2, shape)
            offsets = np.resize([0.0, 0.5, 0.0, -0.5], x.size).reshape(shape)
            return x, x + offsets
        return draw
    return [Case(name, [s, s], fn, f"{s}", inputs(s)) for s in [(4,), (2, 3), ()]]


def _reduction(name):
    combos = [(None, False), (None, True), (0, False), (-1, True), ((0, 2), False),
              ((1,), True)]
    cases = [Case(name, [(2, 3, 4)], _call(name, axis=a, keepdims=k), f"axis={a} keep={k}")
             for a, k in combos]
    return cases + [Case(name, [(5,)], _call(name, axis=None), "(5,)"),
                    Case(name, [()], _call(name, axis=None), "()")]


def _one(name, in_shape, label=None, **params):
    return Case(name, [in_shape], _call(name, **params), label or f"{in_shape} {params}")


def _getitem(shape, index, label):
    return Case("getitem", [shape], _call("getitem", index=index), label)


def _getitem_t(shape, index, label):
    canonical = ops.make_index(index)
    g_shape = np.empty(shape)[ops.numpy_index(canonical)].shape
    return Case("getitem_t", [g_shape], _call("getitem_t", indices=(canonical,), shape=shape),
                label)


def _join(name, shapes, axis):
    return Case(name, shapes, _call(name, axis=axis), f"{shapes} axis={axis}")


def _pairs(name, pairs):
    return [Case(name, list(p), _call(name), str(p)) for p in pairs]


def _well_conditioned(*shapes, spd=False):
    """Draw for dense linear algebra: m x m matrices m I + uniform(-1, 1), diagonally dominant
    (well conditioned), or with spd m I + uniform(-0.5, 0.5), whose lower triangles stand for
    positive definite matrices (the upper triangles are noise cholesky must ignore)."""
    def inputs(rng):
        out = []
        for s in shapes:
            x = rng.uniform(-1.0, 1.0, s)
            if len(s) >= 2 and s[-1] == s[-2]:
                x = (0.5 * x if spd else x) + s[-1] * np.eye(s[-1])
            out.append(x)
        return out
    return inputs


def _dense(name, shapes, spd=False):
    return Case(name, list(shapes), _call(name), str(shapes),
                _well_conditioned(*shapes, spd=spd))


_DENSE = {
    "solve": [_dense("solve", s) for s in [((3, 3), (3, 2)), ((3, 3), (3,)),
                                           ((2, 2, 2), (2, 2, 1))]],
    "det": [_dense("det", s) for s in [((3, 3),), ((2, 2, 2),), ((1, 1),)]],
    "slogdet": [_dense("slogdet", s) for s in [((3, 3),), ((2, 2, 2),)]],
    "cholesky": [_dense("cholesky", s, spd=True) for s in [((3, 3),), ((2, 2, 2),), ((1, 1),)]],
    # eigenvalues at least 1 apart: 0.5 uniform(-1, 1) + diag(0, 4, 8...)
    "eigh": [Case("eigh", [s], _call("eigh"), str(s), lambda rng, s=s: [
        0.5 * rng.uniform(-1.0, 1.0, s) + np.diag(4.0 * np.arange(s[-1]))])
        for s in [(3, 3), (2, 2, 2), (1, 1)]],
}


S = slice
STRUCTURAL = {
    "reshape": [_one("reshape", (2, 3, 4), shape=(24,)), _one("reshape", (2, 3, 4), shape=(4, -1)),
                _one("reshape", (2, 3, 4), shape=(-1, 3, 2, 2)),
                _one("reshape", (6,), shape=(2, 3)), _one("reshape", (), shape=(1, 1))],
    "expand_dims": [_one("expand_dims", (2, 3), axis=a) for a in (0, -1, (0, 2))],
    "squeeze": [_one("squeeze", (1, 3, 1), axis=a) for a in (None, 0, (0, 2))],
    "transpose": [_one("transpose", (2, 3, 4), axes=a) for a in (None, (1, 0, 2), (2, 0, 1))]
    + [_one("transpose", (2, 3), axes=None)],
    "roll": [_one("roll", (5,), shift=2), _one("roll", (5,), shift=-1, axis=0),
             _one("roll", (2, 3), shift=4), _one("roll", (2, 3), shift=(1, 2), axis=(0, 1)),
             _one("roll", (2, 3), shift=-2, axis=-1)],
    "broadcast_to": [_one("broadcast_to", s, shape=t) for s, t in
                     [((3,), (2, 3)), ((2, 1), (2, 4)), ((), (3,)), ((1, 3), (2, 2, 3))]],
    "concatenate": [_join("concatenate", [(2, 3), (4, 3)], 0),
                    _join("concatenate", [(2, 3), (2, 1), (2, 2)], 1),
                    _join("concatenate", [(3,)], 0), _join("concatenate", [(2, 3), (2, 3)], -1)],
    "stack": [_join("stack", [(3,), (3,)], 0), _join("stack", [(3,), (3,)], -1),
              _join("stack", [(2, 3)] * 3, 1), _join("stack", [(), ()], 0)],
    "getitem": [
        _getitem((5,), 2, "2"), _getitem((5,), -1, "-1"), _getitem((5,), S(1, None), "1:"),
        _getitem((5,), S(None, None, -2), "::-2"), _getitem((5,), S(4, 0, -1), "4:0:-1"),
        _getitem((5,), np.array([0, 4, 4, 1]), "[0,4,4,1] (repeats add up)"),
        _getitem((5,), np.array([-1, 0]), "[-1,0]"), _getitem((5,), None, "None"),
        _getitem((5,), Ellipsis, "..."),
        _getitem((5,), np.array([True, False, True, True, False]), "mask"),
        _getitem((3, 4), (1, S(None)), "1,:"), _getitem((3, 4), (S(None), -1), ":,-1"),
        _getitem((3, 4), (None, Ellipsis, 2), "None,...,2"),
        _getitem((3, 4), (np.array([0, 2]), S(1, 3)), "[0,2],1:3"),
        _getitem((3, 4), (S(None, None, 2), np.array([3, 0])), "::2,[3,0]"),
        _getitem((3, 4), np.array([[0, 1], [2, 0]]), "2-d int array"),
        _getitem((2, 3, 4), (Ellipsis, 1), "...,1"),
        _getitem((2, 3, 4), (-1, S(1, None), -2), "-1,1:,-2"),
        _getitem((2, 3, 4), (0, Ellipsis, None), "0,...,None")],
    "cumsum": [_one("cumsum", (5,), axis=0), _one("cumsum", (2, 3), axis=0),
               _one("cumsum", (2, 3, 4), axis=1, reverse=True)],
    "cumprod": [_one("cumprod", (5,), axis=0), _one("cumprod", (2, 3, 4), axis=1),
                Case("cumprod", [(5,)], _call("cumprod", axis=0), "zeros (no division by x)",
                     lambda rng: [np.array([1.5, 0.0, -0.7, 0.0, 2.0])])],
    "linrec": [Case("linrec", [(5,), (5,)], _call("linrec", axis=0), "(5,)"),
               Case("linrec", [(2, 3, 4)] * 2, _call("linrec", axis=1, reverse=True), "reverse")],
    # positions: no derivative (their dtype is int64); they feed the gathers below
    "argsort": [_one("argsort", (2, 3), axis=0)],
    "argmax": [_one("argmax", (2, 3), axis=1)],
    "argmin": [_one("argmin", (2, 3), axis=0, keepdims=True)],
    "take_along": [Case("take_along", [(2, 3)], lambda x: ops.call(
                        "take_along", x, ops.call("argsort", x, axis=1), axis=1), "sort"),
                   Case("take_along", [(3, 4)], lambda x: ops.call(
                        "take_along", x, np.array([[0, -1, 3, 3, 1]] * 3), axis=1),
                        "repeats and negative positions")],
    "take_along_t": [Case("take_along_t", [(3,)], lambda g: ops.call(
        "take_along_t", g, np.array([1, 1, -2]), axis=0, length=5), "[1,1,-2]")],
    **_DENSE,
    "getitem_t": [_getitem_t((5,), np.array([1, 1, 3]), "[1,1,3]"),
                  _getitem_t((5,), S(None, None, -2), "::-2"),
                  _getitem_t((3, 4), (S(None), -1), ":,-1"),
                  _getitem_t((3, 4), (np.array([0, 2]), S(1, 3)), "[0,2],1:3")],
    "matmul": _pairs("matmul", [((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 4)), ((2, 3), (3, 4)),
                                ((2, 2, 3), (3, 4)), ((2, 2, 3), (2, 3, 4)),
                                ((3,), (2, 3, 2)), ((2, 2, 3), (3,))]),
    "dot": _pairs("dot", [((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 2)), ((2, 3), (3, 4))]),
    "inner": _pairs("inner", [((3,), (3,)), ((2, 3), (3,)), ((2, 3), (4, 3)), ((3,), (2, 3))]),
    "outer": _pairs("outer", [((3,), (4,)), ((2, 2), (3,)), ((), (3,))]),
    "where": [Case("where", s, _call("where"), str(s))
              for s in [[(), (), ()], [(4,), (4,), (4,)], [(2, 3), (3,), ()]]]
    + [Case("where", [(4,), (4,), (4,)],
            lambda c, a, b: ops.call("where", ops.call("gt", c, 0.0), a, b), "where(c > 0)")],
    "clip": [Case("clip", s, _call("clip"), str(s))
             for s in [[(), (), ()], [(2, 3), (3,), ()], [(4,), (), ()]]],
}


def cases_for(name):
    """The derivative cases of op ``name`` ([] if it has none: a failing test)."""
    op = ops.get(name)
    if name in STRUCTURAL:
        return STRUCTURAL[name]
    if op.kind == "comparison":
        return _comparison(name)
    if op.kind == "elementwise" and op.arity in (1, 2):
        return _elementwise(name)
    if op.kind == "reduction":
        return _reduction(name)
    return []


# -- helpers ------------------------------------------------------------------------

def max_norm(a):
    a = np.asarray(a, dtype=float)
    return float(np.max(np.abs(a))) if a.size else 0.0


def assert_close(a, b, rtol, atol=0.0, what=""):
    """max|a - b| <= atol + rtol * max(max|a|, max|b|) (norm-wise relative)."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    assert a.shape == b.shape, (what, a.shape, b.shape)
    err = max_norm(a - b)
    tol = atol + rtol * max(max_norm(a), max_norm(b))
    assert err <= tol, f"{what}: max error {err:.3e} > tolerance {tol:.3e}\n{a}\n{b}"


def flat_jacobian(blocks, out_shape, in_shapes):
    """(m, n) matrix from per-input Jacobian blocks of shape out_shape + in_shape."""
    m = ops.size(out_shape)
    return np.concatenate([np.reshape(b, (m, ops.size(s))) for b, s in zip(blocks, in_shapes)],
                          axis=1)


def reference_jacobians(graph, xs):
    """(m, n) Jacobians by the reference JVP (columns) and the reference VJP (rows)."""
    sizes = [x.size for x in xs]
    n, out_shape = sum(sizes), graph.output_shapes[0]
    m = ops.size(out_shape)
    cuts = np.cumsum([0] + sizes)
    cols = []
    for j in range(n):
        e = np.zeros(n)
        e[j] = 1.0
        ts = [e[a:b].reshape(x.shape) for a, b, x in zip(cuts[:-1], cuts[1:], xs)]
        cols.append(np.ravel(reference.jvp(graph, xs, ts)[1]))
    rows = []
    for i in range(m):
        w = np.zeros(m)
        w[i] = 1.0
        grads = reference.vjp(graph, xs, [w.reshape(out_shape)])[1]
        rows.append(np.concatenate([np.ravel(g) for g in grads]))
    J_jvp = np.array(cols).T.reshape(m, n)
    J_vjp = np.array(rows).reshape(m, n)
    return J_jvp, J_vjp


def api_jacobian(fn, xs, method):
    """Jacobian of fn (a Graph or callable) at xs by diffkit.jacobian, as an (m, n) matrix."""
    wrt = tuple(range(len(xs)))
    blocks = diffkit.jacobian(fn, method=method, argnums=wrt)(*xs)
    out_shape = np.shape(blocks[0])[:np.ndim(blocks[0]) - xs[0].ndim]
    return flat_jacobian(blocks, out_shape, [x.shape for x in xs])


def central_difference(f, xs, us, h=H):
    """(f(x + h u) - f(x - h u)) / 2h, for a list of arguments and directions."""
    plus = np.asarray(f(*[x + h * u for x, u in zip(xs, us)]), dtype=float)
    minus = np.asarray(f(*[x - h * u for x, u in zip(xs, us)]), dtype=float)
    return (plus - minus) / (2 * h)


def unit_direction(rng, xs):
    """A random unit direction over all of xs, split like them (flat, pieces)."""
    u = rng.standard_normal(sum(x.size for x in xs))
    u /= np.linalg.norm(u)
    cuts = np.cumsum([0] + [x.size for x in xs])
    return u, [u[a:b].reshape(x.shape) for a, b, x in zip(cuts[:-1], cuts[1:], xs)]
