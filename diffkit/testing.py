"""Checking diffkit's derivatives of a function: :func:`check_grads`.

The check is the one of autograd's ``check_grads`` and JAX's
``jax.test_util.check_grads``: compare a derivative along a random direction
with a central difference of the function along that direction, which tests
every entry of a gradient at the cost of two extra evaluations, and compare
the differentiation modes with one another much more tightly.
"""
import numpy as np

from .errors import OptionError
from .fd.schemes import EPS
from .graph import as_graph

__all__ = ["check_grads", "EPS", "MODE_RTOL"]

#: Relative tolerance between two AD modes (norm-wise, see :func:`check_grads`).
MODE_RTOL = 1e-12


def _value(f, xs):
    with np.errstate(all="ignore"):
        out = f(*xs)
    if isinstance(out, (tuple, list)):
        raise TypeError("check_grads: the function returns several outputs; return one array "
                        "(np.concatenate the outputs)")
    return np.asarray(out, dtype=float)


def _inf(a):
    a = np.asarray(a, dtype=float)
    return float(np.max(np.abs(a))) if a.size else 0.0


def _close(a, b, rtol, atol):
    """Error and tolerance of ``a`` vs ``b``: max-norm error, norm-relative tolerance."""
    err = _inf(np.asarray(a, dtype=float) - np.asarray(b, dtype=float))
    return err, atol + rtol * max(_inf(a), _inf(b))


def _fail(what, details):
    lines = [f"check_grads: {what}"] + [f"  {k}: {v}" for k, v in details.items()]
    raise AssertionError("\n".join(lines))


def _fmt(a):
    return np.array2string(np.asarray(a, dtype=float), precision=17, threshold=12,
                           separator=", ")


class _Checker:
    def __init__(self, fn, args, argnums, eps, rtol, atol, seed):
        import diffkit  # the API imports the backends; keep `import diffkit.testing` light
        self.dk = diffkit
        self.args = list(args)
        # the derivatives are of this one graph; the central differences call fn itself
        # (a graph of an expression evaluates it with NumPy)
        self.fn = as_graph(fn, *args)
        self.f = self.fn if isinstance(fn, str) else fn
        self.wrt = self.fn.positions(argnums)
        if not self.wrt:
            raise OptionError(f"check_grads: argnums={argnums!r} selects no argument; "
                              "name at least one")
        self.x = [np.asarray(self.args[i], dtype=float) for i in self.wrt]
        scale = max([1.0] + [_inf(x) for x in self.x])
        self.h = float(eps) if eps is not None else EPS ** (1 / 3) * scale
        self.rtol = 1e-6 if rtol is None else float(rtol)
        self.atol = atol
        rng = np.random.default_rng(seed)
        u = rng.standard_normal(sum(x.size for x in self.x))
        u /= np.linalg.norm(u) if u.size else 1.0
        self.u_flat = u
        cuts = np.cumsum([0] + [x.size for x in self.x])
        self.u = [u[a:b].reshape(x.shape) for a, b, x in zip(cuts[:-1], cuts[1:], self.x)]
        self.value = _value(self.f, self.args)
        self.w = rng.standard_normal(self.value.shape)
        self.seed = seed

    def shifted(self, t):
        """The arguments moved by t along u."""
        xs = list(self.args)
        for i, x, u in zip(self.wrt, self.x, self.u):
            xs[i] = x + t * u
        return xs

    def central(self, g):
        """Central difference of g along u: (g(x + h u) - g(x - h u)) / 2h."""
        plus = np.asarray(g(self.shifted(self.h)), dtype=float)
        minus = np.asarray(g(self.shifted(-self.h)), dtype=float)
        return (plus - minus) / (2.0 * self.h)

    def against_fd(self, what, mode, ad, fd, scale):
        atol = 1e-8 * max(1.0, scale) if self.atol is None else float(self.atol)
        err, tol = _close(ad, fd, self.rtol, atol)
        if not err <= tol:
            _fail(f"{mode}-mode {what} disagrees with central differences along a random "
                  "direction", {
                      "direction u (unit, seed %d)" % self.seed: _fmt(self.u_flat),
                      "AD": _fmt(ad), "central difference": _fmt(fd),
                      "max error": f"{err:.3e}", "tolerance": f"{tol:.3e} (rtol={self.rtol:g},"
                      f" atol={atol:.3g}, h={self.h:.3g})"})

    def between_modes(self, what, results):
        modes = list(results)
        for m in modes[1:]:
            err, tol = _close(results[modes[0]], results[m], MODE_RTOL, 0.0)
            if not err <= tol:
                _fail(f"{what} differs between modes {modes[0]!r} and {m!r}", {
                    modes[0]: _fmt(results[modes[0]]), m: _fmt(results[m]),
                    "max error": f"{err:.3e}",
                    "tolerance": f"{tol:.3e} (relative {MODE_RTOL:g} of the max norm)"})

    def flat_grad(self, grads, mode, what):
        grads = tuple(grads)
        for g, x in zip(grads, self.x):
            if np.shape(g) != x.shape:
                _fail(f"{mode}-mode {what} has shape {np.shape(g)}, the argument {x.shape}", {})
        return np.concatenate([np.ravel(np.asarray(g, dtype=float)) for g in grads])

    # -- first order -----------------------------------------------------------
    def first_scalar(self, modes):
        grads = {}
        fd = self.central(lambda xs: _value(self.f, xs))
        for mode in modes:
            g = self.dk.grad(self.fn, method=mode, argnums=self.wrt)(*self.args)
            grads[mode] = self.flat_grad(g, mode, "gradient")
            self.against_fd("gradient", mode, grads[mode] @ self.u_flat, fd, _inf(self.value))
        self.between_modes("the gradient", grads)
        return grads

    def first_array(self, modes):
        m = self.value.size
        fd = self.central(lambda xs: _value(self.f, xs))
        jacs, jvps, vjps = {}, {}, {}
        for mode in modes:
            blocks = self.dk.jacobian(self.fn, method=mode, argnums=self.wrt)(*self.args)
            J = np.concatenate([np.reshape(b, (m, x.size)) for b, x in zip(blocks, self.x)],
                               axis=1)
            jacs[mode], jvps[mode] = J, (J @ self.u_flat).reshape(self.value.shape)
            vjps[mode] = J.T @ self.w.ravel()
            self.against_fd("Jacobian-vector product J u", mode, jvps[mode], fd,
                            _inf(self.value))
        self.between_modes("the Jacobian", jacs)
        for a in modes:  # <w, J_a u> = <J_b^T w, u>: a JVP of one mode vs a VJP of another
            for b in modes:
                if a != b:
                    lhs, rhs = float(np.vdot(self.w, jvps[a])), float(vjps[b] @ self.u_flat)
                    scale = _inf(self.w) * _inf(jacs[a]) * np.sqrt(m * self.u_flat.size)
                    if not abs(lhs - rhs) <= MODE_RTOL * max(abs(lhs), abs(rhs), scale):
                        _fail(f"<w, J u> by {a}-mode JVP != <J^T w, u> by {b}-mode VJP", {
                            "<w, J u>": repr(lhs), "<J^T w, u>": repr(rhs),
                            "error": f"{abs(lhs - rhs):.3e}"})

    # -- second order ------------------------------------------------------------
    def second(self, modes):
        v = self.u[0] if len(self.wrt) == 1 else tuple(self.u)
        hvps, hessians = {}, {}
        for mode in modes:
            grad = self.dk.grad(self.fn, method=mode, argnums=self.wrt)
            g0 = self.flat_grad(grad(*self.args), mode, "gradient")
            fd = self.central(lambda xs: self.flat_grad(grad(*xs), mode, "gradient"))
            hv = self.flat_grad(self.dk.hvp(self.fn, method=mode, argnums=self.wrt)(
                *self.args, v), mode, "Hessian-vector product")
            self.against_fd("Hessian-vector product H u", mode, hv, fd, _inf(g0))
            rows = self.dk.hessian(self.fn, method=mode, argnums=self.wrt)(*self.args)
            sizes = [x.size for x in self.x]
            H = np.block([[np.reshape(blk, (sizes[i], sizes[j])) for j, blk in enumerate(row)]
                          for i, row in enumerate(rows)])
            for label, a, b in (("H u (from the Hessian) vs the Hessian-vector product",
                                 H @ self.u_flat, hv), ("H vs its transpose", H, H.T)):
                err, tol = _close(a, b, MODE_RTOL, 0.0)
                if not err <= tol:
                    _fail(f"{mode}-mode {label}", {"first": _fmt(a), "second": _fmt(b),
                                                   "max error": f"{err:.3e}",
                                                   "tolerance": f"{tol:.3e}"})
            hvps[mode], hessians[mode] = hv, H
        self.between_modes("the Hessian-vector product", hvps)
        self.between_modes("the Hessian", hessians)


def check_grads(fn, *args, modes=("forward", "reverse"), order=1, argnums=0, eps=None,
                rtol=None, atol=None, seed=0):
    """Check diffkit's derivatives of ``fn`` at ``args``; raise AssertionError if wrong.

    For each differentiation mode, the derivative along a random unit
    direction ``u`` (over the arguments in ``argnums``, drawn with ``seed``)
    is compared with the central difference
    ``(f(x + h u) - f(x - h u)) / (2 h)`` computed with plain NumPy, and the
    modes are compared with one another.

    * ``order=1``, scalar output: ``grad f . u`` against the central
      difference of ``f``.  Array output: the Jacobian-vector product
      ``J u`` against the central difference of ``f``; across modes the
      JVP of one and the VJP of another satisfy ``<w, J u> = <J^T w, u>``
      for a random ``w``.
    * ``order=2`` (scalar output): the first-order checks, then the
      Hessian-vector product ``H u`` against the central difference of the
      same mode's gradient, and ``hessian(f) @ u`` against ``hvp(f)(x, u)``
      (and ``H`` against ``H.T``).

    Parameters
    ----------
    fn : callable, str or Graph
        Plain NumPy code, an expression string or a graph, as accepted by
        :func:`diffkit.grad`.  Central differences call ``fn`` itself (or
        evaluate the graph) on NumPy arrays.
    *args : float or array_like
        The point.
    modes : sequence of str
        Methods to check, by name (``diffkit.backends.methods()``).
    order : {1, 2}
        Highest derivative order to check.
    argnums : int or tuple of int
        Arguments to differentiate; ``u`` spans all of them.
    eps : float, optional
        Step ``h``.  Default ``EPS ** (1/3) * max(1, max|x|)`` (about 6e-6 at
        unit scale), which balances the truncation error ``h**2 |f'''| / 6``
        of the central difference (about 6e-12 |f'''|) against its
        round-off ``EPS |f| / h`` (about 4e-11 |f|).
    rtol, atol : float, optional
        AD and central difference agree when
        ``max|AD - FD| <= atol + rtol * max(max|AD|, max|FD|)``.  Defaults:
        ``rtol = 1e-6``, ``atol = 1e-8 * max(1, max|f(x)|)`` (``max|grad f|``
        for ``H u``).  Both leave a margin of about 1e4 over the error model
        above for well-scaled functions, while a wrong derivative rule is off
        by O(1).
    seed : int
        Seed of the random directions.

    Raises
    ------
    AssertionError
        Naming the check, the mode, the direction, the values and the error.

    Notes
    -----
    Modes compute the same mathematics with sums associated in different
    orders, so they must agree to ``MODE_RTOL = 1e-12`` relative to the max
    norm of the compared arrays (the norm-wise scale is the absolute floor
    for entries that cancel to about zero).

    Examples
    --------
    >>> import numpy as np
    >>> from diffkit.testing import check_grads
    >>> check_grads(lambda x: np.sum(np.sin(x) * x), np.array([0.1, 0.5, 2.0]))
    >>> check_grads(lambda x, y: np.sum(np.exp(x * y) ** 2), np.array([0.3, 0.2]), 0.5,
    ...             order=2)
    >>> check_grads(lambda x: x[1:] * np.cos(x[:-1]), np.array([1.0, 2.0, 3.0]))

    A step much too large for the function's third derivative fails:

    >>> check_grads(lambda x: np.sum(x ** 3), np.ones(2), eps=0.5)
    ... # doctest: +IGNORE_EXCEPTION_DETAIL
    Traceback (most recent call last):
    AssertionError: check_grads: forward-mode gradient disagrees with central differences
    """
    if order not in (1, 2):
        raise ValueError(f"check_grads: order must be 1 or 2, got {order!r}")
    modes = (modes,) if isinstance(modes, str) else tuple(modes)
    if not modes:
        raise ValueError("check_grads: give at least one mode")
    checker = _Checker(fn, args, argnums, eps, rtol, atol, seed)
    if checker.value.ndim == 0:
        checker.first_scalar(modes)
        if order == 2:
            checker.second(modes)
    elif order == 2:
        raise ValueError("check_grads: order=2 needs a function with a scalar output, got "
                         f"output shape {checker.value.shape}")
    else:
        checker.first_array(modes)
