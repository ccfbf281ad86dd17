"""Graph passes: pure ``Graph -> Graph`` functions that keep every output value.

* :func:`prune` drops nodes no output depends on (inputs always stay);
* :func:`cse` merges nodes that compute the same thing from the same operands;
* :func:`fold_constants` evaluates nodes whose operands are all constants.
"""
import networkx as nx
import numpy as np

from .. import ops
from .graph import GraphBuilder


def rebuild(graph, keep=None, rewrite=None):
    """Copy ``graph`` node by node in topological order.

    ``keep(n)`` decides which nodes survive (default: all).  ``rewrite(n,
    builder, new_args)`` may return the id of an existing new node to use
    instead of copying ``n``.  Returns the new Graph.
    """
    builder = GraphBuilder()
    mapping = {}
    for n in graph.order:
        a = graph.node(n)
        if keep is not None and not keep(n) and a["op"] != "input":
            continue
        if a["op"] == "input":
            mapping[n] = builder.add_input(a["name"], a["shape"])
            continue
        args = tuple(mapping[m] for m in a["args"])
        new = rewrite(n, builder, args) if rewrite is not None else None
        if new is None:
            if a["op"] == "const":
                new = builder.add_const(a["value"], text=a.get("text"))
            else:
                new = builder.add_op(a["op"], args, a["params"])
        mapping[n] = new
    return builder.finish([mapping[n] for n in graph.outputs])


def prune(graph):
    """Remove every node that no output depends on.

    Examples
    --------
    >>> import numpy as np, diffkit
    >>> def f(x):
    ...     unused = np.exp(x)
    ...     return np.sin(x)
    >>> g = diffkit.trace(f, 1.0)
    >>> g.num_nodes, diffkit.passes.prune(g).num_nodes
    (3, 2)
    """
    needed = set(graph.outputs)
    for n in graph.outputs:
        needed |= nx.ancestors(graph.nx, n)
    return rebuild(graph, keep=needed.__contains__)


def _key(a, args):
    if a["op"] == "const":
        return ("const", a["dtype"], a["shape"], a["value"].tobytes())
    return (a["op"], args, tuple(sorted(a["params"].items())))


def cse(graph):
    """Merge structurally identical nodes (common-subexpression elimination).

    Examples
    --------
    >>> import numpy as np, diffkit
    >>> g = diffkit.trace(lambda x: np.sin(x) * np.sin(x), 1.0)
    >>> g.num_nodes, diffkit.passes.cse(g).num_nodes
    (4, 3)
    """
    seen = {}

    def rewrite(n, builder, args):
        return seen.get(_key(graph.node(n), args))

    def remember(n, builder, args):
        found = rewrite(n, builder, args)
        if found is not None:
            return found
        a = graph.node(n)
        new = (builder.add_const(a["value"], text=a.get("text")) if a["op"] == "const"
               else builder.add_op(a["op"], args, a["params"]))
        seen[_key(a, args)] = new
        return new

    return rebuild(graph, rewrite=remember)


def fold_constants(graph):
    """Replace every node whose operands are all constants by its value.

    A node whose value would be larger than its largest operand (a broadcast
    of a scalar to a long vector) stays an operation: a broadcast is cheaper to
    compute than to store and copy in on every run, and the rule does not
    depend on sizes, so costs scale the same way at every size.

    Examples
    --------
    >>> import numpy as np, diffkit
    >>> g = diffkit.trace(lambda x: x * np.exp(np.ones(2) * 0.0), np.ones(2))
    >>> diffkit.passes.fold_constants(g).op_counts()
    {'mul': 1}
    """
    def rewrite(n, builder, args):
        a = graph.node(n)
        if a["op"] in ("input", "const"):
            return None
        operands = [builder.nx.nodes[m] for m in args]
        largest = max((ops.size(o["shape"]) for o in operands), default=0)
        if ops.size(a["shape"]) > max(largest, 1):
            return None
        if all(o["op"] == "const" for o in operands):
            with np.errstate(all="ignore"):
                value = ops.get(a["op"]).impl(*(o["value"] for o in operands), **a["params"])
            return builder.add_const(np.asarray(value))
        return None

    return prune(rebuild(graph, rewrite=rewrite))


def simplify(graph):
    """Constant folding, exact algebraic identities, CSE and pruning: run before lowering."""
    return prune(cse(algebraic(fold_constants(graph))))


from .algebra import algebraic  # noqa: E402  (algebra builds on rebuild and prune above)
