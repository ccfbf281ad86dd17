"""Kernels of the non-elementwise instructions: gather, scatter, reduce, matmul.

Plain Python that numba compiles (see :mod:`diffkit.kernels.build`); it
imports only NumPy and the program format, so it also runs uncompiled.  Linear kernels
(gather, scatter, sum, mean) serve the tangent sweep unchanged: it applies
them to each tangent row.
"""
import numpy as np

from ..program.format import (M_BATCH, M_K, M_M, M_N, M_STRIDE_A, M_STRIDE_B, M_TRANS_A,
                              M_TRANS_B)


def gather(v, ints, aux, out, n, fill):
    """v[out + i] = v[ints[aux + i]]: every structural op and general broadcasting.

    ``fill``: the map is the single position ints[aux] (a scalar broadcast).

    Examples
    --------
    >>> v = np.array([1.0, 2.0, 3.0, 0.0, 0.0, 0.0])
    >>> gather(v, np.array([2, 1, 0]), 0, 3, 3, 0)    # v[3:6] = v[2], v[1], v[0]
    >>> v
    array([1., 2., 3., 3., 2., 1.])
    """
    if fill:
        value = v[ints[aux]]
        for i in range(n):
            v[out + i] = value
        return
    for i in range(n):
        v[out + i] = v[ints[aux + i]]


def scatter(v, ints, aux, naux, out, n, a, na, accumulate):
    """v[out + ints[aux + i]] += v[a + i] after zeroing v[out:out+n] unless ``accumulate``.

    The adjoint of indexing; several pieces of one adjoint are consecutive
    rows.  ``naux == 1``: the piece lands on the contiguous run starting at
    ints[aux] (a slice), added without an index map.

    Examples
    --------
    >>> v = np.array([5.0, 7.0, 9.0, 9.0, 9.0])
    >>> scatter(v, np.array([2, 0]), 0, 2, 2, 3, 0, 2, 0)  # v[2:5] = 0; v[2+2] += 5; v[2+0] += 7
    >>> v
    array([5., 7., 7., 0., 5.])
    """
    if not accumulate:
        for i in range(n):
            v[out + i] = 0.0
    if naux == 1:
        start = out + ints[aux]
        for i in range(na):
            v[start + i] += v[a + i]
        return
    for i in range(na):
        v[out + ints[aux + i]] += v[a + i]


def _segment(ints, aux, naux, i):
    return ints[aux + i] if naux > 0 else 0


# A reduction's code indexes the tables REDUCE_COMBINE, REDUCE_SQUARE and REDUCE_FINISH,
# generated from the op records' kernel variants (diffkit.ops.Reduce) with the C_* and
# F_* values of the variants (see diffkit.kernels.elementwise.generate).

def _finish(acc, finish, g):
    """What follows the combination of a group of g entries: a mean or a square root."""
    if finish == F_MEAN:  # noqa: F821
        return acc / g
    if finish == F_SQRT:  # noqa: F821
        return np.sqrt(acc)
    return acc


def _reduce_run(v, code, start, g):
    """Reduction of the run v[start:start+g], the branch on the variant outside the loop."""
    combine, finish = REDUCE_COMBINE[code], REDUCE_FINISH[code]  # noqa: F821
    if combine == C_ADD:  # noqa: F821
        square = REDUCE_SQUARE[code]  # noqa: F821
        # four running sums: one chain of dependent additions runs at a quarter
        # of the speed (the summation order differs from NumPy's pairwise one)
        s0 = s1 = s2 = s3 = 0.0
        stop4 = start + (g // 4) * 4
        for i in range(start, stop4, 4):
            if square:
                s0 += v[i] * v[i]
                s1 += v[i + 1] * v[i + 1]
                s2 += v[i + 2] * v[i + 2]
                s3 += v[i + 3] * v[i + 3]
            else:
                s0 += v[i]
                s1 += v[i + 1]
                s2 += v[i + 2]
                s3 += v[i + 3]
        for i in range(stop4, start + g):
            s0 += v[i] * v[i] if square else v[i]
        return _finish((s0 + s1) + (s2 + s3), finish, g)
    if combine == C_MUL:  # noqa: F821
        acc = 1.0
        for i in range(start, start + g):
            acc *= v[i]
        return _finish(acc, finish, g)
    is_max = combine == C_MAX  # noqa: F821
    acc = -np.inf if is_max else np.inf
    for i in range(start, start + g):
        x = v[i]
        if x != x:
            return x  # nan propagates, as in NumPy
        if (x > acc) if is_max else (x < acc):
            acc = x
    return _finish(acc, finish, g)


def reduce(v, code, ints, aux, naux, out, n, a, na, run):
    """Reduce v[a:a+na] into v[out:out+n].

    ``run`` > 0: the groups are consecutive runs of that length (full
    reductions and reductions over trailing axes): tight loops.  Otherwise
    entry i goes to group ints[aux + i].
    """
    if run > 0:
        for s in range(n):
            v[out + s] = _reduce_run(v, code, a + s * run, run)
        return
    combine, finish = REDUCE_COMBINE[code], REDUCE_FINISH[code]  # noqa: F821
    square = REDUCE_SQUARE[code]  # noqa: F821
    is_max = combine == C_MAX  # noqa: F821
    init = 0.0
    if combine == C_MUL:  # noqa: F821
        init = 1.0
    elif is_max:
        init = -np.inf
    elif combine == C_MIN:  # noqa: F821
        init = np.inf
    for s in range(n):
        v[out + s] = init
    for i in range(na):
        s = out + _segment(ints, aux, naux, i)
        x = v[a + i]
        if square:
            x = x * x
        cur = v[s]
        if combine == C_ADD:  # noqa: F821
            v[s] = cur + x
        elif combine == C_MUL:  # noqa: F821
            v[s] = cur * x
        elif cur == cur and not (x <= cur if is_max else x >= cur):
            v[s] = x  # nan propagates, as in NumPy
    if finish == F_MEAN:  # noqa: F821
        scale = n / na if na > 0 else np.nan  # the mean of empty groups is nan, as in NumPy
        for s in range(n):
            v[out + s] *= scale
    elif finish == F_SQRT:  # noqa: F821
        for s in range(n):
            v[out + s] = np.sqrt(v[out + s])


def reduce_weights(v, code, ints, aux, naux, out, n, a, na):
    """d out[segment(i)] / d v[a + i] for every i: the derivative of the code's variant.

    A sum's is 1, a mean's 1/size, sqrt(sum of squares)'s x / out (0 where
    out is 0), a product's the product of the other entries (exact where
    entries are zero), an extremum's 1/count on the tied entries.
    """
    combine, finish = REDUCE_COMBINE[code], REDUCE_FINISH[code]  # noqa: F821
    w = np.empty(na)
    if combine == C_ADD and REDUCE_SQUARE[code]:  # noqa: F821  (then finish is sqrt)
        for i in range(na):
            norm = v[out + _segment(ints, aux, naux, i)]
            w[i] = 0.0 if norm == 0.0 else v[a + i] / norm
    elif combine == C_ADD:  # noqa: F821
        w[:] = n / na if finish == F_MEAN else 1.0  # noqa: F821
    elif combine == C_MUL:  # noqa: F821
        zeros = np.zeros(n)
        rest = np.ones(n)
        for i in range(na):
            s = _segment(ints, aux, naux, i)
            if v[a + i] == 0.0:
                zeros[s] += 1.0
            else:
                rest[s] *= v[a + i]
        for i in range(na):
            s = _segment(ints, aux, naux, i)
            x = v[a + i]
            if zeros[s] == 0.0:
                w[i] = v[out + s] / x
            elif zeros[s] == 1.0 and x == 0.0:
                w[i] = rest[s]
            else:
                w[i] = 0.0
    else:  # max, min
        count = np.zeros(n)
        for i in range(na):
            s = _segment(ints, aux, naux, i)
            w[i] = 1.0 if v[a + i] == v[out + s] else 0.0
            count[s] += w[i]
        for i in range(na):
            w[i] /= count[_segment(ints, aux, naux, i)]
    return w


def reduce_tangent(t, w, ints, aux, naux, out, n, a, na):
    """Tangent row of a reduction: t[out + s] = sum of w[i] t[a + i] over segment s."""
    for s in range(n):
        t[out + s] = 0.0
    for i in range(na):
        t[out + _segment(ints, aux, naux, i)] += w[i] * t[a + i]


def _product(lv, rv, a, b, m, k, nn, trans_a, trans_b):
    """lv[a] @ rv[b] as (m, k) @ (k, nn); an operand flagged transposed is stored the
    other way round and read through a transposed view (BLAS takes it as is)."""
    if trans_a:
        left_t = lv[a:a + m * k].reshape((k, m))
        if trans_b:
            return np.dot(left_t.T, rv[b:b + k * nn].reshape((nn, k)).T)
        return np.dot(left_t.T, rv[b:b + k * nn].reshape((k, nn)))
    left = lv[a:a + m * k].reshape((m, k))
    if trans_b:
        return np.dot(left, rv[b:b + k * nn].reshape((nn, k)).T)
    return np.dot(left, rv[b:b + k * nn].reshape((k, nn)))


def matmul(lv, rv, ov, ints, aux, out, a, b, accumulate):
    """ov[out] (+)= lv[a] @ rv[b] for each batch entry.

    The operands may live in different arrays (values or a tangent row), so
    the tangent sweep reuses this kernel for ta @ b and a @ tb.  Geometry at
    ints[aux:]: batch, m, k, n, stride of a, stride of b, b stored transposed,
    a stored transposed (the ``M_*`` fields of :mod:`diffkit.program.format`).

    Examples
    --------
    >>> v = np.array([1.0, 2.0, 3.0, 4.0, 0.0])
    >>> geometry = np.array([1, 1, 2, 1, 0, 0, 0, 0])   # one (1, 2) @ (2, 1) product
    >>> matmul(v, v, v, geometry, 0, 4, 0, 2, False)     # v[4] = v[0:2] @ v[2:4]
    >>> float(v[4])
    11.0
    """
    batch, m, k, nn = ints[aux + M_BATCH], ints[aux + M_M], ints[aux + M_K], ints[aux + M_N]
    sa, sb = ints[aux + M_STRIDE_A], ints[aux + M_STRIDE_B]
    trans_a, trans_b = ints[aux + M_TRANS_A], ints[aux + M_TRANS_B]
    for t in range(batch):
        res = ov[out + t * m * nn:out + (t + 1) * m * nn].reshape((m, nn))
        prod = _product(lv, rv, a + t * sa, b + t * sb, m, k, nn, trans_a, trans_b)
        if accumulate:
            res += prod
        else:
            res[:, :] = prod
