"""A program as text: what ``print(program)`` shows.

One line per input, the constants, one line per instruction and the
outputs, in the workspace's terms: ``s5`` is slot 5, ``s5[0:3]`` the three
slots from 5.  Instructions read like assignments, ``s9 = sum s5[0:3]``;
gathers list the slots they read (a fill copies one slot everywhere),
scatters the positions they write (``+=`` when adding to the rows before),
reductions how they group, matrix products and array ops (scans, sorts)
their geometry.

Examples
--------
>>> import numpy as np, diffkit
>>> from diffkit.program.lower import lower
>>> print(lower(diffkit.trace(lambda x: np.sum(np.sin(x) * 2.0), np.ones(3))))
program: 4 instructions, 14 slots
inputs:
  x: (3,) at s0[0:3]
constants:
  s3 = 2.0
instructions:
  s4[0:3] = sin s0[0:3]
  s7[0:3] = fill s3
  s10[0:3] = mul s4[0:3] s7[0:3]
  s13 = sum s10[0:3]
outputs:
  () at s13
"""
import numpy as np

from .format import (ARRAY_CODES, ELEMENTWISE_CODES, H_CONSTS, H_N_CONSTS, K_CALL, K_ELEM,
                     K_GATHER, K_MATMUL,
                     K_REDUCE, K_SCATTER, M_BATCH, M_K, M_M, M_N, M_STRIDE_A,
                     M_STRIDE_B, M_TRANS_A, M_TRANS_B, O_SIZE, O_SLOT, R_A, R_ARITY, R_AUX,
                     R_FLAGS, R_KIND, R_N, R_NA, R_NAUX, R_OUT, R_RUN, R_SUB, REDUCTION_CODES)

#: Entries of an index map or a constant shown before "...".
SHOWN = 8

_ELEMENTWISE_NAMES = {code: name for name, code in ELEMENTWISE_CODES.items()}
_REDUCTION_NAMES = {code: name for name, code in REDUCTION_CODES.items()}
_ARRAY_NAMES = {code: name for name, code in ARRAY_CODES.items()}


def slots(start, size):
    """``s5`` for one slot, ``s5[0:3]`` for three slots from 5.

    Examples
    --------
    >>> slots(5, 1), slots(5, 3), slots(5, 0)
    ('s5', 's5[0:3]', 's5[0:0]')
    """
    return f"s{start}" if size == 1 else f"s{start}[0:{size}]"


def _listed(values, fmt=str):
    """``[a, b, c]``, the middle elided past :data:`SHOWN` entries."""
    values = list(values)
    if len(values) > SHOWN:
        shown = [fmt(v) for v in values[:SHOWN - 1]] + ["...", fmt(values[-1])]
        return f"[{', '.join(shown)}] ({len(values)} entries)"
    return f"[{', '.join(fmt(v) for v in values)}]"


def _operands(row):
    return " ".join(slots(row[R_A + 2 * q], row[R_NA + 2 * q]) for q in range(row[R_ARITY]))


def _elementwise(ints, row):
    return f"{_ELEMENTWISE_NAMES.get(row[R_SUB], '?')} {_operands(row)}"


def _gather(ints, row):
    if row[R_FLAGS]:  # one value everywhere
        return f"fill s{ints[row[R_AUX]]}"
    return f"gather {_listed(ints[row[R_AUX]:row[R_AUX] + row[R_N]], lambda v: f's{v}')}"


def _scatter(ints, row):
    if row[R_NAUX] == 1 and row[R_NA] != 1:  # a contiguous run from its start
        start = int(ints[row[R_AUX]])
        where = f"[{start}:{start + row[R_NA]}]"
    else:
        where = _listed(ints[row[R_AUX]:row[R_AUX] + row[R_NAUX]])
    return f"scatter {_operands(row)} to {where}"


def _reduce(ints, row):
    text = f"{_REDUCTION_NAMES.get(row[R_SUB], '?')} {_operands(row)}"
    if row[R_N] == 1 or row[R_NA] == 0:
        return text
    if row[R_RUN]:
        return f"{text} by runs of {row[R_RUN]}"
    return f"{text} by {_listed(ints[row[R_AUX]:row[R_AUX] + row[R_NAUX]])}"


def _matmul(ints, row):
    geo = [int(v) for v in ints[row[R_AUX]:row[R_AUX] + 8]]
    shape = f"{geo[M_M]}x{geo[M_K]} @ {geo[M_K]}x{geo[M_N]}"
    if geo[M_BATCH] != 1:
        shape = f"{geo[M_BATCH]} x ({shape}), strides {geo[M_STRIDE_A]}, {geo[M_STRIDE_B]}"
    stored = [name for name, flag in (("a", M_TRANS_A), ("b", M_TRANS_B)) if geo[flag]]
    if stored:
        shape += f", {' and '.join(stored)} stored transposed"
    return f"matmul {_operands(row)} ({shape})"


def _call(ints, row):
    geometry = ", ".join(str(int(v)) for v in ints[row[R_AUX]:row[R_AUX] + row[R_NAUX]])
    return f"{_ARRAY_NAMES.get(row[R_SUB], '?')} {_operands(row)} (geometry {geometry})"


_INSTRUCTIONS = {K_ELEM: _elementwise, K_GATHER: _gather, K_SCATTER: _scatter,
                 K_REDUCE: _reduce, K_MATMUL: _matmul, K_CALL: _call}


def instruction(ints, row):
    """One instruction row (a list of ints) as a line of text.

    A scatter that adds to the rows before it shows ``+=``.
    """
    target = slots(row[R_OUT], row[R_N])
    add = row[R_KIND] == K_SCATTER and row[R_FLAGS]
    show = _INSTRUCTIONS.get(row[R_KIND])
    text = show(ints, row) if show else f"unknown instruction kind {row[R_KIND]}"
    return f"{target} {'+=' if add else '='} {text}"


def _constants(program):
    """The constant region on one line (lowering packs the graph's constants in it)."""
    start, count = int(program.ints[H_CONSTS]), int(program.ints[H_N_CONSTS])
    if count == 0:
        return []
    values = [repr(float(v)) for v in program.consts]
    return [f"  {slots(start, count)} = {values[0] if count == 1 else _listed(values)}"]


def disassemble(program):
    """The text of ``program``: inputs, constants, instructions, outputs."""
    ints = program.ints
    names = program.input_names or tuple(f"x{i}" for i in range(len(program.input_shapes)))
    count = program.n_instructions
    lines = [f"program: {count} instruction{'' if count == 1 else 's'}, {program.n_slots} slots",
             "inputs:"]
    pos = 0
    for name, shape in zip(names, program.input_shapes):
        size = int(np.prod(shape, dtype=int))
        lines.append(f"  {name}: {tuple(shape)} at {slots(pos, size)}")
        pos += size
    constants = _constants(program)
    if constants:
        lines += ["constants:"] + constants
    lines.append("instructions:")
    lines += [f"  {instruction(ints, [int(v) for v in row])}" for row in program.rows()]
    lines.append("outputs:")
    for shape, out in zip(program.output_shapes, program.outputs()):
        lines.append(f"  {tuple(shape)} at {slots(int(out[O_SLOT]), int(out[O_SIZE]))}")
    return "\n".join(lines)
