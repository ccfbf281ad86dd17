"""Checking a program before any kernel sees it: no out-of-bounds access, ever.

The kernels trust offsets for speed; this check, run once per program,
makes that trust safe.  It is plain NumPy: the checks every row shares
(result and operands inside the workspace) and the elementwise rows, most
of any program, are tested for all rows at once; each other kind of
instruction has its own checker, run row by row.

Examples
--------
>>> import diffkit
>>> from diffkit.program.lower import lower
>>> program = lower(diffkit.parse("sum(x * y)", shapes={"x": (3,), "y": (3,)}))
>>> validate(program.ints, program.consts)    # silent: every access is in bounds
>>> ints = program.ints.copy()
>>> ints[H_N_SLOTS] = 2                       # a workspace too small for the inputs
>>> validate(ints, program.consts)
Traceback (most recent call last):
...
diffkit.errors.GraphError: malformed program: bad constant region; lower graphs with diffkit.program.lower.lower instead of building programs by hand
"""
import numpy as np

from ..errors import GraphError
from ..program.format import (ARRAY_ARITY, ARRAY_KERNELS, ELEMENTWISE_ARITY, GEOMETRY, H_CONSTS, H_N_CONSTS, H_N_INPUTS,
                              H_N_OUTPUTS, H_N_ROWS, H_N_SLOTS, H_OUTPUTS, H_ROWS, HEADER,
                              K_CALL, K_ELEM, K_GATHER, K_MATMUL, K_REDUCE, K_SCATTER, M_BATCH,
                              M_K,
                              M_M, M_N, M_STRIDE_A, M_STRIDE_B, M_TRANS_A, M_TRANS_B, O_SIZE,
                              O_SLOT, OUTPUT_WIDTH, R_A, R_ARITY, R_AUX, R_B, R_C, R_FLAGS,
                              R_KIND, R_N, R_NA, R_NAUX, R_NB, R_NC, R_OUT, R_RUN, R_SUB,
                              REDUCTION_CODES, WIDTH)

#: Operand (slot, size) field pairs of a row, in operand order.
_OPERANDS = ((R_A, R_NA), (R_B, R_NB), (R_C, R_NC))


def _require(ok, what):
    if ok is True:  # the per-row checks test Python ints: no NumPy call for them
        return
    if not np.all(ok):
        raise GraphError(f"malformed program: {what}; lower graphs with "
                         "diffkit.program.lower.lower instead of building programs by hand")


def _within(ints, aux, count, low, high, what):
    """ints[aux:aux+count] exists and its values lie in [low, high)."""
    _require(0 <= aux and aux + count <= ints.size, f"{what} index map outside the program")
    vals = ints[aux:aux + count]
    _require((vals >= low) & (vals < high), f"{what} index out of range")


def _header(ints, consts):
    """The header's fields, checked against each other and the arrays' sizes."""
    _require(ints.ndim == 1 and ints.size >= HEADER and ints.dtype == np.int64,
             "the instruction array is not a 1-d int64 array with a header")
    head = [int(v) for v in ints[:HEADER]]
    _require(min(head) >= 0, "negative header field")
    n_slots, n_in = head[H_N_SLOTS], head[H_N_INPUTS]
    c0, nc = head[H_CONSTS], head[H_N_CONSTS]
    _require(n_in <= c0 and c0 + nc <= n_slots and consts.size == nc, "bad constant region")
    out_end = head[H_OUTPUTS] + OUTPUT_WIDTH * head[H_N_OUTPUTS]
    _require(out_end <= ints.size and head[H_ROWS] + head[H_N_ROWS] * WIDTH <= ints.size,
             "tables outside the program")
    return head


def _inside(start, size, n_slots):
    """start + size <= n_slots for int64 arrays, written so that huge values cannot
    wrap around (start + size could overflow, n_slots - size cannot)."""
    return (0 <= start) & (0 <= size) & (start <= n_slots - size)


def _common(rows, n_slots):
    """Checks of every row: a known kind; result and operands inside the workspace."""
    kinds = rows[:, R_KIND]
    unknown = ~np.isin(kinds, (K_ELEM, K_GATHER, K_SCATTER, K_REDUCE, K_MATMUL, K_CALL))
    _require(~unknown, f"unknown instruction kind {kinds[unknown][0] if unknown.any() else ''}")
    out, n = rows[:, R_OUT], rows[:, R_N]
    _require(_inside(out, n, n_slots), "result outside the workspace")
    for q, (off, size) in enumerate(_OPERANDS):
        used = rows[rows[:, R_ARITY] > q]
        _require(_inside(used[:, off], used[:, size], n_slots), "operand outside the workspace")


def _elementwise(rows):
    """Known op with its arity; one element, or every operand at the result's size
    (the array loop reads n values of each)."""
    sub, arity = rows[:, R_SUB], rows[:, R_ARITY]
    known = (0 <= sub) & (sub < len(ELEMENTWISE_ARITY))
    _require(known, "unknown elementwise op or wrong arity")
    _require(arity == np.asarray(ELEMENTWISE_ARITY)[sub], "unknown elementwise op or wrong arity")
    for q, (_, size) in enumerate(_OPERANDS):
        used = rows[arity > q]
        _require(used[:, size] == used[:, R_N], "operand size mismatch")


def _gather(ints, row, n_slots):
    flags = row[R_FLAGS]
    _require(flags in (0, 1), "gather flags")
    _within(ints, row[R_AUX], 1 if flags else row[R_N], 0, n_slots, "gather")


def _scatter(ints, row, n_slots):
    n, na = row[R_N], row[R_NA]
    _require(row[R_ARITY] == 1 and row[R_FLAGS] in (0, 1), "scatter takes one operand")
    if row[R_NAUX] == 1 and na != 1:  # a contiguous run: its start and length fit
        _within(ints, row[R_AUX], 1, 0, n - na + 1, "scatter run")
    else:
        _within(ints, row[R_AUX], na, 0, max(n, 1) if na == 0 else n, "scatter")


def _reduce(ints, row, n_slots):
    n, na, run, naux = row[R_N], row[R_NA], row[R_RUN], row[R_NAUX]
    _require(0 <= row[R_SUB] < len(REDUCTION_CODES) and row[R_ARITY] == 1, "unknown reduction")
    _require(run >= 0 and (run == 0 or run * n == na), "reduction run length")
    if naux:
        _require(naux == na, "segment map size")
        _within(ints, row[R_AUX], na, 0, n, "reduction")
    else:  # without a map every entry goes to the first result
        _require(n == 1 or na == 0, "a full reduction has one result")


def _matmul(ints, row, n_slots):
    aux = row[R_AUX]
    _require(row[R_ARITY] == 2 and 0 <= aux and aux + GEOMETRY <= ints.size, "matmul geometry")
    geo = [int(v) for v in ints[aux:aux + GEOMETRY]]
    batch, m, k, nn = geo[M_BATCH], geo[M_M], geo[M_K], geo[M_N]
    sa, sb = geo[M_STRIDE_A], geo[M_STRIDE_B]
    _require(min(batch, m, k, nn, sa, sb) >= 0 and geo[M_TRANS_B] in (0, 1)
             and geo[M_TRANS_A] in (0, 1), "matmul geometry")
    _require(row[R_N] == batch * m * nn, "matmul result size")
    _require((batch - 1) * sa + m * k <= row[R_NA], "matmul left operand size")
    _require((batch - 1) * sb + k * nn <= row[R_NB], "matmul right operand size")


def _call(ints, row, n_slots):
    """A known array op with its operands; its record's check passes on the geometry.

    The kernels read all three operand fields, so the unused ones must name
    ranges inside the workspace too (lowering repeats the last operand).
    """
    code, arity = row[R_SUB], row[R_ARITY]
    _require(0 <= code < len(ARRAY_ARITY) and arity == ARRAY_ARITY[code] and arity >= 1
             and row[R_FLAGS] in (0, 1), "unknown array op or wrong arity")
    for off, size in _OPERANDS[arity:]:
        _require(_inside(row[off], row[size], n_slots), "operand outside the workspace")
    aux, naux = row[R_AUX], row[R_NAUX]
    _require(0 <= aux and 0 <= naux and aux <= ints.size - naux, "call geometry outside the program")
    geometry = [int(v) for v in ints[aux:aux + naux]]
    sizes = [row[size] for _, size in _OPERANDS[:arity]]
    _require(bool(ARRAY_KERNELS[code].check(geometry, row[R_N], sizes)), "call geometry")


#: The checker of each kind of row that is checked one row at a time.
_CHECKERS = {K_GATHER: _gather, K_SCATTER: _scatter, K_REDUCE: _reduce, K_MATMUL: _matmul,
             K_CALL: _call}


def validate(ints, consts):
    """Raise GraphError unless every access the kernels will make is in bounds."""
    head = _header(ints, consts)
    n_slots = head[H_N_SLOTS]
    outs = ints[head[H_OUTPUTS]:head[H_OUTPUTS] + OUTPUT_WIDTH * head[H_N_OUTPUTS]]
    outs = outs.reshape(-1, OUTPUT_WIDTH)
    _require(_inside(outs[:, O_SLOT], outs[:, O_SIZE], n_slots), "output outside the workspace")
    rows = ints[head[H_ROWS]:head[H_ROWS] + head[H_N_ROWS] * WIDTH].reshape(-1, WIDTH)
    _common(rows, n_slots)
    kinds = rows[:, R_KIND]
    _elementwise(rows[kinds == K_ELEM])
    for i in np.nonzero(kinds != K_ELEM)[0]:
        row = [int(v) for v in rows[i]]
        _CHECKERS[row[R_KIND]](ints, row, n_slots)
