"""Graph passes: pure ``Graph -> Graph`` functions that keep every output value.

* :func:`prune` drops nodes no output depends on (inputs always stay);
* :func:`cse` merges nodes that compute the same thing from the same operands;
* :func:`fold_constants` evaluates nodes whose operands are all constants;
* :func:`~diffkit.graph.algebra.algebraic` applies exact identities;
* :func:`simplify` does all four in one walk over the graph and one prune.

Each rewrite is a *rule* ``rule(attrs, args, nodes)``: given a node's
attributes, its operands already rewritten, and the nodes made so far, it
returns the id of a node that computes the same value (the walk moves on),
new attributes for the node (the next rules see those), or None.  :func:`rewrite` runs any list of rules in a single
topological walk, so composing passes costs one copy of the graph, not one
per pass.
"""
import numpy as np

from .. import ops
from .graph import Graph

_LEAVES = ("input", "const")


def _add(nodes, attrs):
    n = len(nodes)  # ids run 0, 1, 2... in the order nodes are made
    nodes[n] = attrs
    return n


def rewrite(graph, rules):
    """Copy ``graph`` in topological order, letting ``rules`` replace nodes.

    A node whose operands did not change keeps its attribute dict (graphs
    are immutable, so sharing it is safe).  Dead nodes are kept; see
    :func:`prune`.
    """
    nodes, mapping = {}, {}
    src, new_id = graph._nodes, mapping.__getitem__
    for n in graph.order:
        a = src[n]
        old_args = a["args"]
        args = tuple(map(new_id, old_args))
        if args != old_args:
            a = dict(a, args=args)
        new = None
        if a["op"] != "input":
            for rule in rules:
                new = rule(a, args, nodes)
                if isinstance(new, dict):
                    a, args, new = new, new["args"], None
                elif new is not None:
                    break
        mapping[n] = _add(nodes, a) if new is None else new
    return Graph._trusted(nodes, [mapping[n] for n in graph.inputs],
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


class _Merge:
    """The CSE rule: a node equal to one seen before (same op, operands, params) is that node."""

    def __init__(self):
        self.seen = {}

    @staticmethod
    def key(a, args):
        if a["op"] == "const":
            v = a["value"]
            return ("const", a["dtype"], a["shape"], v.tobytes())
        params = a["params"]
        return (a["op"], args, tuple(sorted(params.items())) if params else ())

    def __call__(self, a, args, nodes):
        key = self.key(a, args)
        found = self.seen.get(key)
        if found is None:
            found = self.seen[key] = _add(nodes, a)
        return found


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
    dtype = "bool" if value.dtype == bool else "float64"
    value = value.astype(dtype)
    value.setflags(write=False)
    return {"op": "const", "args": (), "params": {}, "shape": value.shape, "dtype": dtype,
            "value": value, "text": None}


def cse(graph):
    """Merge structurally identical nodes (common-subexpression elimination).

    Examples
    --------
    >>> import numpy as np, diffkit
    >>> g = diffkit.trace(lambda x: np.sin(x) * np.sin(x), 1.0)
    >>> g.num_nodes, diffkit.passes.cse(g).num_nodes
    (4, 3)
    """
    return rewrite(graph, [_Merge()])


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
    once), then one prune drops what no output needs.
    """
    return prune(rewrite(graph, [_fold, identity, _Merge()]))


from .algebra import algebraic, identity  # noqa: E402  (algebra builds on rewrite and prune)
