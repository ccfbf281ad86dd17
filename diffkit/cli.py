"""The ``diffkit`` command.

``diffkit graph [EXPR]`` prints an expression's graph as a listing and draws it.
``diffkit compare [EXPR] --at x=1.1,y=0.7`` differentiates it four ways and
prints the side-by-side table (``--json`` or ``--csv`` for machines).
``diffkit report`` and ``diffkit profile EXPERIMENT`` run the lecture experiments.
Errors print one line on stderr and exit with status 2, never a traceback;
Ctrl-C prints one line and exits with status 130; a closed pipe (``| head``)
ends the command quietly with status 141.
"""
import argparse
import ast
import os
import sys

from .errors import DiffkitError, OptionError, OutputError
from .problems.lecture import LECTURE_EXPRESSION, LECTURE_POINT, LECTURE_PROGRAM


def _shapes(text):
    """``x=3,W=2x3`` -> {'x': (3,), 'W': (2, 3)}."""
    shapes = {}
    for item in filter(None, (text or "").split(",")):
        name, _, dims = item.partition("=")
        name = name.strip()
        try:
            shape = tuple(int(d) for d in dims.split("x") if d.strip())
        except ValueError:
            shape = None
        if not name.isidentifier() or shape is None or any(n < 0 for n in shape):
            raise argparse.ArgumentTypeError(f"bad shape {item!r}: write name=3 or name=2x3")
        if name in shapes:
            raise argparse.ArgumentTypeError(f"{name} is given twice; give each input once")
        shapes[name] = shape
    return shapes


def _positive(text):
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive whole number")
    return value


def _picture_path(path):
    """The file that drawing to ``-o path`` writes: matplotlib adds its default suffix
    to a name without one.  A type it cannot write is refused before anything is."""
    import matplotlib
    from matplotlib.backend_bases import FigureCanvasBase
    kinds = FigureCanvasBase.get_supported_filetypes()
    kind = os.path.splitext(path)[1][1:].lower()
    if not kind:
        return f"{path}.{matplotlib.rcParams['savefig.format']}"
    if kind not in kinds:
        raise OutputError(f"-o {path}: cannot draw a .{kind} picture; use one of "
                          f"{', '.join(sorted(kinds))}")
    return path


def cmd_graph(args):
    from .graph import parse
    graph = parse(args.expression, shapes=args.shapes,
                  shapes_hint="give its shape with --shapes, e.g. --shapes {name}=3")
    picture = _picture_path(args.output) if args.output else None
    # files first: a refused or unwritable path fails before anything is printed
    wrote = []
    if args.dot:
        with open(args.dot, "w") as fh:
            fh.write(graph.to_dot() + "\n")
        wrote.append(args.dot)
    if picture:
        graph.draw(path=picture)
        wrote.append(picture)
    print(graph.listing())
    print(f"\n|V| = {graph.num_nodes}  |E| = {graph.num_edges}  depth = {graph.depth}  "
          f"inputs = {', '.join(graph.input_names)}")
    for path in wrote:
        print(f"wrote {path}")
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
            raise OptionError(f"bad point entry {item.strip()!r}: write name=value, e.g. "
                             "x=1.1,y=0.7 or x=[1,2,3]")
        try:
            arr = np.asarray(ast.literal_eval(value.strip()))
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
            arr = None
        if arr is None or arr.dtype.kind not in "iuf":  # not True, 'a', 1j or ragged lists
            raise OptionError(f"bad value for {name}: {value.strip()!r} is not a number or a "
                              "list of numbers")
        arr = arr.astype(float)
        if name in point:
            raise OptionError(f"--at gives {name} twice; give each input once")
        point[name] = float(arr) if arr.ndim == 0 else arr
    return point


def _check_shapes(point, given):
    """``--shapes`` must agree with the shapes of the ``--at`` values, which compare uses."""
    import numpy as np
    for name, shape in given.items():
        if np.shape(point[name]) != shape:
            raise OptionError(f"--shapes gives {name} shape {_dims(shape)} but --at gives it "
                              f"shape {_dims(np.shape(point[name]))}; drop --shapes or make "
                              "them agree")


def _dims(shape):
    return "x".join(map(str, shape)) or "() (a scalar)"


def cmd_compare(args):
    from .comparison import METHODS, compare
    from .fd.schemes import SCHEMES
    from .graph.parsing import input_names
    if args.expression is not None and not args.expression.strip():
        raise OptionError("the expression is empty: write e.g. 'sin(x) * y', or leave it "
                         "out for the lecture example")
    expression = args.expression or LECTURE_EXPRESSION
    names = input_names(expression)
    at = args.at if args.at is not None else (LECTURE_AT if not args.expression else None)
    if at is None and names:  # with no inputs, compare says there is nothing to do
        raise OptionError("give the point with --at, e.g. --at x=1.1,y=0.7")
    point = parse_point(at)
    missing = [n for n in names if n not in point]
    extra = [n for n in point if n not in names]
    if missing or extra:
        raise OptionError(f"the expression's inputs are {', '.join(names) or 'none'}; "
                         + (f"--at lacks {', '.join(missing)}" if missing else
                            f"--at names unknown input(s) {', '.join(extra)}"))
    unknown = [n for n in args.shapes if n not in names]
    if unknown:
        raise OptionError(f"--shapes names unknown input(s) {', '.join(unknown)}; the "
                         f"expression's inputs are {', '.join(names)}")
    _check_shapes(point, args.shapes)
    if args.scheme not in SCHEMES:
        raise OptionError(f"--scheme {args.scheme} is not a finite-difference scheme; use one "
                         f"of {', '.join(SCHEMES)}")
    methods = tuple(m.strip() for m in args.methods.split(",") if m.strip())
    if not methods:
        raise OptionError(f"--methods is empty; list some of {','.join(METHODS)}")
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


class _UsageError(Exception):
    """A bad flag or flag value, reported by :func:`main` in one line."""


class _Parser(argparse.ArgumentParser):
    """argparse, with usage errors raised for :func:`main` to print in one line."""

    def error(self, message):
        raise _UsageError(f"{self.prog}: {message} (see {self.prog} --help)")


def build_parser():
    from .comparison import METHODS
    from .fd.schemes import SCHEMES
    parser = _Parser(
        prog="diffkit", description="Differentiate NumPy code four ways and measure it.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
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
    c.add_argument("--shapes", type=_shapes, default={},
                   help="shapes of array inputs, e.g. x=3,W=2x3 (default: those of the "
                        "--at values); checked against --at")
    c.add_argument("--methods", default=",".join(METHODS),
                   help=f"comma-separated methods (default: {','.join(METHODS)})")
    c.add_argument("--scheme", default="central",
                   help=f"finite-difference scheme: {', '.join(SCHEMES)} (default: central)")
    c.add_argument("--repeats", type=_positive, default=5,
                   help="rounds for the steady-state time, best of (default: 5)")
    fmt = c.add_mutually_exclusive_group()
    fmt.add_argument("--json", action="store_true", help="print the report as JSON")
    fmt.add_argument("--csv", action="store_true", help="print the report as CSV")
    c.set_defaults(run=cmd_compare)
    from .profile.cli import add_subcommands
    add_subcommands(sub)  # report, profile
    return parser


def main(argv=None):
    """Run the ``diffkit`` command with ``argv`` (default: ``sys.argv[1:]``); return the status.

    A user error (a bad expression, point, flag or output path) prints one line,
    ``diffkit <command>: <message>``, on stderr and returns 2; Ctrl-C prints one
    line and returns 130.  Anything else is a bug in diffkit and keeps its traceback.
    """
    args = None
    try:
        args, extra = build_parser().parse_known_args(argv)
        if extra:  # named by the subcommand they were given to, not by the top level
            raise _UsageError(f"{_prog(args)}: unrecognized arguments: {' '.join(extra)} "
                              f"(see {_prog(args)} --help)")
        status = args.run(args)
        sys.stdout.flush()  # here, where a reader that has gone (| head) is caught below
        return status
    except _UsageError as err:
        print(err, file=sys.stderr)
        return 2
    except BrokenPipeError:
        # the reader of stdout has gone: stop quietly, with the status of a process that
        # SIGPIPE ended, as other Unix tools do
        _discard_stdout()
        return 141
    except KeyboardInterrupt:
        print(f"{_prog(args)}: interrupted", file=sys.stderr)
        return 130
    except (DiffkitError, OSError, ValueError, TypeError, ArithmeticError) as err:
        # DiffkitError: the message (a ParseError's names line and column); str(err) may
        # go on with the source and a caret, which would not fit one line.  OSError: an
        # unwritable output path.  compare runs user code at a user's point through every
        # backend, so NumPy's and SymPy's own errors there are the user's too.
        if args is None or not isinstance(err, (DiffkitError, OSError)) \
                and args.command != "compare":
            raise
        first = (str(err).splitlines() or [type(err).__name__])[0]
        print(f"{_prog(args)}: {first}", file=sys.stderr)
        return 2


def _discard_stdout():
    """Point stdout at the null device, so Python's flush at exit cannot fail again."""
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):  # not a file, e.g. captured by a test
        return
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, fd)
    os.close(null)


def _prog(args):
    return f"diffkit {args.command}" if args is not None else "diffkit"


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
