"""Graph passes: pure ``Graph -> Graph`` functions that keep every output value.

* :func:`prune` drops nodes no output depends on (inputs always stay);
* :func:`cse` merges nodes that compute the same thing from the same operands;
* :func:`fold_constants` evaluates nodes whose operands are all constants;
* :func:`~diffkit.graph.algebra.algebraic` applies exact identities;
* :func:`simplify` does all four in one walk over the graph and one prune.

Each rewrite is a *rule* ``rule(attrs, args, nodes)``: given a node's
attributes, its operands (already rewritten), and the nodes made so far, it
returns the id of a node that computes the same value, new attributes for
the node (the next rules see those), or None.  A :class:`Rewriter` applies
rules to each node as it is placed, so the same rules serve a walk over an
existing graph (:func:`rewrite`) and a builder that simplifies while it
builds (the adjoint sweep's).
"""
import numpy as np

from .. import ops
from .graph import Graph, GraphBuilder, bulk


class Rewriter:
    """Places nodes in a builder: first rule that answers wins, equal nodes merge.

    Parameters
    ----------
    rules : sequence of callables
        See the module notes.
    merge : bool
        Merge a node with an equal one placed before (CSE).
    """

    def __init__(self, rules, merge=True):
        self.rules = tuple(rules)
        self.seen = {} if merge else None

    @staticmethod
    def key(a):
        """What makes two nodes equal: op, operands and parameters (or a constant's bytes)."""
        if a["op"] == "const":
            return ("const", a["dtype"], a["shape"], a["value"].tobytes())
        params = a["params"]
        return (a["op"], a["args"], tuple(sorted(params.items())) if params else ())

    def register(self, n, a):
        """Make the existing node ``n`` available for merging."""
        if self.seen is not None and a["op"] != "input":
            self.seen.setdefault(self.key(a), n)

    def place(self, builder, a):
        if a["op"] == "input":
            return builder.append(a)
        nodes = builder.nodes
        for rule in self.rules:
            new = rule(a, a["args"], nodes)
            if new is None:
                continue
            if not isinstance(new, dict):
                return new
            a = new
        if self.seen is None:
            return builder.append(a)
        key = self.key(a)
        found = self.seen.get(key)
        if found is None:
            found = self.seen[key] = builder.append(a)
        return found


@bulk
def rewrite(graph, rules, merge=False):
    """Copy ``graph`` in topological order, letting ``rules`` replace nodes.

    A node whose operands did not change keeps its attribute dict (graphs
    are immutable, so sharing it is safe).  Dead nodes are kept; see
    :func:`prune`.
    """
    builder = GraphBuilder(Rewriter(rules, merge))
    mapping = {}
    src, new_id = graph._nodes, mapping.__getitem__
    for n in graph.order:
        a = src[n]
        old_args = a["args"]
        args = tuple(map(new_id, old_args))
        if args != old_args:
            a = dict(a, args=args)
        mapping[n] = builder.place(a)
    return Graph._trusted(builder.nodes, [mapping[n] for n in graph.inputs],
                          [mapping[n] for n in graph.outputs])


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
    live = graph.ancestors(graph.outputs)
    live.update(graph.inputs)
    if len(live) == graph.num_nodes:
        return graph
    nodes = {n: a for n, a in graph._nodes.items() if n in live}
    return Graph._trusted(nodes, graph.inputs, graph.outputs)


def _fold(a, args, nodes):
    """The folding rule: an op of constants is a constant, unless that grows storage.

    A node whose value would be larger than its largest operand (a broadcast
    of a scalar to a long vector) stays an operation: a broadcast is cheaper
    to compute than to store and copy in on every run, and the rule does not
    depend on sizes, so costs scale the same way at every size.
    """
    if not args:
        return None
    operands = [nodes[m] for m in args]
    for o in operands:
        if o["op"] != "const":
            return None
    largest = max(ops.size(o["shape"]) for o in operands)
    if ops.size(a["shape"]) > max(largest, 1):
        return None
    with np.errstate(all="ignore"):
        value = np.asarray(ops.get(a["op"]).impl(*(o["value"] for o in operands), **a["params"]))
    dtype = a["dtype"]  # the folded node's: a mask stays a mask, positions stay positions
    value = value.astype(dtype)
    value.setflags(write=False)
    return {"op": "const", "args": (), "params": GraphBuilder._NO_PARAMS, "shape": value.shape,
            "dtype": dtype, "value": value, "text": None}


def cse(graph):
    """Merge structurally identical nodes (common-subexpression elimination).

    Examples
    --------
    >>> import numpy as np, diffkit
    >>> g = diffkit.trace(lambda x: np.sin(x) * np.sin(x), 1.0)
    >>> g.num_nodes, diffkit.passes.cse(g).num_nodes
    (4, 3)
    """
    return rewrite(graph, [], merge=True)


def fold_constants(graph):
    """Replace every node whose operands are all constants by its value.

    A node whose value would be larger than its largest operand stays an
    operation (see the folding rule).

    Examples
    --------
    >>> import numpy as np, diffkit
    >>> g = diffkit.trace(lambda x: x * np.exp(np.ones(2) * 0.0), np.ones(2))
    >>> diffkit.passes.fold_constants(g).op_counts()
    {'mul': 1}
    """
    return prune(rewrite(graph, [_fold]))


def simplify(graph):
    """Constant folding, exact algebraic identities, CSE and pruning: run before lowering.

    One walk applies the three rewrites node by node (a folded constant is
    merged with an equal one, an identity exposed by folding is taken at
    once), then one prune drops what no output needs.  The result knows it is
    simplified (``graph.simplified``), so simplifying it again is free.
    """
    if graph.simplified:
        return graph
    return simplified(rewrite(graph, SIMPLIFY_RULES, merge=True))


def simplified(graph):
    """``graph``, built through the simplify rules, pruned and marked simplified.

    The last step of :func:`simplify` and of every builder that simplified
    as it went (the trace behind :func:`~diffkit.graph.front.as_graph`, the
    adjoint sweep).
    """
    graph = prune(graph)
    graph.simplified = True
    return graph


from .algebra import algebraic, identity  # noqa: E402  (algebra builds on rewrite and prune)

#: The rules of :func:`simplify`, in the order they are tried (merging comes last).
SIMPLIFY_RULES = (_fold, identity)
