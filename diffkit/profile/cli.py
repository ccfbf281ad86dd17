"""The ``diffkit report`` and ``diffkit profile`` subcommands.

``diffkit/cli.py`` calls :func:`add_subcommands` with its subparsers; each
subcommand sets ``run`` to a function of the parsed arguments returning the
exit status.
"""
import sys

from .sweep import MEASURES


def _names(text):
    from .experiments import EXPERIMENTS
    names = [t.strip() for t in text.split(",") if t.strip()]
    bad = [n for n in names if n not in EXPERIMENTS]
    if bad:
        import argparse
        raise argparse.ArgumentTypeError(f"unknown experiment(s) {', '.join(bad)}; choose "
                                         f"from {', '.join(EXPERIMENTS)}")
    return names


def _sizes(text):
    try:
        sizes = [int(t) for t in text.split(",") if t.strip()]
    except ValueError:
        sizes = []
    if not sizes or min(sizes) < 1:  # a sweep needs sizes, and each at least 1
        import argparse
        raise argparse.ArgumentTypeError(f"bad sizes {text!r}: write positive whole numbers, "
                                         "e.g. 8,16,32")
    return sizes


def cmd_report(args):
    from .report import write_report
    report = write_report(args.output, args.experiments, args.preset, args.measure,
                          progress=None if not args.quiet else False,
                          log=None if args.quiet else sys.stderr)
    agree, checked = report.agreement()
    print(f"wrote {report.path}/index.html and index.md: {agree}/{checked} predictions agree "
          f"({report.seconds:.0f} s)")
    return 0


def cmd_profile(args):
    if args.output:
        from .report import write_report
        report = write_report(args.output, [args.experiment], args.preset, args.measure,
                              progress=None if not args.quiet else False, sizes=args.sizes)
        result = report.results[0]
    else:
        from .experiments import run
        result = run(args.experiment, args.preset, args.measure,
                     progress=None if not args.quiet else False, sizes=args.sizes)
    print(result)
    if args.output:
        print(f"\nwrote {args.output}/index.html")
    return 0


def add_subcommands(subparsers):
    """Add ``report`` and ``profile`` to the ``diffkit`` command's subparsers."""
    from .experiments import EXPERIMENTS
    from .experiments.base import PRESETS
    common = {"--preset": dict(choices=PRESETS, default="default",
                               help="sizes: quick (seconds), default (about two minutes), "
                                    "large"),
              "--measure": dict(choices=MEASURES, default="both",
                                help="op counts only, times, or both (default)"),
              "--quiet": dict(action="store_true", help="no progress on stderr")}
    p = subparsers.add_parser("report", help="run the lecture experiments and write a report "
                                             "folder (Markdown, HTML, PNG, CSV, JSON)")
    p.add_argument("-o", "--output", default="diffkit-report",
                   help="report folder: new, empty, or an earlier report, which is "
                        "replaced whole (default: ./diffkit-report)")
    p.add_argument("--experiments", type=_names, default=None,
                   help=f"comma-separated subset of: {', '.join(EXPERIMENTS)}")
    for flag, kw in common.items():
        p.add_argument(flag, **kw)
    p.set_defaults(run=cmd_report)

    p = subparsers.add_parser("profile", help="run one lecture experiment and print its "
                                              "prediction-versus-measurement table")
    p.add_argument("experiment", choices=list(EXPERIMENTS))
    p.add_argument("--sizes", type=_sizes, default=None,
                   help="sizes of the main sweep, e.g. 8,16,32 (default: the preset's)")
    p.add_argument("-o", "--output", default=None,
                   help="also write a report folder with this experiment alone (new, "
                        "empty, or an earlier report, which is replaced whole)")
    for flag, kw in common.items():
        p.add_argument(flag, **kw)
    p.set_defaults(run=cmd_profile)
