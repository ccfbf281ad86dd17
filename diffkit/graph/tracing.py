"""Tracing: run a plain Python/NumPy function on stand-in values that record a graph.

A :class:`Tracer` implements Python's operators and NumPy's
``__array_ufunc__`` / ``__array_function__`` protocols, so ``np.sin(x)``,
``A @ x`` and ``np.max(z, axis=1, keepdims=True)`` work unchanged.  Anything
that would need the *value* of a traced array (``if x > 0:``, ``float(x)``,
``math.sin(x)``, ``x[0] = 1``) raises a :class:`~diffkit.errors.TraceError`
saying what to write instead.  The array methods real code calls (``x.sum()``,
``x.std(ddof=1)``, ``x.astype(float)``, ``x.reshape(-1)``...) take NumPy's
arguments; any other ndarray attribute raises an
:class:`UnsupportedAttributeError` (an AttributeError too, so ``hasattr``
keeps working) naming what to write instead.

Tracing knows nothing about derivatives.
"""
import inspect
import numbers

import numpy as np

from .. import ops
from ..errors import TraceError, UnsupportedError
from . import numpy_functions as npf
from .evaluate import real_array
from . import passes
from .graph import GraphBuilder, bulk


def _const_or_tracer(builder, value):
    """Node id of ``value``: a tracer's own node or a new constant node."""
    if isinstance(value, Tracer):
        if value.builder is not builder:
            raise TraceError("a traced value from another trace leaked into this one; "
                             "do not keep traced values across calls")
        return value.node
    if isinstance(value, (numbers.Number, np.ndarray, np.generic, bool, list, tuple)):
        arr = np.asarray(value)
        if arr.dtype.kind not in "biuf":
            raise TraceError(f"cannot use a value of dtype {arr.dtype} in a traced "
                             "computation; diffkit works with real floats and booleans")
        # np.float64(0.5) prints as 'np.float64(0.5)' in NumPy 2; listings want '0.5'
        text = (repr(arr.item()) if isinstance(value, numbers.Real) and arr.ndim == 0
                else None)
        return builder.add_const(arr, text=text)
    raise TraceError(f"cannot use a {type(value).__name__} in a traced computation; "
                     "pass numbers or NumPy arrays")


def apply(name, args, params):
    """Record op ``name`` applied to ``args`` (tracers or constants)."""
    for a in args:
        if isinstance(a, Tracer):
            builder = a.builder
            break
    # the common operand, a tracer of this trace, without a call
    nodes = [a.node if type(a) is Tracer and a.builder is builder
             else _const_or_tracer(builder, a) for a in args]
    op = ops.get(name)
    if op.normalize is not None:
        shapes = [builder.nodes[m]["shape"] for m in nodes]
        params = op.normalize(shapes, **params)
    return Tracer(builder, builder.add_op(name, nodes, params))


def _reject(what, fix):
    def method(self, *args, **kwargs):
        raise TraceError(f"{what} on a traced value is not supported: {fix}")
    return method


_BRANCH = ("the branch would be fixed when tracing. Select elementwise with "
           "np.where(condition, a, b) instead")
_VALUE = ("a traced value has no number yet. Use NumPy functions (np.sin, np.exp...) "
          "instead of the math module and keep values as arrays")


def _binary(name, reverse=False):
    # straight to apply: the operand is a tracer, so ops.call would only find this hook
    if reverse:
        return lambda self, other: apply(name, (other, self), {})
    return lambda self, other: apply(name, (self, other), {})


class Tracer:
    """A stand-in for an array while a function is traced.

    It has ``shape``, ``ndim``, ``size`` and ``dtype`` like an array; every
    operation on it adds a node to the graph being built.
    """

    __slots__ = ("builder", "node")
    __array_priority__ = 1000

    def __init__(self, builder, node):
        self.builder = builder
        self.node = node

    _diffkit_apply = staticmethod(apply)

    # -- array-like attributes ----------------------------------------------
    @property
    def shape(self):
        return self.builder.nodes[self.node]["shape"]

    @property
    def dtype(self):
        return np.dtype(self.builder.nodes[self.node]["dtype"])

    @property
    def ndim(self):
        return len(self.shape)

    @property
    def size(self):
        return ops.size(self.shape)

    def __len__(self):
        if not self.shape:
            raise TypeError("len() of a 0-d traced value")
        return self.shape[0]

    def __iter__(self):
        return (self[i] for i in range(len(self)))

    def __repr__(self):
        return f"Tracer(shape={self.shape}, node={self.node})"

    # -- operators --------------------------------------------------------
    __add__, __radd__ = _binary("add"), _binary("add", True)
    __sub__, __rsub__ = _binary("sub"), _binary("sub", True)
    __mul__, __rmul__ = _binary("mul"), _binary("mul", True)
    __truediv__, __rtruediv__ = _binary("div"), _binary("div", True)
    __pow__, __rpow__ = _binary("pow"), _binary("pow", True)
    __matmul__, __rmatmul__ = _binary("matmul"), _binary("matmul", True)
    __lt__, __le__ = _binary("lt"), _binary("le")
    __gt__, __ge__ = _binary("gt"), _binary("ge")
    __eq__, __ne__ = _binary("eq"), _binary("ne")
    __hash__ = object.__hash__

    def __neg__(self):
        return ops.call("neg", self)

    def __pos__(self):
        return self

    def __abs__(self):
        return ops.call("abs", self)

    def __getitem__(self, index):
        if isinstance(index, Tracer) or (
                isinstance(index, tuple) and any(isinstance(i, Tracer) for i in index)):
            raise TraceError("indexing with a traced value is not supported: indices must "
                             "be known when tracing (ints, slices or constant integer arrays)")
        return ops.call("getitem", self, index=index)

    __bool__ = _reject("Python if/while/and/or/bool()", _BRANCH)
    __float__ = _reject("float() (and math-module functions such as math.sin)", _VALUE)
    __int__ = __index__ = __complex__ = _reject("int()/index use", _VALUE)
    __setitem__ = _reject(
        "In-place assignment (x[i] = ...)",
        "build a new array instead, e.g. np.where(mask, new, x) or np.concatenate")
    __floordiv__ = __rfloordiv__ = __mod__ = __rmod__ = _reject(
        "// and %", "they are not differentiable; use np.floor-free formulations")

    def __array__(self, dtype=None, copy=None):
        raise TraceError("converting a traced value to a NumPy array (np.array, np.asarray, "
                         "np.float64...) is not supported: keep it traced, and build arrays "
                         "from traced values with np.stack([...]) or np.concatenate")

    # -- NumPy protocols --------------------------------------------------
    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        if method != "__call__":
            raise UnsupportedError(
                f"np.{ufunc.__name__}.{method} is not supported on traced values; use the "
                "plain function form (np.sum, np.max...)")
        if kwargs.get("out") is not None:
            raise TraceError("out= writes in place, which tracing does not support: "
                             "use the returned value")
        if ufunc is np.positive:
            return inputs[0]
        name = npf.NUMPY_TO_OP.get(ufunc)
        if name is None:
            raise UnsupportedError(f"np.{ufunc.__name__} is not supported by diffkit; "
                                   "see diffkit.ops.names() for what is")
        return ops.call(name, *inputs)

    def __array_function__(self, func, types, args, kwargs):
        handler = npf.FUNCTIONS.get(func)
        if handler is None:
            name = npf.NUMPY_TO_OP.get(func)
            if name is None:
                raise UnsupportedError(
                    f"np.{func.__name__} is not supported by diffkit tracing; see "
                    "diffkit.ops.names() for the supported operations")
            return ops.call(name, *args, **kwargs)
        return handler(*args, **kwargs)

    # -- methods arrays have: NumPy's signatures, one function per np.* function ---
    sum, mean, prod = (npf.reduction(name) for name in ("sum", "mean", "prod"))
    max, min = npf.extremum("max"), npf.extremum("min")
    var, std = npf.moment("var"), npf.moment("std")
    dot, clip, copy, astype = npf.dot, npf.clip, npf.copy, npf.astype
    ravel = flatten = npf.ravel
    squeeze, swapaxes = npf.squeeze, npf.swapaxes
    T = property(npf.transpose)
    mT = property(npf.matrix_transpose)
    # the values are real: the real part and the conjugate are the value itself
    real = property(npf.copy)
    conj = conjugate = npf.copy

    def reshape(self, *shape, order="C", copy=None):
        return npf.reshape(self, shape[0] if len(shape) == 1 else shape, order=order)

    def transpose(self, *axes):
        return npf.transpose(self, axes[0] if len(axes) == 1 else (axes or None))

    def __copy__(self):
        return self

    def __deepcopy__(self, memo):
        return self

    def __getattr__(self, name):
        # Runs only when normal lookup fails.  Names ndarray lacks, and private or dunder
        # names that NumPy and other libraries probe (__array_interface__, _repr_html_),
        # get Python's own AttributeError.
        if name.startswith("_") or not hasattr(np.ndarray, name):
            raise AttributeError(f"'Tracer' object has no attribute {name!r}")
        method = npf.METHODS.get(name)
        if method is not None:
            return method.__get__(self)
        raise UnsupportedAttributeError(_missing_attribute(name))


class UnsupportedAttributeError(UnsupportedError, AttributeError):
    """An ndarray attribute or method that traced arrays do not have.

    An AttributeError too, so ``hasattr`` and ``getattr(x, name, default)``
    keep working on traced values.
    """


_IN_PLACE = "works in place, which tracing does not support"
_VALUES = "needs the values of the traced array, which are not known while tracing"
_MEMORY = "describes memory, which a traced array does not have"
_INDICES = ("indices depend on values; select with np.where(condition, a, b), or take "
            "the extreme itself with np.max or np.min")
_SAVE = "return the array and convert or save it after tracing"
# Why an ndarray attribute is missing, and what to write instead (None: the np.* function).
_MISSING = {
    "fill": (_IN_PLACE, "build a new array instead, e.g. np.full(x.shape, value)"),
    "put": (_IN_PLACE, "build a new array instead, e.g. np.where(mask, values, x)"),
    "resize": (_IN_PLACE, "use x.reshape(...) for the same number of elements"),
    "sort": (_IN_PLACE, None), "partition": (_IN_PLACE, None),
    "item": (_VALUES, "index instead (x[()] or x[i]) and keep the result an array"),
    "tolist": (_VALUES, "index instead (x[i]) and build arrays with np.stack"),
    "any": (_VALUES, "branch elementwise with np.where(condition, a, b)"),
    "all": (_VALUES, "branch elementwise with np.where(condition, a, b)"),
    **dict.fromkeys(("argmax", "argmin", "argsort", "argpartition", "nonzero",
                     "searchsorted"), (_VALUES, _INDICES)),
    **dict.fromkeys(("tobytes", "tofile", "dump", "dumps"), (_VALUES, _SAVE)),
    **dict.fromkeys(("base", "ctypes", "data", "flags", "flat", "strides", "itemsize",
                     "nbytes", "device", "to_device", "view", "byteswap", "getfield",
                     "setfield", "setflags"), (_MEMORY, _SAVE)),
}


def _missing_attribute(name):
    """One line: why ndarray attribute ``name`` is missing on a tracer, and the fix."""
    why, fix = _MISSING.get(name, ("is not supported on traced arrays", None))
    if fix is None:
        fn = getattr(np, name, None)
        fix = (f"use np.{name}(x) instead" if npf.supported(fn) else
               f"np.{name} is not a diffkit operation either; see diffkit.ops.names() "
               "for what is")
    return f"x.{name} {why}: {fix}"


# -- entry point --------------------------------------------------------------

def _input_names(fn, n):
    try:
        params = list(inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        params = []
    simple = [p.name for p in params
              if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    if len(simple) >= n:
        return simple[:n]
    return [f"x{i}" for i in range(n)]


@bulk
def trace(fn, *example_args, names=None, simplify=False):
    """Trace ``fn`` at example arguments into a :class:`~diffkit.graph.Graph`.

    Parameters
    ----------
    fn : callable
        Plain Python/NumPy code.  Loops with fixed trip counts unroll.
    *example_args : float, int or array_like
        Each becomes an input of the shape given (ints become floats).
    names : sequence of str, optional
        Input names; by default the parameter names of ``fn``.
    simplify : bool
        Simplify while recording: the result is
        ``passes.simplify(trace(fn, ...))``, without building the unsimplified
        graph first.

    Returns
    -------
    Graph

    Examples
    --------
    >>> import numpy as np, diffkit
    >>> def rosen(x):
    ...     return np.sum(100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)
    >>> g = diffkit.trace(rosen, np.zeros(5))
    >>> g.input_shapes
    ((5,),)
    >>> float(g(np.ones(5)))
    0.0
    """
    builder = GraphBuilder(passes.Rewriter(passes.SIMPLIFY_RULES) if simplify else None)
    names = list(names) if names is not None else _input_names(fn, len(example_args))
    if len(names) != len(example_args):
        raise TraceError(f"got {len(names)} names for {len(example_args)} arguments")
    args = []
    for name, value in zip(names, example_args):
        arr = real_array(f"input {name!r}", value)  # the same check as every call's
        args.append(Tracer(builder, builder.add_input(name, arr.shape)))
    result = fn(*args)
    outputs = result if isinstance(result, (tuple, list)) else (result,)
    if not outputs or any(o is None or isinstance(o, str) for o in outputs):
        raise TraceError(f"{getattr(fn, '__name__', 'the function')} returned {result!r}; "
                         "return the value (or a tuple of values) to differentiate")
    try:
        nodes = [_const_or_tracer(builder, o) for o in outputs]
    except TraceError:
        raise TraceError(f"{getattr(fn, '__name__', 'the function')} returned "
                         f"{type(result).__name__}, which is not traceable; return arrays, "
                         "numbers or a tuple of them") from None
    graph = builder.finish(nodes)
    return passes.simplified(graph) if simplify else graph

