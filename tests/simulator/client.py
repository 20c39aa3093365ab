"""A minimal raw test client: JSON in, JSON out, messages kept by ``req_id`` and stream id.

Deliberately not the framework's connection actor: these tests check the simulator's wire
behaviour, so they look at raw messages. :func:`connect` reaches the simulator in memory
(no socket: the tests run under ``autojump_clock``), and a closed connection raises
:class:`~framework.transport.ConnectionLost` with its close code. :func:`connect_tcp` goes
through the simulator's loopback listener with trio-websocket itself, for the tests of what
a socket client sees (cuts, stalls, WebSocket pings); they run under ``vclock``.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, Protocol

import trio
from trio_websocket import WebSocketConnection, open_websocket_url

from framework.simulator import Simulator
from framework.simulator.memory import open_memory_transport
from framework.transport import Transport


class Wire(Protocol):
    """What the raw client needs of a connection."""

    async def send_message(self, message: str) -> None:
        """Send one text frame."""

    async def get_message(self) -> str | bytes:
        """Return the next frame."""


class _OverTransport:
    """A framework :class:`Transport` (the in-memory one) as a :class:`Wire`."""

    __slots__ = ("_transport",)

    def __init__(self, transport: Transport) -> None:
        self._transport = transport

    async def send_message(self, message: str) -> None:
        await self._transport.send(message)

    async def get_message(self) -> str | bytes:
        return await self._transport.receive()


class RawClient:
    """Sends requests with increasing ``req_id`` and sorts what comes back."""

    def __init__(self, ws: Wire) -> None:
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
        message: dict[str, Any] = json.loads(await self.ws.get_message())
        self.seen.append(message)
        return message

    async def wait(self, predicate: Any, *, limit: float = 60) -> dict[str, Any]:
        """The first message (backlog included) matching ``predicate``; others are kept."""
        for i, kept in enumerate(self._backlog):
            if predicate(kept):
                return self._backlog.pop(i)
        with trio.fail_after(limit):
            while True:
                message: dict[str, Any] = json.loads(await self.ws.get_message())
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
        account: dict[str, Any] = reply["authorize"]
        return account


class SocketClient(RawClient):
    """A raw client over loopback TCP; ``ws`` is trio-websocket's own connection."""

    ws: WebSocketConnection

    def __init__(self, ws: WebSocketConnection) -> None:
        super().__init__(ws)


@asynccontextmanager
async def connect(sim: Simulator, app_id: int = 1089) -> AsyncIterator[RawClient]:
    """Open a raw client on ``sim``, in memory."""
    async with open_memory_transport(sim, app_id) as transport:
        yield RawClient(_OverTransport(transport))


@asynccontextmanager
async def connect_tcp(sim: Simulator, app_id: int = 1089) -> AsyncIterator[SocketClient]:
    """Open a raw client on ``sim``'s loopback listener."""
    async with open_websocket_url(sim.app_url(app_id)) as ws:
        yield SocketClient(ws)
