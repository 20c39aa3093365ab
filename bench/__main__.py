"""Run the benchmarks: ``python -m bench [--quick] [NAME ...]`` (all when no name is given).

Every benchmark runs to its end even when an earlier one fails; the exit status is 1 when any
failed (each prints its traceback), 0 otherwise. The figures the benchmarks return
(:class:`~bench._summary.Figure`) end the run in one table: each beside its reference, the
ratio and the issue's goal.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
import time
import traceback

import bench
from bench._summary import Figure, table
from framework.logs import configure_logging


def available() -> list[str]:
    """Names of the benchmark modules under ``bench/``."""
    return sorted(
        info.name for info in pkgutil.iter_modules(bench.__path__) if not info.name.startswith("_")
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "names", nargs="*", help=f"benchmarks to run (default: all of {available()})"
    )
    parser.add_argument("--quick", action="store_true", help="smaller sizes, for a smoke run")
    args = parser.parse_args(argv)
    # The benchmarks run bots and clients in this process: their info and debug lines would
    # bury the figures. Warnings and errors still show.
    configure_logging(fmt="console", level="warning")
    names = args.names or available()
    unknown = sorted(set(names) - set(available()))
    if unknown:
        parser.error(f"unknown benchmark(s) {unknown}; available: {available()}")
    failed = []
    figures: list[Figure] = []
    for name in names:
        print(f"== bench.{name} ==", flush=True)
        started = time.perf_counter()
        try:
            figures += importlib.import_module(f"bench.{name}").main(quick=args.quick) or []
        except Exception:  # one broken bench must not hide the figures of the others
            traceback.print_exc()
            failed.append(name)
            print(f"== bench.{name} FAILED (traceback above) ==\n", flush=True)
            continue
        print(f"== bench.{name} done in {time.perf_counter() - started:.1f} s ==\n", flush=True)
    if figures:
        print("== summary ==")
        print(table(figures), flush=True)
    if failed:
        print(f"failed benchmarks: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
