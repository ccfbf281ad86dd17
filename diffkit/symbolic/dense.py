"""SymPy forms of the dense linear-algebra ops (:mod:`diffkit.ops.dense`), matrix by matrix.

Each matrix of a stack becomes a SymPy Matrix of entry expressions: solve
is Gaussian elimination (``LUsolve``), det Berkowitz's division-free
expansion, slogdet the sign and log of that, and cholesky the textbook
column recurrence on the lower triangle (what LAPACK reads).  The
expressions grow fast with the order of the matrices (a determinant of
order m has m! terms): the symbolic backend's size and time limits stop
large ones with a SymbolicTooLarge.  eigh is an opaque function per entry
(:class:`EighPart`) whose code calls NumPy.

Examples
--------
>>> import numpy as np, sympy as sp
>>> a = np.array([[sp.Symbol("p"), 0], [0, sp.Symbol("q")]], dtype=object)
>>> DENSE_RULES["det"](a)
array(p*q, dtype=object)
"""
import numpy as np
import sympy as sp

from ..errors import UnsupportedError
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


class EighPart(sp.Function):
    """Entry ``k`` of eigh's packed result (eigenvalues, then the eigenvectors' rows) of the
    m x m matrix whose entries, row by row, are the other arguments.

    Opaque: eigenvectors have no closed form.  Its derivative is written with
    EighPart itself (Seeger et al. 2017), so derivatives of any order follow;
    its code calls NumPy's eigh, which reads the lower triangle, as the
    derivative does.  Code for compiler='numba' is not supported.
    """

    @classmethod
    def eval(cls, k, *entries):
        return None

    def _order(self):
        return int(round(len(self.args[1:]) ** 0.5))

    def fdiff(self, argindex=1):
        k, entries, m = int(self.args[0]), self.args[1:], self._order()
        p, q = divmod(argindex - 2, m)
        if argindex == 1 or q > p:
            return sp.S.Zero

        def vec(i, j):
            return EighPart((i + 1) * m + j, *entries)

        def inner(r, j):  # (V^T dS V)_rj, dS the symmetric unit change that A_pq stands for
            both = vec(p, r) * vec(q, j)
            return both if p == q else both + vec(q, r) * vec(p, j)
        if k < m:
            return inner(k, k)
        i, j = divmod(k - m, m)
        return sp.Add(*[vec(i, r) * inner(r, j) / (EighPart(j, *entries) - EighPart(r, *entries))
                        for r in range(m) if r != j])

    def _numpycode(self, printer):
        k, entries, m = int(self.args[0]), self.args[1:], self._order()
        rows = ", ".join("[" + ", ".join(printer._print(e) for e in entries[i * m:(i + 1) * m])
                         + "]" for i in range(m))
        eigh, array = (printer._module_format(f"numpy.{f}") for f in ("linalg.eigh", "array"))
        call = f"{eigh}({array}([{rows}]))"
        return f"{call}[0][{k}]" if k < m else f"{call}[1][{(k - m) // m}, {(k - m) % m}]"

    def _pythoncode(self, printer):
        raise UnsupportedError("the symbolic backend compiles np.linalg.eigh (the eigh op) with "
                               "compiler='numpy' only; pass compiler='numpy'")


def _eigh(m):
    entries = list(m)
    n = m.shape[0]
    return np.array([EighPart(k, *entries) for k in range((n + 1) * n)],
                    dtype=object).reshape(n + 1, n)


#: op name -> rule on object arrays, as :data:`diffkit.symbolic.rules.ARRAY` takes them.
DENSE_RULES = {
    "solve": _solve,
    "det": lambda a: _stack(_det, a, ()),
    "slogdet": lambda a: _stack(_slogdet, a, (2,)),
    "cholesky": lambda a: _stack(_cholesky, a, a.shape[-2:]),
    "eigh": lambda a: _stack(_eigh, a, (a.shape[-1] + 1, a.shape[-1])),
}
