"""Algebraic simplification: rewrites that leave every value unchanged.

Gradient graphs are full of multiplications by one and selections with a
constant condition (a derivative rule's guard that folded to False).
Dropping them shortens the program the kernels run.  Only exact identities
are used: ``x * 1 == x``, ``x ** 1 == x``, ``x + 0 == x``, ``zmul(x, 1) == x``,
``where(True, a, b) == a`` and ``reshape(x, x.shape) == x``, and only where
the kept operand already has the result's shape.
"""
import numpy as np

from .passes import prune, rewrite

_ONE = {"mul": (0, 1), "zmul": (0, 1), "div": (1,), "pow": (1,)}
_ZERO = {"add": (0, 1), "sub": (1,)}
_OPS = {*_ONE, *_ZERO, "where", "reshape"}


def _is(node, number):
    if node["op"] != "const" or node["dtype"] == "bool":
        return False
    value = node["value"]
    return value.item() == number if value.ndim == 0 else bool(np.all(value == number))


def identity(a, args, nodes):
    """The rule: the operand an exact identity says the node equals, or None."""
    op = a["op"]
    if op not in _OPS:
        return None
    shape = a["shape"]
    for table, number in ((_ONE, 1.0), (_ZERO, 0.0)):
        for pos in table.get(op, ()):
            other = args[1 - pos]
            if _is(nodes[args[pos]], number) and nodes[other]["shape"] == shape:
                return other
    if op == "reshape":  # to the shape it has: the operand itself
        return args[0] if nodes[args[0]]["shape"] == shape else None
    if op == "where":
        cond = nodes[args[0]]
        if cond["op"] == "const":
            value = cond["value"]
            pick = args[1] if np.all(value) else args[2] if not np.any(value) else None
            if pick is not None and nodes[pick]["shape"] == shape:
                return pick
    return None


def algebraic(graph):
    """Apply exact identities; see the module docstring.

    Examples
    --------
    >>> import diffkit
    >>> g = diffkit.parse("(x * 1.0) ** 1.0 + 0.0")
    >>> diffkit.passes.algebraic(g).op_counts()
    {}
    """
    return prune(rewrite(graph, [identity]))
