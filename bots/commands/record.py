"""``triobot record SYMBOL... --out FILE``: write a live tick stream to a tick file.

Subscribes to the symbols' ticks and appends each one to ``FILE`` (``.jsonl`` or ``.csv``,
optionally ``.gz``) as it arrives, until ``--duration`` seconds, ``--count`` ticks, or Ctrl-C.
The file can be replayed with ``triobot backtest CONFIG --ticks FILE``. The embedded simulator
is the default endpoint. --duration bounds the whole command, connecting included. Exit 1
when the endpoint cannot be reached (within --duration or 10 s, whichever is shorter), 3 when
the server refuses the token in DERIV_TOKEN (optional for ticks) or it is malformed.
"""

from __future__ import annotations

import argparse
import math
import signal
from typing import Any

import trio
from rich.console import Console

from framework.backtest.download import open_market_client, record_ticks
from framework.backtest.files import TickWriter
from framework.errors import UserError

from ..logoptions import add_log_options, configure_from
from .download import add_endpoint_arguments

__all__ = ["register"]


def register(subparsers: Any) -> None:
    """Add ``record`` to the command line."""
    parser = subparsers.add_parser(
        "record",
        help="record live ticks of some symbols into a tick file",
        description=__doc__.split("\n\n", 1)[1] if __doc__ else None,
    )
    parser.add_argument("symbols", nargs="+", help="e.g. R_100 1HZ100V")
    parser.add_argument("--out", required=True, help="the tick file (.jsonl, .csv, .gz)")
    parser.add_argument(
        "--duration",
        type=float,
        help="stop after this many seconds, connecting included (exit 1 if not connected by then)",
    )
    parser.add_argument("--count", type=int, help="stop after this many ticks")
    add_endpoint_arguments(parser)
    add_log_options(parser, level="warning")
    parser.set_defaults(handler=_handle)


def _handle(args: argparse.Namespace) -> int:
    configure_from(args)
    if args.count is not None and args.count < 1:
        raise UserError("--count must be at least 1", exit_code=2)
    if args.duration is not None and args.duration < 0:
        raise UserError("--duration must not be negative", exit_code=2)
    console = Console(stderr=True)

    async def main() -> int:
        # Ctrl-C (or SIGTERM) ends the recording like --duration does. Received as a signal,
        # not as a KeyboardInterrupt, which would reach us wrapped in the client's nursery
        # group and end the process with a traceback. --duration bounds the whole command,
        # connecting included: the connection gets at most that long to come up (and says why
        # when it does not), the recording the rest.
        deadline = trio.current_time() + (args.duration or math.inf)
        with trio.open_signal_receiver(signal.SIGINT, signal.SIGTERM) as signals:
            async with (
                open_market_client(
                    args.endpoint,
                    app_id=args.app_id,
                    seed=args.seed,
                    speed=args.speed,
                    connect_within=args.duration or None,
                ) as client,
                trio.open_nursery() as nursery,
            ):

                async def stop_on_signal() -> None:
                    async for _ in signals:
                        nursery.cancel_scope.cancel()
                        return

                nursery.start_soon(stop_on_signal)
                with trio.move_on_at(deadline):
                    await record_ticks(client, args.symbols, writer, count=args.count)
                nursery.cancel_scope.cancel()
        return writer.written

    with TickWriter(args.out) as writer:
        written = trio.run(main)
    console.print(f"{written:,} ticks of {', '.join(args.symbols)} appended to {args.out}")
    return 0
