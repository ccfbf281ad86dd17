"""Tracing: run a plain Python/NumPy function on stand-in values that record a graph.

A :class:`Tracer` implements Python's operators and NumPy's
``__array_ufunc__`` / ``__array_function__`` protocols, so ``np.sin(x)``,
``A @ x`` and ``np.max(z, axis=1, keepdims=True)`` work unchanged.  Anything
that would need the *value* of a traced array (``if x > 0:``, ``float(x)``,
``math.sin(x)``, ``x[0] = 1``) raises a :class:`~diffkit.errors.TraceError`
saying what to write instead.

Tracing knows nothing about derivatives.
"""
import inspect
import numbers

import numpy as np

from .. import ops
from ..errors import TraceError, UnsupportedError
from .graph import GraphBuilder

# NumPy callables -> op names, read off the op table.
_NUMPY_TO_OP = {fn: op.name for op in ops.all_ops() if not op.internal for fn in op.numpy}


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
    builder = next(a.builder for a in args if isinstance(a, Tracer))
    nodes = [_const_or_tracer(builder, a) for a in args]
    op = ops.get(name)
    if op.normalize is not None:
        shapes = [builder.nx.nodes[m]["shape"] for m in nodes]
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
    if reverse:
        return lambda self, other: ops.call(name, other, self)
    return lambda self, other: ops.call(name, self, other)


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
        return self.builder.nx.nodes[self.node]["shape"]

    @property
    def dtype(self):
        return np.dtype(self.builder.nx.nodes[self.node]["dtype"])

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
        name = _NUMPY_TO_OP.get(ufunc)
        if name is None:
            raise UnsupportedError(f"np.{ufunc.__name__} is not supported by diffkit; "
                                   "see diffkit.ops.names() for what is")
        return ops.call(name, *inputs)

    def __array_function__(self, func, types, args, kwargs):
        handler = FUNCTIONS.get(func)
        if handler is None:
            name = _NUMPY_TO_OP.get(func)
            if name is None:
                raise UnsupportedError(
                    f"np.{func.__name__} is not supported by diffkit tracing; see "
                    "diffkit.ops.names() for the supported operations")
            handler = _by_op(name)
        return handler(*args, **kwargs)

    # -- methods arrays have ----------------------------------------------
    def sum(self, axis=None, keepdims=False):
        return _reduce("sum")(self, axis=axis, keepdims=keepdims)

    def mean(self, axis=None, keepdims=False):
        return _reduce("mean")(self, axis=axis, keepdims=keepdims)

    def prod(self, axis=None, keepdims=False):
        return _reduce("prod")(self, axis=axis, keepdims=keepdims)

    def max(self, axis=None, keepdims=False):
        return _reduce("max")(self, axis=axis, keepdims=keepdims)

    def min(self, axis=None, keepdims=False):
        return _reduce("min")(self, axis=axis, keepdims=keepdims)

    def reshape(self, *shape):
        shape = shape[0] if len(shape) == 1 else shape
        return ops.call("reshape", self, shape=shape)

    def ravel(self):
        return ops.call("reshape", self, shape=(-1,))

    flatten = ravel

    def transpose(self, *axes):
        axes = axes[0] if len(axes) == 1 else (axes or None)
        return ops.call("transpose", self, axes=axes)

    @property
    def T(self):
        return ops.call("transpose", self, axes=None)

    def squeeze(self, axis=None):
        return ops.call("squeeze", self, axis=axis)

    def dot(self, other):
        return _dot(self, other)

    def clip(self, lo=None, hi=None):
        return _clip(self, lo, hi)


# -- np.* functions that need argument handling -----------------------------

def _no_extras(fname, kwargs):
    extra = {k: v for k, v in kwargs.items() if v is not None and v is not np._NoValue}
    if extra:
        raise UnsupportedError(f"np.{fname}: argument(s) {sorted(extra)} are not supported "
                               "on traced values")


def _reduce(name):
    def reduce(a, axis=None, dtype=None, out=None, keepdims=False, **kwargs):
        _no_extras(name, dict(kwargs, dtype=dtype, out=out))
        return ops.call(name, a, axis=axis, keepdims=bool(keepdims))
    return reduce


def _by_op(name):
    return lambda *args, **params: ops.call(name, *args, **params)


def _dot(a, b, out=None):
    _no_extras("dot", {"out": out})
    if np.ndim(a) == 0 or np.ndim(b) == 0:
        return ops.call("mul", a, b)
    return ops.call("dot", a, b)


def _clip(a, a_min=None, a_max=None, out=None, **kwargs):
    _no_extras("clip", dict(kwargs, out=out))
    lo = -np.inf if a_min is None else a_min
    hi = np.inf if a_max is None else a_max
    return ops.call("clip", a, lo, hi)


def _where(condition, x=None, y=None):
    if x is None or y is None:
        raise UnsupportedError("np.where(condition) with one argument returns indices, which "
                               "depend on values; use np.where(condition, x, y)")
    return ops.call("where", condition, x, y)


def _norm(x, ord=None, axis=None, keepdims=False):
    if ord not in (None, 2) or (ord == 2 and np.ndim(x) != 1 and axis is None):
        raise UnsupportedError("np.linalg.norm on traced values supports the 2-norm of "
                               "vectors and the Frobenius norm (ord=None) only")
    if isinstance(axis, tuple) and len(axis) > 1 and ord is not None:
        raise UnsupportedError("matrix norms other than Frobenius are not supported")
    nd = np.ndim(x)
    if axis is not None and nd and len(ops.normalize_axis(axis, nd)) == nd:
        # NumPy sums x*x with add.reduce for an explicit axis but uses dot for axis=None,
        # as the op does when it reduces every axis.  Reduce all but a new unit axis to
        # get NumPy's bits.
        axes = tuple(range(1, nd + 1))
        out = ops.call("norm", ops.call("expand_dims", x, axis=0), axis=axes,
                       keepdims=keepdims)
        return ops.call("reshape", out, shape=(1,) * nd if keepdims else ())
    return ops.call("norm", x, axis=axis, keepdims=keepdims)


def _join(name):
    def join(arrays, axis=0, out=None, **kwargs):
        _no_extras(name, dict(kwargs, out=out))
        return ops.call(name, *arrays, axis=axis)
    return join


def _roll(a, shift, axis=None):
    if axis is None and np.ndim(a) != 1:
        flat = ops.call("reshape", a, shape=(-1,))
        return ops.call("reshape", ops.call("roll", flat, shift=shift, axis=0), shape=a.shape)
    return ops.call("roll", a, shift=shift, axis=axis)


def _swapaxes(a, axis1, axis2):
    axes = list(range(np.ndim(a)))
    axes[axis1], axes[axis2] = axes[axis2], axes[axis1]
    return ops.call("transpose", a, axes=tuple(axes))


def _like(fill):
    def like(a, dtype=None, **kwargs):
        return np.full(np.shape(a), fill, dtype=float if dtype is None else dtype)
    return like


FUNCTIONS = {
    np.sum: _reduce("sum"), np.mean: _reduce("mean"), np.prod: _reduce("prod"),
    np.max: _reduce("max"), np.min: _reduce("min"),
    np.amax: _reduce("max"), np.amin: _reduce("min"),
    np.dot: _dot, np.clip: _clip, np.where: _where, np.linalg.norm: _norm,
    np.concatenate: _join("concatenate"), np.stack: _join("stack"), np.roll: _roll,
    np.reshape: lambda a, shape=None, order="C", **kw: ops.call("reshape", a, shape=shape),
    np.transpose: lambda a, axes=None: ops.call("transpose", a, axes=axes),
    np.squeeze: lambda a, axis=None: ops.call("squeeze", a, axis=axis),
    np.expand_dims: lambda a, axis: ops.call("expand_dims", a, axis=axis),
    np.broadcast_to: lambda a, shape, subok=False: ops.call("broadcast_to", a, shape=shape),
    np.ravel: lambda a, order="C": ops.call("reshape", a, shape=(-1,)),
    np.swapaxes: _swapaxes,
    np.shape: lambda a: a.shape, np.ndim: lambda a: a.ndim, np.size: lambda a: a.size,
    np.zeros_like: _like(0.0), np.ones_like: _like(1.0),
}


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


def trace(fn, *example_args, names=None):
    """Trace ``fn`` at example arguments into a :class:`~diffkit.graph.Graph`.

    Parameters
    ----------
    fn : callable
        Plain Python/NumPy code.  Loops with fixed trip counts unroll.
    *example_args : float, int or array_like
        Each becomes an input of the shape given (ints become floats).
    names : sequence of str, optional
        Input names; by default the parameter names of ``fn``.

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
    builder = GraphBuilder()
    names = list(names) if names is not None else _input_names(fn, len(example_args))
    if len(names) != len(example_args):
        raise TraceError(f"got {len(names)} names for {len(example_args)} arguments")
    args = []
    for name, value in zip(names, example_args):
        arr = np.asarray(value)
        if arr.dtype.kind not in "biuf":
            raise TraceError(f"argument {name!r} has dtype {arr.dtype}; pass floats or "
                             "NumPy arrays of real numbers")
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
    return builder.finish(nodes)

