"""``triobot check CONFIG``: validate a bot config offline and show what the bot will need.

Prints the strategies, the risk limits, every API call the bot will make with the token
scope it needs and who needs it, and the warnings. Exit 0 when the config is usable, 2 with
every problem listed (``path: message (file:line)``) when it is not.

``--online`` also connects to the endpoint exactly as ``triobot run`` would (the embedded
simulator included), authorizes, and compares the token's scopes with what the bot needs:
exit 3 when a scope is missing or the token is refused, naming each missing scope with the
calls and strategies that need it. Nothing is traded and no strategy is started.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any, TextIO

import trio

from framework.config import BotConfig, highest_stake, load_config
from framework.config.loader import first_stake
from framework.errors import ConfigError, UserError
from framework.runtime.endpoint import connect
from framework.runtime.groups import sole_error
from framework.scopes import (
    EXIT_SCOPES,
    MissingScopes,
    bot_needs,
    check_scopes,
    needs_table,
    scopes_needed,
)
from framework.strategy._host import StrategySetup
from framework.strategy._plugins import strategy_summary

from ..logoptions import add_log_options, configure_from

__all__ = ["check_online", "register", "run_check"]


def register(subparsers: Any) -> None:
    """Add ``check`` to the command line."""
    parser = subparsers.add_parser(
        "check",
        help="validate a bot config offline and list the calls and token scopes it needs",
        description=(
            "Validate a bot config without connecting: YAML, types, ranges, unknown and "
            "duplicate keys, plugins and their parameters, contracts against the market "
            "rules, stakes against the risk limits. Then list every API call the bot makes "
            "and the token scopes they need. Exit 0 if usable, 2 with every problem if not; "
            f"with --online, {EXIT_SCOPES} when the token is refused, malformed or lacks a "
            "scope, 1 when the endpoint cannot be reached (within reconnect.first_connect "
            "seconds)."
        ),
    )
    parser.add_argument("config", help="the bot's YAML config file")
    parser.add_argument(
        "--online",
        action="store_true",
        help="also connect, authorize and check the token's scopes (nothing is traded)",
    )
    parser.add_argument(
        "--skip-secrets",
        action="store_true",
        help="do not read the token (check a config on a machine without it)",
    )
    add_log_options(parser, level="warning")  # only --online connects, and logs
    parser.set_defaults(handler=_handle)


def _handle(args: argparse.Namespace) -> int:
    if args.online and args.skip_secrets:
        raise UserError("--online needs the token: drop --skip-secrets", exit_code=2)
    code = run_check(args.config, skip_secrets=args.skip_secrets, out=sys.stdout)
    if code == 0 and args.online:
        configure_from(args)
        config = load_config(args.config)
        return trio.run(check_online, config, sys.stdout)
    return code


async def check_online(config: BotConfig, out: TextIO) -> int:
    """Connect and authorize as the bot would, then compare the token's scopes.

    Returns:
        0 when the token covers every call.

    Raises:
        MissingScopes: a scope is missing (exit 3), naming each with its calls and strategies.
        TokenRefused: the server refused the token (exit 3).
    """
    needs = bot_needs((s.name, s.strategy_class) for s in config.strategies)
    try:
        async with trio.open_nursery() as nursery:
            endpoint = await connect(config, nursery)
            auth = endpoint.connection.authorization
            assert auth is not None  # connect() returns only once authorized
            report = check_scopes(needs, auth.scopes)
            nursery.cancel_scope.cancel()
    except BaseExceptionGroup as group:
        raise sole_error(group) from None
    kind = "virtual" if auth.is_virtual else "real"
    out.write(
        f"\nOnline: authorized as {auth.loginid} ({kind}, {auth.balance:.2f} {auth.currency}); "
        f"token scopes: {', '.join(sorted(auth.scopes))}\n"
    )
    for warning in report.warnings():
        out.write(f"  warning: {warning}\n")
    if not report.ok:
        raise MissingScopes(
            report, token_source=config.token_source, consequence="the bot cannot run"
        )
    out.write("The token covers every call the bot makes.\n")
    return 0


def run_check(path: str, *, skip_secrets: bool = False, out: TextIO) -> int:
    """Check a config and print the report.

    Args:
        path: the config file.
        skip_secrets: do not read the token.
        out: where to print.

    Returns:
        0 (problems raise).

    Raises:
        ConfigError: the config has problems (the command line prints them, exit 2).
    """
    config = load_config(path, resolve_secrets=not skip_secrets)
    try:
        needs = bot_needs((s.name, s.strategy_class) for s in config.strategies)
    except ValueError as exc:  # the loader reports unknown calls first; belt and braces
        raise ConfigError(f"{path}: {exc}") from None
    write = out.write
    write(f"{path}: OK\n\n")
    for line in _describe(config):
        write(line + "\n")
    write("\nAPI calls the bot makes:\n")
    rows = [("call", "token scope", "needed by"), *needs_table(needs)]
    write(_table(rows))
    scopes = scopes_needed(needs)
    write("\nToken scopes needed: " + ", ".join(scopes) + "\n")
    if config.is_embedded:
        write("(the embedded simulator's demo token holds exactly these)\n")
    else:
        write("Create the token with exactly these scopes; never 'payments' or 'admin'.\n")
    if config.warnings:
        write("\nWarnings:\n")
        for warning in config.warnings:
            write(f"  {warning}\n")
    return 0


def _describe(config: BotConfig) -> list[str]:
    lines = []
    if config.is_embedded:
        sim = config.simulator
        lines.append(
            f"endpoint    embedded simulator (seed {sim.seed}, speed {sim.speed:g}x, "
            f"balance {sim.balance:.2f} {sim.currency})"
        )
        token = "the simulator's demo account" if config.token is None else config.token_source
    else:
        lines.append(f"endpoint    {config.url()}")
        token = config.token_source + ("" if config.token is not None else " (not read)")
    if not config.compression:
        lines[-1] += " (compression off)"
    lines.append(f"token       {token}")
    lines.append(f"journal     {config.journal}")
    lines.append(f"risk        {_risk(config)}")
    lines.append("strategies")
    for item in config.strategies:
        info = strategy_summary(item.strategy_class)
        planned = item.strategy_class.planned_contracts(item.params, item.template)
        kinds = "/".join(
            (t.type or "?") + (f"({t.barrier})" if t.barrier is not None else "") for t in planned
        )
        t = item.template
        stake = item.stake
        first, top = first_stake(stake), highest_stake(stake)
        sizing = f"{stake.scheme} {first:.2f}" + (f" up to {top:.2f}" if top != first else "")
        lines.append(f"  {item.name}: {info['class']} - {info['summary']}")
        lines.append(
            f"    {', '.join(item.symbols)}: {kinds} {t.duration}{t.duration_unit}, "
            f"{t.basis} {sizing}, on_error {item.on_error}"
        )
        history = _history(item.setup())
        if history:
            lines.append(f"    history: {history}")
    return lines


def _history(setup: StrategySetup) -> str:
    """The market history a strategy gets before its first hook, code and config merged."""
    parts = []
    for series in setup.candle_series():
        extras = [f"{series.history} before start"] if series.history else []
        if series.forming:
            extras.append("forming updates")
        if series.symbols:
            extras.append(", ".join(series.symbols) + " only")
        more = f" ({', '.join(extras)})" if extras else ""
        parts.append(f"{series.granularity}s candles{more}")
    ticks = setup.look_back()
    if ticks:
        parts.append(f"{ticks} ticks before start")
    return "; ".join(parts)


def _risk(config: BotConfig) -> str:
    risk = config.risk
    parts = []
    for name in (
        "max_stake",
        "max_open_contracts",
        "max_trades",
        "max_daily_loss",
        "max_consecutive_losses",
        "loss_cooldown",
        "take_profit",
        "min_balance",
        "kill_file",
    ):
        value = getattr(risk, name)
        if value is not None:
            parts.append(f"{name} {value:.2f}" if isinstance(value, float) else f"{name} {value}")
    return ", ".join(parts) if parts else "no limits"


def _table(rows: Sequence[tuple[str, ...]]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for n, row in enumerate(rows):
        lines.append("  " + "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)))
        if n == 0:
            lines.append("  " + "  ".join("-" * w for w in widths))
    return "\n".join(line.rstrip() for line in lines) + "\n"
