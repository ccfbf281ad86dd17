"""Every op of the table: forward mode, reverse mode and the reference agree; FD agrees.

The parametrization iterates ``diffkit.ops.all_ops()`` (internal ops included),
so an op added to the table without derivative cases here, or without a
derivative rule, yields a failing test.  Each case builds its graph through
``diffkit.ops.call`` on traced values, draws inputs from the op's ``domain``
and compares full Jacobians:

* forward mode (``diffkit.jacobian(method="forward")``: tangent sweeps in the
  kernels), reverse mode (the adjoint graph run by the values kernel) and the
  reference interpreter (``diffkit.program.reference``: JVP columns and VJP
  rows in plain NumPy) to ``AD_RTOL`` (see ad_cases.py for why 1e-12);
* the derivative along a random unit direction against central differences
  of the NumPy evaluation (``FD_RTOL``, step ``H``; see ad_cases.py);
* the kernels' values of every node against ``diffkit.graph.evaluate``.
"""
import numpy as np
import pytest

import diffkit
from diffkit import ops
from diffkit.graph import Graph
from diffkit.graph.evaluate import evaluate_all
from diffkit.kernels import validate, values
from diffkit.program.lower import lower

from ad_cases import (AD_RTOL, EPS, FD_RTOL, H, api_jacobian, assert_close, cases_for,
                      central_difference, draw, max_norm, reference_jacobians, unit_direction)


def _params(kinds=None):
    out = []
    for op in ops.all_ops():
        if kinds is not None and op.kind not in kinds:
            continue
        cases = cases_for(op.name)
        if not cases:
            out.append(pytest.param(op.name, None, id=f"{op.name}-UNCOVERED"))
        out += [pytest.param(op.name, c, id=f"{op.name}-{i}-{c.label}")
                for i, c in enumerate(cases)]
    return out


ALL = _params()
# comparisons (bool) and positions (int64: argsort, argmax) have no derivative
DIFFERENTIABLE = [p for p in ALL if ops.get(p.values[0]).dtype == "float64"]
COMPARISONS = [p for p in ALL if ops.get(p.values[0]).kind == "comparison"]


def _graph(name, case, xs):
    assert case is not None, f"op {name!r} is in the op table but has no derivative cases"
    g = diffkit.trace(case.fn, *xs)
    assert name in g.op_counts(), g.listing()
    return g


@pytest.mark.parametrize("name, case", DIFFERENTIABLE)
def test_forward_reverse_reference_and_central_differences_agree(rng, name, case):
    op = ops.get(name)
    assert op.differentiable, f"{name} has no derivative rule (partials or jvp/vjp)"
    xs = draw(rng, case)
    g = _graph(name, case, xs)
    J_fwd = api_jacobian(g, xs, "forward")
    J_rev = api_jacobian(g, xs, "reverse")
    J_ref_jvp, J_ref_vjp = reference_jacobians(g, xs)
    assert np.all(np.isfinite(J_fwd)), J_fwd
    assert_close(J_fwd, J_ref_jvp, AD_RTOL, what="forward vs reference JVP")
    assert_close(J_rev, J_ref_vjp, AD_RTOL, what="reverse vs reference VJP")
    assert_close(J_fwd, J_rev, AD_RTOL, what="forward vs reverse")
    # the derivative along a random direction vs central differences of NumPy
    u, us = unit_direction(rng, xs)
    fd = central_difference(lambda *a: diffkit.evaluate(g, *a), xs, us)
    value = diffkit.evaluate(g, *xs)
    # round-off of the difference quotient is ~EPS max|f| / H; 1e-8 max(1, |f|) bounds it
    assert_close(J_fwd @ u, np.ravel(fd), FD_RTOL, atol=1e-8 * max(1.0, max_norm(value)),
                 what="J u vs central difference")
    # a 0-d output has a () Jacobian row per input: shapes follow the API contract
    blocks = diffkit.jacobian(g, argnums=tuple(range(len(xs))))(*xs)
    for b, x in zip(blocks, xs):
        assert b.shape == np.shape(value) + x.shape


@pytest.mark.parametrize("name, case", COMPARISONS)
def test_comparisons_contribute_no_derivative(rng, name, case):
    """f = x * (x cmp y): d/dx is diag(x cmp y), d/dy is exactly 0, on every path."""
    xs = draw(rng, case)
    g = _graph(name, case, xs)
    x, y = xs
    c = np.broadcast_to(ops.call(name, x, y), np.broadcast_shapes(x.shape, y.shape))
    if x.ndim:
        assert 0 < c.sum() < c.size, "the inputs should mix true and false"
    m = c.size
    want = np.concatenate([np.diag(c.ravel() * 1.0), np.zeros((m, y.size))], axis=1)
    for J in (api_jacobian(g, xs, "forward"), api_jacobian(g, xs, "reverse"),
              *reference_jacobians(g, xs)):
        np.testing.assert_array_equal(J, want)


def _all_nodes_graph(g):
    """The same graph with every operation node as an output (op-by-op values)."""
    nodes = [n for n in g.order if g.node(n)["op"] not in ("input", "const")]
    return Graph(g.nx, g.inputs, nodes), nodes


@pytest.mark.parametrize("name, case", ALL)
def test_kernel_values_equal_reference_evaluation(rng, name, case):
    xs = draw(rng, case)
    g, nodes = _all_nodes_graph(_graph(name, case, xs))
    program = lower(g)
    validate(program.ints, program.consts)
    packed = np.concatenate([np.ravel(x) for x in xs])
    got = values(program, packed)
    ref = evaluate_all(g, xs)
    # Kernels use numba's libm and sequential sums, NumPy its own libm and pairwise
    # sums: a few ulps per operation, times the number of terms summed (at most the
    # largest operand size K), relative to the size of what is summed.
    K = max([1] + [x.size for x in xs])
    pos = 0
    for n in nodes:
        want = np.ravel(ref[n]).astype(float)
        piece = got[pos:pos + want.size]
        pos += want.size
        scale = max([1.0] + [max_norm(ref[m]) for m in g.node(n)["args"]])
        tol = 4 * EPS * K * (np.abs(want) + scale ** min(2, len(g.node(n)["args"])))
        assert np.all(np.abs(piece - want) <= tol), (g.describe(n), piece, want)
    assert pos == got.size


def test_every_op_has_derivative_cases_and_a_rule():
    """The table is the source of truth: no op may be left out of the derivative tests."""
    for op in ops.all_ops():
        assert cases_for(op.name), f"{op.name} has no derivative cases in ad_cases.py"
        if op.dtype == "float64":
            assert op.differentiable, op.name


def test_a_new_op_without_a_rule_is_not_differentiable():
    """What the test above relies on: an op record without partials/jvp/vjp says so."""
    bare = ops.Op(name="bare", arity=1, kind="elementwise", impl=np.negative,
                  shape=lambda s: s, flops=lambda *a, **k: 0)
    assert not bare.differentiable
    with_rule = ops.Op(name="bare", arity=1, kind="elementwise", impl=np.negative,
                       shape=lambda s: s, flops=lambda *a, **k: 0,
                       partials=lambda x, y: (-1.0,))
    assert with_rule.differentiable
    with pytest.raises(diffkit.UnsupportedError):  # unregistered: no cases invented for it
        cases_for("bare")


@pytest.mark.parametrize("seed", range(3))
def test_reference_vjp_and_jvp_are_transposes_on_a_composite(seed):
    """<w, J u> = <J^T w, u> for the reference on a graph mixing every kind of op."""
    rng = np.random.default_rng(seed)

    def f(A, x):
        z = np.tanh(A @ x)[::-1]
        s = np.concatenate([z, np.max(A, axis=0)]) * np.roll(x, 1).sum()
        return np.stack([s, np.sqrt(s * s + 1.0)], axis=1)[1:, :].T

    A, x = rng.normal(size=(3, 4)), rng.normal(size=4)
    g = diffkit.trace(f, A, x)
    J_jvp, J_vjp = reference_jacobians(g, [A, x])
    assert_close(J_jvp, J_vjp, AD_RTOL, what="reference JVP vs VJP")
    u, us = unit_direction(rng, [A, x])
    fd = central_difference(f, [A, x], us)
    assert_close(J_jvp @ u, np.ravel(fd), FD_RTOL, atol=1e-8 * max(1, max_norm(f(A, x))))
    assert H < 1e-5
