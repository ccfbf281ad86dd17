"""The ``diffkit`` command.

``diffkit graph [EXPR]`` prints an expression's graph as a listing and draws it.
Errors print one line on stderr and exit with status 2, never a traceback.
"""
import argparse
import sys

from .errors import DiffkitError

#: The lecture example, as the straight-line program the lectures write.
LECTURE_PROGRAM = ("z1 = x * y; z2 = x ** 2; z3 = exp(z1); z4 = 2 * z2; z5 = z3 + z4; "
                   "out = sin(z5)")


def _shapes(text):
    """``x=3,W=2x3`` -> {'x': (3,), 'W': (2, 3)}."""
    shapes = {}
    for item in filter(None, (text or "").split(",")):
        name, _, dims = item.partition("=")
        try:
            shapes[name.strip()] = tuple(int(d) for d in dims.split("x") if d.strip())
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"bad shape {item!r}: write name=3 or name=2x3") from None
    return shapes


def cmd_graph(args):
    from .graph import parse
    graph = parse(args.expression, shapes=args.shapes)
    print(graph.listing())
    print(f"\n|V| = {graph.num_nodes}  |E| = {graph.num_edges}  depth = {graph.depth}  "
          f"inputs = {', '.join(graph.input_names)}")
    if args.dot:
        with open(args.dot, "w") as fh:
            fh.write(graph.to_dot() + "\n")
        print(f"wrote {args.dot}")
    if args.output:
        graph.draw(path=args.output)
        print(f"wrote {args.output}")
    return 0


def build_parser():
    parser = argparse.ArgumentParser(
        prog="diffkit", description="Differentiate NumPy code four ways and measure it.")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("graph", help="print an expression's computation graph and draw it")
    p.add_argument("expression", nargs="?", default=LECTURE_PROGRAM,
                   help="expression or ';'-separated program (default: the lecture example)")
    p.add_argument("--shapes", type=_shapes, default={},
                   help="shapes of array inputs, e.g. x=3,W=2x3 (default: scalars)")
    p.add_argument("-o", "--output", default="diffkit-graph.png",
                   help="picture to write (default: diffkit-graph.png; '' for none)")
    p.add_argument("--dot", default=None, help="also write Graphviz DOT text to this file")
    p.set_defaults(run=cmd_graph)
    return parser


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except DiffkitError as err:
        # one line: the message (a ParseError's names line and column); str(err) may go on
        # with the source and a caret, which would not fit one line
        first = (str(err).splitlines() or [type(err).__name__])[0]
        print(f"diffkit {args.command}: {first}", file=sys.stderr)
        return 2
    except OSError as err:
        print(f"diffkit {args.command}: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
