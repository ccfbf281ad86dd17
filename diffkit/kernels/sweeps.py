"""The interpreter: a values sweep and a tangent sweep over a lowered program.

Plain Python compiled by numba together with the generated elementwise
dispatch (see :mod:`diffkit.kernels.build`).  Programs reach these loops
only after :func:`diffkit.kernels.validate` has checked every offset.

Examples
--------
>>> import diffkit
>>> from diffkit.kernels import load
>>> from diffkit.program.lower import lower
>>> program = lower(diffkit.parse("x * y + 1"))
>>> io = program.io([2.0, 3.0])
>>> load(program).values(program.ints, program.consts, io)   # this module, compiled
>>> io
array([2., 3., 7.])
"""
import numpy as np

from ..program.format import (H_CONSTS, H_N_CONSTS, H_N_INPUTS, H_N_OUTPUTS, H_N_ROWS,
                              H_N_SLOTS, H_OUTPUTS, H_ROWS, K_ELEM, K_GATHER, K_MATMUL,
                              K_REDUCE, K_SCATTER, O_SIZE, O_SLOT, OUTPUT_WIDTH, R_A, R_ARITY, R_AUX,
                              R_B, R_C, R_FLAGS, R_KIND, R_N, R_NA, R_NAUX, R_NB, R_NC, R_OUT,
                              R_RUN, R_SUB, WIDTH)


def _workspace(ints, consts, io):
    """A fresh workspace with the inputs (first entries of io) and the constants in place."""
    return _fill(ints, consts, io, np.empty(ints[H_N_SLOTS]))


def _fill(ints, consts, io, buf):
    buf[:ints[H_N_INPUTS]] = io[:ints[H_N_INPUTS]]
    buf[ints[H_CONSTS]:ints[H_CONSTS] + ints[H_N_CONSTS]] = consts
    return buf


def _outputs(ints, v, res, pos):
    """Copy the outputs' slots of v into res, packed in order from res[pos]."""
    n_out, off = ints[H_N_OUTPUTS], ints[H_OUTPUTS]
    for o in range(n_out):
        row = off + OUTPUT_WIDTH * o
        slot, size = ints[row + O_SLOT], ints[row + O_SIZE]
        for i in range(size):
            res[pos + i] = v[slot + i]
        pos += size


def _operand(ints, r, q):
    """Offset and stride (0 for a broadcast scalar) of operand q of row r."""
    q = min(q, ints[r + R_ARITY] - 1)  # unused operands repeat the last one
    return ints[r + R_A + 2 * q], 1 if ints[r + R_NA + 2 * q] > 1 else 0


def _elementwise_scalar(ints, v, r):
    oa, _ = _operand(ints, r, 0)
    ob, _ = _operand(ints, r, 1)
    oc, _ = _operand(ints, r, 2)
    elementwise_scalar(ints[r + R_SUB], v, ints[r + R_OUT], oa, ob, oc)  # noqa: F821


def _elementwise_array(ints, v, r):
    oa, _ = _operand(ints, r, 0)
    ob, _ = _operand(ints, r, 1)
    oc, _ = _operand(ints, r, 2)
    elementwise_array(ints[r + R_SUB], v, ints[r + R_OUT], ints[r + R_N], oa, ob, oc)  # noqa: F821


def _elementwise_partials(ints, v, r, P):
    oa, sa = _operand(ints, r, 0)
    ob, sb = _operand(ints, r, 1)
    oc, sc = _operand(ints, r, 2)
    elementwise_partials(ints[r + R_SUB], v, ints[r + R_OUT], ints[r + R_N],  # noqa: F821
                         oa, sa, ob, sb, oc, sc, P)


def _elementwise_rows(ints, buf, i, stop):
    """Run consecutive one-element elementwise rows from row i; return the first other row.

    Kept free of calls and views that take arrays: either, anywhere in the
    loop, makes numba handle the workspace's reference count on every
    iteration, which costs several times the arithmetic of a scalar row.
    """
    while i < stop:
        r = ints[H_ROWS] + i * WIDTH
        if ints[r + R_KIND] != K_ELEM or ints[r + R_N] != 1:
            return i
        _elementwise_scalar(ints, buf, r)
        i += 1
    return i


def _call(ints, v, t, r, tangent):
    """Run the array op of call row r on the workspace v, or its tangent on the tangent row t."""
    sub, out, n, aux, naux = (ints[r + R_SUB], ints[r + R_OUT], ints[r + R_N], ints[r + R_AUX],
                              ints[r + R_NAUX])
    a, na, b, nb, c, nc = (ints[r + R_A], ints[r + R_NA], ints[r + R_B], ints[r + R_NB],
                           ints[r + R_C], ints[r + R_NC])
    if tangent:
        call_tangent(sub, v, t, out, n, a, na, b, nb, c, nc, ints, aux, naux)  # noqa: F821
    else:
        call_values(sub, v, out, n, a, na, b, nb, c, nc, ints, aux, naux)  # noqa: F821


def _other_row(ints, buf, r):
    """Run one array elementwise, gather, scatter, reduction, matmul or call row."""
    kind, sub, out, n = ints[r + R_KIND], ints[r + R_SUB], ints[r + R_OUT], ints[r + R_N]
    a, na, aux, naux = ints[r + R_A], ints[r + R_NA], ints[r + R_AUX], ints[r + R_NAUX]
    if kind == K_ELEM:
        _elementwise_array(ints, buf, r)
    elif kind == K_GATHER:
        gather(buf, ints, aux, out, n, ints[r + R_FLAGS])  # noqa: F821
    elif kind == K_SCATTER:
        scatter(buf, ints, aux, naux, out, n, a, na, ints[r + R_FLAGS])  # noqa: F821
    elif kind == K_REDUCE:
        reduce(buf, sub, ints, aux, naux, out, n, a, na, ints[r + R_RUN])  # noqa: F821
    elif kind == K_MATMUL:
        matmul(buf, buf, buf, ints, aux, out, a, ints[r + R_B], False)  # noqa: F821
    else:
        _call(ints, buf, buf, r, False)


def _values_row(ints, buf, r):
    if ints[r + R_KIND] == K_ELEM and ints[r + R_N] == 1:
        _elementwise_scalar(ints, buf, r)
    else:
        _other_row(ints, buf, r)


def values(ints, consts, io):
    """Run the program: ``io`` holds the packed inputs, then room for the packed outputs.

    One caller-allocated array in and out: returning a new array from
    compiled code costs more than a small program's whole run.
    """
    values_in(ints, consts, io, np.empty(ints[H_N_SLOTS]))


def values_in(ints, consts, io, buf):
    """:func:`values` in a workspace the caller owns (reused by big programs: fresh
    pages for a large workspace cost more than the work)."""
    _fill(ints, consts, io, buf)
    i, stop = 0, ints[H_N_ROWS]
    while i < stop:
        i = _elementwise_rows(ints, buf, i, stop)
        if i < stop:
            _other_row(ints, buf, ints[H_ROWS] + i * WIDTH)
            i += 1
    _outputs(ints, buf, io, ints[H_N_INPUTS])


def _is_const(ints, off):
    return ints[H_CONSTS] <= off < ints[H_CONSTS] + ints[H_N_CONSTS]


def _elementwise_tangent(ints, buf, T, r):
    """T[out] = sum over operands of T[operand] * its local partial, zero winning."""
    out, n, arity = ints[r + R_OUT], ints[r + R_N], ints[r + R_ARITY]
    P = np.empty((3, n))
    _elementwise_partials(ints, buf, r, P)
    for j in range(T.shape[0]):
        for i in range(n):
            T[j, out + i] = 0.0
        for q in range(arity):
            off, size = ints[r + R_A + 2 * q], ints[r + R_NA + 2 * q]
            if _is_const(ints, off):
                continue
            s = 1 if size > 1 else 0
            for i in range(n):
                t = T[j, off + i * s]
                p = P[q, i]
                if t != 0.0 and p != 0.0:  # zero wins: 0 * inf = 0
                    T[j, out + i] += t * p


def _matmul_tangent(ints, buf, T, r):
    """The product rule of a bilinear op (its record's jvp): T[a] @ b + a @ T[b]."""
    out, n, aux = ints[r + R_OUT], ints[r + R_N], ints[r + R_AUX]
    a, b = ints[r + R_A], ints[r + R_B]
    for j in range(T.shape[0]):
        T[j, out:out + n] = 0.0
        if not _is_const(ints, a):
            matmul(T[j], buf, T[j], ints, aux, out, a, b, True)  # noqa: F821
        if not _is_const(ints, b):
            matmul(buf, T[j], T[j], ints, aux, out, a, b, True)  # noqa: F821


def _tangent_row(ints, buf, T, r):
    """Push the tangent block T through row r; linear rows apply themselves to each tangent."""
    kind, out, n = ints[r + R_KIND], ints[r + R_OUT], ints[r + R_N]
    a, na, aux, naux = ints[r + R_A], ints[r + R_NA], ints[r + R_AUX], ints[r + R_NAUX]
    if kind == K_ELEM:
        if ints[r + R_FLAGS] != 1:  # 1: a comparison, no derivative
            _elementwise_tangent(ints, buf, T, r)
    elif kind == K_GATHER:
        for j in range(T.shape[0]):
            gather(T[j], ints, aux, out, n, ints[r + R_FLAGS])  # noqa: F821
    elif kind == K_SCATTER:
        for j in range(T.shape[0]):
            scatter(T[j], ints, aux, naux, out, n, a, na, ints[r + R_FLAGS])  # noqa: F821
    elif kind == K_REDUCE:
        w = reduce_weights(buf, ints[r + R_SUB], ints, aux, naux, out, n, a, na)  # noqa: F821
        for j in range(T.shape[0]):
            reduce_tangent(T[j], w, ints, aux, naux, out, n, a, na)  # noqa: F821
    elif kind == K_MATMUL:
        _matmul_tangent(ints, buf, T, r)
    elif ints[r + R_FLAGS] != 1:  # a call; 1: an op without derivative
        for j in range(T.shape[0]):
            _call(ints, buf, T[j], r, True)


def tangents(ints, consts, io, tx, tout):
    """Values (as :func:`values`) and a block of tangents: ``tx`` (K, n_inputs) in,
    ``tout`` (K, n_outputs) out."""
    buf = _workspace(ints, consts, io)
    K = tx.shape[0]
    T = np.zeros((K, ints[H_N_SLOTS]))
    T[:, :ints[H_N_INPUTS]] = tx
    for i in range(ints[H_N_ROWS]):
        r = ints[H_ROWS] + i * WIDTH
        _values_row(ints, buf, r)
        _tangent_row(ints, buf, T, r)
    _outputs(ints, buf, io, ints[H_N_INPUTS])
    for j in range(K):
        _outputs(ints, T[j], tout[j], 0)
