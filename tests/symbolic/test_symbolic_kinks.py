"""At kinks the symbolic backend applies the AD conventions exactly; fd does what
its stencil does, and compare() says so.

Points are chosen on the kink (ties, zeros) where the conventions decide the
value: abs'(0) = 0, relu'(0) = 0, ties in maximum/minimum/max/min split
evenly, clip' = 1 on the closed interval, norm'(0) = 0, an unselected where
branch contributes 0 even where its derivative is infinite.
"""
import numpy as np
import pytest

import diffkit

KINKS = [
    ("abs", lambda x: np.sum(np.abs(x) * 3.0), np.array([0.0, 1.0, -2.0])),
    ("relu", lambda x: np.sum(diffkit.relu(x) * 2.0), np.array([0.0, 1.0, -2.0])),
    ("maximum", lambda x: np.sum(np.maximum(x, 1.0) * x[::-1]), np.array([1.0, 2.0, 1.0])),
    ("minimum", lambda x: np.sum(np.minimum(x, x[::-1])), np.array([1.0, 2.0, 1.0])),
    ("max 3-way tie", lambda x: np.max(x) * 6.0, np.array([2.0, 2.0, 2.0, 1.0])),
    ("min", lambda x: np.min(x, axis=0).sum(), np.array([[1.0, 0.0], [1.0, 2.0]])),
    ("clip", lambda x: np.sum(np.clip(x, -1.0, 1.0) * x), np.array([-1.0, 1.0, 0.5])),
    ("norm at 0", lambda x: np.linalg.norm(x), np.zeros(3)),
    ("sign", lambda x: np.sum(np.sign(x) * x), np.array([0.0, 1.0, -1.0])),
    ("double where", lambda x: np.sum(np.where(x > 0, np.sqrt(np.abs(x)), x)),
     np.array([0.0, 4.0, -1.0])),
]


@pytest.mark.parametrize("name,f,x", KINKS, ids=[k[0] for k in KINKS])
def test_symbolic_equals_reverse_and_forward_exactly_at_kinks(name, f, x):
    rev = diffkit.grad(f)(x)
    assert np.all(np.isfinite(rev))
    for method in ("symbolic", "forward"):
        got = diffkit.grad(f, method=method)(x)
        assert np.allclose(got, rev, rtol=1e-15, atol=0), (name, method, got, rev)


def test_the_conventions_themselves():
    assert diffkit.grad(lambda x: np.max(x) * 6.0, method="symbolic")(
        np.array([2.0, 2.0, 2.0, 1.0])).tolist() == [2.0, 2.0, 2.0, 0.0]  # 1/3 each
    assert diffkit.grad(lambda x: np.abs(x), method="symbolic")(0.0) == 0.0
    assert diffkit.grad(lambda x: diffkit.relu(x), method="symbolic")(0.0) == 0.0
    assert diffkit.grad(lambda x: np.maximum(x, 0.0), method="symbolic")(0.0) == 0.5
    assert diffkit.grad(lambda x: np.sqrt(x), method="symbolic")(0.0) == np.inf


def test_central_differences_at_kinks():
    """A central difference averages the two one-sided slopes: that matches the
    symmetric conventions (abs'(0) = 0, even tie splits) and not relu'(0) = 0."""
    x = np.array([0.0, 1.0, -2.0])
    fd = diffkit.grad(lambda x: np.sum(np.abs(x)), method="fd")(x)
    assert np.allclose(fd, [0.0, 1.0, -1.0], atol=1e-9)
    fd = diffkit.grad(lambda x: np.max(x), method="fd")(np.array([2.0, 2.0, 1.0]))
    assert np.allclose(fd, [0.5, 0.5, 0.0], atol=1e-9)  # pairwise slope average, not 1/3
    fd = diffkit.grad(lambda x: diffkit.relu(x), method="fd")(0.0)
    assert fd == pytest.approx(0.5)  # relu'(0) = 0 by convention: fd disagrees


def test_compare_flags_and_explains_the_relu_kink():
    from diffkit.comparison import compare
    r = compare(lambda x: np.sum(diffkit.relu(x)), np.array([0.0, 1.0]),
                repeats=1)
    assert not r["fd"].agrees and "kink" in r["fd"].note
    assert all(r[m].agrees for m in ("symbolic", "forward", "reverse"))
    assert [k.op for k in r.kinks] == ["relu"]
    assert "relu'(0) = 0" in r.kinks[0].convention
    assert "averages" in r.kinks[0].fd
    assert "kink active at relu(x)" in str(r)
