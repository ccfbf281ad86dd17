"""Plain NumPy evaluation of a graph: the reference semantics of diffkit.

Each node runs its op's NumPy implementation, so a traced function evaluated
here returns exactly what the original NumPy code returns.
"""
import numpy as np

from .. import ops
from ..errors import ArgumentError, ShapeError


#: Argument types that need no conversion check: the hot path of scalar calls.
PLAIN_SCALARS = frozenset((float, int, np.float64))

#: Why complex values are refused, and what to do instead.
COMPLEX = ("complex differentiation is out of scope for diffkit; pass the real and imaginary "
           "parts as two real arrays")


def real_array(name, value):
    """``value`` as a float64 array, or an ArgumentError if it is not real numbers.

    The one test of what a differentiable argument may be: booleans, integers and
    floats (scalars or arrays) pass, as float64 (a float32 argument is computed in
    float64); None, strings, bytes, complex numbers, datetimes and objects do not
    (``np.asarray(None, dtype=float)`` would be nan, ``float('1.5')`` a number, and a
    complex value would lose its imaginary part).
    """
    arr = np.asarray(value)
    if arr.dtype == np.float64:  # the common case: one conversion per argument
        return arr
    if arr.dtype.kind == "c":
        raise ArgumentError(f"{name} must be real numbers, got complex {type(value).__name__} "
                            f"{value!r:.40}: {COMPLEX}")
    if arr.dtype.kind not in "biuf":
        raise ArgumentError(f"{name} must be real numbers (a float or an array of floats), "
                            f"got {type(value).__name__} {value!r:.40}")
    return arr.astype(float)


def check_args(graph, args):
    """Convert ``args`` to float64 arrays of the input shapes, or raise a clear error."""
    return check_values(graph.input_names, graph.input_shapes, args)


def check_values(names, shapes, args):
    """``check_args`` for inputs given by their names and shapes."""
    if len(args) != len(names):
        raise ArgumentError(f"the graph takes {len(names)} input(s) ({', '.join(names)}), "
                            f"got {len(args)}; pass one value per input, in that order")
    arrays = []
    for name, shape, value in zip(names, shapes, args):
        arr = real_array(f"input {name!r}", value)
        if arr.shape != shape:
            raise ShapeError(f"input {name!r} has shape {arr.shape} but the graph was built "
                             f"for shape {shape}; trace again with an example of that shape")
        arrays.append(arr)
    return arrays


def evaluate_all(graph, args):
    """Value of every node, as a dict ``node -> ndarray``."""
    values = dict(zip(graph.inputs, check_args(graph, args)))
    node = graph.node
    with np.errstate(all="ignore"):
        for n in graph.order:
            a = node(n)
            kind = a["op"]
            if kind == "const":
                values[n] = a["value"]
            elif kind != "input":
                impl = ops.get(kind).impl
                values[n] = np.asarray(impl(*(values[m] for m in a["args"]), **a["params"]))
    return values


def as_result(graph, values):
    """Output value(s) as returned to users: a 0-d output becomes a NumPy scalar."""
    outs = [values[n][()] if values[n].ndim == 0 else values[n] for n in graph.outputs]
    return outs[0] if len(outs) == 1 else tuple(outs)


def evaluate(graph, *args):
    """Evaluate ``graph`` at ``args`` with plain NumPy.

    Parameters
    ----------
    graph : Graph
    *args : float or array_like
        One value per input, of the shape the graph was built for.

    Returns
    -------
    ndarray or numpy scalar, or a tuple of them for several outputs.

    Examples
    --------
    >>> import diffkit
    >>> g = diffkit.parse("x * y + 1")
    >>> float(diffkit.evaluate(g, 2.0, 3.0))
    7.0
    """
    return as_result(graph, evaluate_all(graph, args))
