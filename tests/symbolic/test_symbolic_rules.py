"""The SymPy table covers every op, and symbolic derivatives of every op match reverse mode.

Tolerance: symbolic code evaluates the same elementary functions as the
kernels in another association order, with constants printed to 17 digits,
so results agree to a few ulps; 1e-12 of the max norm leaves margin (the
same bound the AD backends are held to).
"""
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import diffkit
from diffkit import ops

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "autodiff"))
from ad_cases import api_jacobian, assert_close, cases_for, draw  # noqa: E402

RTOL = 1e-12


def test_every_op_has_a_sympy_mapping():
    from diffkit.symbolic.rules import ARRAY, ELEMENTWISE, missing
    assert missing() == []
    mapped = set(ARRAY) | set(ELEMENTWISE)
    assert {op.name for op in ops.all_ops()} <= mapped
    assert not set(ARRAY) & set(ELEMENTWISE)


def test_a_new_op_without_mapping_is_reported(monkeypatch):
    from diffkit.ops import core
    from diffkit.symbolic.rules import missing
    fake = core.Op(name="fake_op_for_test", arity=1, kind="elementwise", impl=np.sin,
                   shape=lambda s: s, flops=core.elementwise_flops)
    monkeypatch.setitem(core._REGISTRY, fake.name, fake)
    assert missing() == ["fake_op_for_test"]


def test_import_diffkit_does_not_import_sympy():
    code = ("import sys, diffkit, diffkit.symbolic, diffkit.fd; "
            "diffkit.grad(lambda x: x * x, method='fd')(1.0); "
            "print('sympy' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.parametrize("name", [op.name for op in ops.all_ops() if op.differentiable])
def test_symbolic_jacobian_of_every_op(name, rng):
    cases = cases_for(name)
    assert cases, f"no derivative cases for {name}"
    for case in cases:
        xs = draw(rng, case)
        graph = diffkit.trace(case.fn, *xs)
        J_sym = api_jacobian(graph, xs, "symbolic")
        J_rev = api_jacobian(graph, xs, "reverse")
        assert_close(J_sym, J_rev, RTOL, atol=1e-300, what=f"{name} {case.label}")
