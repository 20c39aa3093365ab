"""The control API: each POST is one of the bot's control actions, answered with its result.

The actions are :class:`~framework.runtime.control.BotControl`'s: they journal and publish
themselves, so nothing is recorded here. Who asked is ``"web "`` and the client's address.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import trio
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from framework.runtime.control import BotControl, ControlError, ControlResult

from .context import error, json_response, web_context

__all__ = [
    "LAST_WORD",
    "MAX_REASON",
    "clear_kill",
    "kill",
    "pause",
    "resume",
    "sell",
    "source",
    "stop",
]

#: The longest kill-switch reason kept (it goes to the journal and the logs).
MAX_REASON = 200
#: Seconds the answer to a stop gets to reach its client while the bot winds up.
LAST_WORD = 1.0


class _LastWord(Response):
    """An answer sent shielded from the bot's end, for at most :data:`LAST_WORD` seconds.

    A bot with nothing open stops within a scheduler pass of the request, and its server
    is cancelled with it: the answer to ``POST /api/stop`` would be cut off half sent.
    """

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        with trio.CancelScope(shield=True, deadline=trio.current_time() + LAST_WORD):
            await super().__call__(scope, receive, send)


def source(request: Request) -> str:
    """Who asked: ``"web "`` and the client's host."""
    client = request.client
    return "web " + (client.host if client is not None else "unknown")


def _act(request: Request, action: Callable[[BotControl, str], ControlResult]) -> Response:
    try:
        result = action(web_context(request).bot.control, source(request))
    except ControlError as exc:
        return error(str(exc), exc.status)
    return json_response(result.as_dict())


async def pause(request: Request) -> Response:
    """``POST /api/strategies/{name}/pause``: no new intents from that strategy."""
    name = request.path_params["name"]
    return _act(request, lambda control, who: control.pause(name, source=who))


async def resume(request: Request) -> Response:
    """``POST /api/strategies/{name}/resume``."""
    name = request.path_params["name"]
    return _act(request, lambda control, who: control.resume(name, source=who))


async def stop(request: Request) -> Response:
    """``POST /api/stop``: the graceful stop a SIGTERM asks for."""
    answer = _act(request, lambda control, who: control.stop(source=who))
    return _LastWord(answer.body, answer.status_code, media_type=answer.media_type)


async def kill(request: Request) -> Response:
    """``POST /api/kill`` (optional JSON ``{"reason": "..."}``): trip the kill switch."""
    body = await request.body()
    reason = ""
    if body.strip():
        try:
            data = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            return error('body: expected JSON such as {"reason": "..."}', 400)
        raw = data.get("reason", "") if isinstance(data, dict) else None
        if not isinstance(raw, str) or len(raw) > MAX_REASON:
            return error(f"reason: expected text of at most {MAX_REASON} characters", 400)
        reason = raw
    return _act(request, lambda control, who: control.kill(source=who, reason=reason))


async def clear_kill(request: Request) -> Response:
    """``POST /api/kill/clear``: clear the kill switch."""
    return _act(request, lambda control, who: control.clear_kill(source=who))


async def sell(request: Request) -> Response:
    """``POST /api/contracts/{id}/sell``: sell an open contract at market."""
    contract_id = request.path_params["id"]
    return _act(request, lambda control, who: control.sell(contract_id, source=who))
