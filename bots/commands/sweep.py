"""``triobot sweep CONFIG --grid PATH=V1,V2 ...``: replay every combination of a grid, ranked.

Each ``--grid`` adds an axis (``strategies[0].params.ticks=2,3,4``; a strategy may also be
named: ``strategies[momentum].stake.base=1,2``); the sweep replays the cartesian product, one
combination per job, in parallel local processes (``--workers``), and prints one row per
combination sorted by ``--sort`` (best first). Every combination passes the normal config
checks before anything runs. Ticks are those of ``triobot backtest``: ``--ticks`` files,
``--candles`` files, or synthetic ticks of the config's symbols.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from framework.backtest.executors import Executor, SerialExecutor, local_processes
from framework.backtest.setup import parse_assignment, parse_grid
from framework.backtest.sources import DEFAULT_GENESIS
from framework.backtest.sweep import METRICS, SweepPlan, rank, run_sweep
from framework.errors import ConfigError, UserError

from ..logoptions import add_log_options, configure_from
from .backtest import check_replay_arguments

__all__ = ["register"]


def register(subparsers: Any) -> None:
    """Add ``sweep`` to the command line."""
    parser = subparsers.add_parser(
        "sweep",
        help="replay a grid of config values in parallel and rank the results",
        description=__doc__.split("\n\n", 1)[1] if __doc__ else None,
    )
    parser.add_argument("config", help="the bot's YAML config file")
    parser.add_argument(
        "--grid",
        action="append",
        required=True,
        metavar="PATH=V1,V2,...",
        help="an axis of the grid (repeatable)",
    )
    parser.add_argument(
        "--set", action="append", default=[], metavar="PATH=VALUE", help="a fixed override"
    )
    parser.add_argument("--ticks", nargs="+", metavar="SOURCE", help="tick files to replay")
    parser.add_argument(
        "--candles", nargs="+", metavar="FILE", help="candle files to replay (see backtest)"
    )
    parser.add_argument("--count", type=int, default=100_000, help="synthetic ticks per symbol")
    parser.add_argument("--seed", help="synthetic seed (default: the config's simulator.seed)")
    parser.add_argument("--genesis", type=int, default=DEFAULT_GENESIS, help=argparse.SUPPRESS)
    parser.add_argument("--balance", type=float, help="opening balance (default: the config's)")
    parser.add_argument(
        "--workers", type=int, default=0, help="worker processes (default: one per CPU)"
    )
    parser.add_argument(
        "--sort", default="net_pnl", choices=METRICS, help="rank by this metric (best first)"
    )
    parser.add_argument("--ascending", action="store_true", help="lowest value first")
    parser.add_argument("--out", metavar="FILE.csv", help="write every row to a CSV file")
    parser.add_argument("--top", type=int, default=20, help="rows to print (default 20)")
    parser.add_argument("--json", action="store_true", help="print the rows as JSON")
    add_log_options(parser, level="error")
    parser.set_defaults(handler=_handle)


def _executor(workers: int) -> Executor:
    if workers == 1:
        return SerialExecutor()
    return local_processes(workers or None)


def _handle(args: argparse.Namespace) -> int:
    configure_from(args)
    if args.workers < 0 or args.top < 0:
        raise UserError("--workers and --top must be >= 0", exit_code=2)
    check_replay_arguments(args.count, args.balance)
    try:
        text = Path(args.config).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read config {args.config}: {exc}") from None
    axes = tuple((path, tuple(values)) for path, values in map(parse_grid, args.grid))
    seen = [path for path, _ in axes]
    if len(set(seen)) != len(seen):
        raise UserError(f"each --grid path may appear once; got {seen}", exit_code=2)
    plan = SweepPlan(
        config_text=text,
        config_name=args.config,
        axes=axes,
        fixed=tuple(parse_assignment(s) for s in args.set),
        sources=tuple(args.ticks or ()),
        candles=tuple(args.candles or ()),
        count=args.count,
        seed=args.seed,
        genesis=args.genesis,
        balance=args.balance,
        log_format=args.log_format,
        log_level=args.log_level,
    )
    jobs = plan.jobs()  # checks every combination first
    err = Console(stderr=True)
    with (
        _executor(args.workers) as executor,
        Progress(
            TextColumn("[bold]sweep"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=err,
            disable=args.json or not err.is_terminal,  # no leftover bar lines in a pipe
        ) as progress,
    ):
        task = progress.add_task("sweep", total=len(jobs))
        rows = run_sweep(jobs, executor, on_result=lambda _row: progress.advance(task))
    ranked = rank(rows, args.sort, ascending=True if args.ascending else None)
    if args.out:
        _write_csv(args.out, ranked)
    if args.json:
        print(json.dumps(ranked, indent=2, default=str))
    else:
        _print(ranked[: args.top] if args.top else ranked, [p for p, _ in axes], args.sort)
        if args.out:
            print(f"all {len(ranked)} rows: {args.out}")
    failed = [r for r in ranked if r["error"]]
    for row in failed[:5]:
        print(f"triobot: combination {row['index']} failed: {row['error']}", file=sys.stderr)
    return 1 if failed else 0


def _write_csv(path: str, rows: list[dict[str, Any]]) -> None:
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]) if rows else ["index"])
        writer.writeheader()
        writer.writerows(rows)


def _print(rows: list[dict[str, Any]], paths: list[str], metric: str) -> None:
    table = Table(title=f"sweep ranked by {metric}", header_style="bold")
    columns = ["#", *paths, "trades", "win_rate", "net_pnl", "max_drawdown", "profit_factor"]
    if metric not in columns:
        columns.append(metric)
    columns.append("trips")
    for name in columns:
        # Paths like strategies[momentum].stake.base would read as rich markup.
        table.add_column(escape(name), justify="right")
    for i, row in enumerate(rows, 1):
        cells = [str(i)]
        for name in columns[1:]:
            value = row.get(name)
            cells.append(
                "-"
                if value is None or value == ""
                else f"{value:g}"
                if isinstance(value, float)
                else str(value)
            )
        table.add_row(*cells)
    Console().print(table)
