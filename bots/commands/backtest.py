"""``triobot backtest CONFIG``: replay a bot's strategies on recorded or synthetic ticks.

The strategies, parameters, contract terms, stake sizing and risk limits come from the bot
config, exactly as ``triobot run`` would use them. Ticks come from files (``--ticks``:
``.jsonl``, ``.csv``, optionally ``.gz``, or ``.parquet``; several are merged by time) or,
by default, from the market model's seeded generator for each configured symbol: the same
ticks the embedded simulator publishes for the config's ``simulator.seed`` when both start
at the same epoch (``--genesis``; the simulator's own start is its ``start_epoch``).
Candle files (``--candles``: CSV or Parquet of OHLC bars, for candle strategies) are replayed
as up to four ticks per bar, so the strategies' candles are the file's bars: coarser than
ticks (docs/backtest.md).

``--report DIR`` writes ``trades.csv`` (streamed while replaying), ``summary.json``,
``equity.png`` and a self-contained ``report.html``. A progress bar runs on stderr; a one-screen
summary is printed at the end (``--json`` prints the summary as JSON instead, with the
replay's own ``speed`` beside it).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path
from typing import Any

from rich.console import Console

from framework.backtest import (
    BacktestError,
    BacktestResult,
    MergedSource,
    StrategyFailed,
    SyntheticSource,
    TickSource,
    TradesCsvWriter,
    open_sources,
    run_backtest,
)
from framework.backtest.candlefiles import (
    candle_inputs,
    candle_replay_warnings,
    check_candle_setup,
)
from framework.backtest.console import ReplayProgress, summary_panel
from framework.backtest.report import RecentTrades, prepare_report_dir, write_report
from framework.backtest.setup import config_with_overrides, parse_assignment, setup_from_config
from framework.backtest.sources import DEFAULT_GENESIS
from framework.backtest.trades import TradeSink
from framework.config import BotConfig
from framework.errors import ConfigError, UserError

from ..logoptions import add_log_options, configure_from

__all__ = [
    "check_replay_arguments",
    "load_for_replay",
    "register",
    "replay_speed",
    "synthetic_source",
]


def register(subparsers: Any) -> None:
    """Add ``backtest`` to the command line."""
    parser = subparsers.add_parser(
        "backtest",
        help="replay a bot config's strategies on recorded or synthetic ticks",
        description=__doc__.split("\n\n", 1)[1] if __doc__ else None,
    )
    parser.add_argument("config", help="the bot's YAML config file")
    parser.add_argument(
        "--ticks",
        nargs="+",
        metavar="SOURCE",
        help="tick files (or synthetic:SYMBOL:COUNT[:SEED]) to replay, merged by time",
    )
    parser.add_argument(
        "--candles",
        nargs="+",
        metavar="FILE",
        help="candle files (.csv, .csv.gz, .parquet of OHLC bars) replayed as up to 4 ticks "
        "a bar, merged with --ticks: coarser than ticks, for candle strategies",
    )
    parser.add_argument(
        "--count",
        type=int,
        default=100_000,
        help="synthetic ticks per configured symbol without --ticks or --candles (default 100000)",
    )
    parser.add_argument(
        "--seed", help="seed of the synthetic ticks (default: the config's simulator.seed)"
    )
    parser.add_argument(
        "--genesis",
        type=int,
        default=DEFAULT_GENESIS,
        help="epoch the synthetic ticks start after",
    )
    parser.add_argument("--balance", type=float, help="opening balance (default: the config's)")
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="PATH=VALUE",
        help="override a config value, e.g. --set strategies[0].params.ticks=4 (repeatable)",
    )
    parser.add_argument("--report", metavar="DIR", help="write trades, summary, plot and HTML")
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    add_log_options(parser, level="warning")
    parser.set_defaults(handler=_handle)


def load_for_replay(path: str, overrides: list[str]) -> tuple[BotConfig, str]:
    """Load a config for a replay (no token needed) with ``--set`` overrides.

    Args:
        path: the config file.
        overrides: ``PATH=VALUE`` texts.

    Returns:
        The config and its text.

    Raises:
        ConfigError: the config does not check.
        UserError: a bad override.
    """
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read config {path}: {exc}") from None
    assignments = [parse_assignment(o) for o in overrides]
    return config_with_overrides(text, path, assignments), text


def synthetic_source(
    config: BotConfig, count: int, seed: str | None, genesis: int = DEFAULT_GENESIS
) -> TickSource:
    """Synthetic ticks for every symbol of the config, merged by time.

    Args:
        config: the bot config.
        count: ticks per symbol.
        seed: the seed (default: ``simulator.seed``).
        genesis: start epoch.

    Returns:
        The source.
    """
    run_seed: int | str = config.simulator.seed if seed is None else seed
    symbols = sorted({s for strategy in config.strategies for s in strategy.symbols})
    sources = [SyntheticSource(s, count, seed=run_seed, genesis=genesis) for s in symbols]
    return sources[0] if len(sources) == 1 else MergedSource(sources)


def replay_speed(result: BacktestResult) -> dict[str, float]:
    """The replay's own speed, for ``--json`` (kept out of the deterministic summary).

    Args:
        result: the replay's result.

    Returns:
        ``ticks_per_second`` (the ticks replayed, warm-up excluded, per second) and
        ``seconds`` (from the replay's start to its end: interpreter start-up, config
        loading and opening the sources are not in it), the console's "speed" figure.
    """
    return {
        "ticks_per_second": round(result.ticks_per_second),
        "seconds": round(result.elapsed, 6),
    }


def check_replay_arguments(count: int, balance: float | None) -> None:
    """Refuse ``--count``/``--balance`` values with which nothing could be tested.

    Args:
        count: synthetic ticks per symbol.
        balance: the opening balance, if given.

    Raises:
        UserError: exit 2, naming the option and the value.
    """
    if count < 1:
        raise UserError(f"--count must be at least 1, got {count}", exit_code=2)
    if balance is not None and not (math.isfinite(balance) and balance > 0):
        raise UserError(f"--balance must be a positive amount, got {balance:g}", exit_code=2)


def _handle(args: argparse.Namespace) -> int:
    configure_from(args)
    check_replay_arguments(args.count, args.balance)
    if args.report:
        prepare_report_dir(args.report)
    config, _ = load_for_replay(args.config, args.set)
    setup = setup_from_config(config, balance=args.balance)
    try:
        source = (
            open_sources(args.ticks or [], args.candles or [])
            if args.ticks or args.candles
            else synthetic_source(config, args.count, args.seed, args.genesis)
        )
        candles = candle_inputs(source)
        check_candle_setup(setup, candles)
    except BacktestError as exc:
        raise UserError(str(exc), exit_code=2) from None
    for warning in candle_replay_warnings(setup, candles):
        print(f"triobot: warning: {warning}", file=sys.stderr)
    sinks: list[TradeSink] = []
    csv_writer: TradesCsvWriter | None = None
    recent = RecentTrades()
    if args.report:
        csv_writer = TradesCsvWriter(Path(args.report) / "trades.csv")
        sinks += [csv_writer, recent]
    try:
        if args.quiet or args.json:
            result = run_backtest(setup, source, sinks=sinks)
        else:
            with ReplayProgress(source.name) as bar:
                result = run_backtest(setup, source, sinks=sinks, progress=bar.update)
    except StrategyFailed as exc:
        raise UserError(str(exc)) from None  # it names the strategy, the epoch and the error
    except BacktestError as exc:
        raise UserError(str(exc)) from None
    finally:
        if csv_writer is not None:
            csv_writer.close()
    untested = result.untested()
    if untested is not None:
        raise UserError(untested)  # exit 1: the replay ran, but its figures would mean nothing
    missing = result.missing()
    if missing:
        print(
            f"triobot: warning: {result.source} holds no ticks of {', '.join(missing)}; "
            "the strategies trading them were not tested there",
            file=sys.stderr,
        )
    out = Console()
    if args.report:
        command = "triobot backtest " + " ".join(sys.argv[2:]) if len(sys.argv) > 2 else ""
        for warning in write_report(
            result, args.report, recent=list(recent.trades), title=f"backtest of {args.config}",
            note=command,
        ):  # fmt: skip
            print(f"triobot: warning: {warning}", file=sys.stderr)
    if args.json:
        print(json.dumps({**result.summary(), "speed": replay_speed(result)}, indent=2))
    else:
        out.print(summary_panel(result))
        if args.report:
            out.print(f"report: {Path(args.report) / 'report.html'}")
    return 0
