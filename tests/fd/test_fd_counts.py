"""Every finite-difference request uses exactly the evaluations the formulas state.

The counts are what the lectures compare with AD (d+1 forward, 2d central...),
so they are checked twice: against the formula written here, independently
of the code, and against the evaluator's own counter after a real call.
"""
import numpy as np
import pytest

import diffkit
from diffkit.backends import get

D = 4
X = np.array([0.3, -0.5, 1.2, 0.8])
V = np.array([1.0, 2.0, -1.0, 0.5])


def f(x):
    return np.sum(np.exp(x[:-1] * x[1:])) + np.prod(np.sin(x))


L = 7  # Richardson's default number of levels
GRAD = {"forward": D + 1, "backward": D + 1, "central": 2 * D, "central4": 4 * D,
        "complex": D, "richardson": 2 * D * L}
HESSIAN = {"forward": 1 + D + D * (D + 1) // 2, "backward": 1 + D + D * (D + 1) // 2,
           "central": 2 * D * D + 1, "central4": 2 * D * 4 * D, "complex": 2 * D * D,
           "richardson": 2 * D * 2 * D * L}


def expected(scheme, request):
    if request in ("grad", "jacobian"):
        return GRAD[scheme]
    if request == "value_and_grad":  # schemes without an f(x) term need one more
        return GRAD[scheme] + (scheme in ("central", "central4", "richardson"))
    if request == "hessian":
        return HESSIAN[scheme]
    return 2 * GRAD[scheme]  # hvp: two gradients


@pytest.mark.parametrize("scheme", list(GRAD))
@pytest.mark.parametrize("request_", ["grad", "value_and_grad", "jacobian", "hessian", "hvp"])
def test_evaluation_counts(scheme, request_):
    graph = diffkit.trace(f, X)
    fn = get("fd")(scheme=scheme).compile(request_, graph, (0,))
    fn(*((X, V) if request_ == "hvp" else (X,)))
    assert fn.evaluator.count == expected(scheme, request_)
    assert fn.cost.evaluations == expected(scheme, request_)
    assert fn.cost.flops == fn.cost.evaluations * graph.flops()
    assert fn.cost.method == "fd" and fn.cost.sweeps == fn.cost.evaluations


def test_cost_through_the_api_and_richardson_levels():
    df = diffkit.grad(f, method="fd", scheme="central")
    df(X)
    assert df.cost.evaluations == 2 * D
    dr = diffkit.grad(f, method="fd", scheme="richardson", levels=3)
    dr(X)
    assert dr.cost.evaluations == 2 * D * 3


def test_hessian_mode_can_be_chosen():
    graph = diffkit.trace(f, X)
    fn = get("fd")(scheme="central", hessian="gradient").compile("hessian", graph, (0,))
    fn(X)
    assert fn.evaluator.count == 2 * D * 2 * D
    with pytest.raises(diffkit.DiffkitError, match="hessian='gradient'"):
        get("fd")(scheme="complex", hessian="second")


def test_only_the_differentiated_argument_is_perturbed():
    g = lambda x, y: np.sum(x) * np.sum(y ** 2)  # noqa: E731
    df = diffkit.grad(g, method="fd", argnums=1)
    y = np.arange(5.0)
    assert np.allclose(df(np.ones(3), y), 3 * 2 * y, rtol=1e-9, atol=1e-9)
    assert df.cost.evaluations == 2 * 5  # 2d for the 5 entries of y, none for x
