"""``GET /api/events``: the bot's events and its status, pushed as Server-Sent Events.

Each client gets its own bounded subscription to the bot's event bus, so a slow client
loses events (counted by the bus) rather than holding up a trade, and an ``event: status``
with the ``/api/status`` body at once and then every ``web.status_period`` seconds. The
subscription is closed when the client goes (the response's task is cancelled) or the bot
stops (the server is cancelled with the bot): a stream never holds a shutdown up.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import trio
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from framework.bus import BotEvent

from .api import status_body
from .context import WebContext, web_context

__all__ = ["CAPACITY", "events", "sse"]

#: Events one client may have waiting before the next ones are dropped for it.
CAPACITY = 256


def sse(kind: str, data: Any) -> bytes:
    """One Server-Sent Event (the JSON has no newline, so it is one ``data:`` line)."""
    return f"event: {kind}\ndata: {json.dumps(data, default=str)}\n\n".encode()


async def _stream(web: WebContext) -> AsyncIterator[bytes]:
    with web.bot.events.subscribe(CAPACITY) as subscription:
        due = trio.current_time()
        while True:
            event: BotEvent | None = None
            # The yields stay outside the cancel scope: a generator must not suspend in one.
            with trio.move_on_at(due):
                event = await subscription.receive()
            if event is None:
                due = max(due + web.status_period, trio.current_time())
                yield sse("status", status_body(web))
            else:
                yield sse(event.kind, event.as_dict())


async def events(request: Request) -> Response:
    """``GET /api/events``."""
    headers = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
    return StreamingResponse(
        _stream(web_context(request)), media_type="text/event-stream", headers=headers
    )
