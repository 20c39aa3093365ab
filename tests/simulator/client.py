"""A minimal raw test client: JSON in, JSON out, messages kept by ``req_id`` and stream id.

Deliberately not the framework's connection actor: these tests check the simulator's wire
behaviour, so they look at raw messages.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import trio
from trio_websocket import WebSocketConnection, open_websocket_url

from framework.simulator import Simulator


class RawClient:
    """Sends requests with increasing ``req_id`` and sorts what comes back."""

    def __init__(self, ws: WebSocketConnection) -> None:
        self.ws = ws
        self._next = 1
        self.seen: list[dict[str, Any]] = []
        self._backlog: list[dict[str, Any]] = []

    async def send(self, request: dict[str, Any], *, req_id: bool = True) -> int | None:
        """Send one request (adding a ``req_id`` unless told not to); return the id."""
        rid = None
        if req_id and "req_id" not in request:
            rid = self._next
            self._next += 1
            request = {**request, "req_id": rid}
        await self.ws.send_message(json.dumps(request))
        return rid if rid is not None else request.get("req_id")

    async def receive(self) -> dict[str, Any]:
        """The next message (backlog first)."""
        if self._backlog:
            return self._backlog.pop(0)
        message = json.loads(await self.ws.get_message())
        self.seen.append(message)
        return message

    async def wait(self, predicate: Any, *, limit: float = 60) -> dict[str, Any]:
        """The first message (backlog included) matching ``predicate``; others are kept."""
        for i, message in enumerate(self._backlog):
            if predicate(message):
                return self._backlog.pop(i)
        with trio.fail_after(limit):
            while True:
                message = json.loads(await self.ws.get_message())
                self.seen.append(message)
                if predicate(message):
                    return message
                self._backlog.append(message)

    async def call(self, request: dict[str, Any], *, limit: float = 60) -> dict[str, Any]:
        """Send and return the first message carrying the request's ``req_id``."""
        rid = await self.send(request)
        return await self.wait(lambda m: m.get("req_id") == rid, limit=limit)

    async def stream(self, sub_id: str, *, limit: float = 60) -> dict[str, Any]:
        """The next message of subscription ``sub_id``."""
        return await self.wait(lambda m: m.get("subscription", {}).get("id") == sub_id, limit=limit)

    async def authorize(self, token: str) -> dict[str, Any]:
        """Authorize and return the ``authorize`` object (fails the test on error)."""
        reply = await self.call({"authorize": token})
        assert "error" not in reply, reply
        return reply["authorize"]  # type: ignore[no-any-return]


@asynccontextmanager
async def connect(sim: Simulator, app_id: int = 1089) -> AsyncIterator[RawClient]:
    """Open a raw client on ``sim``."""
    async with open_websocket_url(sim.app_url(app_id)) as ws:
        yield RawClient(ws)
