"""``triobot run CONFIG``: run a bot until stopped (SIGINT/SIGTERM or ``--duration``).

The config is loaded and checked (YAML, plugins, parameters, risk limits) before anything
starts; a bad config exits 2 with every problem listed. With ``endpoint: embedded`` the
simulator runs in this process, so ``triobot run configs/demo.yaml`` trades within seconds
with no account and no network. Exit codes: see :mod:`bots.lifecycle`.
"""

from __future__ import annotations

import argparse
from typing import Any

import attrs

from framework.config import load_config
from framework.runtime import Bot
from framework.web import WebConfig
from framework.web.config import parse_listen

from ..lifecycle import run_process
from ..logoptions import add_log_options, configure_from

__all__ = ["register"]


def register(subparsers: Any) -> None:
    """Add ``run`` to the command line."""
    parser = subparsers.add_parser(
        "run",
        help="run a bot from its YAML config (embedded simulator by default)",
        description=(
            "Run a bot until SIGINT/SIGTERM (or --duration): the config and the token's "
            "scopes are checked first, then the bot trades, journaling every intent, buy and "
            "settlement. On stop no new trade is opened, open contracts get --grace seconds "
            "to settle, and a summary is printed. A second signal stops at once. Exit 0 on "
            "a clean stop, 1 on a runtime failure or an endpoint that cannot be reached at "
            "start (within reconnect.first_connect seconds, 10 by default), 2 on a config "
            "error (a --web or web: address other machines reach without a token, or one "
            "that cannot be bound, included), 3 when the token is refused, malformed or "
            "lacks scopes, 4 when another process uses the journal, 130 after a second "
            "signal."
        ),
    )
    parser.add_argument("config", help="the bot's YAML config file")
    parser.add_argument(
        "--duration",
        type=_seconds,
        default=None,
        metavar="SECONDS",
        help="stop gracefully after this many seconds",
    )
    parser.add_argument(
        "--grace",
        type=_seconds,
        default=60.0,
        metavar="SECONDS",
        help="how long open contracts get to settle when stopping (default 60)",
    )
    parser.add_argument(
        "--web",
        type=_listen,
        default=None,
        metavar="HOST:PORT",
        help=(
            "serve the dashboard and control API there (port 0: any free one; the bot "
            "prints the address); sets web.listen, keeping the rest of the web: section"
        ),
    )
    add_log_options(parser)
    parser.set_defaults(handler=_handle)


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected seconds, got {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be > 0, got {text}")
    return value


def _listen(text: str) -> str:
    try:
        parse_listen(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return text


def _handle(args: argparse.Namespace) -> int:
    config = load_config(args.config)  # ConfigError: exit 2 with every problem
    if args.web is not None:
        web = config.web if config.web is not None else WebConfig()
        config = attrs.evolve(config, web=attrs.evolve(web, listen=args.web))
    configure_from(args)
    bot = Bot(config, grace=args.grace)
    return run_process(bot, duration=args.duration)
