"""The program format: one int64 array and one float64 array that the kernels run.

A :class:`Program` is what lowering produces and the kernels execute.  Its
``ints`` array holds, in order:

* a header of :data:`HEADER` values, named ``H_*`` (the workspace size, where
  the inputs and constants sit in it, where the tables below start);
* the output table: :data:`OUTPUT_WIDTH` values per output, its slot
  (``O_SLOT``) and size (``O_SIZE``) in the workspace;
* the instruction rows, :data:`WIDTH` values each, named ``R_*``;
* the index maps the rows point at (gathers, scatters, reduction segments)
  and the matmul geometry (named ``M_*``).

Every value a program computes lives in one float64 workspace of
``ints[H_N_SLOTS]`` slots: the inputs first, then the constants, then the
intermediates.

Row fields: ``kind`` (one of ``K_*``), ``sub`` (the elementwise op,
reduction or array op code), the result's slot ``out`` and size ``n``, up to three
operands as (slot, size) pairs ``a, na, b, nb, c, nc``, an index map
``aux, naux`` (an absolute position in ``ints`` and a length), ``arity`` (the
number of operand pairs in use) and ``flags``.  An elementwise row reads
every operand at size ``n``, or works on one element.  A reduction keeps
in its ``b`` field (``R_RUN``) the length of its groups when they are
consecutive runs (0 when they follow the map at ``aux``).  A ``call`` row
runs the compiled loop of an array op (a scan, a sort...; see
:class:`diffkit.ops.ArrayKernel`) with the geometry at ``aux``.  ``flags`` is 1 on
a comparison (no derivative), on a gather that fills one value (its map is
a single position), on a scatter that adds to the rows before it and on a
call row whose op has no derivative.

The kernels are compiled from source in which these names are replaced by
their values (:mod:`diffkit.kernels.build`), so a name costs nothing at run
time; the disk cache of the compiled kernels is keyed on this module's text
as well.  Of the rest of diffkit, the kernels import only this module and
the errors.

A program runs on an io array: the packed inputs, then room for the packed
outputs (:meth:`Program.io`).

Examples
--------
>>> import diffkit
>>> from diffkit.program.lower import lower
>>> program = lower(diffkit.parse("sin(x) * y"))
>>> int(program.ints[H_N_INPUTS]), program.n_instructions
(2, 2)
>>> [int(v) for v in program.rows()[:, R_KIND]] == [K_ELEM, K_ELEM]
True
"""
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from .. import ops
from ..errors import ShapeError
from ..graph.evaluate import real_array

#: Header fields.
(H_N_SLOTS, H_N_INPUTS, H_CONSTS, H_N_CONSTS, H_N_OUTPUTS, H_OUTPUTS, H_N_ROWS,
 H_ROWS) = range(8)
HEADER = 8

#: Output table fields, per output.
O_SLOT, O_SIZE = range(2)
OUTPUT_WIDTH = 2

#: Instruction row fields.
(R_KIND, R_SUB, R_OUT, R_N, R_A, R_NA, R_B, R_NB, R_C, R_NC, R_AUX, R_NAUX, R_ARITY,
 R_FLAGS) = range(14)
WIDTH = 14
#: A reduction's run length of consecutive groups, kept in its second operand's slot field.
R_RUN = R_B

#: Matmul geometry at a row's ``aux``: batch size, the (m, k) @ (k, n) product,
#: the strides between batch entries of a and b, and whether b, a are stored transposed.
M_BATCH, M_M, M_K, M_N, M_STRIDE_A, M_STRIDE_B, M_TRANS_B, M_TRANS_A = range(8)
GEOMETRY = 8

#: Instruction kinds.
K_ELEM, K_GATHER, K_SCATTER, K_REDUCE, K_MATMUL, K_CALL = range(6)
KIND_NAMES = ("elementwise", "gather", "scatter", "reduce", "matmul", "call")

#: Elementwise and comparison op name -> its code in the generated dispatch, in
#: the op records' registration order.
ELEMENTWISE_CODES = {op.name: i for i, op in enumerate(
    op for op in ops.all_ops() if op.kind in ("elementwise", "comparison"))}
#: Operand count of each elementwise code.
ELEMENTWISE_ARITY = tuple(ops.get(name).arity for name in ELEMENTWISE_CODES)

#: Reduction op name -> code understood by the reduce kernels, in the records' order
#: (each record names its kernel variant, see diffkit.program.scalar.reduction_variant).
REDUCTION_CODES = {op.name: i for i, op in enumerate(
    op for op in ops.all_ops() if op.kind == "reduction")}

#: Ops with a compiled loop of their own (kind "array") -> the code of their ``call``
#: rows, in the records' order; ARRAY_KERNELS, ARRAY_ARITY by code.
ARRAY_CODES = {op.name: i for i, op in enumerate(
    op for op in ops.all_ops() if op.kind == "array")}
ARRAY_KERNELS = tuple(ops.get(name).array_kernel for name in ARRAY_CODES)
ARRAY_ARITY = tuple(ops.get(name).arity for name in ARRAY_CODES)

# The op records' kernel forms, from which the kernels are generated: the
# kernels read them here, with the rest of the format.
from .scalar import COMBINE, FINISH, reduction_variant, scalar_form  # noqa: E402,F401


@dataclass
class Program:
    """A lowered graph: what the kernels need, plus what cost records report.

    Attributes
    ----------
    ints : ndarray of int64
        Header, output table, instruction rows and index maps, in one array.
    consts : ndarray of float64
        The constants, copied into the workspace at every run.
    input_shapes, output_shapes : tuple of tuples
    n_slots : int
        Size of the workspace in float64 values.
    op_counts : dict
        Instructions per op name (aliases excluded).
    flops : int
        Floating-point operations of one run, from the op table.
    tangent_flops : int
        Flops of one tangent direction: each op once per non-constant operand.
    input_names : tuple of str
        The graph's input names, for :meth:`__str__`.

    ``print(program)`` shows it as text (:mod:`diffkit.program.disassemble`).
    """

    ints: np.ndarray
    consts: np.ndarray
    input_shapes: tuple
    output_shapes: tuple
    n_slots: int
    op_counts: dict = field(default_factory=dict)
    flops: int = 0
    tangent_flops: int = 0
    input_names: tuple = ()

    @property
    def n_instructions(self):
        return self.ints.item(H_N_ROWS)

    @property
    def n_inputs(self):
        """Length of the packed input vector."""
        return self.ints.item(H_N_INPUTS)

    @cached_property
    def n_outputs(self):
        """Length of the packed output vector."""
        return sum(ops.size(s) for s in self.output_shapes)

    @property
    def io_size(self):
        """Length of the kernels' io array: the packed inputs, then the packed outputs."""
        return self.n_inputs + self.n_outputs

    def io(self, x=None):
        """A fresh io array for the kernels, holding the packed inputs ``x`` if given.

        The kernels read the inputs from its first :attr:`n_inputs` entries and
        write the packed outputs after them.  Fresh per call, so concurrent calls
        never share one.  ``x`` is trusted here (see :meth:`checked`).
        """
        n_in = self.ints.item(H_N_INPUTS)  # item(): a Python int, the cheapest read
        io = np.empty(n_in + self.n_outputs)
        if x is not None:
            io[:n_in] = x
        return io

    def checked(self, x, tx=None):
        """``x`` (and a tangent block ``tx``) as float64 arrays of the shapes this program
        takes: x a vector of :attr:`n_inputs` values, tx one such row per direction.

        Raises ArgumentError for values that are not real numbers and ShapeError
        for wrong shapes, so a short or long vector never reaches a kernel.
        """
        n_in = self.n_inputs
        x = real_array("the packed inputs x", x)
        if x.shape != (n_in,):
            raise ShapeError(f"the packed inputs x have shape {x.shape}; this program takes a "
                             f"1-d vector of {n_in} values (its inputs, flattened and joined)")
        if tx is None:
            return x
        tx = np.ascontiguousarray(real_array("the tangent block tx", tx))
        if tx.ndim != 2 or tx.shape[1] != n_in:
            raise ShapeError(f"the tangent block tx has shape {tx.shape}; this program takes "
                             f"(K, {n_in}): one row of {n_in} input tangents per direction")
        return x, tx

    @property
    def workspace_bytes(self):
        """Bytes of the workspace: every value the sweeps store (the O(V) memory)."""
        return 8 * self.n_slots

    def __str__(self):
        from .disassemble import disassemble
        return disassemble(self)

    def rows(self):
        """The instruction rows as an (n_instructions, WIDTH) view of ``ints``."""
        start = int(self.ints[H_ROWS])
        return self.ints[start:start + self.n_instructions * WIDTH].reshape(-1, WIDTH)

    def outputs(self):
        """The output table as an (n_outputs, OUTPUT_WIDTH) view: slot and size of each output."""
        start = int(self.ints[H_OUTPUTS])
        n = int(self.ints[H_N_OUTPUTS])
        return self.ints[start:start + n * OUTPUT_WIDTH].reshape(-1, OUTPUT_WIDTH)
