"""The ``diffkit`` command.

``diffkit graph [EXPR]`` prints an expression's graph as a listing and draws it.
``diffkit compare [EXPR] --at x=1.1,y=0.7`` differentiates it four ways and
prints the side-by-side table (``--json`` or ``--csv`` for machines).
``diffkit report`` and ``diffkit profile EXPERIMENT`` run the lecture experiments.
Errors print one line on stderr and exit with status 2, never a traceback.
"""
import argparse
import ast
import sys

from .errors import DiffkitError
from .problems.lecture import LECTURE_EXPRESSION, LECTURE_POINT, LECTURE_PROGRAM


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


#: The lecture example and its point: what ``diffkit compare`` runs with no arguments.
LECTURE_AT = "x={},y={}".format(*LECTURE_POINT)


def _split_top(text):
    """Split on commas that are not inside brackets."""
    parts, depth, cur = [], 0, ""
    for ch in text:
        depth += ch in "[(" and 1 or (-1 if ch in "])" else 0)
        if ch == "," and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    return parts + [cur]


def parse_point(text):
    """``x=1.1,y=[1,2]`` -> {'x': 1.1, 'y': array([1., 2.])}."""
    import numpy as np
    point = {}
    for item in filter(str.strip, _split_top(text or "")):
        name, eq, value = item.partition("=")
        name = name.strip()
        if not eq or not name.isidentifier():
            raise ValueError(f"bad point entry {item.strip()!r}: write name=value, e.g. "
                             "x=1.1,y=0.7 or x=[1,2,3]")
        try:
            arr = np.asarray(ast.literal_eval(value.strip()), dtype=float)
        except (ValueError, SyntaxError, TypeError):
            raise ValueError(f"bad value for {name}: {value.strip()!r} is not a number or a "
                             "list of numbers") from None
        point[name] = float(arr) if arr.ndim == 0 else arr
    return point


def cmd_compare(args):
    from .comparison import compare
    from .graph import parse
    expression = args.expression or LECTURE_EXPRESSION
    names = parse(expression).input_names
    at = args.at if args.at is not None else (LECTURE_AT if not args.expression else None)
    if at is None:
        raise ValueError("give the point with --at, e.g. --at x=1.1,y=0.7")
    point = parse_point(at)
    missing = [n for n in names if n not in point]
    extra = [n for n in point if n not in names]
    if missing or extra:
        raise ValueError(f"the expression's inputs are {', '.join(names)}; "
                         + (f"--at lacks {', '.join(missing)}" if missing else
                            f"--at names unknown input(s) {', '.join(extra)}"))
    methods = tuple(m.strip() for m in args.methods.split(",") if m.strip())
    options = {"fd": {"scheme": args.scheme}} if "fd" in methods else {}
    report = compare(expression, *(point[n] for n in names), methods=methods,
                     options=options, repeats=args.repeats)
    if args.json:
        print(report.to_json())
    elif args.csv:
        print(report.to_csv(), end="")
    else:
        print(report)
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
    c = sub.add_parser("compare", help="differentiate an expression four ways, side by side")
    c.add_argument("expression", nargs="?", default=None,
                   help=f"expression (default: the lecture example {LECTURE_EXPRESSION})")
    c.add_argument("--at", default=None,
                   help=f"the point, e.g. x=1.1,y=0.7 or x=[1,2,3] (default with the "
                        f"lecture example: {LECTURE_AT})")
    c.add_argument("--methods", default="fd,symbolic,forward,reverse",
                   help="comma-separated methods (default: fd,symbolic,forward,reverse)")
    c.add_argument("--scheme", default="central",
                   help="finite-difference scheme: forward, backward, central, central4, "
                        "complex, richardson (default: central)")
    c.add_argument("--repeats", type=int, default=5,
                   help="rounds for the steady-state time, best of (default: 5)")
    fmt = c.add_mutually_exclusive_group()
    fmt.add_argument("--json", action="store_true", help="print the report as JSON")
    fmt.add_argument("--csv", action="store_true", help="print the report as CSV")
    c.set_defaults(run=cmd_compare)
    from .profile.cli import add_subcommands
    add_subcommands(sub)  # report, profile
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
    except (ValueError, TypeError, ArithmeticError) as err:
        if args.command != "compare":
            raise
        # bad points and the like: one line, never a traceback
        message = (str(err).splitlines() or [repr(err)])[0]
        print(f"diffkit compare: {message}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
