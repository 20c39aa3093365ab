"""``triobot download SYMBOL --count N --out FILE [--granularity G]``: past ticks into a tick file.

Pages through ``ticks_history`` (5000 ticks a request, oldest first) and appends each page to
``FILE`` (``.jsonl`` or ``.csv``, optionally ``.gz``) as it arrives. When the server's history
holds fewer than ``--count`` ticks, all of it is written and the last line says where it
begins. Run it again on the same
file to resume: it continues after the file's last tick, up to the latest one. The embedded
simulator is the default endpoint (its market for ``--seed``); ``--endpoint
wss://ws.derivws.com/websockets/v3`` downloads from Deriv (no token needed for ticks). Exit 1
when the endpoint cannot be reached (within 10 s), 3 when the server refuses the token in
DERIV_TOKEN or it is malformed.

With ``--granularity G`` (seconds, one Deriv offers) it writes closed bars from
``ticks_history`` candles into a candle file (``.csv``, optionally ``.gz``) instead:
``--count`` is then bars, and a resume continues after the file's last bar.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import trio
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from framework.backtest.candlefiles import CandleWriter, read_candles
from framework.backtest.download import download_candles, download_ticks, open_market_client
from framework.backtest.files import LineWriter, TickWriter, last_tick, open_source
from framework.deriv.protocol import DEFAULT_APP_ID
from framework.errors import UserError
from framework.market.candles import GRANULARITIES, OFFERED

from ..logoptions import add_log_options, configure_from

__all__ = ["add_endpoint_arguments", "register"]

Update = Callable[[int, int], None]
"""What a download calls with ``(written, expected)`` after each page."""


def add_endpoint_arguments(parser: argparse.ArgumentParser) -> None:
    """The ``--endpoint/--app-id/--seed/--speed`` options shared with ``record``."""
    parser.add_argument(
        "--endpoint", default="embedded", help="'embedded' (default) or a ws:// or wss:// URL"
    )
    parser.add_argument(
        "--app-id", type=int, default=DEFAULT_APP_ID, help="application id (real endpoint)"
    )
    parser.add_argument("--seed", default="1", help="the embedded simulator's seed")
    parser.add_argument("--speed", type=float, default=1.0, help="the embedded simulator's speed")


def register(subparsers: Any) -> None:
    """Add ``download`` to the command line."""
    parser = subparsers.add_parser(
        "download",
        help="download past ticks of a symbol into a tick file (resumable)",
        description=__doc__.split("\n\n", 1)[1] if __doc__ else None,
    )
    parser.add_argument("symbol", help="e.g. R_100")
    parser.add_argument(
        "--count", type=int, default=10_000, help="ticks (or bars) to fetch (fresh file)"
    )
    parser.add_argument("--out", required=True, help="the tick file (.jsonl, .csv, .gz)")
    parser.add_argument(
        "--granularity",
        type=int,
        choices=GRANULARITIES,
        metavar="G",
        help="download closed candles of G seconds into a candle file (.csv, .csv.gz) "
        f"instead of ticks; G is one of {OFFERED}",
    )
    add_endpoint_arguments(parser)
    add_log_options(parser, level="warning")
    parser.set_defaults(handler=_handle)


def _handle(args: argparse.Namespace) -> int:
    configure_from(args)
    if args.count < 1:
        raise UserError("--count must be at least 1", exit_code=2)
    if args.granularity is not None:
        return _candles(args)
    previous = last_tick(args.out)
    if previous is not None and previous.symbol != args.symbol:
        raise UserError(
            f"{args.out} ends with {previous.symbol} ticks; use another file for {args.symbol}",
            exit_code=2,
        )
    after = None if previous is None else previous.epoch
    writer = TickWriter(args.out)

    async def download(client: Any, progress: Update) -> int:
        return await download_ticks(
            client, args.symbol, writer, count=args.count, after=after, progress=progress
        )

    written, console = _fetch(args, args.symbol, writer, download)
    return _said(
        console,
        args,
        f"{written:,} ticks of {args.symbol} written to {args.out}",
        written=written,
        after=after,
        empty=f"the server has no ticks of {args.symbol}",
        short=lambda: short_delivery(args.symbol, args.out, args.count),
    )


def _fetch(
    args: argparse.Namespace,
    label: str,
    writer: LineWriter,
    download: Callable[[Any, Update], Awaitable[int]],
) -> tuple[int, Console]:
    """Connect, run ``download(client, progress)`` into ``writer`` under a progress bar.

    Returns:
        What it wrote, and the console to report on.
    """
    console = Console(stderr=True)
    with (
        Progress(
            TextColumn(f"[bold]{label}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            disable=not console.is_terminal,  # no leftover bar lines in a pipe
        ) as bar,
        writer,
    ):
        task = bar.add_task("download", total=args.count)

        def update(done: int, expected: int) -> None:
            bar.update(task, completed=done, total=expected)

        async def main() -> int:
            async with open_market_client(
                args.endpoint, app_id=args.app_id, seed=args.seed, speed=args.speed
            ) as client:
                return await download(client, update)

        return trio.run(main), console


def _said(
    console: Console,
    args: argparse.Namespace,
    what: str,
    *,
    written: int,
    after: int | None,
    empty: str,
    short: Callable[[], str],
) -> int:
    """Print what a download wrote (``what``), or refuse a fresh one that wrote nothing.

    Args:
        console: where to print.
        args: the command line.
        what: the line's start (``N ticks of SYMBOL written to FILE``).
        written: how many.
        after: the epoch resumed after (None: a fresh file).
        empty: what the server lacks, when a fresh download wrote nothing.
        short: why a fresh download holds fewer than ``--count``.

    Returns:
        The exit status, 0.

    Raises:
        UserError: a fresh download wrote nothing.
    """
    if after is not None:
        console.print(f"{what} (resumed after {after})", soft_wrap=True)
        return 0
    if written == 0:
        raise UserError(f"{empty}; nothing written")
    line = f"{what} (fresh)"
    if written < args.count:
        line += f": {short()}"
    console.print(line, soft_wrap=True)
    return 0


def short_delivery(symbol: str, path: str, asked: int) -> str:
    """Why a fresh download holds fewer ticks than asked: the history begins at its first.

    Args:
        symbol: the symbol.
        path: the file just written.
        asked: ``--count``.

    Returns:
        The explanation, with the first tick's time.
    """
    first = next(iter(open_source(path).chunks()))[0]
    when = datetime.fromtimestamp(first.epoch, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    return (
        f"{asked:,} were asked, but the server's history of {symbol} begins at {when} "
        f"(epoch {first.epoch}); every tick since then is in the file"
    )


def _candles(args: argparse.Namespace) -> int:
    """``--granularity``: closed bars into a candle file, resumed after its last bar."""
    g = args.granularity
    writer = CandleWriter(args.out)  # refuses a non-CSV name before connecting
    after = None
    if os.path.isfile(args.out) and os.path.getsize(args.out) > 0:
        held = read_candles(args.out)
        if set(held) != {args.symbol}:
            raise UserError(
                f"{args.out} holds bars of {', '.join(held)}; use another file for {args.symbol}",
                exit_code=2,
            )
        bars, _ = held[args.symbol]
        if bars[0].granularity != g:
            raise UserError(
                f"{args.out} holds {bars[0].granularity}-second bars; use another file for {g}",
                exit_code=2,
            )
        after = bars[-1].epoch

    async def download(client: Any, progress: Update) -> int:
        return await download_candles(
            client,
            args.symbol,
            writer,
            count=args.count,
            granularity=g,
            after=after,
            progress=progress,
        )

    written, console = _fetch(args, f"{args.symbol} {g}s", writer, download)
    return _said(
        console,
        args,
        f"{written:,} {g}-second bars of {args.symbol} written to {args.out}",
        written=written,
        after=after,
        empty=f"the server has no closed {g}-second bars of {args.symbol}",
        short=lambda: f"{args.count:,} were asked, but the server's history holds no more",
    )
