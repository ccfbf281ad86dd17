"""Evaluating a graph at many points: what finite differences spend their budget on.

:class:`Evaluator` lowers the graph once and runs diffkit's compiled forward
evaluation (the numba ``values`` kernel) at each point, so the cost of a
finite-difference derivative is counted in the same units as automatic
differentiation: kernel runs of the same program.

:class:`ComplexEvaluator` serves the complex-step scheme.  The kernels are
float64-only, so complex-step evaluations run the op table's NumPy
implementations on complex arrays instead (slower per call; counted the same
way).  Only ops that are complex-analytic are allowed; any other op is named
in a :class:`~diffkit.errors.UnsupportedError`.
"""
import numpy as np

from .. import kernels, ops
from ..errors import UnsupportedError
from ..program.lower import lower
from ..program.packing import Packing


def complex_step_blocker(graph):
    """The first node whose op rules out complex-step differentiation, or None.

    Returns ``(op_name, description)`` for the first op (in topological order)
    whose record says a complex step cannot run through it (``Op.analytic``):
    kinked ops (abs, sign, relu, maximum, minimum, clip, comparisons, max,
    min, norm) and ops NumPy cannot apply to complex numbers (arctan2).
    """
    for n in graph.order:
        name = graph.node(n)["op"]
        if name not in ("input", "const") and not ops.get(name).analytic:
            return name, graph.describe(n)
    return None


def check_complex_step(graph):
    """Raise UnsupportedError naming the op if ``graph`` cannot take a complex step."""
    blocker = complex_step_blocker(graph)
    if blocker is not None:
        name, where = blocker
        raise UnsupportedError(
            f"scheme='complex' needs complex-analytic ops, but {name!r} is not ({where}); "
            "use scheme='central' or scheme='richardson' for this function")


class Evaluator:
    """Counted evaluations of a graph's packed outputs at packed inputs.

    Parameters
    ----------
    graph : Graph
    wrt : tuple of int
        Positions of the inputs being differentiated.
    complex_step : bool
        Evaluate on complex numbers with NumPy (see the module notes).

    Examples
    --------
    >>> import numpy as np, diffkit
    >>> from diffkit.fd.evaluation import Evaluator
    >>> ev = Evaluator(diffkit.parse("x * y + 1"), (0, 1))
    >>> ev(np.array([2.0, 3.0])), ev.count
    (array([7.]), 1)
    """

    def __init__(self, graph, wrt, complex_step=False):
        self.graph = graph
        self.packing = Packing(graph, wrt)
        self.columns = self.packing.wrt_columns
        self.count = 0
        self.complex = complex_step
        if complex_step:
            check_complex_step(graph)
            self._plan = self._complex_plan(graph)
            self.flops = graph.flops()
            self.workspace_bytes = 16 * sum(ops.size(graph.node(n)["shape"])
                                            for n in graph.order)
            self.op_counts = graph.op_counts()
        else:
            self.program = lower(graph)
            self._run = kernels.values_runner(self.program, kernels.load(self.program))
            self.flops = self.program.flops
            self.workspace_bytes = self.program.workspace_bytes
            self.op_counts = dict(self.program.op_counts)
        self.n_outputs = sum(ops.size(s) for s in graph.output_shapes)

    def __call__(self, x):
        """Packed outputs at the packed input ``x`` (one counted evaluation)."""
        self.count += 1
        if self.complex:
            return self._run_complex(x)
        io = self.program.io(x)
        self._run(io)
        return io[x.size:]

    @staticmethod
    def _complex_plan(graph):
        plan = []
        for n in graph.order:
            a = graph.node(n)
            if a["op"] in ("input", "const"):
                continue
            op = ops.get(a["op"])
            plan.append((n, op.complex_impl or op.impl, a["args"], a["params"]))
        return plan

    def _run_complex(self, x):
        g, packing = self.graph, self.packing
        x = np.asarray(x, dtype=complex)
        values = {}
        for i, n in enumerate(g.inputs):
            piece = x[packing.offsets[i]:packing.offsets[i + 1]]
            values[n] = piece.reshape(packing.shapes[i])
        for n in g.order:
            a = g.node(n)
            if a["op"] == "const":
                values[n] = a["value"]
        with np.errstate(all="ignore"):
            for n, impl, args, params in self._plan:
                values[n] = np.asarray(impl(*(values[m] for m in args), **params))
        return np.concatenate([np.ravel(values[n]).astype(complex) for n in g.outputs])
