"""The WebSocket transport seam: connect, send, receive, close, and nothing else.

The connection actor talks to a :class:`Transport`; how frames travel is this module's
business. :func:`open_websocket_transport` is the production implementation, on
trio-websocket. Everything trio-websocket (or the OS) raises is translated here into the
framework's own errors, so no caller ever sees a library exception:

* :class:`ConnectTimeout`: the handshake did not finish within the deadline. This module owns
  that deadline with an outer ``trio.fail_after``, because trio-websocket's own
  ``connect_timeout`` does not fire against a server that accepts TCP and then says nothing.
* :class:`ConnectFailed`: refused, unreachable, rejected by the server (HTTP status kept).
* :class:`ConnectionLost`: the connection closed or broke after it was open; carries the
  WebSocket close code and reason (1006 for an abrupt drop).

**Delivery.** A reader either pulls frames (:meth:`Transport.receive`) or has them pushed
(:meth:`Transport.deliver`). trio-websocket's own reader task queues every message on a memory
channel for ``get_message``, so a pull costs one more task switch per message; with
:meth:`WebSocketTransport.deliver` that reader task hands each message straight to the
handler instead (:class:`_Inbox`), and the channel is left holding nothing.

Tests and the in-memory simulator plug in their own :class:`Transport` through a
:data:`Connector` (a zero-argument callable returning an async context manager). Given a
``stream``, :func:`open_websocket_transport` speaks WebSocket over that already open byte
stream instead of dialling ``url`` (one end of an in-memory pair: see
``framework.simulator.memory``), with the same errors either way.

**permessage-deflate** (RFC 7692) is offered when ``compression`` is set; the real server
accepts it (reference notes section 3), a server that does not simply answers without it.
wsproto implements the extension and trio-websocket never offers it, so this module builds
the client connection itself (:func:`_websocket`) rather than through
``open_websocket_url``. :func:`permessage_deflate` is the one definition of the extension,
which the simulator's server side accepts with too.
"""

from __future__ import annotations

import abc
import math
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import replace
from typing import NoReturn
from urllib.parse import urlsplit

import trio
import trio_websocket
from wsproto import ConnectionType, WSConnection
from wsproto.extensions import PerMessageDeflate

from .errors import TriobotError
from .locks import EagerLock

__all__ = [
    "ConnectFailed",
    "ConnectTimeout",
    "ConnectionLost",
    "Connector",
    "Handler",
    "Transport",
    "TransportError",
    "WebSocketTransport",
    "open_websocket_transport",
    "permessage_deflate",
]

#: Close code trio-websocket (and RFC 6455) use for a connection that broke without a close.
ABNORMAL_CLOSURE = 1006

#: Messages handed over in a row before trio-websocket's reader task lets others run: a read
#: of 64 KiB holds hundreds of small frames, which the consumers must see drained as they come.
_YIELD_EVERY = 16

#: What :meth:`Transport.deliver` hands each frame to; it must never wait.
Handler = Callable[[str | bytes], None]


class TransportError(TriobotError):
    """Base of the errors about the connection itself (not about an API answer)."""


class ConnectTimeout(TransportError):
    """The connection (TCP, TLS and WebSocket handshake) did not complete in time."""

    def __init__(self, url: str, timeout: float) -> None:
        super().__init__(f"could not connect to {url} within {timeout:g} s")
        self.url = url
        self.timeout = timeout


class ConnectFailed(TransportError):
    """The connection attempt failed outright (refused, DNS, rejected by the server).

    Attributes:
        url: where we tried to connect.
        status_code: the HTTP status when the server rejected the upgrade, else ``None``.
    """

    def __init__(self, url: str, reason: str, *, status_code: int | None = None) -> None:
        super().__init__(f"could not connect to {url}: {reason}")
        self.url = url
        self.reason = reason
        self.status_code = status_code


class ConnectionLost(TransportError):
    """An open connection closed or broke.

    Attributes:
        code: the WebSocket close code (1006 when it broke without a close frame).
        reason: the close reason the peer gave, or what we observed.
    """

    def __init__(self, code: int = ABNORMAL_CLOSURE, reason: str = "") -> None:
        super().__init__(f"connection lost (code {code}{', ' + reason if reason else ''})")
        self.code = code
        self.reason = reason


class Transport(abc.ABC):
    """One open, message-oriented connection. Not restartable: reconnecting opens a new one."""

    @abc.abstractmethod
    async def send(self, text: str) -> None:
        """Send one text frame.

        Raises:
            ConnectionLost: the connection is closed or broke.
        """

    @abc.abstractmethod
    async def receive(self) -> str | bytes:
        """Return the next frame, waiting for it.

        Raises:
            ConnectionLost: the connection is closed or broke.
        """

    @abc.abstractmethod
    async def aclose(self, code: int = 1000, reason: str = "") -> None:
        """Close the connection (idempotent). Bounded in time by the implementation."""

    async def deliver(self, handle: Handler) -> NoReturn:
        """Hand every frame to ``handle``, in order, until the connection ends.

        ``handle`` is called synchronously and must not wait. This default pulls with
        :meth:`receive`; an implementation with a reader task of its own calls ``handle``
        from there (no task in between). Frames that arrive once this returns (cancelled)
        are not handed to anyone.

        Raises:
            ConnectionLost: the connection is closed or broke.
        """
        receive = self.receive
        while True:
            handle(await receive())


#: Opens a transport; the connection actor calls it once per (re)connection.
Connector = Callable[[], AbstractAsyncContextManager[Transport]]


def _lost(exc: trio_websocket.ConnectionClosed) -> ConnectionLost:
    reason = exc.reason
    if reason is None:  # pragma: no cover - trio-websocket always sets one
        return ConnectionLost()
    return ConnectionLost(reason.code, reason.reason or reason.name)


class _Inbox:
    """Takes the place of trio-websocket's message channel on one connection.

    trio-websocket's reader task calls ``await channel.send(message)`` for every complete
    message, and ``aclose()`` when the connection closes (``get_message`` then raises). While
    :attr:`handle` is set the message goes to it at once, in the reader task; otherwise it is
    queued on the original channel, as trio-websocket would.
    """

    __slots__ = ("_channel", "_unyielded", "handle")

    def __init__(self, channel: trio.MemorySendChannel[str | bytes]) -> None:
        self._channel = channel
        self._unyielded = 0
        self.handle: Handler | None = None

    async def send(self, message: str | bytes) -> None:
        handle = self.handle
        if handle is None:
            await self._channel.send(message)
            return
        handle(message)
        # The queue used to yield on every message; once in a while is enough for fairness.
        self._unyielded += 1
        if self._unyielded >= _YIELD_EVERY:
            self._unyielded = 0
            await trio.lowlevel.checkpoint()

    async def aclose(self) -> None:
        await self._channel.aclose()

    async def __aenter__(self) -> _Inbox:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()


class WebSocketTransport(Transport):
    """A :class:`Transport` over an open trio-websocket connection."""

    __slots__ = ("_get", "_inbox", "_ws")

    def __init__(self, ws: trio_websocket.WebSocketConnection) -> None:
        self._ws = ws
        self._get = ws.get_message
        # The reader task looks the channel up on every message: replacing it is enough. The
        # inbox has the two methods of a send channel that trio-websocket calls.
        self._inbox = _Inbox(ws._send_channel)
        ws._send_channel = self._inbox  # type: ignore[assignment]
        # Its write lock, likewise, for one taken without a scheduler pass when free (a buy
        # answering a tick); nothing is being written by a connection that just opened.
        assert not ws._stream_lock.locked()
        ws._stream_lock = EagerLock()  # type: ignore[assignment]

    async def send(self, text: str) -> None:
        try:
            await self._ws.send_message(text)
        except trio_websocket.ConnectionClosed as exc:
            raise _lost(exc) from None
        except (trio.BrokenResourceError, trio.ClosedResourceError, OSError) as exc:
            raise ConnectionLost(ABNORMAL_CLOSURE, f"send failed: {exc!r}") from None

    async def receive(self) -> str | bytes:
        try:
            return await self._get()
        except trio_websocket.ConnectionClosed as exc:
            raise _lost(exc) from None

    async def deliver(self, handle: Handler) -> NoReturn:
        inbox = self._inbox
        if inbox.handle is not None:
            raise RuntimeError("this transport already delivers its frames")
        # What was queued before (nothing, when delivery starts with the connection) first,
        # in order; from then on nothing is queued, and get_message only waits for the end.
        queued = self._ws._recv_channel
        while True:
            try:
                message = queued.receive_nowait()
            except (trio.WouldBlock, trio.EndOfChannel, trio.ClosedResourceError):
                break
            handle(message)
        inbox.handle = handle
        try:
            while True:
                handle(await self._get())
        except trio_websocket.ConnectionClosed as exc:
            raise _lost(exc) from None
        finally:
            inbox.handle = None

    async def aclose(self, code: int = 1000, reason: str = "") -> None:
        await self._ws.aclose(code, reason or None)


def _os_reason(exc: BaseException) -> str:
    """The OS's own words for a failed connect ("Connection refused", "Name or service not
    known"), not Trio's summary "all attempts to connect to HOST:PORT failed"."""
    cause = exc.__cause__
    if isinstance(exc, OSError) and isinstance(cause, BaseExceptionGroup):
        reasons = dict.fromkeys(
            leaf.strerror or str(leaf) for leaf in cause.exceptions if isinstance(leaf, OSError)
        )
        if reasons:
            return "; ".join(reasons)
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return repr(exc)


def permessage_deflate() -> PerMessageDeflate:
    """A new permessage-deflate extension, as both ends of a triobot WebSocket use it.

    wsproto's defaults: context takeover both ways and 15-bit windows, the parameters a
    client that asks for nothing gets from any server (RFC 7692 section 7.1). One instance
    per connection: it holds that connection's compression state.
    """
    return PerMessageDeflate()


async def _dial(url: str) -> tuple[trio.abc.Stream, str, str]:
    """Open the TCP (and TLS, for ``wss``) stream to ``url``.

    Returns:
        ``(stream, host, resource)``: the stream, the ``Host`` header and the request target.

    Raises:
        ValueError: not a ``ws``/``wss`` URL with a host.
        OSError: the connection failed.
    """
    parts = urlsplit(url)
    if parts.scheme not in ("ws", "wss"):
        raise ValueError(f"not a ws:// or wss:// URL: {url!r}")
    host = parts.hostname
    if not host:
        raise ValueError(f"no host in {url!r}")
    secure = parts.scheme == "wss"
    port = parts.port or (443 if secure else 80)
    stream: trio.abc.Stream
    if secure:
        stream = await trio.open_ssl_over_tcp_stream(host, port, https_compatible=True)
    else:
        stream = await trio.open_tcp_stream(host, port)
    # As trio-websocket's own client: the port in the Host header unless it is the default.
    return stream, host if port in (80, 443) else f"{host}:{port}", _resource(url)


def _resource(url: str) -> str:
    parts = urlsplit(url)
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


@asynccontextmanager
async def _websocket(
    url: str,
    stream: trio.abc.Stream | None,
    *,
    compression: bool,
    disconnect_timeout: float,
    max_message_size: int,
    message_queue_size: int,
    receive_buffer_size: int | None,
) -> AsyncIterator[trio_websocket.WebSocketConnection]:
    """The client handshake over ``stream`` (dialled from ``url`` when ``None``).

    As trio-websocket's ``connect_websocket`` (the connection, its reader task), plus the
    extension offer it cannot make, and what ``open_websocket_url`` does around it: a nursery
    for the reader, a bounded closing handshake (``DisconnectionTimeout``) and a single
    failure raised as itself rather than inside an exception group.
    """
    if stream is None:
        stream, host = (await _dial(url))[:2]
    else:
        host = urlsplit(url).netloc
    try:
        async with trio.open_nursery() as nursery:
            ws = trio_websocket.WebSocketConnection(
                stream,
                WSConnection(ConnectionType.CLIENT),
                host=host,
                path=_resource(url),
                message_queue_size=message_queue_size,
                max_message_size=max_message_size,
                receive_buffer_size=receive_buffer_size,
            )
            if compression:
                # The request the reader task sends first; trio-websocket has no argument
                # for its extensions.
                request = ws._initial_request
                assert request is not None  # a client connection always has one
                ws._initial_request = replace(request, extensions=[permessage_deflate()])
            nursery.start_soon(ws._reader_task)
            try:
                await ws._open_handshake.wait()
            except BaseException:
                # Cut off by the connect deadline: the stream is ours to close.
                await trio.aclose_forcefully(stream)
                raise
            try:
                yield ws
            finally:
                try:
                    with trio.fail_after(disconnect_timeout):
                        await ws.aclose()
                except trio.TooSlowError:
                    raise trio_websocket.DisconnectionTimeout from None
    except BaseExceptionGroup as group:
        if len(group.exceptions) != 1:
            raise
        raise group.exceptions[0] from None


@asynccontextmanager
async def open_websocket_transport(
    url: str,
    *,
    connect_timeout: float = 10.0,
    disconnect_timeout: float = 2.0,
    max_message_size: int = 2**22,
    message_queue_size: int = 64,
    receive_buffer_size: int | None = 65536,
    compression: bool = False,
    stream: trio.abc.Stream | None = None,
) -> AsyncIterator[Transport]:
    """Connect to ``url`` and yield a :class:`Transport`; close it on exit.

    Args:
        url: a ``ws://`` or ``wss://`` URL (with ``stream``: its host and path only).
        connect_timeout: seconds for TCP + TLS + WebSocket handshake, enforced from outside.
        disconnect_timeout: seconds the closing handshake may take on exit.
        max_message_size: larger frames close the connection (code 1009).
        message_queue_size: trio-websocket's internal queue. Our reader drains it
            continuously, so it only absorbs bursts; it is not a consumer buffer.
        receive_buffer_size: bytes read from the socket at a time (trio-websocket's default
            is 4 KiB; a burst of ticks then costs one read per message or two).
        compression: offer permessage-deflate (the server may decline; nothing changes
            then).
        stream: an already open byte stream to speak WebSocket over instead of dialling
            ``url`` (closed with the transport).

    Raises:
        ConnectTimeout: the handshake did not finish in time.
        ConnectFailed: refused, unreachable, invalid URL or rejected upgrade.
    """
    connected = False
    body_error: BaseException | None = None
    opening = _websocket(
        url,
        stream,
        compression=compression,
        disconnect_timeout=disconnect_timeout,
        max_message_size=max_message_size,
        message_queue_size=message_queue_size,
        receive_buffer_size=receive_buffer_size,
    )
    try:
        with trio.fail_after(connect_timeout) as deadline:
            async with opening as ws:
                # The deadline covers connecting only; lift it for the life of the connection.
                deadline.deadline = math.inf
                connected = True
                try:
                    yield WebSocketTransport(ws)
                except BaseException as exc:
                    body_error = exc
                    raise
    except trio.TooSlowError:
        if connected:
            raise
        raise ConnectTimeout(url, connect_timeout) from None
    except trio_websocket.ConnectionRejected as exc:
        if connected:  # pragma: no cover - rejection only happens during the handshake
            raise
        status = exc.status_code
        raise ConnectFailed(
            url, f"server rejected the connection with HTTP {status}", status_code=status
        ) from None
    except trio_websocket.DisconnectionTimeout:
        # On exit (a peer that stopped answering): the socket is closed either way. It must
        # not mask whatever ended the body.
        if body_error is not None:
            raise body_error from None
        return
    except (OSError, ValueError) as exc:
        if connected:
            raise
        raise ConnectFailed(url, _os_reason(exc)) from None
    except trio_websocket.ConnectionClosed as exc:
        # The body let a close escape (it should have gone through the transport); translate.
        raise _lost(exc) from None
