"""Finite-difference Jacobians, Hessians and HVPs against reverse mode; complex step.

Tolerances: second differences divide round-off eps|f| by h^2 and truncate
at h^2 |f''''| / 12, so central second differences at h = eps^(1/4) reach
~sqrt(eps) ~ 1e-8 (bound 1e-6 with the derivative ratios of these
functions); differences of a complex-step gradient at h = eps^(1/3) reach
~eps^(2/3) ~ 4e-11 (bound 1e-8); one-sided second differences at
h = eps^(1/3) reach ~eps^(1/3) ~ 6e-6 (bound 1e-4).
"""
import sys
from pathlib import Path

import numpy as np
import pytest

import diffkit
from diffkit import ops
from fd_cases import CASES, rel_error

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "autodiff"))
from ad_cases import api_jacobian, cases_for, draw  # noqa: E402

HESSIAN_RTOL = {"forward": 1e-4, "backward": 1e-4, "central": 1e-6, "central4": 1e-7,
                "richardson": 1e-7, "complex": 1e-8}
HVP_RTOL = {"forward": 1e-3, "central": 1e-6, "central4": 1e-7, "richardson": 1e-7,
            "complex": 1e-8}


@pytest.mark.parametrize("scheme", list(HESSIAN_RTOL))
@pytest.mark.parametrize("name,f,draw_x", [c for c in CASES if c[0] != "lecture"])
def test_hessian_against_reverse(scheme, name, f, draw_x):
    x = draw_x(np.random.default_rng(3))
    H = diffkit.hessian(f, method="fd", scheme=scheme)(x)
    assert rel_error(H, diffkit.hessian(f)(x)) < HESSIAN_RTOL[scheme]
    assert np.array_equal(H, H.T)


@pytest.mark.parametrize("scheme", list(HVP_RTOL))
def test_hvp_against_reverse(scheme, rng):
    for _, f, draw_x in CASES[1:]:
        x = draw_x(rng)
        v = rng.standard_normal(x.size)
        Hv = diffkit.hvp(f, method="fd", scheme=scheme)(x, v)
        assert rel_error(Hv, diffkit.hvp(f)(x, v)) < HVP_RTOL[scheme]


def test_hvp_of_zero_direction_is_zero():
    f = CASES[2][1]
    assert np.array_equal(diffkit.hvp(f, method="fd")(np.ones(4), np.zeros(4)), np.zeros(4))


@pytest.mark.parametrize("scheme,rtol", [("central", 1e-8), ("complex", 1e-14),
                                         ("richardson", 1e-11)])
def test_jacobian_of_vector_functions(scheme, rtol, rng):
    def h(x, A):
        return np.tanh(A @ x) * x[::-1][:2]
    x, A = rng.uniform(-1, 1, 3), rng.uniform(-1, 1, (2, 3))
    Jx, JA = diffkit.jacobian(h, method="fd", scheme=scheme, argnums=(0, 1))(x, A)
    Rx, RA = diffkit.jacobian(h, argnums=(0, 1))(x, A)
    assert Jx.shape == (2, 3) and JA.shape == (2, 2, 3)
    assert rel_error(Jx, Rx) < rtol and rel_error(JA, RA) < rtol


# -- complex step: every analytic op works, every other op is refused by name ------------

COMPLEX_OPS = [op.name for op in ops.all_ops() if op.differentiable]


@pytest.mark.parametrize("name", COMPLEX_OPS)
def test_complex_step_on_every_op(name, rng):
    """Analytic ops: complex step matches reverse mode to ~eps; others: a named error."""
    from diffkit.fd.evaluation import complex_step_blocker
    cases = cases_for(name)
    assert cases, f"no derivative cases for {name}"
    for case in cases:
        xs = draw(rng, case)
        graph = diffkit.trace(case.fn, *xs)
        blocker = complex_step_blocker(graph)
        if blocker is not None:
            # kinked, or smooth without a complex-analytic implementation (arctan2, eigh)
            assert not ops.get(blocker[0]).smooth or not ops.get(blocker[0]).analytic
            with pytest.raises(diffkit.UnsupportedError, match=repr(blocker[0])):
                diffkit.jacobian(graph, method="fd", scheme="complex")(*xs)
            continue
        J = api_jacobian(graph, xs, "reverse")
        Jc = _complex_jacobian(graph, xs)
        scale = max(np.max(np.abs(J)) if J.size else 0.0, 1.0)
        # rounding of f' itself: a few eps of the largest entry (tan, exp reach ~10)
        assert np.max(np.abs(Jc - J), initial=0.0) <= 1e-13 * scale, (name, case.label)


def _complex_jacobian(graph, xs):
    wrt = tuple(range(len(xs)))
    blocks = diffkit.jacobian(graph, method="fd", scheme="complex", argnums=wrt)(*xs)
    m = ops.size(graph.output_shapes[0])
    return np.concatenate([np.reshape(b, (m, x.size)) for b, x in zip(blocks, xs)], axis=1)


def test_complex_step_refusal_names_the_op_and_node():
    with pytest.raises(diffkit.UnsupportedError, match=r"'maximum' is not \(z\d+ = "):
        diffkit.grad(lambda x: np.sum(np.maximum(x, 0.5) * x), method="fd",
                     scheme="complex")(np.ones(2))
    with pytest.raises(diffkit.UnsupportedError, match="'arctan2'"):
        diffkit.grad(lambda x: np.arctan2(x, 2.0), method="fd", scheme="complex")(1.0)
