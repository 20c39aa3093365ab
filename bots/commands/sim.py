"""``triobot sim``: run the embedded Deriv simulator as a standalone server.

The first line on stdout is exactly ``listening ws://HOST:PORT/websockets/v3`` (with the real
port when ``--port 0``), so scripts and tests can read where to connect; the accounts and
tokens it accepts follow. Ctrl-C or SIGTERM stops it cleanly (exit code 0).
"""

from __future__ import annotations

import argparse
import math
import signal
import sys
from pathlib import Path
from typing import Any

import trio

from framework.deriv.calls import ALL_SCOPES
from framework.errors import UserError
from framework.simulator import (
    PAYMENT_AGENT_LOGINID,
    PAYMENT_AGENT_TOKEN,
    Simulator,
    SimulatorConfig,
    TokenConfig,
    parse_faults,
    run_simulator,
)
from framework.simulator.config import is_loopback

from ..logoptions import add_log_options, configure_from

__all__ = ["parse_token", "register", "run"]

_TOKEN_HELP = (
    "a token the simulator accepts, as TOKEN=scope,scope,... (scopes: "
    + ", ".join(ALL_SCOPES)
    + "; all five when '=...' is omitted). TOKEN@real=... logs in to the user's real (CR) "
    "account instead of the virtual one. Repeatable. Default: one demo token, all scopes."
)


def parse_token(text: str) -> TokenConfig:
    """Parse one ``--token`` value.

    Raises:
        argparse.ArgumentTypeError: a malformed value (argparse reports it, exit code 2).
    """
    name, sep, scopes_text = text.partition("=")
    account = "virtual"
    if name.endswith("@real"):
        name, account = name[: -len("@real")], "real"
    elif name.endswith("@virtual"):
        name = name[: -len("@virtual")]
    scopes = tuple(s.strip() for s in scopes_text.split(",") if s.strip()) if sep else ALL_SCOPES
    if not name or not all(c.isalnum() or c in "_-" for c in name) or len(name) > 128:
        raise argparse.ArgumentTypeError(
            f"{text!r}: the token must be 1-128 letters, digits, _ or -"
        )
    if sep and not scopes:
        raise argparse.ArgumentTypeError(f"{text!r}: no scopes after '='")
    try:
        return TokenConfig(name, scopes, "real" if account == "real" else "virtual")
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not value > 0 or math.isinf(value):
        raise argparse.ArgumentTypeError(f"must be a positive number: {text!r}")
    return value


def _amount(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an amount: {text!r}") from None
    if value < 0 or math.isinf(value) or value != value:
        raise argparse.ArgumentTypeError(f"must be a non-negative amount: {text!r}")
    return value


def _seed(text: str) -> int | str:
    return int(text) if text.lstrip("-").isdigit() else text


def register(subparsers: Any) -> None:
    """Add ``sim`` to the ``triobot`` command line."""
    parser = subparsers.add_parser(
        "sim",
        help="run the embedded Deriv API simulator",
        description=(
            "Run a local Deriv API v3 server (ws://HOST:PORT/websockets/v3?app_id=N) with "
            "seeded synthetic indices, virtual accounts and the real envelope and errors. "
            "Official clients such as python_deriv_api work against it unchanged."
        ),
    )
    parser.add_argument(
        "--host",
        default="127.0.0.1",
        help="interface (default 127.0.0.1); any other than loopback needs --expose-demo-tokens",
    )
    parser.add_argument(
        "--expose-demo-tokens",
        action="store_true",
        help="listen beyond loopback although the built-in demo and payment agent tokens "
        "(every scope, well known) are live: anyone who reaches the port can use them",
    )
    parser.add_argument(
        "--port", type=int, default=8765, help="TCP port; 0 picks a free one (default 8765)"
    )
    parser.add_argument(
        "--seed", type=_seed, default=1, help="market seed (default 1, as in configs)"
    )
    parser.add_argument(
        "--speed", type=_positive, default=1.0, help="simulated seconds per second (default 1)"
    )
    parser.add_argument(
        "--token", action="append", type=parse_token, default=None, help=_TOKEN_HELP
    )
    parser.add_argument(
        "--balance", type=_amount, default=10000.0, help="opening balance (default 10000)"
    )
    parser.add_argument(
        "--outbox", type=Path, help="append verification emails to this file (JSON lines)"
    )
    parser.add_argument(
        "--state", type=Path, help="SQLite file: accounts and contracts survive restarts"
    )
    parser.add_argument(
        "--faults",
        default="",
        help="fault injection, e.g. 'drop_on=buy:after,delay=0.5:proposal,rate_limit=ticks:2',"
        " 'corrupt=buy:contract_id=abc' (see docs/simulator.md)",
    )
    add_log_options(parser)
    parser.set_defaults(handler=run)


def _config(args: argparse.Namespace) -> SimulatorConfig:
    if not 0 <= args.port <= 65535:
        raise UserError(f"--port {args.port}: must be 0-65535", exit_code=2)
    try:
        parse_faults(args.faults)
    except ValueError as exc:
        raise UserError(f"--faults: {exc}", exit_code=2) from None
    if args.state is not None and not args.state.parent.is_dir():
        raise UserError(f"--state {args.state}: folder does not exist", exit_code=2)
    if args.outbox is not None and not args.outbox.parent.is_dir():
        raise UserError(f"--outbox {args.outbox}: folder does not exist", exit_code=2)
    options: dict[str, Any] = {
        "host": args.host,
        "port": args.port,
        "seed": args.seed,
        "speed": args.speed,
        "balance": args.balance,
        "outbox": args.outbox,
        "state": args.state,
        "faults": args.faults,
        "expose_demo_tokens": args.expose_demo_tokens,
    }
    if args.token:
        options["tokens"] = tuple(args.token)
    try:
        return SimulatorConfig(**options)
    except ValueError as exc:
        raise UserError(str(exc), exit_code=2) from None


def _announce(sim: Simulator) -> None:
    out = sys.stdout
    out.write(f"listening {sim.url}\n")
    out.write(f"connect with {sim.app_url()}\n")
    for token in sim.tokens:
        account = sim.accounts[token.loginid]
        kind = "virtual" if account.is_virtual else "real"
        out.write(
            f"token {token.token} -> {kind} account {account.loginid} "
            f"({account.currency} {account.balance:.2f}); scopes: {', '.join(token.scopes)}\n"
        )
    out.write(f"payment agent {PAYMENT_AGENT_LOGINID}: token {PAYMENT_AGENT_TOKEN}\n")
    out.flush()


async def _serve(config: SimulatorConfig) -> None:
    with trio.open_signal_receiver(signal.SIGINT, signal.SIGTERM) as signals:
        async with trio.open_nursery() as nursery:
            sim: Simulator = await nursery.start(run_simulator, config)
            _announce(sim)
            async for _ in signals:
                nursery.cancel_scope.cancel()
                break


def run(args: argparse.Namespace) -> int:
    """Run the simulator until interrupted.

    Returns:
        0 after a clean stop.
    """
    config = _config(args)
    configure_from(args)
    if not is_loopback(config.host):
        print(
            f"triobot: warning: listening on {config.host} with the built-in tokens: anyone "
            "who reaches the port can trade and move money with them",
            file=sys.stderr,
        )
    try:
        trio.run(_serve, config)
    except (OSError, BaseExceptionGroup) as exc:
        # Trio's strict exception groups wrap the listener's error; a busy port is a user
        # mistake, anything else is a bug and keeps its traceback.
        found = _os_error(exc)
        if found is None:
            raise
        raise UserError(f"cannot listen on {config.host}:{config.port}: {found.strerror}") from None
    return 0


def _os_error(exc: BaseException) -> OSError | None:
    if isinstance(exc, OSError):
        return exc
    if isinstance(exc, BaseExceptionGroup):
        for inner in exc.exceptions:
            found = _os_error(inner)
            if found is not None:
                return found
    return None
