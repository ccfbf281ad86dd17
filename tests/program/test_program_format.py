"""The program format (diffkit.program.format) and its text (print(program)).

Every expected text below was written by hand from the lowering rules: the
inputs take the first slots in order, the constants the next ones, then
each instruction's result; an operand of the result's size is read in place.
"""

import numpy as np
import pytest

import diffkit
from diffkit import kernels, ops
from diffkit.errors import ArgumentError, ShapeError
from diffkit.kernels import build
from diffkit.program import format as fmt
from diffkit.program.adjoint import adjoint_graph
from diffkit.program.disassemble import instruction
from diffkit.program.lower import lower
from diffkit.program.packing import Packing


def _text(fn, *args):
    return str(lower(diffkit.trace(fn, *args)))


def test_a_scalar_program_prints_inputs_constants_instructions_and_outputs():
    assert str(lower(diffkit.parse("x * y + 1"))) == "\n".join([
        "program: 2 instructions, 5 slots",
        "inputs:",
        "  x: () at s0",
        "  y: () at s1",
        "constants:",
        "  s2 = 1.0",
        "instructions:",
        "  s3 = mul s0 s1",
        "  s4 = add s3 s2",
        "outputs:",
        "  () at s4",
    ])


def test_array_operands_print_as_slot_ranges():
    assert _text(lambda x: np.sum(np.sin(x)), np.ones(3)) == "\n".join([
        "program: 2 instructions, 7 slots",
        "inputs:",
        "  x: (3,) at s0[0:3]",
        "instructions:",
        "  s3[0:3] = sin s0[0:3]",
        "  s6 = sum s3[0:3]",
        "outputs:",
        "  () at s6",
    ])


def test_a_broadcast_scalar_is_a_fill_and_a_reversal_a_gather():
    lines = _text(lambda x, c: x[::-1] * c, np.ones(3), 2.0).splitlines()
    # inputs s0[0:3] and s3; the reversal reads slots 2, 1, 0; c is filled to three slots
    assert lines[5:8] == ["  s4[0:3] = gather [s2, s1, s0]",
                          "  s7[0:3] = fill s3",
                          "  s10[0:3] = mul s4[0:3] s7[0:3]"]


def test_a_long_index_map_is_elided_with_its_length():
    lines = _text(lambda x: x[::-1], np.ones(20)).splitlines()
    assert lines[4] == ("  s20[0:20] = gather [s19, s18, s17, s16, s15, s14, s13, ..., s0] "
                        "(20 entries)")


def test_reductions_show_how_they_group():
    A = np.ones((2, 3))
    # rows of A are consecutive runs of 3; columns are every third entry
    assert _text(lambda A: np.max(A, axis=1), A).splitlines()[4] == \
        "  s6[0:2] = max s0[0:6] by runs of 3"
    assert _text(lambda A: np.sum(A, axis=0), A).splitlines()[4] == \
        "  s6[0:3] = sum s0[0:6] by [0, 1, 2, 0, 1, 2]"


def test_a_matrix_product_shows_its_geometry():
    assert _text(lambda A, x: A @ x, np.ones((2, 3)), np.ones(3)).splitlines()[5] == \
        "  s9[0:2] = matmul s0[0:6] s6[0:3] (2x3 @ 3x1)"


def test_an_array_op_shows_its_geometry():
    # cumsum along the rows of a 2x3 array: 2 outer blocks, runs of 3, inner stride 1, forward
    assert _text(lambda A: np.cumsum(A, axis=1), np.ones((2, 3))).splitlines()[4] == \
        "  s6[0:6] = cumsum s0[0:6] (geometry 2, 3, 1, 0)"


def test_array_op_codes_follow_the_op_records():
    records = [op for op in ops.all_ops() if op.kind == "array"]
    assert list(fmt.ARRAY_CODES) == [op.name for op in records]
    assert fmt.ARRAY_KERNELS == tuple(op.array_kernel for op in records)
    assert fmt.ARRAY_ARITY == tuple(op.arity for op in records)


def _row(**fields):
    row = [0] * fmt.WIDTH
    for name, value in fields.items():
        row[getattr(fmt, name)] = value
    return row


def test_scatters_show_where_they_write_and_whether_they_add():
    # a map: entries 0 and 1 of s2[0:2] go to positions 1 and 3 of s10[0:4], added
    row = _row(R_KIND=fmt.K_SCATTER, R_OUT=10, R_N=4, R_A=2, R_NA=2, R_ARITY=1,
               R_AUX=0, R_NAUX=2, R_FLAGS=1)
    assert instruction(np.array([1, 3]), row) == "s10[0:4] += scatter s2[0:2] to [1, 3]"
    # a contiguous run: only its start is stored
    row = _row(R_KIND=fmt.K_SCATTER, R_OUT=10, R_N=4, R_A=2, R_NA=2, R_ARITY=1,
               R_AUX=0, R_NAUX=1)
    assert instruction(np.array([1]), row) == "s10[0:4] = scatter s2[0:2] to [1:3]"


def test_a_batched_transposed_matmul_shows_batch_strides_and_storage():
    geometry = [0] * fmt.GEOMETRY
    for name, value in dict(M_BATCH=4, M_M=2, M_K=3, M_N=5, M_STRIDE_A=6, M_STRIDE_B=15,
                            M_TRANS_A=1).items():
        geometry[getattr(fmt, name)] = value
    row = _row(R_KIND=fmt.K_MATMUL, R_OUT=0, R_N=40, R_A=40, R_NA=24, R_B=64, R_NB=60,
               R_ARITY=2, R_AUX=0)
    assert instruction(np.array(geometry), row) == (
        "s0[0:40] = matmul s40[0:24] s64[0:60] (4 x (2x3 @ 3x5), strides 6, 15, "
        "a stored transposed)")


def test_the_named_fields_address_the_lowered_program():
    program = lower(diffkit.parse("sin(x) * y"))
    ints = program.ints
    assert program.n_inputs == ints[fmt.H_N_INPUTS] == 2
    assert ints[fmt.H_N_SLOTS] == program.n_slots == 4  # x, y, sin x, the product
    sin, mul = program.rows()
    assert sin[fmt.R_SUB] == fmt.ELEMENTWISE_CODES["sin"] and sin[fmt.R_ARITY] == 1
    assert (mul[fmt.R_A], mul[fmt.R_B], mul[fmt.R_OUT]) == (2, 1, 3)  # sin(x) * y -> s3
    assert program.outputs().tolist() == [[3, 1]]


def test_elementwise_codes_follow_the_op_records():
    records = [op for op in ops.all_ops() if op.kind in ("elementwise", "comparison")]
    assert list(fmt.ELEMENTWISE_CODES) == [op.name for op in records]
    assert fmt.ELEMENTWISE_ARITY == tuple(op.arity for op in records)


def test_the_kernel_cache_key_follows_the_compiled_text():
    text = build.source()
    assert build.cache_key(text).hexdigest() == build.cache_key(text).hexdigest()
    # a format number pasted into the source changes the text, hence the key
    width = f"WIDTH = {fmt.WIDTH!r}"
    assert width in text
    changed = text.replace(width, f"WIDTH = {fmt.WIDTH + 1!r}")
    assert build.cache_key(changed).hexdigest() != build.cache_key(text).hexdigest()


def test_the_io_array_holds_the_inputs_then_the_outputs():
    program = lower(diffkit.parse("x * y + 1"))
    io = program.io([2.0, 3.0])
    assert io.shape == (program.io_size,) == (3,) and io[:2].tolist() == [2.0, 3.0]
    kernels.values_runner(program, kernels.load(program))(io)
    assert io.tolist() == [2.0, 3.0, 7.0]  # the inputs untouched, 2 * 3 + 1 after them


def test_checked_inputs_refuse_what_the_kernels_cannot_take():
    program = lower(diffkit.parse("x * y"))
    assert program.checked([1, 2]).dtype == np.float64
    with pytest.raises(ArgumentError, match="real numbers"):
        program.checked(np.array([1.0, 2.0]) + 1j)
    with pytest.raises(ShapeError, match="1-d vector of 2 values"):
        program.checked(np.ones(3))
    with pytest.raises(ShapeError, match=r"\(K, 2\)"):
        program.checked(np.ones(2), np.ones((1, 3)))


def test_packing_fills_the_io_array_of_a_program_with_more_inputs():
    # a reverse-mode Jacobian program takes the arguments, then one seed per output entry
    graph = diffkit.trace(lambda A, x: A @ x, np.ones((2, 2)), np.ones(2))
    program = lower(adjoint_graph(graph, (1,), seed_inputs=True))
    packing = Packing(graph, (1,))
    io = packing.io((np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([5.0, 6.0])), program)
    assert io.size == program.io_size == 4 + 2 + 2 + (2 + 2)  # A, x, seeds; A x, x-bar
    assert io[:6].tolist() == [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]
    assert packing.wrt_columns.tolist() == [4, 5]
