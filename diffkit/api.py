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
together (``np.result_type``), so float32 in gives float32 out.  Integer and boolean
NumPy arrays (and NumPy integer scalars) that are not differentiated are
constants of the traced function, so they can index (``w[labels]``) and count
(``range(n)``); the compiled code is then kept per value of them.  Python ints,
and integer arguments that are differentiated, count as float64, as in
NumPy's arithmetic.  Complex arguments are refused with an ArgumentError
(complex differentiation is out of scope).
"""
import inspect

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


def _constant_positions(args, argnums):
    """Positions of the integer and boolean NumPy arguments not in ``argnums``."""
    n = len(args)
    try:
        items = argnums if isinstance(argnums, (tuple, list)) else (argnums,)
        wanted = set(range(n)) if argnums is None else {int(i) % n for i in items}
    except (TypeError, ValueError, ZeroDivisionError):
        return ()  # a bad argnums: graph.positions names the problem
    return tuple(i for i, a in enumerate(args) if i not in wanted
                 and isinstance(a, (np.ndarray, np.generic)) and a.dtype.kind in "biu")


def _bind(fn, args, argnums, constants):
    """``fn`` with the arguments at ``constants`` fixed, its other arguments, and
    ``argnums`` counted among those."""
    dynamic = [i for i in range(len(args)) if i not in constants]

    def bound(*values):
        it = iter(values)
        return fn(*[args[i] if i in constants else next(it) for i in range(len(args))])
    try:  # the other parameters' names, for listings and messages
        params = [p for p in inspect.signature(fn).parameters.values()
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        if len(params) >= len(args):
            bound.__signature__ = inspect.Signature([params[i] for i in dynamic])
    except (TypeError, ValueError):
        pass
    if argnums is not None:
        argnums = (tuple(dynamic.index(int(i) % len(args)) for i in argnums)
                   if isinstance(argnums, (tuple, list)) else
                   dynamic.index(int(argnums) % len(args)))
    return bound, [args[i] for i in dynamic], argnums


class _Dropping:
    """A compiled derivative called with every argument; the constants, part of its
    graph already, are dropped."""

    def __init__(self, compiled, constants):
        self.compiled, self.constants = compiled, constants

    def __call__(self, *args):
        return self.compiled(*[a for i, a in enumerate(args) if i not in self.constants])

    @property
    def cost(self):
        return self.compiled.cost


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
        self._traced = kind(fn) == "function"  # refuse anything else now, not at the first call
        self.fn = fn
        self.request = request
        self.method = method
        self.argnums = argnums
        self.backend = backends.get(method)(**options)
        self._compiled = {}   # signature of shapes -> compiled callable
        self._by_type = {}    # tuple of scalar types -> compiled callable (fast path)
        self._last = None
        self.__doc__ = f"{request} of {getattr(fn, '__name__', fn)!s} by method={method!r}"

    def _constants(self, args):
        return _constant_positions(args, self.argnums) if self._traced else ()

    def graph(self, *args):
        """The simplified graph this transform differentiates at ``args``' shapes
        (:func:`diffkit.graph.as_graph`); integer and boolean arguments not
        differentiated are constants in it."""
        constants = self._constants(args)
        if constants:
            fn, args, _ = _bind(self.fn, args, self.argnums, constants)
            return as_graph(fn, *args)
        return as_graph(self.fn, *args)

    def compile(self, *args):
        """Trace and compile for ``args``' signature (done by the first call)."""
        fargs = args[:-1] if self.request == "hvp" else args
        constants = self._constants(fargs)
        key = _signature(args)
        if constants:  # compiled per value of the constants
            key = (key, tuple((args[i].dtype.str, args[i].tobytes()) for i in constants))
        compiled = self._compiled.get(key)
        if compiled is None:
            graph = self.graph(*fargs)
            argnums = (_bind(self.fn, fargs, self.argnums, constants)[2] if constants
                       else self.argnums)
            compiled = self.backend.compile(self.request, graph, graph.positions(argnums))
            if single(self.argnums):
                compiled = _unwrap(compiled, self.request)
            if constants:
                compiled = _Dropping(compiled, constants)
            self._compiled[key] = compiled
        if not constants and all(type(a) in _SCALARS for a in args):
            self._by_type[tuple(map(type, args))] = compiled
        return compiled

    def __call__(self, *args):
        # Scalar arguments are keyed by their types alone: the hot path of
        # small problems costs one dict lookup.
        compiled = self._by_type.get(tuple(map(type, args)))
        if compiled is None:
            compiled = self.compile(*args)
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
