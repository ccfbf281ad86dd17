"""np.linalg on traced values: solve, inv, det, slogdet, cholesky, eigh, eigvalsh,
matrix_power, multi_dot.

The factorizations are ops of :mod:`diffkit.ops.dense`; ``inv`` is
``solve(a, I)`` and ``matrix_power`` and ``multi_dot`` are products in
NumPy's own order (repeated squaring; the cheapest parenthesization of the
chain), so every result is NumPy's to the bit.  Stacks of matrices (leading
axes) work wherever NumPy accepts them.  Where NumPy raises LinAlgError (a
singular matrix in ``solve`` or ``inv``, one that is not positive definite
in ``cholesky``), the result for that matrix is nan: see
:mod:`diffkit.ops.dense`.

Examples
--------
A Gaussian log-density through its covariance's Cholesky factor, and its
gradient, which is ``(S^-1 y y^T S^-1 - S^-1) / 2`` (Giles 2008):

>>> import numpy as np, diffkit
>>> def logpdf(cov, y):
...     low = np.linalg.cholesky(cov)
...     z = np.linalg.solve(low, y)
...     return -0.5 * z @ z - np.linalg.slogdet(low).logabsdet  # log|cov| = 2 log|low|
>>> cov, y = np.array([[2.0, 0.5], [0.5, 1.0]]), np.array([1.0, -1.0])
>>> g = diffkit.grad(logpdf)(cov, y)
>>> s = np.linalg.inv(cov)
>>> want = (s @ np.outer(y, y) @ s - s) / 2
>>> bool(np.allclose(np.tril(g), np.tril(want + want.T - np.diag(np.diag(want)))))
True
>>> float(np.abs(np.triu(g, 1)).max())  # cholesky reads the lower triangle only
0.0
"""
import operator

import numpy as np

from .. import ops
from ..errors import OptionError, ShapeError, UnsupportedError
from ..ops.dense import inverse


#: NumPy's named pairs (sign, logabsdet) and (eigenvalues, eigenvectors)
_SlogdetResult = type(np.linalg.slogdet(np.eye(1)))
_EighResult = type(np.linalg.eigh(np.eye(1)))


def _operand(x):
    """A traced value or array as it is; a list or number as an array, for its shape."""
    return x if hasattr(x, "ndim") else np.asarray(x)


def _square(name, a):
    if a.ndim < 2 or a.shape[-1] != a.shape[-2]:
        raise ShapeError(f"np.linalg.{name} needs square matrices in the last two axes, "
                         f"(..., m, m); got shape {tuple(a.shape)}")


def _broadcast(x, shape):
    return x if tuple(x.shape) == tuple(shape) else ops.call("broadcast_to", x, shape=tuple(shape))


def solve(a, b):
    """np.linalg.solve: ``b`` is a vector only when it is 1-d (NumPy 2's rule); leading axes
    broadcast."""
    a, b = _operand(a), _operand(b)
    _square("solve", a)
    m = a.shape[-1]
    if b.ndim == 1:
        if a.ndim == 2:
            return ops.call("solve", a, b)
        column = ops.call("solve", a, _broadcast(ops.call("reshape", b, shape=(m, 1)),
                                                 a.shape[:-1] + (1,)))
        return ops.call("reshape", column, shape=a.shape[:-1])
    if b.ndim < 2 or b.shape[-2] != m:
        raise ShapeError(f"np.linalg.solve: b of shape {tuple(b.shape)} does not fit a of shape "
                         f"{tuple(a.shape)}: b needs {m} rows, (..., {m}, k), or shape ({m},)")
    batch = ops.broadcast_shapes(tuple(a.shape[:-2]), tuple(b.shape[:-2]))
    return ops.call("solve", _broadcast(a, batch + (m, m)), _broadcast(b, batch + b.shape[-2:]))


def inv(a):
    """np.linalg.inv: ``solve(a, I)``, the LAPACK call NumPy makes."""
    a = _operand(a)
    _square("inv", a)
    return inverse(a)


def det(a):
    """np.linalg.det of a matrix or a stack of them."""
    return ops.call("det", a)


def slogdet(a):
    """np.linalg.slogdet: NumPy's ``(sign, logabsdet)`` pair; the sign has zero derivative."""
    both = ops.call("slogdet", a)
    return _SlogdetResult(ops.call("getitem", both, index=(Ellipsis, 0)),
                          ops.call("getitem", both, index=(Ellipsis, 1)))


def cholesky(a, /, *, upper=False):
    """np.linalg.cholesky: the lower factor from the lower triangle, or (upper=True) the upper
    factor from the upper triangle, which is the lower factor of the transpose, transposed."""
    if not upper:
        return ops.call("cholesky", a)
    return np.swapaxes(ops.call("cholesky", np.swapaxes(a, -1, -2)), -1, -2)


def _eigh_lower(name, a, UPLO):
    """The packed eigh of ``a``'s lower triangle, or (UPLO='U') of the upper one, which is the
    lower triangle of the transpose."""
    if UPLO not in ("L", "U"):
        raise OptionError(f"np.linalg.{name}: UPLO={UPLO!r}; choose 'L' or 'U'")
    a = _operand(a)
    _square(name, a)
    return ops.call("eigh", a if UPLO == "L" else np.swapaxes(a, -1, -2))


def eigh(a, UPLO="L"):
    """np.linalg.eigh: NumPy's ``(eigenvalues, eigenvectors)`` pair.

    The eigenvectors' derivative needs distinct eigenvalues (inf or nan where two are
    equal).  With UPLO='U' the values may differ from NumPy's in the last bits (LAPACK
    reads the other triangle).
    """
    both = _eigh_lower("eigh", a, UPLO)
    return _EighResult(ops.call("getitem", both, index=(Ellipsis, 0, slice(None))),
                       ops.call("getitem", both, index=(Ellipsis, slice(1, None), slice(None))))


def eigvalsh(a, UPLO="L"):
    """np.linalg.eigvalsh as the eigenvalues of eigh: equal to NumPy's up to the last bits
    (NumPy's eigvalsh asks LAPACK for no eigenvectors, which rounds differently).  Its
    derivative stays finite at repeated eigenvalues."""
    return ops.call("getitem", _eigh_lower("eigvalsh", a, UPLO), index=(Ellipsis, 0, slice(None)))


def matrix_power(a, n):
    """np.linalg.matrix_power: integer powers by NumPy's repeated squaring; negative ones of
    inv(a)."""
    a = _operand(a)
    _square("matrix_power", a)
    try:
        n = operator.index(n)
    except TypeError:
        raise UnsupportedError(f"np.linalg.matrix_power: the exponent must be an integer, got "
                               f"{n!r}; for real powers of a symmetric positive definite matrix "
                               "use its eigendecomposition") from None
    if n == 0:
        # NumPy's identity does not depend on a: a constant
        return ops.call("broadcast_to", np.eye(a.shape[-1]), shape=tuple(a.shape))
    if n < 0:
        a, n = inverse(a), -n
    if n <= 3:
        result = a
        for _ in range(n - 1):
            result = ops.call("matmul", result, a)
        return result
    z = result = None
    while n > 0:
        z = a if z is None else ops.call("matmul", z, z)
        n, bit = divmod(n, 2)
        if bit:
            result = z if result is None else ops.call("matmul", result, z)
    return result


def _chain_order(dims):
    """split[i][j]: where the cheapest product of matrices i..j splits (NumPy's rule: the
    first of equally cheap splits)."""
    n = len(dims) - 1
    cost = [[0.0] * n for _ in range(n)]
    split = [[0] * n for _ in range(n)]
    for length in range(1, n):
        for i in range(n - length):
            j = i + length
            cost[i][j] = np.inf
            for k in range(i, j):
                q = cost[i][k] + cost[k + 1][j] + dims[i] * dims[k + 1] * dims[j + 1]
                if q < cost[i][j]:
                    cost[i][j], split[i][j] = q, k
    return split


def multi_dot(arrays, *, out=None):
    """np.linalg.multi_dot: 2-d arrays (1-d at the ends) multiplied in the cheapest order, the
    order NumPy chooses."""
    if out is not None:
        raise UnsupportedError("np.linalg.multi_dot: argument(s) ['out'] are not supported on "
                               "traced values")
    arrays = [_operand(x) for x in arrays]
    if len(arrays) < 2:
        raise ShapeError("np.linalg.multi_dot needs at least two arrays")
    if len(arrays) == 2:
        return ops.call("dot", *arrays)
    first, last = np.ndim(arrays[0]), np.ndim(arrays[-1])
    if first == 1:
        arrays[0] = ops.call("reshape", arrays[0], shape=(1, np.shape(arrays[0])[0]))
    if last == 1:
        arrays[-1] = ops.call("reshape", arrays[-1], shape=(np.shape(arrays[-1])[0], 1))
    if any(np.ndim(x) != 2 for x in arrays):
        raise ShapeError("np.linalg.multi_dot takes 2-d arrays (the first and last may be 1-d); "
                         f"got shapes {[tuple(np.shape(x)) for x in arrays]}")
    split = _chain_order([np.shape(x)[0] for x in arrays] + [np.shape(arrays[-1])[1]])
    # the products bottom-up over the split tree: (i, j) -> product of arrays i..j
    done, todo = {}, [(0, len(arrays) - 1)]
    while todo:
        i, j = todo[-1]
        if i == j:
            done[i, j] = arrays[i]
            todo.pop()
            continue
        k = split[i][j]
        parts = [p for p in ((i, k), (k + 1, j)) if p not in done]
        if parts:
            todo += parts
            continue
        done[i, j] = ops.call("dot", done[i, k], done[k + 1, j])
        todo.pop()
    result = done[0, len(arrays) - 1]
    if first == 1 or last == 1:
        return ops.call("reshape", result, shape=tuple(n for n, keep in zip(
            result.shape, (first != 1, last != 1)) if keep))
    return result


FUNCTIONS = {np.linalg.solve: solve, np.linalg.inv: inv, np.linalg.det: det,
             np.linalg.slogdet: slogdet, np.linalg.cholesky: cholesky, np.linalg.eigh: eigh,
             np.linalg.eigvalsh: eigvalsh,
             np.linalg.matrix_power: matrix_power, np.linalg.multi_dot: multi_dot}
METHODS = {}
