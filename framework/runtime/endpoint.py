"""Reaching a bot's endpoint: the embedded simulator or a real server, connected and authorized.

Shared by :class:`~framework.runtime.supervisor.Bot` and ``triobot check --online`` so that a
check connects exactly the way a run will.

The embedded simulator logs the bot in with a demo token that holds exactly the scopes the
bot needs (:func:`demo_token`, computed by :mod:`framework.scopes` as for any token), so
the demo shows what least privilege looks like rather than warning about its own token.

The embedded simulator keeps as much tick history as the bot's strategies declare
(:func:`embedded_history`), not the standalone simulator's day: each feed generates its
whole history the first time the bot touches its symbol, which for a day of one-second
ticks took about half a second of this process's time per symbol, and start-up waited for it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import attrs
import trio

from framework.config import BotConfig
from framework.connection import AuthorizationFailed, Connection, ConnectionSettings
from framework.errors import UserError
from framework.logs import get_logger
from framework.market import tick_intervals
from framework.market.symbols import get_symbol
from framework.scopes import EXIT_SCOPES, bot_needs, scopes_needed
from framework.simulator import SimulatorConfig, TokenConfig, run_simulator
from framework.simulator.feed import DEFAULT_HISTORY_SECONDS
from framework.simulator.simulator import Simulator

__all__ = [
    "Endpoint",
    "TokenRefused",
    "connect",
    "demo_token",
    "embedded_history",
    "simulator_state",
]

#: The least tick history the embedded simulator keeps, in seconds.
EMBEDDED_HISTORY_MIN = 600


class TokenRefused(UserError):
    """The token was refused (invalid, expired, disabled, or malformed): the exit of a bad scope.

    The message names where the token came from, never the token.

    Args:
        source: where the token came from (``env:DERIV_TOKEN``, a file...).
        failure: the connection's refusal.
    """

    exit_code = EXIT_SCOPES

    def __init__(self, source: str, failure: AuthorizationFailed) -> None:
        super().__init__(f"the API token ({source}) was refused: {failure.code}: {failure.message}")
        self.code = failure.code


@attrs.frozen
class Endpoint:
    """A connected, authorized endpoint.

    Attributes:
        connection: the running connection actor.
        simulator: the embedded simulator, when the config asked for one.
    """

    connection: Connection
    simulator: Simulator | None


def simulator_state(config: BotConfig) -> Path:
    """The embedded simulator's state file: the configured one, else next to the journal.

    The journal outlives a run, so the simulated account must too: a fresh simulator would
    reuse contract ids the journal already holds and forget the contracts a restarted bot
    must follow to settlement.
    """
    if config.simulator.state is not None:
        return config.simulator.state
    return config.journal.with_name(config.journal.name + ".simulator")


def embedded_history(config: BotConfig) -> int:
    """Seconds of ticks the embedded simulator keeps: the strategies' longest look-back.

    The look-back in ticks times the slowest of the bot's symbols' tick intervals, plus a
    minute, and at least :data:`EMBEDDED_HISTORY_MIN`. A bot trading a market that closes
    keeps the simulator's day: its history has gaps that a look-back must reach across.
    """
    specs = [get_symbol(symbol) for s in config.strategies for symbol in s.symbols]
    if any(spec.hours is not None for spec in specs):
        return DEFAULT_HISTORY_SECONDS
    look_back = max(s.setup().look_back() for s in config.strategies)
    slowest = max(spec.tick_interval for spec in specs)
    return min(DEFAULT_HISTORY_SECONDS, max(EMBEDDED_HISTORY_MIN, look_back * slowest + 60))


def demo_token(config: BotConfig) -> TokenConfig:
    """The embedded simulator's demo token for this bot: exactly the scopes it needs.

    The token's name follows from its scopes (``demo-read-trade``), so a simulator state
    kept from an earlier run restores the same token, and a bot that comes to need another
    scope gets a token that has it rather than the restored one.
    """
    needs = bot_needs((s.name, s.strategy_class) for s in config.strategies)
    scopes = tuple(scopes_needed(needs))
    return TokenConfig("-".join(("demo", *scopes)), scopes=scopes)


async def connect(
    config: BotConfig,
    nursery: trio.Nursery,
    *,
    simulator_config: SimulatorConfig | None = None,
    connection_overrides: dict[str, Any] | None = None,
) -> Endpoint:
    """Start the embedded simulator if asked, then the connection actor, in ``nursery``.

    Returns once connected and authorized (``connection.authorization`` is set).

    Raises:
        UserError: no token for a live endpoint.
        TokenRefused: the server refused the token, or it is malformed (exit 3).
        NeverConnected: the endpoint could not be reached within the first connection's
            budget (``reconnect.first_connect``; exit 1).
    """
    log = get_logger("triobot.bot")
    simulator: Simulator | None = None
    if config.is_embedded:
        sim_config = simulator_config or attrs.evolve(
            config.simulator,
            state=simulator_state(config),
            tokens=(demo_token(config),),
            history_seconds=embedded_history(config),
        )
        simulator = await nursery.start(run_simulator, sim_config)
        url, tokens = config.url(simulator.url), (simulator.token,)
        log.info("embedded simulator listening", url=simulator.url, speed=sim_config.speed)
    else:
        if config.token is None:
            raise UserError("no API token configured for a live endpoint")
        url, tokens = config.url(), (config.token.reveal(),)
    settings = ConnectionSettings(
        url=url,
        tokens=tokens,
        compression=config.compression,
        keepalive=config.keepalive,
        tick_intervals=tick_intervals(),
        backoff=config.reconnect,
        **(connection_overrides or {}),
    )
    connection = Connection(settings)
    try:
        await nursery.start(connection.run)
    except AuthorizationFailed as exc:
        raise TokenRefused(config.token_source, exc) from None
    return Endpoint(connection=connection, simulator=simulator)
