"""Matrix products whose batch dimensions broadcast partly, as NumPy's matmul allows.

The kernels' product walks batches with one stride per operand, so lowering
copies an operand whose batch dimensions broadcast against the other's to
the full batch first.  Derivatives are checked against the hand-written
rule: for f = sum((A @ B) * W), df/dA = W @ B^T and df/dB = A^T @ W, each
summed over the batch dimensions its operand was broadcast along.
"""
import numpy as np
import pytest

import diffkit


def _unbroadcast(g, shape):
    lead = g.ndim - len(shape)
    g = g.sum(axis=tuple(range(lead)))
    return g.sum(axis=tuple(i for i, n in enumerate(shape) if n == 1), keepdims=True)


PAIRS = [((2, 1, 2, 3), (4, 3, 2)), ((3, 1, 2, 3), (1, 4, 3, 5)), ((2, 1, 3, 3), (5, 3, 3))]


@pytest.mark.parametrize("sa, sb", PAIRS)
@pytest.mark.parametrize("method", ["reverse", "forward"])
@pytest.mark.parametrize("transposed", [False, True])
def test_partly_broadcast_batches_match_the_hand_rule(rng, sa, sb, method, transposed):
    A, B = rng.normal(size=sa), rng.normal(size=sb)
    W = rng.normal(size=np.matmul(A, B).shape)
    if transposed:  # B enters as a transpose that lowering fuses into the product
        Bt = np.swapaxes(B, -1, -2).copy()
        value, (gA, gBt) = diffkit.value_and_grad(
            lambda A, Bt: np.sum((A @ np.swapaxes(Bt, -1, -2)) * W), argnums=(0, 1),
            method=method)(A, Bt)
        gB = np.swapaxes(gBt, -1, -2)
    else:
        value, (gA, gB) = diffkit.value_and_grad(
            lambda A, B: np.sum((A @ B) * W), argnums=(0, 1), method=method)(A, B)
    np.testing.assert_allclose(value, np.sum((A @ B) * W), rtol=1e-14)
    want_A = _unbroadcast(W @ np.swapaxes(B, -1, -2), sa)
    want_B = _unbroadcast(np.swapaxes(A, -1, -2) @ W, sb)
    # the same products in another summation order: a few ulps
    np.testing.assert_allclose(gA, want_A, rtol=1e-13, atol=1e-13)
    np.testing.assert_allclose(gB, want_B, rtol=1e-13, atol=1e-13)
