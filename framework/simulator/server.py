"""The WebSocket I/O shell: listeners, the handshake checks, one reader and one writer per
connection.

* The handshake is refused before the upgrade when the path is not ``/websockets/v3``
  (HTTP 404) or ``app_id`` is missing or malformed (HTTP 401 ``{"error":"InvalidAppID"}``),
  as the real server does.
* The WebSocket itself (:mod:`.websocket`) negotiates permessage-deflate, closes with the
  frame's code when a frame cannot be parsed (1007 for invalid UTF-8) and with 1009 for a
  message over :data:`~.websocket.MAX_MESSAGE_SIZE`.
* The reader takes one frame at a time through :func:`dispatch` (answers are queued in
  order); a binary frame gets :func:`binary_frame`'s answer. The writer drains the
  connection's queue. A client that does not read fast enough to keep the queue under
  ``queue_size`` messages is disconnected rather than buffered without bound.
* Every TCP stream is wrapped in a :class:`FaultStream`, which is how faults reach below
  the WebSocket layer: a *stall* stops reading and writing bytes (so pings go unanswered
  too), a *drop* closes the TCP stream without a closing handshake (the client sees 1006).
* A connection with no traffic either way for ``idle_timeout`` seconds is closed, like the
  real server's 120 s stream timeout.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qs

import attrs
import trio
from trio_websocket import ConnectionClosed, WebSocketRequest

from framework.deriv.calls import call_of_request
from framework.logs import get_logger

from .core import SimCore
from .dispatch import CloseConnection, Handler, binary_frame, decode, dispatch
from .faults import MALFORMED_FRAME, FaultAction
from .ratelimit import LOCAL_PEER, Peer
from .session import Session
from .websocket import wrap_server_stream

__all__ = ["Connection", "FaultStream", "StreamServer", "serve"]

_log = get_logger("triobot.simulator.server")

PATH = "/websockets/v3"
_APP_ID = re.compile(r"^(?!0)[0-9]{1,19}$")
_DROP = object()  # writer sentinel: abort the connection here
HANDSHAKE_TIMEOUT = 10.0
CLOSE_TIMEOUT = 2.0


class FaultStream(trio.abc.Stream):
    """A TCP stream that can stall (stop moving bytes) or be cut, and that notes activity."""

    def __init__(self, inner: trio.abc.Stream) -> None:
        self._inner = inner
        self._stalled = False
        self.last_activity = trio.current_time()

    def stall(self) -> None:
        """Stop reading and writing for good (until the stream is closed)."""
        self._stalled = True

    async def send_all(self, data: bytes | bytearray | memoryview) -> None:
        if self._stalled:
            await trio.sleep_forever()
        await self._inner.send_all(data)
        self.last_activity = trio.current_time()

    async def wait_send_all_might_not_block(self) -> None:
        await self._inner.wait_send_all_might_not_block()

    async def receive_some(self, max_bytes: int | None = None) -> bytes | bytearray:
        if self._stalled:
            await trio.sleep_forever()
        data = await self._inner.receive_some(max_bytes)
        if self._stalled:
            await trio.sleep_forever()
        self.last_activity = trio.current_time()
        return data

    async def aclose(self) -> None:
        await self._inner.aclose()


class Connection:
    """One client connection: its session, queue, reader, writer and idle watchdog."""

    def __init__(
        self,
        core: SimCore,
        ws: Any,
        stream: FaultStream,
        app_id: int,
        handlers: Mapping[str, Handler],
        number: int,
        peer: Peer = LOCAL_PEER,
    ) -> None:
        self.core = core
        self.ws = ws
        self.stream = stream
        self.handlers = handlers
        self.number = number
        self._send, self._queue = trio.open_memory_channel[Any](core.config.queue_size)
        self.session = Session(
            app_id=app_id, push=self._push, rate=core.rate, peer=peer, number=number
        )
        self._muted = False
        self._captured: list[str] | None = None
        self._nursery: trio.Nursery | None = None
        self._dropping = False

    # -- output --------------------------------------------------------------------------

    def _push(self, text: str) -> None:
        if self._muted or self._dropping:
            return
        text = self.core.faults.rewrite(text)
        if self._captured is not None:
            self._captured.append(text)
            return
        self._enqueue(text)

    def _enqueue(self, text: str) -> None:
        try:
            self._send.send_nowait(text)
        except trio.WouldBlock:
            _log.warning("client too slow, dropping connection", connection=self.number)
            self.drop()
            return
        except trio.ClosedResourceError:
            return
        if self.core.faults.on_send():
            self.drop()

    def drop(self) -> None:
        """Cut the connection after what is already queued (no closing handshake)."""
        if self._dropping:
            return
        self._dropping = True
        try:
            self._send.send_nowait(_DROP)
        except (trio.WouldBlock, trio.ClosedResourceError):
            if self._nursery is not None:
                self._nursery.start_soon(self._abort)

    async def _abort(self) -> None:
        with trio.CancelScope(shield=True):
            await self.stream.aclose()
        if self._nursery is not None:
            self._nursery.cancel_scope.cancel()

    async def close(self, code: int, reason: str) -> None:
        """Close with a closing handshake and ``code``."""
        with trio.move_on_after(CLOSE_TIMEOUT) as scope:
            scope.shield = True
            await self.ws.aclose(code, reason)
        if self._nursery is not None:
            self._nursery.cancel_scope.cancel()

    # -- tasks ---------------------------------------------------------------------------

    async def run(self) -> None:
        """Serve the connection until either side ends it."""
        try:
            async with trio.open_nursery() as nursery:
                self._nursery = nursery
                nursery.start_soon(self._writer)
                nursery.start_soon(self._reader)
                if self.core.config.idle_timeout is not None:
                    nursery.start_soon(self._idle_watch, self.core.config.idle_timeout)
        finally:
            self.session.close()

    async def _writer(self) -> None:
        try:
            async for item in self._queue:
                if item is _DROP:
                    await self._abort()
                    return
                await self.ws.send_message(item)
        except (ConnectionClosed, trio.BrokenResourceError, trio.ClosedResourceError):
            pass
        assert self._nursery is not None
        self._nursery.cancel_scope.cancel()

    async def _reader(self) -> None:
        try:
            while True:
                text = await self.ws.get_message()
                await self._handle(text)
        except ConnectionClosed:
            pass
        except CloseConnection as close:
            await self.close(close.code, close.reason)
        assert self._nursery is not None
        self._nursery.cancel_scope.cancel()

    async def _handle(self, text: str | bytes) -> None:
        if isinstance(text, bytes):
            binary_frame(self.session)
            return
        request = decode(text)
        spec = call_of_request(request) if isinstance(request, dict) else None
        action = self.core.faults.on_request(spec.name) if spec is not None else None
        if action is None or action.is_noop:
            dispatch(self.core, self.session, request, self.handlers)
            return
        await self._handle_with_faults(request, action)

    async def _handle_with_faults(self, request: Any, action: FaultAction) -> None:
        if action.stall:
            _log.info("fault: stalling connection", connection=self.number)
            self.stream.stall()
            await trio.sleep_forever()
        if action.drop_before:
            _log.info("fault: dropping connection before the request", connection=self.number)
            self.drop()
            await trio.sleep_forever()
        if action.malformed:
            self._enqueue(MALFORMED_FRAME)
        if action.drop_after:
            self._muted = True
            dispatch(self.core, self.session, request, self.handlers)
            _log.info("fault: dropping connection after the request", connection=self.number)
            self._muted = False
            self.drop()
            await trio.sleep_forever()
        if action.delay > 0:
            self._captured = []
            try:
                dispatch(self.core, self.session, request, self.handlers)
                held = self._captured
            finally:
                self._captured = None
            assert self._nursery is not None
            self._nursery.start_soon(self._send_later, action.delay, held)
            return
        dispatch(self.core, self.session, request, self.handlers)

    async def _send_later(self, delay: float, messages: list[str]) -> None:
        await trio.sleep(delay)
        for text in messages:
            if not self._dropping:
                self._enqueue(text)

    async def _idle_watch(self, limit: float) -> None:
        while True:
            deadline = self.stream.last_activity + limit
            if trio.current_time() >= deadline:
                _log.info("idle connection closed", connection=self.number)
                await self._abort()
                return
            await trio.sleep_until(deadline)


def _check_handshake(
    request: WebSocketRequest, app_ids: frozenset[int] | None
) -> tuple[int, bytes]:
    """Return ``(app_id, b"")`` or ``(HTTP status, body)`` to refuse with."""
    path, _, query = request.path.partition("?")
    if path.rstrip("/") != PATH:
        return 404, b'{"error":"NotFound"}'
    values = parse_qs(query).get("app_id", [])
    if len(values) != 1 or not _APP_ID.match(values[0]):
        return 401, b'{"error":"InvalidAppID"}'
    app_id = int(values[0])
    if app_ids is not None and app_id not in app_ids:
        return 401, b'{"error":"InvalidAppID"}'
    return app_id, b""


def _peer(raw: trio.abc.Stream, request: WebSocketRequest) -> Peer:
    """The peer of a connection: its IP address (loopback for a stream handed over) and UA."""
    agents = [value for name, value in request.headers if name.lower() == b"user-agent"]
    agent = agents[0].decode("latin-1") if agents else ""
    if isinstance(raw, trio.SocketStream):
        try:
            return Peer(str(raw.socket.getpeername()[0]), agent)
        except OSError:  # gone already: the accept that follows fails, whatever the key
            pass
    return attrs.evolve(LOCAL_PEER, user_agent=agent)


class StreamServer:
    """Serves one client per byte stream: those its listeners accept, and any handed to it.

    A stream handed over (:meth:`Simulator.serve_stream`, one end of an in-memory pair) goes
    through exactly what a TCP one does: the fault wrapper, the handshake checks, the
    session.

    Attributes:
        connections: the live connections (each removed when it ends).
    """

    def __init__(self, core: SimCore, handlers: Mapping[str, Handler]) -> None:
        self.core = core
        self.handlers = handlers
        self.connections: set[Connection] = set()
        self._count = 0

    async def handle(self, raw: trio.abc.Stream) -> None:
        """Serve the client on ``raw`` until either side ends the connection."""
        stream = FaultStream(raw)
        try:
            async with trio.open_nursery() as nursery:
                await self._serve_one(raw, stream, nursery)
                nursery.cancel_scope.cancel()
        finally:
            with trio.CancelScope(shield=True):
                await stream.aclose()

    async def _serve_one(
        self, raw: trio.abc.Stream, stream: FaultStream, nursery: trio.Nursery
    ) -> None:
        ws = None
        peer = LOCAL_PEER
        with trio.move_on_after(HANDSHAKE_TIMEOUT):
            request = await wrap_server_stream(nursery, stream, message_queue_size=1)
            status, body = _check_handshake(request, self.core.config.app_ids)
            if body:
                await request.reject(status, body=body)
                return
            peer = _peer(raw, request)
            ws = await request.accept()
        if ws is None:
            return
        self._count += 1
        connection = Connection(self.core, ws, stream, status, self.handlers, self._count, peer)
        self.connections.add(connection)
        try:
            await connection.run()
        finally:
            self.connections.discard(connection)


async def serve(
    server: StreamServer,
    *,
    task_status: trio.TaskStatus[list[trio.SocketListener]] = trio.TASK_STATUS_IGNORED,
) -> None:
    """Listen on the configured ``host``/``port`` and serve connections until cancelled.

    Args:
        server: what serves each accepted connection.
        task_status: receives the listeners once they accept connections.
    """
    config = server.core.config
    listeners = await trio.open_tcp_listeners(config.port, host=config.host)
    async with trio.open_nursery() as nursery:
        nursery.start_soon(trio.serve_listeners, server.handle, listeners)
        task_status.started(listeners)
        await trio.sleep_forever()
