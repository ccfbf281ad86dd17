"""Matrix-vector products: their cotangents are an outer product and one matmul."""
import numpy as np
import pytest

import diffkit
from diffkit.graph import as_graph
from diffkit.program.adjoint import adjoint_graph

RNG = np.random.default_rng(7)
W, H, V = RNG.standard_normal((3, 4)), RNG.standard_normal(4), RNG.standard_normal(3)


@pytest.mark.parametrize("method", ["reverse", "forward", "symbolic"])
def test_matrix_vector_gradients_match_the_hand_derived_ones(method):
    # f = v . tanh(W h): df/dW = outer(v * s, h), df/dh = W.T (v * s), s = 1 - tanh(W h)^2
    def f(W, h, v):
        return np.sum(v * np.tanh(W @ h))
    gW, gh = diffkit.grad(f, method=method, argnums=(0, 1))(W, H, V)
    s = 1 - np.tanh(W @ H) ** 2
    np.testing.assert_allclose(gW, np.outer(V * s, H), rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(gh, W.T @ (V * s), rtol=1e-13, atol=1e-15)


def test_vector_matrix_gradients_match_the_hand_derived_ones():
    # f = sum(sin(v @ W)): df/dv = W @ c, df/dW = outer(v, c), c = cos(v @ W)
    gv, gW = diffkit.grad(lambda v, W: np.sum(np.sin(v @ W)), argnums=(0, 1))(V, W)
    c = np.cos(V @ W)
    np.testing.assert_allclose(gv, W @ c, rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(gW, np.outer(V, c), rtol=1e-13, atol=1e-15)


def test_a_matrix_vector_adjoint_is_an_outer_product_and_one_matmul():
    g = as_graph(lambda W, h: np.sum(np.tanh(W @ h)), W, H)
    counts = adjoint_graph(g).op_counts()
    assert counts.get("outer") == 1 and counts.get("matmul") == 2  # f's own and W.T @ g
    for op in ("expand_dims", "reshape"):
        assert op not in counts


def test_reshape_to_its_own_shape_is_dropped():
    g = as_graph(lambda x: np.sin(np.reshape(x, (2, 3))) + np.reshape(x, (3, 2)).T, np.ones((2, 3)))
    assert g.op_counts().get("reshape") == 1  # the (3, 2) one stays
    x = RNG.standard_normal((2, 3))
    np.testing.assert_array_equal(g(x), np.sin(x) + x.reshape(3, 2).T)
