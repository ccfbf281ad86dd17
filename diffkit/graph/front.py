"""The front door: a function, an expression string or a Graph, as a simplified Graph.

Every entry point of diffkit (the transforms, compare, check_grads, the
symbolic derivatives, finite differences, the profiler) accepts the same
three kinds of ``fn`` and turns them into a graph here, so they accept and
refuse the same things with the same words.
"""

import numpy as np

from ..errors import ArgumentError, OptionError
from .evaluate import check_args
from .graph import Graph
from .parsing import input_names, parse
from .passes import simplify
from .tracing import trace

def kind(fn):
    """What ``fn`` is: ``"graph"``, ``"expression"`` or ``"function"``.

    Anything else is an :class:`~diffkit.errors.ArgumentError` (a TypeError).

    Examples
    --------
    >>> import numpy as np
    >>> from diffkit.graph.front import kind
    >>> kind(np.sin), kind("sin(x)")
    ('function', 'expression')
    >>> kind(42)
    Traceback (most recent call last):
    ...
    diffkit.errors.ArgumentError: expected a function, an expression string or a Graph, got int
    """
    if isinstance(fn, Graph):  # before callable(): a Graph is callable too
        return "graph"
    if isinstance(fn, str):
        return "expression"
    if callable(fn):
        return "function"
    raise ArgumentError(f"expected a function, an expression string or a Graph, got "
                        f"{type(fn).__name__}")


def single(argnums):
    """Whether ``argnums`` names one input (an int, NumPy's included): then a derivative
    is returned as one array, not a tuple of one.

    Examples
    --------
    >>> import numpy as np
    >>> from diffkit.graph.front import single
    >>> single(0), single(np.int64(1)), single((0,)), single(None)
    (True, True, False, False)
    """
    return isinstance(argnums, (int, np.integer)) and not isinstance(argnums, bool)


def as_graph(fn, *args, shapes=None):
    """The simplified graph of ``fn`` at ``args``.

    Parameters
    ----------
    fn : callable, str or Graph
        Plain NumPy code (traced at ``args``), an expression string (parsed;
        its inputs take the shapes of ``args``, in order of first appearance)
        or a graph (its input shapes are fixed; ``args`` are checked against them).
    *args : float or array_like
        The point, one value per input.  An expression or a graph may be given
        without one: then nothing is checked.
    shapes : dict, optional
        For an expression given without ``args``: the shapes of its array
        inputs by name, e.g. ``{"x": (3,)}`` (inputs default to scalars).

    Returns
    -------
    Graph
        Simplified (:func:`diffkit.graph.passes.simplify`).  A graph that
        ``as_graph`` returned comes back as it is: callers can pass it on to
        the transforms and finite differences without simplifying it again.

    Raises
    ------
    ArgumentError
        ``fn`` is none of the three kinds, or ``args`` are not real numbers or
        not one per input.
    ShapeError
        An argument does not have the shape a graph was built for.
    OptionError
        ``shapes`` is given with ``args`` or for something other than an expression.
    TraceError, ParseError
        The function cannot be traced, or the expression parsed.

    Examples
    --------
    >>> import numpy as np
    >>> from diffkit.graph import as_graph
    >>> g = as_graph(lambda x, y: np.sum(x * 1.0) * y, np.ones(3), 2.0)
    >>> g.input_names, g.input_shapes, g.op_counts()
    (('x', 'y'), ((3,), ()), {'sum': 1, 'mul': 1})
    >>> as_graph("sum(x[1:] * x[:-1])", np.ones(4)).input_shapes
    ((4,),)
    >>> as_graph("sum(x[1:] * x[:-1])", shapes={"x": (4,)}).input_shapes
    ((4,),)
    >>> as_graph(g, np.ones(3), 2.0) is g
    True
    >>> as_graph(g, np.ones(2), 2.0)
    Traceback (most recent call last):
    ...
    diffkit.errors.ShapeError: input 'x' has shape (2,) but the graph was built for shape (3,); trace again with an example of that shape
    """
    what = kind(fn)
    if shapes is not None:
        if what != "expression":
            raise OptionError("shapes= gives the input shapes of an expression string; a "
                              "function takes them from its example arguments and a Graph "
                              "has its own: leave shapes= out")
        if args:
            raise OptionError("give either example arguments or shapes=, not both: the "
                              "arguments already fix the input shapes")
    if what == "function":
        # checks each argument as it makes it an input; simplifies as it records
        return trace(fn, *args, simplify=True)
    if what == "graph":
        graph = fn
    elif args:
        names = input_names(fn)
        graph = parse(fn, shapes=dict(zip(names, (np.shape(a) for a in args))))
    else:
        graph = parse(fn, shapes=shapes)
    if args:  # one value per input, real, of the graph's shapes: say which one differs
        check_args(graph, args)
    return simplify(graph)  # free on a graph simplify made
