"""A fake HTTP receiver on a real loopback socket (port 0), for webhooks and Telegram.

A raw Trio TCP server speaking just enough HTTP/1.1 (keep-alive, ``Content-Length``
bodies): the test decides each answer, including never answering (a receiver that hangs).
It has no timers of its own, so under a virtual clock nothing closes behind the client.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any

import attrs
import trio

__all__ = ["FakeReceiver", "Reply", "Request", "ok"]


@attrs.frozen
class Request:
    """One request as received."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        """The body as JSON."""
        return json.loads(self.body)


@attrs.frozen
class Reply:
    """An answer: status, extra headers, body."""

    status: int = 200
    body: bytes = b'{"ok": true}'
    headers: tuple[tuple[str, str], ...] = (("content-type", "application/json"),)


Responder = Callable[[Request], Awaitable[Reply]]


async def ok(_request: Request) -> Reply:
    """Answer 200 with Telegram's ``{"ok": true}`` (which a webhook ignores)."""
    return Reply()


class FakeReceiver:
    """Records every request and answers it with ``respond``.

    Attributes:
        requests: every request received, in order.
        url: ``http://127.0.0.1:PORT`` once started.
        arrived: set at each request (replaced after), for tests that wait for one.
    """

    def __init__(self, respond: Responder = ok) -> None:
        self.respond = respond
        self.requests: list[Request] = []
        self.url = ""
        self.arrived = trio.Event()

    async def serve(self, *, task_status: trio.TaskStatus[FakeReceiver]) -> None:
        """Listen on a free loopback port; reports itself started."""
        listeners = await trio.open_tcp_listeners(0, host="127.0.0.1")
        port = listeners[0].socket.getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        async with trio.open_nursery() as nursery:
            await nursery.start(partial(trio.serve_listeners, self._connection, listeners))
            task_status.started(self)

    async def wait_for(self, count: int) -> None:
        """Return once ``count`` requests have arrived."""
        while len(self.requests) < count:
            await self.arrived.wait()

    def bodies(self) -> list[Any]:
        """Every request's JSON body."""
        return [r.json() for r in self.requests]

    async def _connection(self, stream: trio.SocketStream) -> None:
        buffer = b""
        try:
            while True:
                while b"\r\n\r\n" not in buffer:
                    data = await stream.receive_some(65536)
                    if not data:
                        return
                    buffer += data
                head, buffer = buffer.split(b"\r\n\r\n", 1)
                lines = head.decode("latin-1").split("\r\n")
                method, path, _version = lines[0].split(" ", 2)
                headers = {}
                for line in lines[1:]:
                    name, _, value = line.partition(":")
                    headers[name.strip().lower()] = value.strip()
                length = int(headers.get("content-length", "0"))
                while len(buffer) < length:
                    data = await stream.receive_some(65536)
                    if not data:
                        return
                    buffer += data
                body, buffer = buffer[:length], buffer[length:]
                request = Request(method, path, headers, body)
                self.requests.append(request)
                self.arrived.set()
                self.arrived = trio.Event()
                reply = await self.respond(request)
                extra = "".join(f"{k}: {v}\r\n" for k, v in reply.headers)
                status = f"HTTP/1.1 {reply.status} X\r\n"
                out = f"{status}content-length: {len(reply.body)}\r\n{extra}\r\n"
                await stream.send_all(out.encode("latin-1") + reply.body)
        except (trio.BrokenResourceError, trio.ClosedResourceError):
            return  # the client went away (a timeout, the notifier stopping)
