"""method="symbolic" for grad, value_and_grad, jacobian, hessian and hvp against reverse mode.

RTOL 1e-12: see test_rules.py (same elementary functions, another order of
operations, constants printed to 17 digits).
"""
import sys
from pathlib import Path

import numpy as np
import pytest

import diffkit

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fd"))
from fd_cases import CASES, rel_error  # noqa: E402

RTOL = 1e-12


@pytest.mark.parametrize("name,f,draw", CASES)
def test_grad_hessian_hvp_match_reverse(name, f, draw, rng):
    x = draw(rng)
    v = rng.standard_normal(x.size)
    for request, args in [("grad", (x,)), ("hessian", (x,)), ("hvp", (x, v))]:
        sym = getattr(diffkit, request)(f, method="symbolic")(*args)
        rev = getattr(diffkit, request)(f)(*args)
        assert rel_error(sym, rev) < RTOL, (name, request)
    value, g = diffkit.value_and_grad(f, method="symbolic")(x)
    assert value == pytest.approx(float(f(x)), rel=1e-14)
    assert rel_error(g, diffkit.grad(f)(x)) < RTOL


def test_jacobian_with_several_arguments(rng):
    def h(x, A):
        return np.tanh(A @ x) * np.max(x) + np.sum(A, axis=1)
    x, A = rng.uniform(-1, 1, 3), rng.uniform(-1, 1, (2, 3))
    Jx, JA = diffkit.jacobian(h, method="symbolic", argnums=(0, 1))(x, A)
    Rx, RA = diffkit.jacobian(h, argnums=(0, 1))(x, A)
    assert Jx.shape == (2, 3) and JA.shape == (2, 2, 3)
    assert rel_error(Jx, Rx) < RTOL and rel_error(JA, RA) < RTOL


@pytest.mark.parametrize("cse", [True, False])
def test_cse_changes_the_code_not_the_values(cse, rng):
    f = CASES[3][1]  # mlp: tanh terms shared by every gradient entry
    x = rng.uniform(-1, 1, 3)
    df = diffkit.grad(f, method="symbolic", argnums=(0,), cse=cse)
    assert rel_error(df(x)[0], diffkit.grad(f)(x)) < RTOL
    swell = df._last.swell
    # the code computes f too (for the non-finite rule); with CSE, f shares the
    # derivative's temporaries and adds at most its own operations
    if cse:
        assert swell.derivative_ops_cse < df.cost.flops
        assert df.cost.flops <= swell.derivative_ops_cse + swell.function_ops_cse
    else:
        assert df.cost.flops == swell.derivative_ops + swell.function_ops


def test_numba_compiler_agrees_with_numpy(rng):
    f = CASES[0][1]
    x = rng.uniform(0.2, 1.2, 2)
    g_numba = diffkit.grad(f, method="symbolic", compiler="numba")(x)
    assert rel_error(g_numba, diffkit.grad(f)(x)) < RTOL
    with pytest.raises(ValueError, match="compiler"):
        diffkit.grad(f, method="symbolic", compiler="fortran")(x)


def test_strings_and_cost_record():
    dfdx = diffkit.grad("x ** 3 * y", method="symbolic", argnums=(0, 1), cse=False)
    assert tuple(map(float, dfdx(2.0, 5.0))) == (60.0, 8.0)  # 3x^2 y, x^3: exact
    cost = dfdx.cost
    assert cost.method == "symbolic" and cost.evaluations == 1
    # 3*x**2*y: two products and a power; x**3: a power; and f itself, computed for
    # the non-finite rule: x**3*y, a power and a product (counted by hand)
    assert cost.flops == 6 and cost.ops == {"mul": 3, "pow": 3}
    assert cost.function_flops == 2  # the graph: x ** 3, then * y


def test_unknown_option_is_refused():
    with pytest.raises(diffkit.DiffkitError, match="has no option .scheme. .scheme is an option of method=.fd."):
        diffkit.grad(np.sin, method="symbolic", scheme="central")
