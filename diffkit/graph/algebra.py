"""Algebraic simplification: rewrites that leave every value unchanged.

Gradient graphs are full of multiplications by one and selections with a
constant condition (a derivative rule's guard that folded to False).
Dropping them shortens the program the kernels run.  Only exact identities
are used: ``x * 1 == x``, ``x ** 1 == x``, ``x + 0 == x``, ``zmul(x, 1) == x``
and ``where(True, a, b) == a``.
"""
import numpy as np

from .passes import prune, rebuild

_ONE = {"mul": (0, 1), "zmul": (0, 1), "div": (1,), "pow": (1,)}
_ZERO = {"add": (0, 1), "sub": (1,)}


def _const(builder, m):
    a = builder.nx.nodes[m]
    return a["value"] if a["op"] == "const" else None


def _is(value, number):
    return value is not None and value.dtype != bool and bool(np.all(value == number))


def algebraic(graph):
    """Apply exact identities; see the module docstring.

    Examples
    --------
    >>> import diffkit
    >>> g = diffkit.parse("(x * 1.0) ** 1.0 + 0.0")
    >>> diffkit.passes.algebraic(g).op_counts()
    {}
    """
    def rewrite(n, builder, args):
        a = graph.node(n)
        op, shape = a["op"], a["shape"]
        same = [builder.nx.nodes[m]["shape"] == shape for m in args]
        for table, number in ((_ONE, 1.0), (_ZERO, 0.0)):
            for pos in table.get(op, ()):
                other = 1 - pos
                if _is(_const(builder, args[pos]), number) and same[other]:
                    return args[other]
        if op == "where":
            cond = _const(builder, args[0])
            if cond is not None and (np.all(cond) or not np.any(cond)):
                pick = 1 if np.all(cond) else 2
                if same[pick]:
                    return args[pick]
        return None

    return prune(rebuild(graph, rewrite=rewrite))
