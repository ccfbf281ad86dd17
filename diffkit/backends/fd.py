"""Finite differences: ``method="fd"``.

Every derivative is assembled from evaluations of the function itself, run
by diffkit's compiled forward evaluation (the same numba ``values`` kernel
the AD backends use), so the costs compare fairly: ``cost.evaluations`` is
the exact number of function evaluations a call made (d + 1 forward, 2d
central, 4d central4, d complex step, 2dL Richardson with L levels), and
``cost.flops`` is that many times the function's flops.

Options (keyword arguments of ``diffkit.grad(f, method="fd", ...)``):

scheme : str
    ``"central"`` (default), ``"forward"``, ``"backward"``, ``"central4"``,
    ``"complex"`` or ``"richardson"``; see :mod:`diffkit.fd.schemes`.
    Complex-step evaluations run NumPy on complex numbers, not the kernels.
step : float or array_like, optional
    Absolute step, scalar or one per differentiated coordinate.  Default:
    the scheme's rule of thumb times ``max(|x_j|, 1)``.
hessian : str, optional
    ``"second"`` (second differences) or ``"gradient"`` (differences of the
    finite-difference gradient); see :mod:`diffkit.fd.second`.
outer_step : float, optional
    Step of the outer difference for ``hessian="gradient"`` and for hvp.
levels, shrink : optional
    Richardson's number of levels and step reduction per level.

Examples
--------
>>> import numpy as np, diffkit
>>> f = lambda x: np.sum(np.sin(x))
>>> df = diffkit.grad(f, method="fd", scheme="central")
>>> x = np.array([0.1, 0.2, 0.3])
>>> bool(np.allclose(df(x), np.cos(x), rtol=1e-9)), df.cost.evaluations
(True, 6)
"""
import numpy as np

from ..cost import Cost
from ..errors import OptionError
from ..fd import second as fd2
from ..fd.evaluation import Evaluator
from ..fd.schemes import SCHEMES, evaluations, first_derivatives, steps
from .base import (Backend, Option, hessian_blocks, is_positive_int, is_positive_number,
                   jacobian_blocks, optional, register, scalar_output, single_output)


def _is_step(value):
    steps = np.asarray(value)
    return (steps.dtype.kind in "iuf" and steps.ndim <= 1 and steps.size > 0
            and bool(np.all((steps > 0) & np.isfinite(steps))))


@register("fd")
class FiniteDifferences(Backend):
    """Finite-difference derivatives counted in function evaluations."""

    OPTIONS = {
        "scheme": Option("central", lambda v: isinstance(v, str) and v in SCHEMES,
                         f"one of {', '.join(SCHEMES)}"),
        "step": Option(None, optional(_is_step), "a positive float, or one per coordinate"),
        "hessian": Option(None, optional(lambda v: isinstance(v, str)
                                         and v in ("second", "gradient")),
                          "'second', 'gradient' or None for the scheme's default"),
        "outer_step": Option(None, optional(is_positive_number), "a positive float or None"),
        "levels": Option(None, optional(is_positive_int),
                         "a positive int, Richardson's levels, or None"),
        "shrink": Option(None, optional(lambda v: is_positive_number(v) and v > 1),
                         "a float > 1, Richardson's step reduction per level, or None"),
    }

    def __init__(self, **options):
        super().__init__(**options)
        scheme, hessian = self.options["scheme"], self.options["hessian"]
        if hessian == "second" and scheme not in ("forward", "backward", "central"):
            raise OptionError(f"hessian='second' uses real second differences; scheme "
                              f"{scheme!r} takes hessian='gradient'")
        richardson_only = ("levels", "shrink")
        if scheme != "richardson" and any(options.get(k) is not None for k in richardson_only):
            raise OptionError(f"levels and shrink are options of scheme='richardson', not of "
                              f"scheme={scheme!r}")
        self.scheme = scheme
        self.ridders = {k: self.options[k] for k in ("levels", "shrink") if self.options[k]}

    # -- shared pieces --------------------------------------------------------
    def _setup(self, graph, wrt):
        ev = Evaluator(graph, wrt, complex_step=self.scheme == "complex")
        return ev, ev.packing, ev.columns

    def _grad_evals(self, k):
        return evaluations(self.scheme, k, self.ridders.get("levels"))

    def _attach(self, fn, ev, graph, count, extra_bytes=0):
        """Give ``fn`` its cost record: ``count`` evaluations per call, known in advance.

        ``fn.evaluator.count`` holds the evaluations the last call really made
        (the tests check that the two agree).
        """
        n, m = ev.packing.n, ev.n_outputs

        def counted(*args):
            ev.count = 0
            with np.errstate(all="ignore"):  # overflow and 0/0 show in the result instead
                return fn(*args)

        counted.cost = Cost(method="fd", flops=count * ev.flops, function_flops=graph.flops(),
                            evaluations=count, tangents=0,
                            stored_bytes=ev.workspace_bytes + 8 * (n + m) + extra_bytes,
                            ops={k: v * count for k, v in ev.op_counts.items()})
        counted.evaluator = ev
        return counted

    def _derivatives(self, ev, x, columns):
        h = steps(x, columns, self.scheme, self.options["step"])
        return first_derivatives(ev, x, columns, self.scheme, h, **self.ridders)

    # -- requests -------------------------------------------------------------
    def compile_value_and_grad(self, graph, wrt):
        scalar_output(graph, "a gradient")
        ev, packing, columns = self._setup(graph, wrt)

        def value_and_grad(*args):
            x = packing.pack(args)
            D, f0, _ = self._derivatives(ev, x, columns)
            if f0 is None:
                f0 = ev(x)
            return np.float64(np.real(f0[0])), packing.split(D[:, 0], wrt)

        k = len(columns)
        extra = int(self.scheme in ("central", "central4", "richardson") or k == 0)
        return self._attach(value_and_grad, ev, graph, self._grad_evals(k) + extra, 8 * k)

    def compile_grad(self, graph, wrt):
        scalar_output(graph, "a gradient")
        ev, packing, columns = self._setup(graph, wrt)

        def grad(*args):
            return packing.split(self._derivatives(ev, packing.pack(args), columns)[0][:, 0],
                                 wrt)

        k = len(columns)
        return self._attach(grad, ev, graph, self._grad_evals(k), 8 * k)

    def compile_jacobian(self, graph, wrt):
        single_output(graph)
        ev, packing, columns = self._setup(graph, wrt)
        out_shape = graph.output_shapes[0]

        def jacobian(*args):
            D = self._derivatives(ev, packing.pack(args), columns)[0]
            return jacobian_blocks(np.ascontiguousarray(D.T), packing, wrt, out_shape)

        k = len(columns)
        return self._attach(jacobian, ev, graph, self._grad_evals(k), 8 * k * ev.n_outputs)

    def _gradient_function(self, ev, columns):
        return fd2.gradient_function(ev, columns, self.scheme, self.options["step"],
                                     **self.ridders)

    def compile_hessian(self, graph, wrt):
        scalar_output(graph, "a Hessian")
        ev, packing, columns = self._setup(graph, wrt)
        mode = self.options["hessian"] or fd2.default_mode(self.scheme)
        g = self._gradient_function(ev, columns)
        outer = self.options["outer_step"]

        def hessian(*args):
            x = packing.pack(args)
            if mode == "second":
                h = steps(x, columns, self.scheme, self.options["step"],
                          base=fd2.SECOND_BASE[self.scheme])
                H = fd2.second_differences(ev, x, columns, self.scheme, h)
            else:
                h = steps(x, columns, "central", outer, base=fd2.outer_base(self.scheme))
                H = fd2.gradient_differences(g, x, columns, h)
            return hessian_blocks(H, packing, wrt)

        k = len(columns)
        count = fd2.hessian_evaluations(self.scheme, mode, k, self._grad_evals(k))
        return self._attach(hessian, ev, graph, count, 8 * k * k)

    def compile_hvp(self, graph, wrt):
        scalar_output(graph, "a Hessian-vector product")
        ev, packing, columns = self._setup(graph, wrt)
        g = self._gradient_function(ev, columns)

        def hvp(*args):
            x, flat_v = packing.hvp_args(args)
            return packing.split(fd2.hvp(g, x, columns, flat_v, self.scheme,
                                         self.options["outer_step"]), wrt)

        k = len(columns)
        return self._attach(hvp, ev, graph, fd2.hvp_evaluations(self._grad_evals(k)), 24 * k)


__all__ = ["FiniteDifferences", "SCHEMES"]
