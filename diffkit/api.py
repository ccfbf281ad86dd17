"""The differentiation API: grad, value_and_grad, jacobian, hessian, hvp.

Each returns a callable.  On the first call for a signature of argument
shapes it traces the function (or parses the string), simplifies the graph,
and asks the chosen backend to compile it; later calls with that signature
only run the compiled code.  ``method`` names the backend, the same word
everywhere: ``"reverse"`` and ``"forward"`` here, more through
:mod:`diffkit.backends`.

dtypes: diffkit computes in float64.  Arguments of lower precision (float32,
float16 arrays or NumPy scalars) are computed in float64 and the results
(values and derivatives) cast back to the dtype NumPy gives the arguments
together (``np.result_type``), so float32 in gives float32 out.  Integer and
boolean arguments count as float64, as in NumPy's arithmetic; complex ones are
refused with an ArgumentError (complex differentiation is out of scope).
"""
import numpy as np

from . import backends
from .graph.front import as_graph, kind, single


_SCALARS = (float, int, np.float64)


def _low_precision(args):
    """The float dtype below float64 that NumPy gives the array arguments together, or
    None (then results stay float64).  Python numbers are weak, as in NumPy 2."""
    dtypes = [a.dtype for a in args if isinstance(a, (np.ndarray, np.generic))]
    if not dtypes:
        return None
    dtype = np.result_type(*dtypes)
    return dtype if dtype.kind == "f" and dtype.itemsize < 8 else None


def _cast(out, dtype):
    """Results (an array, a scalar or nested tuples of them) as ``dtype``."""
    if isinstance(out, tuple):
        return tuple(_cast(o, dtype) for o in out)
    arr = np.asarray(out, dtype=dtype)
    return arr[()] if arr.ndim == 0 else arr


def _signature(args):
    # hvp's last argument is a tuple of per-argument directions for a tuple argnums
    return tuple([() if type(a) in _SCALARS else
                  tuple(map(np.shape, a)) if type(a) is tuple else np.shape(a) for a in args])


class Transform:
    """A derivative of ``fn`` compiled per argument signature.

    Attributes
    ----------
    cost : diffkit.cost.Cost
        Deterministic cost record of the most recent signature called.
    """

    def __init__(self, fn, request, method, argnums, options):
        kind(fn)  # refuse anything else now, not at the first call
        self.fn = fn
        self.request = request
        self.method = method
        self.argnums = argnums
        self.backend = backends.get(method)(**options)
        self._compiled = {}   # signature of shapes -> compiled callable
        self._by_type = {}    # tuple of scalar types -> compiled callable (fast path)
        self._last = None
        self.__doc__ = f"{request} of {getattr(fn, '__name__', fn)!s} by method={method!r}"

    def graph(self, *args):
        """The simplified graph this transform differentiates at ``args``' shapes
        (:func:`diffkit.graph.as_graph`)."""
        return as_graph(self.fn, *args)

    def compile(self, *args):
        """Trace and compile for ``args``' signature (done by the first call)."""
        key = _signature(args)
        compiled = self._compiled.get(key)
        if compiled is None:
            graph = self.graph(*(args[:-1] if self.request == "hvp" else args))
            compiled = self.backend.compile(self.request, graph, graph.positions(self.argnums))
            if single(self.argnums):
                compiled = _unwrap(compiled, self.request)
            self._compiled[key] = compiled
        if all(type(a) in _SCALARS for a in args):
            self._by_type[tuple(map(type, args))] = compiled
        return compiled

    def __call__(self, *args):
        # Scalar arguments are keyed by their types alone: the hot path of
        # small problems costs one dict lookup.
        compiled = self._by_type.get(tuple(map(type, args)))
        if compiled is None:
            compiled = self._compiled.get(_signature(args)) or self.compile(*args)
            low = _low_precision(args)
            if low is not None:
                self._last = compiled
                return _cast(compiled(*args), low)
        self._last = compiled
        return compiled(*args)

    @property
    def cost(self):
        if self._last is None:
            raise RuntimeError("call the function once; the cost depends on the signature")
        return self._last.cost


def _unwrap(compiled, request):
    """Wrap ``compiled`` so an int argnums returns one array, not a 1-tuple."""
    if request == "value_and_grad":
        def unwrapped(*args):
            value, grads = compiled(*args)
            return value, grads[0]
    elif request == "hessian":
        def unwrapped(*args):
            return compiled(*args)[0][0]
    else:
        def unwrapped(*args):
            return compiled(*args)[0]
    unwrapped.cost = compiled.cost
    return unwrapped


def grad(fn, method="reverse", argnums=0, **options):
    """Gradient of a scalar function.

    Parameters
    ----------
    fn : callable, str or Graph
        Plain NumPy code, an expression string, or a graph.
    method : str
        ``"reverse"`` (default) or ``"forward"``; see ``diffkit.backends.methods()``.
    argnums : int or tuple of int
        Which arguments to differentiate; a tuple gives a tuple of gradients.

    Returns
    -------
    callable
        ``df(*args)`` has the shape of ``args[argnums]``; ``df.cost`` is the
        cost record of the last call.

    Examples
    --------
    >>> import numpy as np, diffkit
    >>> f = lambda x, y: np.sin(np.exp(x * y) + 2 * x ** 2)
    >>> dfdx, dfdy = diffkit.grad(f, argnums=(0, 1))(1.1, 0.7)
    >>> round(float(dfdx), 12), round(float(dfdy), 12)
    (-0.781747483249, -0.314154671745)
    >>> diffkit.grad(lambda x: np.sum(x ** 2), method="forward")(np.arange(3.0))
    array([0., 2., 4.])
    """
    return Transform(fn, "grad", method, argnums, options)


def value_and_grad(fn, method="reverse", argnums=0, **options):
    """Like :func:`grad`, returning ``(value, gradient)`` from one run.

    Examples
    --------
    >>> import numpy as np, diffkit
    >>> value, g = diffkit.value_and_grad(lambda x: np.sum(x ** 3))(np.array([1.0, 2.0]))
    >>> float(value), g
    (9.0, array([ 3., 12.]))
    """
    return Transform(fn, "value_and_grad", method, argnums, options)


def jacobian(fn, method="reverse", argnums=0, **options):
    """Jacobian of a function with one (array) output: shape ``out.shape + arg.shape``.

    Reverse mode takes one run per output entry, forward mode one tangent
    direction per input entry.

    Examples
    --------
    >>> import numpy as np, diffkit
    >>> J = diffkit.jacobian(lambda x: x[1:] * x[:-1], method="forward")(np.array([1., 2., 3.]))
    >>> J
    array([[2., 1., 0.],
           [0., 3., 2.]])
    """
    return Transform(fn, "jacobian", method, argnums, options)


def hessian(fn, method="reverse", argnums=0, **options):
    """Hessian of a scalar function, by forward over reverse.

    Examples
    --------
    >>> import numpy as np, diffkit
    >>> diffkit.hessian(lambda x: x[0] ** 2 * x[1])(np.array([1.0, 3.0]))
    array([[6., 2.],
           [2., 0.]])
    """
    return Transform(fn, "hessian", method, argnums, options)


def hvp(fn, method="reverse", argnums=0, **options):
    """Hessian-vector product: ``hvp(f)(*args, v)`` is H v, without forming H.

    Examples
    --------
    >>> import numpy as np, diffkit
    >>> Hv = diffkit.hvp(lambda x: np.sum(x ** 3))
    >>> Hv(np.array([1.0, 2.0]), np.array([1.0, 1.0]))
    array([ 6., 12.])
    """
    return Transform(fn, "hvp", method, argnums, options)
