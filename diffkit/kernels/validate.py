"""Checking a program before any kernel sees it: no out-of-bounds access, ever.

The kernels trust offsets for speed; this check, run once per program,
makes that trust safe.  It is plain NumPy.
"""
import numpy as np

from ..errors import GraphError
from .elementwise import SCALAR
from .layout import HEADER, K_ELEM, K_GATHER, K_MATMUL, K_REDUCE, K_SCATTER, WIDTH

_ARITY = None


def _arities():
    global _ARITY
    if _ARITY is None:
        from .. import ops
        _ARITY = np.array([ops.get(name).arity for name in SCALAR])
    return _ARITY


def _require(ok, what):
    if not np.all(ok):
        raise GraphError(f"malformed program: {what}; lower graphs with "
                         "diffkit.program.lower.lower instead of building programs by hand")


def _within(ints, aux, count, low, high, what):
    """ints[aux:aux+count] exists and its values lie in [low, high)."""
    _require(0 <= aux and aux + count <= ints.size, f"{what} index map outside the program")
    vals = ints[aux:aux + count]
    _require((vals >= low) & (vals < high), f"{what} index out of range")


def validate(ints, consts):
    """Raise GraphError unless every access the kernels will make is in bounds."""
    _require(ints.ndim == 1 and ints.size >= HEADER and ints.dtype == np.int64,
             "the instruction array is not a 1-d int64 array with a header")
    n_slots, n_in, c0, nc, n_out, out_off, n_rows, row_off = (int(v) for v in ints[:HEADER])
    _require(min(n_slots, n_in, c0, nc, n_out, out_off, n_rows, row_off) >= 0,
             "negative header field")
    _require(n_in <= c0 and c0 + nc <= n_slots and consts.size == nc, "bad constant region")
    _require(out_off + 2 * n_out <= ints.size and row_off + n_rows * WIDTH <= ints.size,
             "tables outside the program")
    outs = ints[out_off:out_off + 2 * n_out].reshape(-1, 2)
    _require((outs[:, 0] >= 0) & (outs[:, 1] >= 0) & (outs[:, 0] + outs[:, 1] <= n_slots),
             "output outside the workspace")
    rows = ints[row_off:row_off + n_rows * WIDTH].reshape(-1, WIDTH)
    for r in rows:
        kind, sub, out, n, a, na, b, nb, c, nc_, aux, naux, arity, flags = (int(v) for v in r)
        _require(0 <= out and 0 <= n and out + n <= n_slots, "result outside the workspace")
        operands = [(a, na), (b, nb), (c, nc_)][:max(0, min(arity, 3))]
        for off, size in operands:
            _require(0 <= off and 0 <= size and off + size <= n_slots,
                     "operand outside the workspace")
        if kind == K_ELEM:
            _require(0 <= sub < len(SCALAR) and arity == _arities()[sub],
                     "unknown elementwise op or wrong arity")
            # one element, or every operand at the result's size (the array loop reads n)
            _require(all(size == n for _, size in operands), "operand size mismatch")
        elif kind == K_GATHER:
            _require(flags in (0, 1), "gather flags")
            _within(ints, aux, 1 if flags else n, 0, n_slots, "gather")
        elif kind == K_SCATTER:
            _require(arity == 1 and flags in (0, 1), "scatter takes one operand")
            if naux == 1 and na != 1:  # a contiguous run: its start and length fit
                _within(ints, aux, 1, 0, n - na + 1, "scatter run")
            else:
                _within(ints, aux, na, 0, max(n, 1) if na == 0 else n, "scatter")
        elif kind == K_REDUCE:
            _require(0 <= sub <= 5 and arity == 1, "unknown reduction")
            _require(b >= 0 and (b == 0 or b * n == na), "reduction run length")
            if naux:
                _require(naux == na, "segment map size")
                _within(ints, aux, na, 0, n, "reduction")
            else:  # without a map every entry goes to the first result
                _require(n == 1 or na == 0, "a full reduction has one result")
        elif kind == K_MATMUL:
            _require(arity == 2 and 0 <= aux and aux + 8 <= ints.size, "matmul geometry")
            batch, m, k, nn, sa, sb, tb, ta = (int(v) for v in ints[aux:aux + 8])
            _require(min(batch, m, k, nn, sa, sb) >= 0 and tb in (0, 1) and ta in (0, 1),
                     "matmul geometry")
            _require(n == batch * m * nn, "matmul result size")
            _require(a + (batch - 1) * sa + m * k <= a + na, "matmul left operand size")
            _require(b + (batch - 1) * sb + k * nn <= b + nb, "matmul right operand size")
        else:
            _require(False, f"unknown instruction kind {kind}")
