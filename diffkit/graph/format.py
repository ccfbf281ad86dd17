"""Text forms of a graph: the lecture-style listing and Graphviz DOT."""
import numpy as np

from .. import ops


def _names(graph):
    """Display name of every node: inputs by name, z1.. in order, out for the output."""
    names, k, c = {}, 0, 0
    outputs = graph.outputs
    for n in graph.order:
        a = graph.node(n)
        if a["op"] == "input":
            names[n] = a["name"]
        elif a["op"] == "const":
            if a["shape"] == ():
                names[n] = a.get("text") or _scalar_text(a["value"])
            else:
                c += 1
                names[n] = f"c{c}"
        elif n in outputs:
            names[n] = "out" if len(outputs) == 1 else f"out{outputs.index(n) + 1}"
        else:
            k += 1
            names[n] = f"z{k}"
    return names


def _scalar_text(value):
    v = value[()]
    return repr(bool(v)) if isinstance(v, np.bool_) else repr(float(v))


def _params_text(name, params, shapes):
    op = ops.get(name)
    items = dict(params)
    if op.kind == "reduction":
        if items["axis"] == tuple(range(len(shapes[0]))):
            del items["axis"]
        elif len(items["axis"]) == 1:
            items["axis"] = items["axis"][0]
        if not items["keepdims"]:
            del items["keepdims"]
    return "".join(f", {k}={v!r}" for k, v in items.items())


def expression(graph, n, names):
    """Right-hand side of node ``n`` with operands called by ``names``."""
    a = graph.node(n)
    args = [names[m] for m in a["args"]]
    name = a["op"]
    op = ops.get(name)
    # an operator on constants only is written as a call (pow(0.5, 2), not 0.5 ** 2):
    # parse computes constant arithmetic in Python floats and would drop the node
    infix = any(graph.node(m)["op"] != "const" for m in a["args"])
    if op.symbol and len(args) == 2 and infix:
        return f"{args[0]} {op.symbol} {args[1]}"
    if name == "neg" and infix:
        return f"-{args[0]}"
    if name == "getitem":
        return f"{args[0]}[{ops.format_index(a['params']['index'])}]"
    shapes = [graph.node(m)["shape"] for m in a["args"]]
    if op.arity < 0:
        joined = f"[{', '.join(args)}]"
    else:
        joined = ", ".join(args)
    return f"{name}({joined}{_params_text(name, a['params'], shapes)})"


def listing(graph):
    names = _names(graph)
    lines = []
    for n in graph.order:
        a = graph.node(n)
        if a["op"] == "const" and a["shape"] != ():
            lines.append(f"{names[n]} = <constant array of shape {a['shape']}>")
        elif a["op"] not in ("input", "const"):
            lines.append(f"{names[n]} = {expression(graph, n, names)}")
    for i, n in enumerate(graph.outputs):
        if graph.node(n)["op"] in ("input", "const"):
            label = "out" if len(graph.outputs) == 1 else f"out{i + 1}"
            lines.append(f"{label} = {names[n]}")
    return "\n".join(lines)


def describe(graph, n):
    names = _names(graph)
    if graph.node(n)["op"] in ("input", "const"):
        return names[n]
    return f"{names[n]} = {expression(graph, n, names)}"


def to_dot(graph):
    names = _names(graph)
    lines = ["digraph diffkit {", "  rankdir=TB;", '  node [fontname="Helvetica"];']
    for n in graph.order:
        a = graph.node(n)
        if a["op"] == "input":
            attrs = f'label="{names[n]}", shape=box, style=filled, fillcolor="#dde8f6"'
        elif a["op"] == "const":
            attrs = f'label="{names[n]}", shape=plaintext'
        else:
            label = f"{names[n]} = {expression(graph, n, names)}".replace('"', r'\"')
            attrs = f'label="{label}", shape=ellipse'
        if n in graph.outputs:
            attrs += ", peripheries=2"
        lines.append(f"  n{n} [{attrs}];")
    for n in graph.order:
        args = graph.node(n)["args"]
        for i, m in enumerate(args):
            label = f' [label="{i}"]' if len(args) > 1 else ""
            lines.append(f"  n{m} -> n{n}{label};")
    lines.append("}")
    return "\n".join(lines)
