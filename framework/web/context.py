"""What every handler of the web app reaches: the running bot, its auth, the JSON answers."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import attrs
from starlette.requests import Request
from starlette.responses import Response

from .auth import Auth

if TYPE_CHECKING:
    from framework.connection import Connection
    from framework.execution import ExecutionActor
    from framework.journal import Journal
    from framework.runtime import Bot, JournalingGate, StatusBoard, StrategyRunner

__all__ = ["WebContext", "error", "json_response", "web_context"]


@attrs.frozen
class WebContext:
    """The state the app serves from (``app.state.web``).

    The server runs only while the bot's components exist (it starts once the strategies
    did and is cancelled with the bot's root nursery, before the journal closes), so they
    are held here as they are, never ``None``.

    Attributes:
        bot: the running bot (its stop request, its control actions, its event bus).
        board, actor, gate, runner, journal, connection: its live components, where every
            figure is read from.
        auth: the token and the sessions.
        started: ``trio.current_time()`` when the server started, right after the bot's
            strategies (what ``uptime`` counts from: no component holds a start time).
        status_period: seconds between the live stream's ``status`` events.
    """

    bot: Bot
    board: StatusBoard
    actor: ExecutionActor
    gate: JournalingGate
    runner: StrategyRunner
    journal: Journal
    connection: Connection
    auth: Auth
    started: float
    status_period: float = 1.0

    @classmethod
    def of(cls, bot: Bot, auth: Auth, *, started: float, status_period: float) -> WebContext:
        """The context of a bot whose components exist.

        Raises:
            RuntimeError: the bot has not started its components (a wiring mistake).
        """
        board, actor, gate, runner = bot.board, bot.actor, bot.gate, bot.runner
        journal, connection = bot.journal, bot.connection
        if (
            board is None
            or actor is None
            or gate is None
            or runner is None
            or journal is None
            or connection is None
        ):
            raise RuntimeError("the web server starts once the bot's components exist")
        return cls(
            bot, board, actor, gate, runner, journal, connection, auth, started, status_period
        )


def web_context(request: Request) -> WebContext:
    """The context of the app serving ``request``."""
    web = request.app.state.web
    assert isinstance(web, WebContext)
    return web


def json_response(
    body: Any, status: int = 200, *, headers: Mapping[str, str] | None = None
) -> Response:
    """``body`` as JSON; a value JSON has no type for (a parameter's path) is its text."""
    text = json.dumps(body, default=str, separators=(",", ":"))
    return Response(text, status_code=status, media_type="application/json", headers=headers)


def error(message: str, status: int, *, headers: Mapping[str, str] | None = None) -> Response:
    """A JSON error: ``{"error": message}``."""
    return json_response({"error": message}, status, headers=headers)
