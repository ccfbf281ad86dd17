"""The op record, the registry that holds them, and helpers the rules share.

Every primitive diffkit knows is one :class:`Op` record.  Tracing, parsing,
listing, the reference interpreter, lowering, the kernels and the symbolic
backend all read these records; none of them keeps a private list of ops.

Derivative rules are written once, in NumPy, so that the same function runs
on plain arrays (the reference semantics) and on traced values (where it
builds the nodes of a gradient graph).
"""
import math
from dataclasses import dataclass
from typing import Callable, NamedTuple, Optional

import numpy as np

from ..errors import ShapeError, UnsupportedError

#: Kinds of op.  Lowering and the kernels switch on these.
KINDS = ("elementwise", "comparison", "reduction", "linalg", "structural", "array")


class Reduce(NamedTuple):
    """How the kernels compute a reduction: the variant its record names.

    A group's entries, squared first if ``square``, are combined by
    ``combine`` (``"add"``, ``"mul"``, ``"max"`` or ``"min"``; max and min
    propagate nan), then ``finish`` applies: ``""``, ``"mean"`` (divide by
    the group's size) or ``"sqrt"``.  The kernels' local derivative follows
    from the variant (1, 1/size, x/out, the product of the other entries,
    ties split evenly) and must equal the record's ``weights`` rule, which
    its jvp and vjp run; the op table's tests compare them on every backend.
    """

    combine: str
    square: bool = False
    finish: str = ""


class ArrayKernel(NamedTuple):
    """The compiled loop of an ``"array"`` op: a scan, a sort, a factorization.

    The functions are plain Python over the kernels' workspace ``v`` (one
    float64 vector holding every value of a program) that numba compiles
    with the other kernels, so they must be module-level functions using
    only ``np`` and the functions in ``helpers``; their names must be
    unique among the kernels.  They run uncompiled as well.

    Attributes
    ----------
    values : callable
        ``values(v, out, n, a, na, b, nb, c, nc, ints, aux, naux)`` writes the
        op's ``n`` results to ``v[out:out + n]`` from its operands, operand q
        being the ``nq`` values from ``v[q]`` (unused operands repeat the
        last one); ``ints[aux:aux + naux]`` holds its ``geometry``.
    geometry : callable
        ``geometry(out_shape, *operand_shapes, **params) -> tuple of ints``:
        everything the loops need to know (sizes, strides, flags).
    check : callable
        ``check(geometry, n, sizes) -> bool``: the loops stay inside the
        result's ``n`` and the operands' ``sizes`` for this geometry.  Run on
        every program before a kernel sees it, so a damaged program cannot
        make the loops read or write outside the workspace.
    tangent : callable or None
        ``tangent(v, t, out, n, a, na, ..., ints, aux, naux)`` writes the
        tangent of the results to ``t[out:out + n]`` from the operands'
        tangents in ``t`` and the values in ``v``; forward mode runs it for
        each direction.  None: the op is linear in its operands, and
        ``values`` run on ``t`` is its tangent.
    helpers : tuple of callables
        Other module-level functions the loops call.
    """

    values: Callable
    geometry: Callable
    check: Callable
    tangent: Optional[Callable] = None
    helpers: tuple = ()


@dataclass(frozen=True, eq=False)
class Op:
    """One primitive operation.

    Attributes
    ----------
    name : str
        The name used in listings, expression strings and ``diffkit.ops.get``.
    arity : int
        Number of array operands; -1 for variadic ops (concatenate, stack).
    kind : str
        One of :data:`KINDS`.
    impl : callable
        The NumPy implementation ``impl(*arrays, **params)``: the reference
        semantics.
    shape : callable
        ``shape(*operand_shapes, **params) -> output shape``.
    partials : callable or None
        Elementwise ops only: ``partials(*args, out)`` returns one local
        derivative per operand (broadcastable to the output).  Runs on arrays
        and on traced values.
    jvp : callable or None
        Other ops: ``jvp(tangents, args, out, **params)``, linear in the
        tangents; an inactive operand's tangent is ``None``.
    vjp : callable or None
        Other ops: ``vjp(g, args, out, **params)`` returns one cotangent per
        operand (``None`` where the operand is not differentiable).
    flops : callable
        ``flops(out_shape, *operand_shapes, **params)``: floating-point
        operations of one evaluation, the unit of every cost record.
    smooth : bool
        False where the op has kinks; ``kink`` then states the convention.
    domain : tuple
        ``(low, high)`` for each operand: where tests draw random inputs.
    symbol : str or None
        Infix operator for listings (``"+"``), else the op is listed as a call.
    numpy : tuple
        NumPy callables that trace to this op (``np.sin``, ``np.sum``...).
    dtype : str
        ``"float64"``, ``"bool"`` for comparisons or ``"int64"`` for positions
        (argsort, argmax); only float64 results have derivatives.
    internal : bool
        True for ops that only derivative rules create (not parseable).
    normalize : callable or None
        ``normalize(shapes, **params) -> params`` puts parameters in canonical
        form (axes as sorted tuples, -1 resolved in reshape) and rejects bad
        ones; run whenever a node is built or the op is called.
    kernel : str or None
        Elementwise and comparison ops: the value on one element as a Python
        expression template in the operands ``{a}, {b}, {c}`` (a comparison
        gives its test, ``{a} < {b}``; ``{a.test}`` is an operand used as a
        condition).  None: the op is a composition of other ops, and its form
        comes from tracing ``impl``.  The kernels' partials are generated from
        ``partials`` (:mod:`diffkit.program.scalar`), so forward mode runs the
        rules reverse mode runs.
    analytic : bool or None
        Whether a complex step can run through the op (it is complex-analytic
        in its float operands and has a complex implementation).  None: the
        same as ``smooth``.
    complex_impl : callable or None
        The implementation finite differences run on complex arrays (the
        complex step) where ``impl`` does not serve; None: ``impl`` does.
    reduce : Reduce or None
        Reductions: the kernel variant (see :class:`Reduce`).
    weights : callable or None
        Nonlinear reductions: ``weights(x, out, axis, keepdims)``, the local
        derivative d out / d x of every entry of x (its group's weight).
        jvp and vjp are built from it, and the kernels' weights equal it.
    array_kernel : ArrayKernel or None
        ``"array"`` ops: their compiled loop (see :class:`ArrayKernel`).
    at_kink : callable or None
        ``at_kink(*args, out, **params) -> bool array``: where this evaluation
        sits on the kink or singular point that ``kink`` states the convention
        for.  Ops with a ``kink`` text and no test never report one (``where``:
        its condition is a comparison node of its own).
    """

    name: str
    arity: int
    kind: str
    impl: Callable
    shape: Callable
    flops: Callable
    partials: Optional[Callable] = None
    jvp: Optional[Callable] = None
    vjp: Optional[Callable] = None
    smooth: bool = True
    kink: str = ""
    domain: tuple = ((-2.0, 2.0),)
    symbol: Optional[str] = None
    numpy: tuple = ()
    dtype: str = "float64"
    internal: bool = False
    normalize: Optional[Callable] = None
    kernel: Optional[str] = None
    analytic: Optional[bool] = None
    complex_impl: Optional[Callable] = None
    at_kink: Optional[Callable] = None
    reduce: Optional[Reduce] = None
    weights: Optional[Callable] = None
    array_kernel: Optional[ArrayKernel] = None

    def __post_init__(self):
        if self.analytic is None:
            object.__setattr__(self, "analytic", self.smooth)

    def result_dtype(self, operand_dtypes):
        """The dtype of the op's result: ``dtype``, except that a structural op (it moves
        entries) keeps the dtype its operands share, as NumPy does for masks and positions."""
        if self.kind == "structural" and operand_dtypes and all(
                d == operand_dtypes[0] for d in operand_dtypes):
            return operand_dtypes[0]
        return self.dtype

    @property
    def differentiable(self):
        return self.dtype == "float64" and (self.partials or self.vjp) is not None

    def __repr__(self):
        return f"Op({self.name!r})"


_REGISTRY = {}


def register(op):
    """Add ``op`` to the table; names are unique."""
    if op.name in _REGISTRY:
        raise ValueError(f"op {op.name!r} is registered twice")
    if op.kind not in KINDS:
        raise ValueError(f"op {op.name!r} has unknown kind {op.kind!r}")
    if (op.kind == "array") != (op.array_kernel is not None):
        raise ValueError(f"op {op.name!r}: an array_kernel is what makes an op of kind 'array'")
    _REGISTRY[op.name] = op
    return op


def get(name):
    """Return the op called ``name``.

    Examples
    --------
    >>> from diffkit import ops
    >>> ops.get("sin").kind
    'elementwise'
    """
    try:
        return _REGISTRY[name]
    except KeyError:
        raise UnsupportedError(
            f"unknown op {name!r}; the supported ops are listed by diffkit.ops.names()"
        ) from None


def names(include_internal=False):
    """Names of all registered ops, in registration order."""
    return [n for n, op in _REGISTRY.items() if include_internal or not op.internal]


def all_ops():
    """All registered op records, internal ones included."""
    return list(_REGISTRY.values())


# -- applying an op to arrays or traced values ------------------------------

def call(name, *args, **params):
    """Apply op ``name``: to NumPy values it computes, to traced values it records.

    Derivative rules and the parser call ops only through this function, so
    one rule serves the reference interpreter and the graph builder.

    Examples
    --------
    >>> from diffkit import ops
    >>> float(ops.call("mul", 2.0, 3.0))
    6.0
    """
    for a in args:
        hook = getattr(type(a), "_diffkit_apply", None)
        if hook is not None:
            return hook(name, args, params)
    op = get(name)
    arrays = [np.asarray(a) for a in args]
    if op.normalize is not None:
        params = op.normalize([a.shape for a in arrays], **params)
    with np.errstate(all="ignore"):
        return op.impl(*arrays, **params)


# -- helpers shared by shape and derivative rules ---------------------------

def size(shape):
    """Number of elements of an array of ``shape``."""
    return int(math.prod(shape))


def broadcast_shapes(*shapes):
    """NumPy's broadcasting of ``shapes``, raising a diffkit ShapeError."""
    first = shapes[0]
    for s in shapes:
        if s != first:
            break
    else:  # equal shapes, the common case: 20x cheaper than NumPy's
        return tuple(first)
    try:
        return tuple(np.broadcast_shapes(*shapes))
    except ValueError:
        pretty = " and ".join(str(tuple(s)) for s in shapes)
        raise ShapeError(
            f"shapes {pretty} do not broadcast together; reshape an operand "
            "(e.g. x[:, None]) so that trailing dimensions match or are 1"
        ) from None


def normalize_axis(axis, ndim):
    """Turn ``axis`` (None, int or tuple) into a sorted tuple of non-negative ints."""
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    out = []
    for a in axes:
        a = int(a)
        if not -ndim <= a < max(ndim, 1):
            raise ShapeError(f"axis {a} is out of bounds for an array of dimension {ndim}")
        out.append(a % max(ndim, 1))
    if len(set(out)) != len(out):
        raise ShapeError(f"axis {axis} repeats an axis")
    return tuple(sorted(out))


def unbroadcast(g, shape):
    """Sum ``g`` over the axes that broadcasting added to reach ``g.shape`` from ``shape``.

    The adjoint of broadcasting; works on arrays and on traced values.
    """
    shape = tuple(shape)
    if tuple(g.shape) == shape:
        return g
    lead = len(g.shape) - len(shape)
    axes = tuple(range(lead)) + tuple(
        lead + i for i, n in enumerate(shape) if n == 1 and g.shape[lead + i] != 1)
    if axes:
        g = call("sum", g, axis=axes, keepdims=False)
    return call("reshape", g, shape=shape)


class Scatter:
    """A cotangent that is zero except at ``index``, where it is ``values``.

    A VJP rule returns one for an operand it touches only at some entries
    (indexing).  The reverse sweep adds all of an array's Scatters into zeros
    in one ``getitem_t`` node once the array's users are done: a full-size
    cotangent per slice would make the adjoint of many slices of one array
    cost O(slices x size).
    """

    __slots__ = ("index", "values")

    def __init__(self, index, values):
        self.index, self.values = index, values


def zmul_impl(a, b):
    """Product in which a zero factor wins: 0 * inf = 0 and 0 * nan = 0.

    Derivatives propagate through this product, so a zero cotangent or a
    branch that ``np.where`` did not select contributes exactly zero even
    where the other factor is infinite (sqrt'(0)) or undefined (log'(-1)).

    The one definition of the product: written with ops only, so the kernels
    and the symbolic backend get their scalar form by tracing it, and it
    runs on complex numbers (the complex step) as it is.
    """
    return np.where(a == 0, 0.0, np.where(b == 0, 0.0, a * b))


def zmul(a, b):
    """Apply the zero-wins product to arrays or traced values (see :func:`zmul_impl`)."""
    return call("zmul", a, b)


def elementwise_flops(out_shape, *in_shapes, **params):
    return size(out_shape)


def no_flops(out_shape, *in_shapes, **params):
    return 0
