"""Lowering: a Graph becomes a flat Program the kernels execute.

Every node gets a slot in one float64 workspace: the inputs first (packed in
order, so a call copies one vector in), then the constants, then the
intermediates.  Each operation becomes one row of an int64 instruction
table; index maps (gathers, reduction segments, matmul geometry) go in an
auxiliary int64 area of the same array.

Structural ops (reshape, transpose, indexing, concatenate, roll, ...) need
no kernel of their own: applying their NumPy implementation to arrays of
slot positions gives the gather that realizes them, and a gather that reads
a contiguous run becomes an alias of that run, costing nothing.
"""
from array import array

import numpy as np

from .. import ops
from ..ops.core import elementwise_flops
from ..graph.graph import bulk
from .format import (ARRAY_CODES, ELEMENTWISE_CODES, GEOMETRY, H_CONSTS, H_N_CONSTS, H_N_INPUTS, H_N_OUTPUTS,
                     H_N_ROWS, H_N_SLOTS, H_OUTPUTS, H_ROWS, HEADER, K_CALL, K_ELEM, K_GATHER,
                     K_MATMUL,
                     K_REDUCE, K_SCATTER, M_BATCH, M_K, M_M, M_N, M_STRIDE_A, M_STRIDE_B,
                     M_TRANS_A, M_TRANS_B, R_A, R_ARITY, R_AUX, R_FLAGS, R_KIND, R_N, R_NA,
                     R_NAUX, R_OUT, R_RUN, R_SUB, REDUCTION_CODES, WIDTH, Program)


class _Lowering:
    def __init__(self, graph):
        self.graph = graph
        self.slot = {}
        self.size = {}
        self.n_slots = 0
        self.rows = array("q")  # the rows one after another: 8 bytes a field, no int objects
        self.aux = []
        self.aux_len = 0
        self.op_counts = {}
        self.flops = 0
        self.tangent_flops = 0
        self.broadcasts = {}
        self._positions = {}
        self.geometries = {}
        self.fused = self.fusible_transposes()

    def fusible_transposes(self):
        """Transposes of the last two axes whose every user is a matmul or dot.

        Their products read the untransposed values with a flag, so the
        transpose moves no data: the adjoint of ``x @ W`` needs ``W.T``.
        """
        g, node = self.graph, self.graph.node
        candidates = set()
        for n in g.order:
            a = node(n)
            nd = len(a["shape"])
            if a["op"] == "transpose" and nd >= 2 and n not in g.outputs and \
                    a["params"]["axes"] == tuple(range(nd - 2)) + (nd - 1, nd - 2):
                candidates.add(n)
        if not candidates:
            return candidates
        used, refused = set(), set()
        for u in g.order:  # one walk over the users of the candidates only
            a = node(u)
            for m in a["args"]:
                if m in candidates:
                    used.add(m)
                    if a["op"] not in ("matmul", "dot") or len(a["shape"]) < 2 or any(
                            len(node(k)["shape"]) < 2 for k in a["args"]):
                        refused.add(m)
        return used - refused

    def alloc(self, n, size):
        self.slot[n] = self.n_slots
        self.size[n] = size
        self.n_slots += size

    def temp(self, size):
        off = self.n_slots
        self.n_slots += size
        return off

    def add_aux(self, values):
        values = np.asarray(values, dtype=np.int64).ravel()
        start = self.aux_len
        self.aux.append(values)
        self.aux_len += values.size
        return start, values.size

    def row(self, kind, sub, out, n, operands=(), aux=(0, 0), flags=0):
        r = [0] * WIDTH
        r[R_KIND], r[R_SUB], r[R_OUT], r[R_N] = kind, sub, out, n
        r[R_AUX], r[R_NAUX], r[R_ARITY], r[R_FLAGS] = aux[0], aux[1], len(operands), flags
        for i, (off, size) in enumerate(operands):
            r[R_A + 2 * i], r[R_NA + 2 * i] = off, size
        self.rows.extend(r)

    def positions(self, m):
        """Workspace positions of node m's entries, in its shape (read-only, made once).

        Made once per node: a loop over the rows of one big array indexes it
        thousands of times, and a fresh array each time made lowering
        quadratic in the loop's length.
        """
        pos = self._positions.get(m)
        if pos is None:
            pos = np.arange(self.slot[m], self.slot[m] + self.size[m]).reshape(
                self.graph.node(m)["shape"])
            pos.setflags(write=False)
            self._positions[m] = pos
        return pos

    # -- one method per kind of op -------------------------------------------
    def full_size(self, m, shape, size):
        """Offset of node m's values at the full ``shape`` (of ``size`` entries):
        itself, or a broadcast copy.

        The kernels' array loops read every operand at the result's size, so
        broadcasts (a scalar times an array included) are materialized, once
        per operand and shape.
        """
        if self.size[m] == size:  # same entries in the same order
            return self.slot[m]
        # two views of one run (x[:, None] and x[None, :]) broadcast differently: the
        # copy depends on the operand's shape as well as on where its values are
        key = (self.slot[m], tuple(self.graph.node(m)["shape"]), tuple(shape))
        if key not in self.broadcasts:
            off = self.temp(size)
            if self.size[m] == 1:  # a scalar: fill, no index map
                self.row(K_GATHER, 0, off, size, aux=self.add_aux([self.slot[m]]), flags=1)
            else:
                pos = np.broadcast_to(self.positions(m), shape)
                self.row(K_GATHER, 0, off, size, aux=self.add_aux(pos))
            self.broadcasts[key] = off
        return self.broadcasts[key]

    def elementwise(self, n, a, args):
        shape = a["shape"]
        size = ops.size(shape)
        name = a["op"]
        if name == "pow" and self.is_const(args[1], 2.0):
            name, args = "square", args[:1]  # x ** 2 == x * x exactly; libm pow is slow
        operands = [(self.full_size(m, shape, size), size) for m in args]
        self.alloc(n, size)
        no_derivative = int(ops.get(name).kind == "comparison")
        self.row(K_ELEM, ELEMENTWISE_CODES[name], self.slot[n], size, operands,
                 flags=no_derivative)

    def is_const(self, m, value):
        a = self.graph.node(m)
        return a["op"] == "const" and a["shape"] == () and float(a["value"]) == value

    def structural(self, n, a, args):
        size = ops.size(a["shape"])
        op = ops.get(a["op"])
        if n in self.fused:  # read by its matrix products as a transposed view
            self.slot[n], self.size[n] = self.slot[args[0]], size
            return
        if a["op"] == "getitem_t":
            # one scatter row per piece: the first fills zeros, the rest add
            self.alloc(n, size)
            where = np.arange(size).reshape(a["shape"])
            for k, (m, index) in enumerate(zip(args, a["params"]["indices"])):
                rel = np.broadcast_to(where[ops.numpy_index(index)],
                                      self.graph.node(m)["shape"]).ravel()
                if rel.size > 1 and np.array_equal(rel, np.arange(rel[0], rel[0] + rel.size)):
                    rel = rel[:1]  # a contiguous run: the kernel needs only its start
                self.row(K_SCATTER, 0, self.slot[n], size, [(self.slot[m], self.size[m])],
                         self.add_aux(rel), flags=int(k > 0))
            return
        idx = np.asarray(op.impl(*(self.positions(m) for m in args), **a["params"])).ravel()
        # a run the kernels can read in place: an alias, no data moves; but not a run from
        # the constants into computed values, which the tangent sweep (it tests where an
        # operand starts) would take for a constant
        if size and np.array_equal(idx, np.arange(idx[0], idx[0] + size)) and not (
                self.consts_start <= idx[0] < self.consts_end < idx[0] + size):
            self.slot[n], self.size[n] = int(idx[0]), size
            return
        self.alloc(n, size)
        if size > 1 and np.all(idx == idx[0]):  # one value everywhere: fill
            self.row(K_GATHER, 0, self.slot[n], size, aux=self.add_aux(idx[:1]), flags=1)
        else:
            self.row(K_GATHER, 0, self.slot[n], size, aux=self.add_aux(idx))

    def reduction(self, n, a, args):
        (m,) = args
        size = ops.size(a["shape"])
        in_shape = self.graph.node(m)["shape"]
        self.alloc(n, size)
        aux, run = (0, 0), self.size[m] // max(size, 1)
        if size != 1:
            keep = tuple(1 if i in a["params"]["axis"] else s for i, s in enumerate(in_shape))
            seg = np.broadcast_to(np.arange(size).reshape(keep), in_shape).ravel()
            aux = self.add_aux(seg)  # the tangent sweep maps entries to groups with it
            if not np.array_equal(seg, np.repeat(np.arange(size), run)):
                run = 0  # groups are not consecutive runs: the kernel follows the map
        self.row(K_REDUCE, REDUCTION_CODES[a["op"]], self.slot[n], size,
                 [(self.slot[m], self.size[m])], aux)
        self.rows[len(self.rows) - WIDTH + R_RUN] = run  # in the unused second operand's field

    def linalg(self, n, a, args):
        ma, mb = args
        sa, sb = self.graph.node(ma)["shape"], self.graph.node(mb)["shape"]
        trans_a, trans_b = int(ma in self.fused), int(mb in self.fused)
        if a["op"] == "outer":
            sa, sb = (ops.size(sa), 1), (1, ops.size(sb))
        elif a["op"] == "inner" and len(sb) == 2:
            sb, trans_b = (sb[1], sb[0]), 1
        a2 = sa if len(sa) >= 2 else (1,) + tuple(sa)
        b2 = sb if len(sb) >= 2 else tuple(sb) + (1,)
        batch = ops.broadcast_shapes(a2[:-2], b2[:-2])
        operands, strides, trans = [], [], [trans_a, trans_b]
        for q, (m, s2) in enumerate(((ma, a2), (mb, b2))):
            off, size = self.slot[m], self.size[m]
            if ops.size(s2[:-2]) == 1:
                strides.append(0)
            elif tuple(s2[:-2]) == tuple(batch):
                strides.append(s2[-2] * s2[-1])
            else:  # batch dimensions partly broadcast: a copy at the full batch, once
                off, size = self.batch_copy(m, tuple(batch) + tuple(s2[-2:]))
                strides.append(s2[-2] * s2[-1])
                trans[q] = 0
            operands.append((off, size))
        self.alloc(n, ops.size(a["shape"]))
        geometry = [0] * GEOMETRY
        geometry[M_BATCH], geometry[M_M], geometry[M_K], geometry[M_N] = (
            ops.size(batch), a2[-2], a2[-1], b2[-1])
        geometry[M_STRIDE_A], geometry[M_STRIDE_B] = strides
        geometry[M_TRANS_A], geometry[M_TRANS_B] = trans
        aux = self.geometries.get(tuple(geometry))
        if aux is None:  # products of one shape share their geometry
            aux = self.geometries[tuple(geometry)] = self.add_aux(geometry)
        self.row(K_MATMUL, 0, self.slot[n], self.size[n], operands, aux)

    def batch_copy(self, m, shape):
        """Offset and size of a copy of matmul operand m broadcast to ``shape``.

        A transpose fused into its products (see :meth:`fusible_transposes`)
        shares its operand's slots untransposed: the copy reads them
        transposed and is stored as is.
        """
        if m in self.fused:
            pos = np.swapaxes(self.positions(self.graph.node(m)["args"][0]), -1, -2)
        else:
            pos = self.positions(m)
        size = ops.size(shape)
        off = self.temp(size)
        self.row(K_GATHER, 0, off, size, aux=self.add_aux(np.broadcast_to(pos, shape)))
        return off, size

    def array(self, n, a, args):
        """A call row: the op's own loop (a scan, a sort...) with its geometry in aux.

        Unused operand fields repeat the last operand, so every field the
        kernels read names a real range.
        """
        op = ops.get(a["op"])
        shapes = [self.graph.node(m)["shape"] for m in args]
        geometry = op.array_kernel.geometry(a["shape"], *shapes, **a["params"])
        self.alloc(n, ops.size(a["shape"]))
        operands = [(self.slot[m], self.size[m]) for m in args]
        self.row(K_CALL, ARRAY_CODES[a["op"]], self.slot[n], self.size[n], operands,
                 self.add_aux(geometry), flags=int(not op.differentiable))
        last = len(self.rows) - WIDTH
        for q in range(len(operands), 3):
            self.rows[last + R_A + 2 * q] = operands[-1][0]
            self.rows[last + R_NA + 2 * q] = operands[-1][1]

    def run(self):
        g = self.graph
        for n in g.inputs:
            self.alloc(n, ops.size(g.node(n)["shape"]))
        n_in = self.n_slots
        consts = []
        for n in g.order:
            a = g.node(n)
            if a["op"] == "const":
                self.alloc(n, ops.size(a["shape"]))
                consts.append(np.asarray(a["value"], dtype=float).ravel())
        self.consts_start, self.consts_end = n_in, self.n_slots
        node, counts = g.node, self.op_counts
        lowerers = {kind: getattr(self, kind) for kind in ops.KINDS if kind != "comparison"}
        lowerers["comparison"] = self.elementwise
        plain = _plain_elementwise()
        slot, sizes, rows = self.slot, self.size, self.rows
        for n in g.order:
            a = node(n)
            name = a["op"]
            if name == "input" or name == "const":
                continue
            args = a["args"]
            counts[name] = counts.get(name, 0) + 1
            operands = [node(m) for m in args]
            fast = plain.get(name)
            if fast is not None:
                # an elementwise op whose operands all have its size, most nodes of
                # scalar programs: the row written here, the same as elementwise() writes
                size = sizes[args[0]]
                for m in args:
                    if sizes[m] != size:
                        break
                else:
                    if size == _shape_size(a["shape"]) and not (
                            name == "pow" and self.is_const(args[1], 2.0)):
                        code, no_derivative = fast
                        row = [K_ELEM, code, self.n_slots, size, 0, 0, 0, 0, 0, 0, 0, 0,
                               len(args), no_derivative]
                        for q, m in enumerate(args):
                            row[R_A + 2 * q], row[R_NA + 2 * q] = slot[m], size
                        slot[n], sizes[n] = self.n_slots, size
                        self.n_slots += size
                        rows.extend(row)
                        self.flops += size
                        if not no_derivative:
                            for o in operands:
                                if o["op"] != "const":
                                    self.tangent_flops += size
                        continue
            op = ops.get(name)
            lowerers[op.kind](n, a, args)
            if op.flops is elementwise_flops:  # one per entry, as just allocated
                flops = self.size[n]
            else:
                flops = op.flops(a["shape"], *[o["shape"] for o in operands], **a["params"])
            self.flops += flops
            if op.kind != "comparison":
                varying = 0
                for o in operands:
                    varying += o["op"] != "const"
                self.tangent_flops += flops * varying
        return self.assemble(n_in, consts)

    def assemble(self, n_in, consts):
        g = self.graph
        outs = np.array([[self.slot[n], self.size[n]] for n in g.outputs], dtype=np.int64)
        rows = np.frombuffer(self.rows, dtype=np.int64).reshape(-1, WIDTH).copy()
        n_const = int(sum(c.size for c in consts))
        out_off = HEADER
        instr_off = out_off + outs.size
        aux_off = instr_off + rows.size
        rows[:, R_AUX] += aux_off  # aux pointers become absolute positions in ints
        header = [0] * HEADER
        header[H_N_SLOTS], header[H_N_INPUTS] = self.n_slots, n_in
        header[H_CONSTS], header[H_N_CONSTS] = n_in, n_const  # constants follow the inputs
        header[H_N_OUTPUTS], header[H_OUTPUTS] = len(g.outputs), out_off
        header[H_N_ROWS], header[H_ROWS] = len(rows), instr_off
        ints = np.concatenate([np.array(header, dtype=np.int64), outs.ravel(), rows.ravel(),
                               *self.aux]).astype(np.int64)
        const_arr = np.concatenate(consts) if consts else np.zeros(0)
        return Program(ints=ints, consts=const_arr, input_shapes=g.input_shapes,
                       output_shapes=g.output_shapes, n_slots=self.n_slots,
                       op_counts=self.op_counts, flops=self.flops,
                       tangent_flops=self.tangent_flops, input_names=tuple(g.input_names))


def _plain_elementwise():
    """Elementwise and comparison op name -> (its code, 1 if it has no derivative)."""
    return {name: (code, int(ops.get(name).kind == "comparison"))
            for name, code in ELEMENTWISE_CODES.items()}


_SHAPE_SIZES = {}


def _shape_size(shape):
    """ops.size, remembered per shape: scalar programs ask for () thousands of times."""
    size = _SHAPE_SIZES.get(shape)
    if size is None:
        size = _SHAPE_SIZES[shape] = ops.size(shape)
    return size


@bulk
def lower(graph):
    """Lower ``graph`` into a :class:`Program`.

    Examples
    --------
    >>> import numpy as np, diffkit
    >>> from diffkit.program.lower import lower
    >>> p = lower(diffkit.trace(lambda x: np.sum(x[1:] * x[:-1]), np.ones(4)))
    >>> p.n_instructions  # the slices are aliases; a product and a sum remain
    2
    """
    return _Lowering(graph).run()
