"""Every optimizer reaches the known minimum of the quadratic and of Rosenbrock.

Gradients here are the problems' exact hand-derived ones; test_methods.py
repeats the runs with diffkit's four gradient methods.
"""

import pytest

from optim_cases import CASE_IDS, CASES, TOLERANCE, distance_reached


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_reaches_known_minimum_with_exact_gradients(case):
    p = case.problem
    assert distance_reached(case, p.value_and_grad, hessian=p.hessian) < TOLERANCE[p.name]
