"""Run every benchmark: ``python benchmarks/run_all.py [--quick] [--only NAME ...]``.

Each benchmark runs in its own process, so one library's thread pools or
JIT state never leak into another's numbers; their tables print as they
come.  ``--quick`` uses smaller sizes and shorter timing loops.
"""
import argparse
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import common  # noqa: E402  (sets the thread counts the children inherit)

BENCHMARKS = ("lecture", "rosenbrock", "mlp", "first_call", "codegen", "pipeline")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes, shorter loops")
    parser.add_argument("--only", nargs="+", choices=BENCHMARKS, help="run these only")
    args = parser.parse_args()
    failed = []
    start = time.perf_counter()
    for name in args.only or BENCHMARKS:
        print(f"\n{'#' * 78}\n# bench_{name}.py\n{'#' * 78}", flush=True)
        cmd = [sys.executable, os.path.join(HERE, f"bench_{name}.py")]
        if args.quick:
            cmd.append("--quick")
        if subprocess.run(cmd).returncode != 0:
            failed.append(name)
    print(f"\nall benchmarks: {time.perf_counter() - start:.0f} s"
          + (f"; FAILED: {', '.join(failed)}" if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
