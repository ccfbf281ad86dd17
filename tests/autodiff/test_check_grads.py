"""diffkit.testing.check_grads: passes on right derivatives, fails clearly on wrong ones.

Wrong derivatives come from a deliberately broken backend registered for the
test (a reverse backend whose results are scaled), so each check of
check_grads is shown to be able to fail.
"""
import numpy as np
import pytest

import diffkit
from diffkit.backends import base
from diffkit.backends.reverse import Reverse
from diffkit.testing import check_grads


def _scaled(result, scale):
    if isinstance(result, tuple):
        return tuple(_scaled(r, scale) for r in result)
    return np.asarray(result) * scale


def broken_backend(request, scale):
    """A reverse backend whose ``request`` results are multiplied by ``scale``."""
    class Broken(Reverse):
        name = "broken"

    def compile_(self, graph, wrt):
        inner = getattr(Reverse, f"compile_{request}")(self, graph, wrt)

        def run(*args):
            return _scaled(inner(*args), scale)
        run.cost = inner.cost
        return run

    setattr(Broken, f"compile_{request}", compile_)
    return Broken


@pytest.fixture
def register(monkeypatch):
    def add(request, scale):
        monkeypatch.setitem(base._BACKENDS, "broken", broken_backend(request, scale))
    return add


def rosen(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


X = np.array([-1.2, 1.0, 0.3, 0.8])


def test_right_derivatives_pass():
    check_grads(rosen, X)
    check_grads(rosen, X, order=2)
    check_grads(lambda x, y: np.sum(np.exp(np.sin(x) * y)), X, 0.7, argnums=(0, 1), order=2)
    check_grads(lambda x, y: np.sum(np.exp(np.sin(x) * y)), X, 0.7, argnums=1, modes="forward")
    check_grads(lambda A, x: np.tanh(A @ x), np.eye(3) + 0.1, X[:3], argnums=(0, 1))
    check_grads("sin(x) * y + y ** 2", 0.3, 1.7, argnums=(0, 1), order=2)
    check_grads(diffkit.trace(rosen, X), X, modes=("reverse",), seed=5)


@pytest.mark.parametrize("seed", range(5))
def test_default_step_and_tolerances_pass_on_curved_functions(seed):
    """h = EPS**(1/3) (scaled by max|x|) stays within tolerance where f''' is sizable."""
    x = np.random.default_rng(seed).uniform(-2, 2, 5)
    check_grads(lambda x: np.sum(np.exp(2 * x) + np.log(1 + x * x) + 1 / (3 + np.sin(x))),
                x, seed=seed, order=2)
    check_grads(lambda x: np.sum(x ** 4) * 1e4, 30 * x, seed=seed)  # large values


def test_a_gradient_off_by_1e_4_fails_the_central_difference_check(register):
    register("grad", 1 + 1e-4)
    with pytest.raises(AssertionError) as info:
        check_grads(rosen, X, modes=("reverse", "broken"))
    msg = str(info.value)
    assert "broken-mode gradient disagrees with central differences" in msg
    for part in ("direction u", "AD", "central difference", "max error", "tolerance"):
        assert part in msg, msg


def test_a_gradient_off_by_1e_9_passes_fd_but_fails_mode_agreement(register):
    register("grad", 1 + 1e-9)
    check_grads(rosen, X, modes=("broken",))        # within FD accuracy on its own
    with pytest.raises(AssertionError, match="differs between modes 'forward' and 'broken'"):
        check_grads(rosen, X, modes=("forward", "broken"))


def test_a_wrong_jacobian_fails(register):
    register("jacobian", 1 + 1e-4)

    def f(x):
        return np.sin(x) * x[::-1]

    with pytest.raises(AssertionError, match="broken-mode Jacobian-vector product"):
        check_grads(f, X, modes=("forward", "broken"))
    register("jacobian", 1 + 1e-9)
    with pytest.raises(AssertionError, match="Jacobian|<w, J u>"):
        check_grads(f, X, modes=("forward", "broken"))


def test_a_wrong_hvp_fails(register):
    register("hvp", 1 + 1e-4)
    check_grads(rosen, X, modes=("broken",))        # order 1 does not look at hvp
    with pytest.raises(AssertionError, match="broken-mode Hessian-vector product H u"):
        check_grads(rosen, X, modes=("broken",), order=2)


def test_a_hessian_inconsistent_with_hvp_fails(register):
    register("hessian", 1 + 1e-6)
    with pytest.raises(AssertionError, match="H u \\(from the Hessian\\) vs the Hessian-vector"):
        check_grads(rosen, X, modes=("broken",), order=2)


def test_the_function_is_traced_once_for_every_mode_and_order():
    traced = []

    def f(x):
        if isinstance(x, diffkit.graph.Tracer):
            traced.append(x)
        return np.sum(np.sin(x) * x)

    check_grads(f, X, order=2)
    assert len(traced) == 1


def test_an_empty_argnums_is_an_option_error():
    with pytest.raises(diffkit.OptionError, match=r"argnums=\(\) selects no argument"):
        check_grads(rosen, X, argnums=())


def test_bad_requests_are_value_errors():
    with pytest.raises(ValueError, match="order"):
        check_grads(rosen, X, order=3)
    with pytest.raises(ValueError, match="scalar output"):
        check_grads(np.sin, X, order=2)
    with pytest.raises(ValueError, match="argnums"):
        check_grads(rosen, X, argnums=1)
    with pytest.raises(ValueError, match="mode"):
        check_grads(rosen, X, modes=())
    with pytest.raises(TypeError, match="several outputs"):
        check_grads(lambda x: (x, x), X)
