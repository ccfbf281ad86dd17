"""Computation graphs: nodes in topological order, with a networkx view.

A :class:`Graph` holds its nodes as attribute dicts keyed by node id, in
topological order (the order the builder created them).  Each node carries:

``op``
    ``"input"``, ``"const"`` or the name of an op in :mod:`diffkit.ops`.
``args``
    Operand node ids in order.  ``x * x`` has one predecessor but the
    operands ``(x, x)``: a DiGraph merges the two edges, the tuple does not.
``params``
    Op parameters in canonical form (see ``Op.normalize``).
``shape``, ``dtype``
    Shape tuple and ``"float64"`` or ``"bool"``.
``value``
    The array of a ``"const"`` node.
``name``
    The name of an ``"input"`` node.

``graph.nx`` is the same graph as a ``networkx.DiGraph``, built the first
time it is asked for: diffkit's own passes read the node table directly, so
a graph of 10^5 nodes costs no networkx structures unless a user wants them.

Graphs are immutable once built: passes return new graphs.  Every algorithm
here is iterative, so chains of 100,000 nodes are fine.
"""
import functools
import gc
from types import MappingProxyType

import networkx as nx
import numpy as np

from .. import ops
from ..errors import GraphError, OptionError
from .format import describe, listing, to_dot

_LEAVES = ("input", "const")


def bulk(fn):
    """Run ``fn`` with Python's cycle collector paused (it is restarted after).

    Building, rewriting and lowering graphs allocate millions of dicts and
    tuples that form no reference cycles; the collector's passes over them
    find nothing, yet cost about a quarter of the build time (measured on a
    60,000-node graph).  Nested uses leave the collector as they found it.

    Examples
    --------
    >>> import gc
    >>> @bulk
    ... def build():
    ...     return gc.isenabled()
    >>> build(), gc.isenabled()
    (False, True)
    """
    @functools.wraps(fn)
    def paused(*args, **kwargs):
        if not gc.isenabled():
            return fn(*args, **kwargs)
        gc.disable()
        try:
            return fn(*args, **kwargs)
        finally:
            gc.enable()
    return paused


class Graph:
    """A computation graph with ordered inputs and outputs.

    Build one with :func:`diffkit.trace` or :func:`diffkit.parse`; calling it
    evaluates it with NumPy.

    Examples
    --------
    >>> import numpy as np, diffkit
    >>> g = diffkit.trace(lambda x, y: np.sin(np.exp(x * y) + 2 * x ** 2), 1.0, 2.0)
    >>> g.num_nodes, g.num_edges, g.depth
    (10, 10, 4)
    >>> print(g.listing())
    z1 = x * y
    z2 = exp(z1)
    z3 = x ** 2
    z4 = 2 * z3
    z5 = z2 + z4
    out = sin(z5)
    >>> round(float(g(1.1, 0.7)), 12)
    -0.991218488867
    """

    def __init__(self, nxgraph, inputs, outputs):
        nodes = {n: dict(a) for n, a in nxgraph.nodes(data=True)}
        self._set(nodes, inputs, outputs, order=None)
        self._nx = nxgraph
        self.validate()

    @classmethod
    def _trusted(cls, nodes, inputs, outputs):
        """A graph from a builder, which made ``nodes`` in topological order with
        checked operands and computed shapes: nothing to sort or re-check."""
        graph = cls.__new__(cls)
        graph._set(nodes, inputs, outputs, order=list(nodes))
        return graph

    def _set(self, nodes, inputs, outputs, order):
        self._nodes = nodes
        self.inputs = tuple(inputs)
        self.outputs = tuple(outputs)
        self._order = order
        self._nx = None
        self.simplified = False  # set by passes.simplify on its results

    # -- structure ----------------------------------------------------------
    def node(self, n):
        """Attribute dict of node ``n`` (do not modify it)."""
        return self._nodes[n]

    @property
    def nx(self):
        """The graph as a ``networkx.DiGraph`` (node attributes as above), built once."""
        if self._nx is None:
            g = nx.DiGraph()
            g.add_nodes_from(self._nodes.items())
            g.add_edges_from((m, n) for n, a in self._nodes.items() for m in set(a["args"]))
            self._nx = g
        return self._nx

    @property
    def order(self):
        """Node ids in topological order (ties broken by id: creation order)."""
        if self._order is None:
            self._order = list(nx.lexicographical_topological_sort(self.nx))
        return self._order

    @property
    def num_nodes(self):
        """|V|: inputs, constants and operations."""
        return len(self._nodes)

    @property
    def num_edges(self):
        """|E|: distinct (operand, user) pairs."""
        return sum(len(set(a["args"])) for a in self._nodes.values())

    @property
    def depth(self):
        """Length of the longest path from an input or constant to an output."""
        level = {}
        for n in self.order:
            level[n] = max((level[m] + 1 for m in self._nodes[n]["args"]), default=0)
        return max(level.values(), default=0)

    def users(self):
        """Node -> list of the nodes that use it as an operand (each user once)."""
        users = {n: [] for n in self._nodes}
        for n in self.order:
            for m in set(self._nodes[n]["args"]):
                users[m].append(n)
        return users

    def ancestors(self, nodes):
        """The set of ``nodes`` and every node they depend on."""
        seen = set(nodes)
        table = self._nodes
        for n in reversed(self.order):  # users come after their operands: one backward walk
            if n in seen:
                seen.update(table[n]["args"])
        return seen

    @property
    def input_names(self):
        return tuple(self.node(n)["name"] for n in self.inputs)

    @property
    def input_shapes(self):
        return tuple(self.node(n)["shape"] for n in self.inputs)

    @property
    def output_shapes(self):
        return tuple(self.node(n)["shape"] for n in self.outputs)

    def positions(self, argnums):
        """Input positions selected by ``argnums`` (an int or a sequence of ints; None: all).

        The one place where an ``argnums`` is checked: negative entries count from
        the end, as in Python indexing; an entry outside the inputs, a duplicate or
        a non-integer raises :class:`~diffkit.errors.OptionError`.

        Examples
        --------
        >>> import diffkit
        >>> g = diffkit.parse("x * y ** 2")
        >>> g.positions(-1), g.positions((0, 1)), g.positions(None)
        ((1,), (0, 1), (0, 1))
        >>> g.positions(5)
        Traceback (most recent call last):
        ...
        diffkit.errors.OptionError: argnums=5 is out of range: the function has 2 input(s) (x, y); use 0 to 1 (or -2 to -1 from the end)
        """
        n = len(self.inputs)
        if argnums is None:
            return tuple(range(n))
        many = not isinstance(argnums, (int, np.integer))
        items = tuple(argnums) if many and isinstance(argnums, (tuple, list)) else (argnums,)
        names = ", ".join(self.input_names)
        for i in items:
            if isinstance(i, (bool, np.bool_)) or not isinstance(i, (int, np.integer)):
                raise OptionError(f"argnums={argnums!r}: expected an int or a tuple of ints "
                                    f"naming inputs of the function ({names})")
            if not -n <= i < n:
                raise OptionError(f"argnums={argnums!r} is out of range: the function has "
                                    f"{n} input(s) ({names}); use 0 to {n - 1} (or {-n} to -1 "
                                    "from the end)")
        wrt = tuple(int(i) % n for i in items)
        if len(set(wrt)) != len(wrt):
            raise OptionError(f"argnums={argnums!r} names an input twice; list each once")
        return wrt

    def op_counts(self):
        """Number of nodes per op name (inputs and constants excluded)."""
        counts = {}
        for n in self.order:
            op = self._nodes[n]["op"]
            if op not in _LEAVES:
                counts[op] = counts.get(op, 0) + 1
        return counts

    def flops(self):
        """Floating-point operations of one evaluation, from the op table's costs."""
        total = 0
        for n in self.order:
            a = self.node(n)
            if a["op"] not in ("input", "const"):
                shapes = [self.node(m)["shape"] for m in a["args"]]
                total += ops.get(a["op"]).flops(a["shape"], *shapes, **a["params"])
        return total

    # -- checks -------------------------------------------------------------
    def validate(self):
        """Check acyclicity, operand lists, arities, shapes and dtypes.

        Checks ``graph.nx``, the structure a user may have built or edited.

        Raises
        ------
        GraphError
            Naming the first offending node.
        """
        g = self.nx
        if not nx.is_directed_acyclic_graph(g):
            cycle = nx.find_cycle(g)
            raise GraphError(f"the graph has a cycle through nodes {[e[0] for e in cycle]}")
        for n in self.inputs:
            if n not in g or g.nodes[n].get("op") != "input":
                raise GraphError(f"input {n} is not an input node")
        for n in self.outputs:
            if n not in g:
                raise GraphError(f"output {n} is not a node of the graph")
        for n, a in g.nodes(data=True):
            self._validate_node(n, a)

    def _validate_node(self, n, a):
        g = self.nx
        kind = a.get("op")
        args = a.get("args", ())
        if set(g.predecessors(n)) != set(args):
            raise GraphError(f"node {n}: edges {sorted(g.predecessors(n))} do not match "
                             f"operands {list(args)}")
        if kind in _LEAVES:
            if args:
                raise GraphError(f"node {n}: a {kind} node has no operands")
            if kind == "const" and np.shape(a.get("value")) != tuple(a["shape"]):
                raise GraphError(f"node {n}: constant value does not have shape {a['shape']}")
            return
        op = ops.get(kind)
        if op.arity >= 0 and len(args) != op.arity or op.arity < 0 and not args:
            raise GraphError(f"node {n}: {kind} takes {op.arity} operands, got {len(args)}")
        shapes = [g.nodes[m]["shape"] for m in args]
        shape = tuple(op.shape(*shapes, **a["params"]))
        if shape != tuple(a["shape"]):
            raise GraphError(f"node {n}: {kind} of shapes {shapes} gives {shape}, "
                             f"the node says {a['shape']}")
        dtype = op.result_dtype([g.nodes[m]["dtype"] for m in args])
        if a["dtype"] != dtype:
            raise GraphError(f"node {n}: {kind} gives {dtype}, the node says {a['dtype']}")

    # -- presentation -------------------------------------------------------
    def listing(self):
        """The graph as straight-line code, one assignment per operation."""
        return listing(self)

    def to_dot(self):
        """The graph as Graphviz DOT text (operand order on the edge labels)."""
        return to_dot(self)

    def draw(self, path=None, ax=None):
        """Draw the graph with matplotlib, layered by topological generation.

        Returns the matplotlib Figure; saves it to ``path`` (e.g. PNG) if given.
        """
        from .draw import draw
        return draw(self, path=path, ax=ax)

    def describe(self, n):
        """One node as it appears in the listing, e.g. ``'z3 = exp(z1)'``."""
        return describe(self, n)

    def __call__(self, *args):
        """Evaluate with NumPy; see :func:`diffkit.evaluate`."""
        from .evaluate import evaluate
        return evaluate(self, *args)

    def __repr__(self):
        ins = ", ".join(f"{n}{list(s) if s else ''}" for n, s in
                        zip(self.input_names, self.input_shapes))
        return f"<Graph ({ins}) -> {len(self.outputs)} output(s), |V|={self.num_nodes}, " \
               f"|E|={self.num_edges}>"


class GraphBuilder:
    """Accumulates nodes in creation order; :meth:`finish` returns a Graph.

    Operands exist before their users, so creation order is a topological
    order and every shape is computed once, here.

    Parameters
    ----------
    rewriter : object, optional
        Its ``place(builder, attrs) -> node id`` decides where each new node
        goes (e.g. :class:`diffkit.graph.passes.Rewriter`: simplify while
        building).  Without one every node is appended as given.
    """

    _NO_PARAMS = MappingProxyType({})  # shared by every node without parameters: read-only

    def __init__(self, rewriter=None):
        self.nodes = {}
        self.inputs = []
        self.rewriter = rewriter
        self._next = 0

    @classmethod
    def extending(cls, graph, rewriter=None):
        """A builder that starts with the nodes of ``graph`` (same ids), to add more.

        Cheaper than copying the graph op by op: its nodes are already checked.
        """
        builder = cls(rewriter)
        builder.nodes = dict(graph._nodes)
        builder.inputs = list(graph.inputs)
        builder._next = max((n for n in builder.nodes if isinstance(n, int)), default=-1) + 1
        if rewriter is not None:
            for n in graph.order:
                rewriter.register(n, builder.nodes[n])
        return builder

    def append(self, attrs):
        """Add the node ``attrs`` as it is; returns its id."""
        n = self._next
        self._next = n + 1
        self.nodes[n] = attrs
        return n

    def place(self, attrs):
        """Add the node ``attrs``, or find the node the rewriter says equals it."""
        if self.rewriter is None:
            return self.append(attrs)
        return self.rewriter.place(self, attrs)

    def shape(self, n):
        return self.nodes[n]["shape"]

    def add_input(self, name, shape):
        n = self.append({"op": "input", "args": (), "params": self._NO_PARAMS,
                         "shape": tuple(shape), "dtype": "float64", "name": name})
        self.inputs.append(n)
        return n

    def add_const(self, value, text=None):
        value = np.asarray(value)
        dtype = "bool" if value.dtype == bool else "float64"
        value = value.astype(dtype)  # a private, read-only copy
        value.setflags(write=False)
        return self.place({"op": "const", "args": (), "params": self._NO_PARAMS,
                           "shape": value.shape, "dtype": dtype, "value": value, "text": text})

    def add_op(self, name, args, params):
        """Add an op node; params must already be normalized."""
        op = ops.get(name)
        nodes = self.nodes
        shape = tuple(op.shape(*[nodes[m]["shape"] for m in args], **params))
        dtype = op.dtype if op.kind != "structural" else op.result_dtype(
            [nodes[m]["dtype"] for m in args])
        return self.place({"op": name, "args": tuple(args), "params": params or self._NO_PARAMS,
                           "shape": shape, "dtype": dtype})

    def finish(self, outputs):
        return Graph._trusted(self.nodes, self.inputs, outputs)
