"""SymPy forms of the dense linear-algebra ops (:mod:`diffkit.ops.dense`), matrix by matrix.

Each matrix of a stack becomes a SymPy Matrix of entry expressions: solve
is Gaussian elimination (``LUsolve``), det Berkowitz's division-free
expansion, slogdet the sign and log of that, and cholesky the textbook
column recurrence on the lower triangle (what LAPACK reads).  The
expressions grow fast with the order of the matrices (a determinant of
order m has m! terms): the symbolic backend's size and time limits stop
large ones with a SymbolicTooLarge.

Examples
--------
>>> import numpy as np, sympy as sp
>>> a = np.array([[sp.Symbol("p"), 0], [0, sp.Symbol("q")]], dtype=object)
>>> DENSE_RULES["det"](a)
array(p*q, dtype=object)
"""
import numpy as np
import sympy as sp

from .functions import Abs, Log, Sign, Sqrt


def _stack(fn, x, out_shape):
    """``fn(matrix)`` -> object array of ``out_shape``, for each matrix of the stack ``x``."""
    batch = x.shape[:-2]
    out = np.empty(batch + out_shape, dtype=object)
    for idx in np.ndindex(*batch):
        out[idx] = fn(sp.Matrix(x[idx]))
    return out


def _solve(a, b):
    if b.ndim == 1:
        return _solve(a, b[:, None])[:, 0]
    out = np.empty(b.shape, dtype=object)
    for idx in np.ndindex(*a.shape[:-2]):
        out[idx] = np.array(sp.Matrix(a[idx]).LUsolve(sp.Matrix(b[idx])), dtype=object)
    return out


def _det(m):
    return m.det(method="berkowitz")


def _slogdet(m):
    d = _det(m)
    return np.array([Sign(d), Log(Abs(d))], dtype=object)


def _cholesky(a):
    n = a.shape[0]
    low = sp.zeros(n, n)
    for j in range(n):
        low[j, j] = Sqrt(a[j, j] - sum((low[j, k] ** 2 for k in range(j)), sp.S.Zero))
        for i in range(j + 1, n):
            low[i, j] = (a[i, j] - sum((low[i, k] * low[j, k] for k in range(j)), sp.S.Zero)) \
                / low[j, j]
    return np.array(low, dtype=object)


#: op name -> rule on object arrays, as :data:`diffkit.symbolic.rules.ARRAY` takes them.
DENSE_RULES = {
    "solve": _solve,
    "det": lambda a: _stack(_det, a, ()),
    "slogdet": lambda a: _stack(_slogdet, a, (2,)),
    "cholesky": lambda a: _stack(_cholesky, a, a.shape[-2:]),
}
