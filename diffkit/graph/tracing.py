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

Writes (``y[i] = v``, ``y[mask] += v``, ``y *= 2``) are functional updates
with NumPy's view semantics: see :mod:`diffkit.graph.memory`.  What cannot be
intercepted is NumPy asking a traced value for its numbers: ``np.array`` or
``np.asarray`` of it (or of a list holding it), ``np.float64(x)``, ``np.r_``,
and a write into a plain NumPy array; these raise a TraceError naming the fix.

Tracing knows nothing about derivatives.
"""
import inspect
import numbers

import numpy as np

from .. import ops
from ..errors import TraceError, UnsupportedError
from ..ops import special
from . import numpy_functions as npf
from .evaluate import COMPLEX, real_array
from . import memory, numpy_build as npb, numpy_sorting as npsort, passes
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
                             "computation; diffkit works with real floats and booleans"
                             + (f" ({COMPLEX})" if arr.dtype.kind == "c" else ""))
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
    out = Tracer(builder, builder.add_op(name, nodes, params))
    if op.kind == "structural" and len(args) == 1 and type(args[0]) is Tracer:
        memory.track(out, args[0], op, params)  # a view where NumPy's result is one
    return out


def _reject(what, fix):
    def method(self, *args, **kwargs):
        raise TraceError(f"{what} on a traced value is not supported: {fix}")
    return method


_BRANCH = ("the branch would be fixed when tracing. Select elementwise with "
           "np.where(condition, a, b) instead")
_VALUE = ("a traced value has no number yet. Use NumPy functions (np.sin, np.exp...) "
          "instead of the math module and keep values as arrays")
_CONVERT = ("NumPy asked a traced value for its numbers, which do not exist while tracing, "
            "and NumPy gives diffkit no way to intercept this. It happens in np.float64(x), "
            "np.r_/np.c_, np.array imported by name before tracing (from numpy import array), "
            "and in a write into a plain NumPy array (z = np.zeros(n); z[0] = x[0]). "
            "Instead: build arrays from pieces with np.stack([...]), np.concatenate or "
            "np.column_stack (np.array([[a, b], [c, d]]) is np.stack([np.stack([a, b]), "
            "np.stack([c, d])])); write into a traced buffer (z = np.zeros_like(x) or "
            "z = x.copy(), then z[0] = ...); and use a traced value as it is instead of "
            "np.asarray(x) or np.float64(x) (it is a float64 array already)")


def _unsupported(fn):
    """The error for a NumPy function (or SciPy ufunc) tracing does not support, named as
    the user wrote it; inside a SciPy function diffkit has its own version of, that one."""
    inside = special.scipy_alternative()
    if inside is not None:
        return UnsupportedError(f"{inside[0]} is not supported on traced values (it calls "
                                f"{npf.qualified_name(fn)}); use {inside[1]}")
    return UnsupportedError(
        f"{npf.qualified_name(fn)} is not supported by diffkit tracing; "
        "diffkit.graph.numpy_functions.surface() lists the NumPy functions that are")


def _binary(name, reverse=False):
    # straight to apply: the operand is a tracer, so ops.call would only find this hook
    if reverse:
        return lambda self, other: apply(name, (other, self), {})
    return lambda self, other: apply(name, (self, other), {})


def _in_place(name, symbol):
    """``x op= y``: NumPy stores the result in x, so x (and its views) take it."""
    return lambda self, other: memory.in_place(self, apply(name, (self, other), {}), symbol)


class Tracer:
    """A stand-in for an array while a function is traced.

    It has ``shape``, ``ndim``, ``size`` and ``dtype`` like an array; every
    operation on it adds a node to the graph being built.
    """

    # view: a memory.View if NumPy's array would be a view, else None;
    # memory: a memory.Memory once the array's entries are needed as positions
    __slots__ = ("builder", "node", "view", "memory", "__weakref__")
    __array_priority__ = 1000

    def __init__(self, builder, node):
        self.builder = builder
        self.node = node
        self.view = None
        self.memory = None

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
    __iadd__, __isub__ = _in_place("add", "+"), _in_place("sub", "-")
    __imul__, __itruediv__ = _in_place("mul", "*"), _in_place("div", "/")
    __ipow__, __imatmul__ = _in_place("pow", "**"), _in_place("matmul", "@")

    def __neg__(self):
        return ops.call("neg", self)

    def __pos__(self):
        return npb.copy(self)  # NumPy's +x is a new array

    def __abs__(self):
        return ops.call("abs", self)

    def __getitem__(self, index):
        if _is_traced_index(index):  # positions known at run time: np.argmax, np.argsort...
            return npsort.getitem_traced(self, index)
        return ops.call("getitem", self, index=index)

    def __setitem__(self, index, value):
        _check_index(index)
        memory.write(self, index, value)

    __bool__ = _reject("Python if/while/and/or/bool()", _BRANCH)
    __float__ = _reject("float() (and math-module functions such as math.sin)", _VALUE)
    __int__ = __index__ = __complex__ = _reject("int()/index use", _VALUE)
    # NumPy's floor_divide and remainder: % has d/da = 1, // is piecewise constant
    __mod__, __rmod__ = _binary("remainder"), _binary("remainder", True)
    __floordiv__, __rfloordiv__ = _binary("floor_divide"), _binary("floor_divide", True)

    def __array__(self, dtype=None, copy=None):
        inside = special.scipy_alternative()
        if inside is not None:
            raise UnsupportedError(f"{inside[0]} converts its argument to a NumPy array, "
                                   f"which a traced value cannot be; use {inside[1]}")
        raise TraceError(_CONVERT)

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
            return npb.copy(inputs[0])
        name = npf.NUMPY_TO_OP.get(ufunc) or special.op_for_ufunc(ufunc)  # scipy.special's
        if name is None:
            raise _unsupported(ufunc)
        return ops.call(name, *inputs)

    def __array_function__(self, func, types, args, kwargs):
        handler = npf.FUNCTIONS.get(func)
        if handler is None:
            name = npf.NUMPY_TO_OP.get(func)
            if name is None:
                raise _unsupported(func)
            return ops.call(name, *args, **kwargs)
        return handler(*args, **kwargs)

    # -- methods arrays have: NumPy's signatures, one function per np.* function ---
    sum, mean, prod = (npf.reduction(name) for name in ("sum", "mean", "prod"))
    max, min = npf.extremum("max"), npf.extremum("min")
    var, std = npf.moment("var"), npf.moment("std")
    dot, clip, copy, astype = npf.dot, npf.clip, npb.copy, npb.astype
    ravel = flatten = npf.ravel
    squeeze, swapaxes = npf.squeeze, npf.swapaxes
    T = property(npf.transpose)
    mT = property(npf.matrix_transpose)
    # the values are real: the real part is a view of the array itself (as in NumPy),
    # the conjugate a copy
    real = property(lambda self: ops.call("reshape", self, shape=self.shape))
    conj = conjugate = npb.copy

    def reshape(self, *shape, order="C", copy=None):
        return npf.reshape(self, shape[0] if len(shape) == 1 else shape, order=order)

    def transpose(self, *axes):
        return npf.transpose(self, axes[0] if len(axes) == 1 else (axes or None))

    def __copy__(self):
        return npb.copy(self)

    def __deepcopy__(self, memo):
        return npb.copy(self)

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


def _is_traced_index(index):
    return isinstance(index, Tracer) or (
        isinstance(index, tuple) and any(isinstance(i, Tracer) for i in index))


def _check_index(index):
    if _is_traced_index(index):
        raise TraceError("writing at traced positions is not supported: the positions of a "
                         "write must be known when tracing (ints, slices or constant integer "
                         "arrays); for a traced mask select with np.where(mask, new, x)")


class UnsupportedAttributeError(UnsupportedError, AttributeError):
    """An ndarray attribute or method that traced arrays do not have.

    An AttributeError too, so ``hasattr`` and ``getattr(x, name, default)``
    keep working on traced values.
    """


_IN_PLACE = "works in place, which traced arrays support only for writes and x op= y"
_VALUES = "needs the values of the traced array, which are not known while tracing"
_MEMORY = "describes memory, which a traced array does not have"
_INDICES = ("indices depend on values; select with np.where(condition, a, b), or take "
            "the extreme itself with np.max or np.min")
_SAVE = "return the array and convert or save it after tracing"
# Why an ndarray attribute is missing, and what to write instead (None: the np.* function).
_MISSING = {
    "fill": (_IN_PLACE, "write x[...] = value, or build np.full(x.shape, value)"),
    "put": (_IN_PLACE, "build a new array instead, e.g. np.where(mask, values, x)"),
    "resize": (_IN_PLACE, "use x.reshape(...) for the same number of elements"),
    "sort": (_IN_PLACE, None), "partition": (_IN_PLACE, None),
    "item": (_VALUES, "index instead (x[()] or x[i]) and keep the result an array"),
    "tolist": (_VALUES, "index instead (x[i]) and build arrays with np.stack"),
    "any": (_VALUES, "branch elementwise with np.where(condition, a, b)"),
    "all": (_VALUES, "branch elementwise with np.where(condition, a, b)"),
    **dict.fromkeys(("argpartition", "nonzero", "searchsorted"), (_VALUES, _INDICES)),
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
    try:
        with npb.constructors():
            result = fn(*args)
    except ValueError as err:
        # NumPy turns the TraceError of Tracer.__float__ into "setting an array element
        # with a sequence" when a traced value is written into a plain array
        if isinstance(err.__cause__, TraceError):
            raise TraceError(_CONVERT) from err
        raise
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

