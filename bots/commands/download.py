"""``triobot download SYMBOL --count N --out FILE``: past ticks into a tick file.

Pages through ``ticks_history`` (5000 ticks a request, oldest first) and appends each page to
``FILE`` (``.jsonl`` or ``.csv``, optionally ``.gz``) as it arrives. Run it again on the same
file to resume: it continues after the file's last tick, up to the latest one. The embedded
simulator is the default endpoint (its market for ``--seed``); ``--endpoint
wss://ws.derivws.com/websockets/v3`` downloads from Deriv (no token needed for ticks).
"""

from __future__ import annotations

import argparse
from typing import Any

import trio
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from framework.backtest.download import download_ticks, open_market_client
from framework.backtest.files import TickWriter, last_tick
from framework.errors import UserError
from framework.logs import configure_logging

__all__ = ["add_endpoint_arguments", "register"]


def add_endpoint_arguments(parser: argparse.ArgumentParser) -> None:
    """The ``--endpoint/--app-id/--seed/--speed`` options shared with ``record``."""
    parser.add_argument(
        "--endpoint", default="embedded", help="'embedded' (default) or a ws:// or wss:// URL"
    )
    parser.add_argument("--app-id", type=int, default=1089, help="application id (real endpoint)")
    parser.add_argument("--seed", default="1", help="the embedded simulator's seed")
    parser.add_argument("--speed", type=float, default=1.0, help="the embedded simulator's speed")


def register(subparsers: Any) -> None:
    """Add ``download`` to the command line."""
    parser = subparsers.add_parser(
        "download",
        help="download past ticks of a symbol into a tick file (resumable)",
        description=__doc__.split("\n\n", 1)[1] if __doc__ else None,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("symbol", help="e.g. R_100")
    parser.add_argument("--count", type=int, default=10_000, help="ticks to fetch (fresh file)")
    parser.add_argument("--out", required=True, help="the tick file (.jsonl, .csv, .gz)")
    add_endpoint_arguments(parser)
    parser.set_defaults(handler=_handle)


def _handle(args: argparse.Namespace) -> int:
    configure_logging(level="WARNING")
    if args.count < 1:
        raise UserError("--count must be at least 1", exit_code=2)
    previous = last_tick(args.out)
    if previous is not None and previous.symbol != args.symbol:
        raise UserError(
            f"{args.out} ends with {previous.symbol} ticks; use another file for {args.symbol}",
            exit_code=2,
        )
    after = None if previous is None else previous.epoch
    console = Console(stderr=True)
    with (
        Progress(
            TextColumn(f"[bold]{args.symbol}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
        ) as progress,
        TickWriter(args.out) as writer,
    ):
        task = progress.add_task("download", total=args.count)

        def update(done: int, expected: int) -> None:
            progress.update(task, completed=done, total=expected)

        async def main() -> int:
            async with open_market_client(
                args.endpoint, app_id=args.app_id, seed=args.seed, speed=args.speed
            ) as client:
                return await download_ticks(
                    client, args.symbol, writer, count=args.count, after=after, progress=update
                )

        written = trio.run(main)
    verb = "resumed after" if after is not None else "fresh"
    detail = f" {after}" if after is not None else ""
    console.print(f"{written:,} ticks of {args.symbol} written to {args.out} ({verb}{detail})")
    return 0
