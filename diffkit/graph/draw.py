"""Drawing a graph with matplotlib, layered by topological generation."""
import networkx as nx

from .format import _names


def draw(graph, path=None, ax=None):
    """Draw ``graph``: inputs on the left, the output on the right.

    Returns the Figure; writes it to ``path`` (PNG, SVG, PDF...) if given.
    """
    import matplotlib
    if path is not None and ax is None:
        matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    g = graph.nx.copy()
    for layer, nodes in enumerate(nx.topological_generations(g)):
        for n in nodes:
            g.nodes[n]["layer"] = layer
    pos = nx.multipartite_layout(g, subset_key="layer")
    names = _names(graph)
    labels = {}
    for n in g.nodes:
        a = g.nodes[n]
        labels[n] = names[n] if a["op"] in ("input", "const") else f"{names[n]}\n{a['op']}"
    colors = ["#9ecae1" if g.nodes[n]["op"] == "input" else "#eeeeee"
              if g.nodes[n]["op"] == "const" else "#fdd49e" if n in graph.outputs
              else "#c7e9c0" for n in g.nodes]
    layers = max(nx.get_node_attributes(g, "layer").values(), default=0) + 1
    widest = max(sum(1 for _ in gen) for gen in nx.topological_generations(g))
    if ax is None:
        fig, ax = plt.subplots(figsize=(min(2.0 + 1.6 * layers, 40), min(1.5 + 1.0 * widest, 30)))
    else:
        fig = ax.figure
    nx.draw_networkx(g, pos, ax=ax, labels=labels, node_color=colors, node_size=1600,
                     font_size=8, arrows=True, arrowsize=12, edgecolors="#555555")
    ax.set_title(f"|V| = {graph.num_nodes}, |E| = {graph.num_edges}, depth = {graph.depth}")
    ax.set_axis_off()
    fig.tight_layout()
    if path is not None:
        fig.savefig(path, dpi=120)
    return fig
