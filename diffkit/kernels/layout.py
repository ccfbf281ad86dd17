"""The instruction format shared by lowering and the kernels (no numba here).

``ints`` layout: a header of HEADER values, then two values (slot, size) per
output, then the instruction rows of WIDTH values, then the index maps.

Header: n_slots, n_inputs, const_offset, n_consts, n_outputs, outputs_offset,
n_instructions, instructions_offset.

Row: kind, sub, out, n, a, na, b, nb, c, nc, aux, naux, arity, flags.
An elementwise row reads every operand at size n, or works on one element.
A reduction keeps in ``b`` the length of its groups when they are
consecutive runs (0 when they follow the map at aux).  ``flags``: 1 on a
comparison (no derivative), on a gather that fills one value (the map is a
single position) and on a scatter that adds to the rows before it.
"""
from .elementwise import SCALAR

HEADER = 8
WIDTH = 14

K_ELEM, K_GATHER, K_SCATTER, K_REDUCE, K_MATMUL = range(5)

#: Elementwise op name -> its code in the generated dispatch.
ELEMENTWISE_CODES = {name: i for i, name in enumerate(SCALAR)}

#: Reduction op name -> code understood by the reduce kernels.
REDUCTION_CODES = {"sum": 0, "mean": 1, "prod": 2, "max": 3, "min": 4, "norm": 5}
R_SUM, R_MEAN, R_PROD, R_MAX, R_MIN, R_NORM = range(6)
