"""Dense linear algebra: solve, det, slogdet and cholesky, batched over leading axes.

Each op is one record of kind ``"array"`` whose loop calls LAPACK, through
numba's ``np.linalg``, once per matrix of the stack, and NumPy's
``np.linalg`` in the reference interpreter: both run the same LAPACK
routines, so the values are NumPy's.  ``inv`` is ``solve(a, I)`` (NumPy's
``inv`` is that LAPACK call too), so it needs no record.

Derivatives (Giles 2008; Murray 2016 for the Cholesky factor), written with
ops so that reverse mode and higher orders run through them:

* ``X = solve(A, B)``: ``dX = solve(A, dB - dA X)``; ``gB = solve(A^T, g)``,
  ``gA = -gB X^T``.
* ``d = det(A)``: ``dd = d tr(A^-1 dA)``; ``gA = g d A^-T``.
* ``slogdet``: the sign is piecewise constant (zero derivative), the log
  of the absolute determinant has ``tr(A^-1 dA)``.
* ``eigh`` packs its results in one array (..., m + 1, m): the eigenvalues
  ``w`` in the first row, the eigenvectors ``V`` (columns) below.  With ``S``
  the symmetric matrix of the lower triangle (what LAPACK reads),
  ``M = V^T dS V``: ``dw = diag(M)``, ``dV = V (F o M)`` with
  ``F_ij = 1 / (w_j - w_i)`` off the diagonal (Seeger et al. 2017), and
  reverse mode pulls back ``V (diag(gw) + F o V^T gV) V^T``.  The
  eigenvectors' derivative needs distinct eigenvalues: where two are
  equal it is inf or nan.  The products with ``F`` are zero-wins, so the
  eigenvalues alone (``eigvalsh``) keep a finite derivative there.
* ``L = cholesky(A)`` reads the lower triangle of ``A`` only, as LAPACK
  does: with ``S`` the symmetric matrix that triangle stands for,
  ``dL = L Phi(L^-1 dS L^-T)``, ``Phi`` keeping the strictly lower part and
  half the diagonal.

Singular and non-positive-definite matrices: where NumPy raises
``LinAlgError``, each matrix of the stack that fails gives nan (its whole
result), in the reference interpreter and in the kernels alike, since a
compiled loop cannot stop a program halfway.  ``det`` and ``slogdet`` of a
singular matrix are NumPy's (0, and sign 0 with log -inf); their derivatives
(through ``A^-1``) are nan there.
"""
import numpy as np

from ..errors import ShapeError
from .core import ArrayKernel, Op, call, register, size, zmul
from .linalg import _swap


# -- shapes and geometry ---------------------------------------------------------------

def _square(name, shape):
    """Check that ``shape`` is a stack of square matrices; return the matrix order."""
    shape = tuple(shape)
    if len(shape) < 2 or shape[-1] != shape[-2]:
        raise ShapeError(f"np.linalg.{name} needs square matrices in the last two axes, "
                         f"(..., m, m); got shape {shape}")
    return shape[-1]


def _solve_shape(sa, sb):
    m = _square("solve", sa)
    sa, sb = tuple(sa), tuple(sb)
    vector = len(sb) == 1 and len(sa) == 2
    if not vector and (len(sb) != len(sa) or sb[:-2] != sa[:-2]):
        raise ShapeError(f"solve(a, b) takes b of shape (..., m, k) with a's leading axes, or "
                         f"(m,) for a single matrix a; got a {sa} and b {sb} "
                         "(np.linalg.solve broadcasts them for you)")
    if (sb[0] if vector else sb[-2]) != m:
        raise ShapeError(f"solve: a of shape {sa} does not fit b of shape {sb}: b needs "
                         f"{m} rows")
    return sb


def _solve_geometry(out_shape, sa, sb):
    """(batch, m, k): the stack of m x m systems with k right-hand sides each."""
    m = sa[-1]
    k = 1 if len(sb) == 1 else sb[-1]
    return size(sa[:-2]), m, k


def _solve_check(geometry, n, sizes):
    if len(geometry) != 3 or min(geometry) < 0:
        return False
    batch, m, k = geometry
    return batch * m * m == sizes[0] and batch * m * k == sizes[1] == n


def _matrices_geometry(out_shape, sa):
    """(batch, m): a stack of m x m matrices."""
    return size(sa[:-2]), sa[-1]


def _matrices_check(per_matrix):
    """Check of an op on m x m matrices whose result has ``per_matrix(m)`` entries per matrix."""
    def check(geometry, n, sizes):
        if len(geometry) != 2 or min(geometry) < 0:
            return False
        batch, m = geometry
        return batch * m * m == sizes[0] and batch * per_matrix(m) == n
    return check


def _lu_flops(m):
    return 2 * m ** 3 // 3


def _solve_flops(out_shape, sa, sb):
    batch, m, k = _solve_geometry(out_shape, sa, sb)
    return batch * (_lu_flops(m) + 2 * m * m * k)


# -- reference implementations ---------------------------------------------------------

def _each_matrix(fn, fill_shape, *arrays):
    """``fn`` on the whole stack, or matrix by matrix where one fails: nan for that one.

    NumPy raises LinAlgError for a whole stack if one matrix is singular (or
    not positive definite); the kernels cannot raise, so both give nan there.
    """
    try:
        return fn(*arrays)
    except np.linalg.LinAlgError:
        pass
    batch = np.broadcast_shapes(*(a.shape[:-2] for a in arrays))
    out = np.empty(batch + fill_shape)
    for idx in np.ndindex(*batch):
        try:
            out[idx] = fn(*(a[idx] for a in arrays))
        except np.linalg.LinAlgError:
            out[idx] = np.nan
    return out


def _solve_impl(a, b):
    if b.ndim == 1:
        return _each_matrix(lambda a, b: np.linalg.solve(a, b[:, None])[..., 0], b.shape, a, b)
    return _each_matrix(np.linalg.solve, b.shape[-2:], a, b)


def _slogdet_impl(a):
    sign, logdet = np.linalg.slogdet(a)
    return np.stack([sign, logdet], axis=-1)


def _cholesky_impl(a):
    return _each_matrix(np.linalg.cholesky, a.shape[-2:], a)


def _eigh_impl(a):
    def packed(a):
        w, v = np.linalg.eigh(a)
        return np.concatenate([w[..., None, :], v], axis=-2)
    return _each_matrix(packed, (a.shape[-1] + 1, a.shape[-1]), a)


# -- complex steps: NumPy's complex slogdet and cholesky are not the analytic extensions
# (the sign becomes a phase, the factor Hermitian), so finite differences get these

def _slogdet_complex(a):
    """(sign, log|det|) continued analytically: the sign of the real matrix, log(sign det)."""
    phase, logabs = np.linalg.slogdet(a)
    sign = np.sign(phase.real)
    return np.stack([sign + 0j, logabs + np.log(phase * sign)], axis=-1)


def _cholesky_complex(a):
    """L with L L^T = A (no conjugate) from the lower triangle, column by column; nan where
    a pivot's real part is not positive, as the real factorization fails there."""
    low = np.zeros(a.shape, dtype=complex)
    for j in range(a.shape[-1]):
        pivot = a[..., j, j] - np.sum(low[..., j, :j] ** 2, axis=-1)
        low[..., j, j] = np.where(pivot.real > 0, np.sqrt(pivot), np.nan)
        below = a[..., j + 1:, j] - np.einsum("...ik,...k->...i", low[..., j + 1:, :j],
                                               low[..., j, :j])
        low[..., j + 1:, j] = below / low[..., j, j, None]
    bad = np.any(np.isnan(low), axis=(-2, -1))
    return np.where(bad[..., None, None], np.nan, low)


# -- derivative rules (ops only: they run on arrays and on traced values) ------------

def inverse(a):
    """``a^-1`` as ``solve(a, I)``, the LAPACK call of NumPy's ``inv``."""
    return call("solve", a, call("broadcast_to", np.eye(a.shape[-1]), shape=tuple(a.shape)))


def _as_matrix(x):
    """A right-hand side of solve as a matrix: a vector becomes one column."""
    return call("reshape", x, shape=(x.shape[0], 1)) if x.ndim == 1 else x


def _solve_jvp(tangents, args, out):
    ta, tb = tangents
    a, b = args
    if ta is None:
        return call("solve", a, tb)
    rhs = -call("reshape", call("matmul", ta, _as_matrix(out)), shape=tuple(out.shape))
    return call("solve", a, rhs if tb is None else tb + rhs)


def _solve_vjp(g, args, out):
    a, b = args
    gb = call("solve", _swap(a), g)
    ga = -call("matmul", _as_matrix(gb), _swap(_as_matrix(out)))
    return ga, gb


def _trace_solve(a, ta):
    """``tr(a^-1 ta)`` for each matrix of the stack, as ``sum(a^-T * ta)``."""
    return call("sum", _swap(inverse(a)) * ta, axis=(-2, -1), keepdims=False)


def _per_matrix(x):
    """Entries of a stack's per-matrix result, broadcast against its matrices."""
    return call("reshape", x, shape=tuple(x.shape) + (1, 1))


def _det_jvp(tangents, args, out):
    return out * _trace_solve(args[0], tangents[0])


def _det_vjp(g, args, out):
    return (_per_matrix(g * out) * _swap(inverse(args[0])),)


def _slogdet_jvp(tangents, args, out):
    # the sign's tangent is exactly zero, even where the log's is nan
    trace = call("reshape", _trace_solve(args[0], tangents[0]), shape=tuple(out.shape[:-1]) + (1,))
    return zmul(trace, np.array([0.0, 1.0]))


def _slogdet_vjp(g, args, out):
    glog = call("getitem", g, index=(Ellipsis, 1))
    return (_per_matrix(glog) * _swap(inverse(args[0])),)


def _masks(m):
    """(lower with diagonal, strictly lower, Phi: strictly lower plus half the diagonal)."""
    lower = np.tril(np.ones((m, m)))
    strict = np.tril(np.ones((m, m)), -1)
    return lower, strict, strict + 0.5 * np.eye(m)


def _lower_symmetric(t, lower, strict):
    """The symmetric matrix a tangent's lower triangle stands for (LAPACK reads no other)."""
    return t * lower + _swap(t * strict)


def _lower_adjoint(gs, lower, strict):
    """The adjoint of :func:`_lower_symmetric`: a cotangent of S onto the lower triangle."""
    return gs * lower + _swap(gs) * strict


def _cholesky_jvp(tangents, args, out):
    lower, strict, phi = _masks(out.shape[-1])
    sym = _lower_symmetric(tangents[0], lower, strict)
    y = call("solve", out, sym)                      # L^-1 S
    inner = call("solve", out, _swap(y))             # L^-1 S L^-T (S is symmetric)
    return call("matmul", out, inner * phi)


def _cholesky_vjp(g, args, out):
    lower, strict, phi = _masks(out.shape[-1])
    p = call("matmul", _swap(out), g) * phi
    z = call("solve", _swap(out), _swap(p))          # L^-T P^T
    gs = call("solve", _swap(out), _swap(z))         # L^-T P L^-1
    return (_lower_adjoint(gs, lower, strict),)


def _eigh_parts(out):
    """(w, V, F) of eigh's packed result: eigenvalues (row 0), eigenvectors (the other rows,
    as columns) and F_ij = 1 / (w_j - w_i) off the diagonal, 0 on it (inf or nan where two
    eigenvalues are equal: eigenvectors have no derivative there)."""
    m = out.shape[-1]
    w = call("getitem", out, index=(Ellipsis, slice(0, 1), slice(None)))     # (..., 1, m)
    v = call("getitem", out, index=(Ellipsis, slice(1, None), slice(None)))  # (..., m, m)
    eye = np.eye(m)
    return w, v, (1.0 - eye) / (w - _swap(w) + eye)


def _eigh_jvp(tangents, args, out):
    lower, strict, _ = _masks(out.shape[-1])
    w, v, f = _eigh_parts(out)
    inner = call("matmul", _swap(v), call("matmul", _lower_symmetric(tangents[0], lower, strict),
                                           v))                                 # V^T S V
    dw = call("sum", inner * np.eye(out.shape[-1]), axis=(-2,), keepdims=True)  # its diagonal
    return call("concatenate", dw, call("matmul", v, zmul(f, inner)), axis=out.ndim - 2)


def _eigh_vjp(g, args, out):
    lower, strict, _ = _masks(out.shape[-1])
    w, v, f = _eigh_parts(out)
    gw = call("getitem", g, index=(Ellipsis, slice(0, 1), slice(None)))
    gv = call("getitem", g, index=(Ellipsis, slice(1, None), slice(None)))
    middle = gw * np.eye(out.shape[-1]) + zmul(f, call("matmul", _swap(v), gv))
    gs = call("matmul", v, call("matmul", middle, _swap(v)))     # V (diag(gw) + F o V^T gV) V^T
    return (_lower_adjoint(gs, lower, strict),)


# -- kernels: plain Python over the workspace, compiled by numba ----------------------

def dense_solve_write(w, dst, A, rhs, m, k):
    """Write solve(A, rhs) (m x k) to w[dst:]; nan if A is singular."""
    try:
        x = np.linalg.solve(A, rhs)
        for i in range(m):
            for j in range(k):
                w[dst + i * k + j] = x[i, j]
    except Exception:  # noqa: BLE001  (numba raises LinAlgError; the program carries on)
        w[dst:dst + m * k] = np.nan


def dense_solve_values(v, out, n, a, na, b, nb, c, nc, ints, aux, naux):
    """X = solve(A, B) for each matrix of the stack."""
    batch, m, k = ints[aux], ints[aux + 1], ints[aux + 2]
    for s in range(batch):
        A = v[a + s * m * m:a + (s + 1) * m * m].reshape(m, m)
        rhs = v[b + s * m * k:b + (s + 1) * m * k].reshape(m, k)
        dense_solve_write(v, out + s * m * k, A, rhs, m, k)


def dense_solve_tangent(v, t, out, n, a, na, b, nb, c, nc, ints, aux, naux):
    """tX = solve(A, tB - tA X)."""
    batch, m, k = ints[aux], ints[aux + 1], ints[aux + 2]
    for s in range(batch):
        A = v[a + s * m * m:a + (s + 1) * m * m].reshape(m, m)
        x = v[out + s * m * k:out + (s + 1) * m * k].reshape(m, k)
        ta = t[a + s * m * m:a + (s + 1) * m * m].reshape(m, m)
        tb = t[b + s * m * k:b + (s + 1) * m * k].reshape(m, k)
        dense_solve_write(t, out + s * m * k, A, tb - np.dot(ta, x), m, k)


def dense_trace_solve(v, t, a, m):
    """tr(A^-1 tA) for the matrix at v[a] and its tangent at t[a]; nan if A is singular."""
    A = v[a:a + m * m].reshape(m, m)
    ta = t[a:a + m * m].reshape(m, m)
    try:
        y = np.linalg.solve(A, ta)
        acc = 0.0
        for i in range(m):
            acc += y[i, i]
        return acc
    except Exception:  # noqa: BLE001
        return np.nan


def dense_det_values(v, out, n, a, na, b, nb, c, nc, ints, aux, naux):
    batch, m = ints[aux], ints[aux + 1]
    for s in range(batch):
        v[out + s] = np.linalg.det(v[a + s * m * m:a + (s + 1) * m * m].reshape(m, m))


def dense_det_tangent(v, t, out, n, a, na, b, nb, c, nc, ints, aux, naux):
    """t det = det tr(A^-1 tA)."""
    batch, m = ints[aux], ints[aux + 1]
    for s in range(batch):
        t[out + s] = v[out + s] * dense_trace_solve(v, t, a + s * m * m, m)


def dense_slogdet_values(v, out, n, a, na, b, nb, c, nc, ints, aux, naux):
    """(sign, log|det|) of each matrix, side by side."""
    batch, m = ints[aux], ints[aux + 1]
    for s in range(batch):
        sign, logdet = np.linalg.slogdet(v[a + s * m * m:a + (s + 1) * m * m].reshape(m, m))
        v[out + 2 * s] = sign
        v[out + 2 * s + 1] = logdet


def dense_slogdet_tangent(v, t, out, n, a, na, b, nb, c, nc, ints, aux, naux):
    """The sign's tangent is 0; log|det|'s is tr(A^-1 tA)."""
    batch, m = ints[aux], ints[aux + 1]
    for s in range(batch):
        t[out + 2 * s] = 0.0
        t[out + 2 * s + 1] = dense_trace_solve(v, t, a + s * m * m, m)


def dense_cholesky_values(v, out, n, a, na, b, nb, c, nc, ints, aux, naux):
    """The lower Cholesky factor of each matrix (from its lower triangle); nan if not positive
    definite."""
    batch, m = ints[aux], ints[aux + 1]
    for s in range(batch):
        at = s * m * m
        try:
            low = np.linalg.cholesky(v[a + at:a + at + m * m].reshape(m, m))
            for i in range(m):
                for j in range(m):
                    v[out + at + i * m + j] = low[i, j]
        except Exception:  # noqa: BLE001
            v[out + at:out + at + m * m] = np.nan


def dense_cholesky_tangent(v, t, out, n, a, na, b, nb, c, nc, ints, aux, naux):
    """tL = L Phi(L^-1 S L^-T), S the symmetric matrix of tA's lower triangle."""
    batch, m = ints[aux], ints[aux + 1]
    for s in range(batch):
        at = s * m * m
        low = v[out + at:out + at + m * m].reshape(m, m)
        ta = t[a + at:a + at + m * m].reshape(m, m)
        sym = np.empty((m, m))
        for i in range(m):
            for j in range(m):
                sym[i, j] = ta[i, j] if j <= i else ta[j, i]
        try:
            y = np.linalg.solve(low, sym)
            inner = np.linalg.solve(low, y.T)
            for i in range(m):
                for j in range(m):
                    inner[i, j] = 0.0 if j > i else (0.5 * inner[i, j] if j == i else inner[i, j])
            tl = np.dot(low, inner)
            for i in range(m):
                for j in range(m):
                    t[out + at + i * m + j] = tl[i, j]
        except Exception:  # noqa: BLE001
            t[out + at:out + at + m * m] = np.nan


def dense_eigh_values(v, out, n, a, na, b, nb, c, nc, ints, aux, naux):
    """Eigenvalues (ascending) then eigenvectors (as columns) of each matrix's lower triangle;
    nan if LAPACK does not converge."""
    batch, m = ints[aux], ints[aux + 1]
    for s in range(batch):
        at, dst = s * m * m, out + s * (m + 1) * m
        try:
            w, vec = np.linalg.eigh(v[a + at:a + at + m * m].reshape(m, m))
            for j in range(m):
                v[dst + j] = w[j]
                for i in range(m):
                    v[dst + (i + 1) * m + j] = vec[i, j]
        except Exception:  # noqa: BLE001
            v[dst:dst + (m + 1) * m] = np.nan


def dense_eigh_tangent(v, t, out, n, a, na, b, nb, c, nc, ints, aux, naux):
    """dw = diag(V^T S V), dV = V (F o V^T S V), S the symmetric matrix of tA's lower triangle."""
    batch, m = ints[aux], ints[aux + 1]
    for s in range(batch):
        at, src = s * m * m, out + s * (m + 1) * m
        ta = t[a + at:a + at + m * m].reshape(m, m)
        vec = v[src + m:src + (m + 1) * m].reshape(m, m)
        sym = np.empty((m, m))
        for i in range(m):
            for j in range(m):
                sym[i, j] = ta[i, j] if j <= i else ta[j, i]
        inner = np.dot(vec.T, np.dot(sym, vec))
        for j in range(m):
            t[src + j] = inner[j, j]
            for i in range(m):
                if i == j or inner[i, j] == 0.0:  # zero wins over 1 / 0, as in the jvp
                    inner[i, j] = 0.0
                else:
                    inner[i, j] = inner[i, j] / (v[src + j] - v[src + i])
        dv = np.dot(vec, inner)
        for j in range(m):
            for i in range(m):
                t[src + (i + 1) * m + j] = dv[i, j]


# -- the records ---------------------------------------------------------------------

def _matrix_op(name, impl, per_matrix, out_shape, flops, jvp, vjp, values, tangent, helpers=(),
               complex_impl=None, analytic=None):
    def shape(s):
        _square(name, s)
        return out_shape(tuple(s))
    register(Op(
        name=name, arity=1, kind="array", impl=impl, shape=shape, jvp=jvp, vjp=vjp,
        complex_impl=complex_impl, analytic=analytic,
        flops=lambda out_shape_, s: size(s[:-2]) * flops(s[-1]),
        array_kernel=ArrayKernel(values=values, tangent=tangent, geometry=_matrices_geometry,
                                 check=_matrices_check(per_matrix), helpers=helpers)))


register(Op(
    name="solve", arity=2, kind="array", impl=_solve_impl, shape=_solve_shape,
    flops=_solve_flops,
    jvp=_solve_jvp, vjp=_solve_vjp, domain=((-2.0, 2.0), (-2.0, 2.0)),
    array_kernel=ArrayKernel(values=dense_solve_values, tangent=dense_solve_tangent,
                             geometry=_solve_geometry, check=_solve_check,
                             helpers=(dense_solve_write,))))
_matrix_op("det", np.linalg.det, lambda m: 1, lambda s: s[:-2], _lu_flops, _det_jvp, _det_vjp,
           dense_det_values, dense_det_tangent, helpers=(dense_trace_solve,))
_matrix_op("slogdet", _slogdet_impl, lambda m: 2, lambda s: s[:-2] + (2,), _lu_flops,
           _slogdet_jvp, _slogdet_vjp, dense_slogdet_values, dense_slogdet_tangent,
           helpers=(dense_trace_solve,), complex_impl=_slogdet_complex)
_matrix_op("cholesky", _cholesky_impl, lambda m: m * m, lambda s: s, lambda m: m ** 3 // 3,
           _cholesky_jvp, _cholesky_vjp, dense_cholesky_values, dense_cholesky_tangent,
           complex_impl=_cholesky_complex)
_matrix_op("eigh", _eigh_impl, lambda m: (m + 1) * m, lambda s: s[:-2] + (s[-1] + 1, s[-1]),
           lambda m: 9 * m ** 3, _eigh_jvp, _eigh_vjp, dense_eigh_values, dense_eigh_tangent,
           analytic=False)  # NumPy's complex eigh is Hermitian: no complex step
