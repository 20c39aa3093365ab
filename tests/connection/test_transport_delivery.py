"""Frames pushed by the WebSocket transport's reader: in order, fairly, and only while asked.

The server end is wsproto over an in-memory stream, so that a test decides exactly which
bytes are in flight (a burst of frames in one write, a close after them) and every byte stays
inside Trio (``autojump_clock`` is safe).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
import trio
import trio.testing
from trio.testing import MockClock
from wsproto import ConnectionType, WSConnection
from wsproto.events import AcceptConnection, CloseConnection, Message, Request

from framework.transport import (
    _YIELD_EVERY,
    ConnectionLost,
    Transport,
    WebSocketTransport,
    open_websocket_transport,
)


class _Server:
    """The server end: accepts the handshake, then writes what a test tells it to."""

    def __init__(self, stream: trio.abc.Stream) -> None:
        self._stream = stream
        self._ws = WSConnection(ConnectionType.SERVER)

    async def accept(self) -> None:
        while True:
            self._ws.receive_data(bytes(await self._stream.receive_some()))
            if any(isinstance(event, Request) for event in self._ws.events()):
                break
        await self._stream.send_all(self._ws.send(AcceptConnection()))

    async def send(self, *texts: str) -> None:
        """All of ``texts`` in one write: the client reads them as one burst."""
        await self._stream.send_all(b"".join(self._ws.send(Message(data=t)) for t in texts))

    async def close(self, code: int, reason: str) -> None:
        """Send a close frame and hang up, as a server does (the client waits for that)."""
        await self._stream.send_all(self._ws.send(CloseConnection(code=code, reason=reason)))
        await self._stream.aclose()


@asynccontextmanager
async def _connected() -> AsyncIterator[tuple[_Server, Transport]]:
    client_end, server_end = trio.testing.memory_stream_pair()
    server = _Server(server_end)
    async with trio.open_nursery() as nursery:
        nursery.start_soon(server.accept)
        async with open_websocket_transport("ws://test/", stream=client_end) as transport:
            yield server, transport
        nursery.cancel_scope.cancel()


async def test_frames_come_in_order_queued_ones_first_then_the_close(
    autojump_clock: MockClock,
) -> None:
    async with _connected() as (server, transport):
        assert isinstance(transport, WebSocketTransport)
        await server.send("1", "2")
        await trio.testing.wait_all_tasks_blocked()  # both queued before delivery begins
        got: list[str | bytes] = []

        async def then_more() -> None:
            await trio.testing.wait_all_tasks_blocked()
            await server.send("3", "4")
            await server.close(4001, "maintenance")

        async with trio.open_nursery() as nursery:
            nursery.start_soon(then_more)
            with pytest.raises(ConnectionLost) as lost:
                await transport.deliver(got.append)
        assert got == ["1", "2", "3", "4"]
        assert (lost.value.code, lost.value.reason) == (4001, "maintenance")


async def test_once_delivery_stops_frames_wait_for_receive_again(
    autojump_clock: MockClock,
) -> None:
    async with _connected() as (server, transport):
        got: list[str | bytes] = []
        with trio.CancelScope() as delivering:

            async def stop_after_one() -> None:
                await server.send("pushed")
                await trio.testing.wait_all_tasks_blocked()
                delivering.cancel()

            async with trio.open_nursery() as nursery:
                nursery.start_soon(stop_after_one)
                await transport.deliver(got.append)
        assert got == ["pushed"]
        await server.send("pulled")
        assert await transport.receive() == "pulled"
        assert got == ["pushed"]


async def test_one_delivery_at_a_time(autojump_clock: MockClock) -> None:
    async with _connected() as (_server, transport), trio.open_nursery() as nursery:
        nursery.start_soon(transport.deliver, print)
        await trio.testing.wait_all_tasks_blocked()
        with pytest.raises(RuntimeError, match="already delivers"):
            await transport.deliver(print)
        nursery.cancel_scope.cancel()


async def test_a_burst_lets_other_tasks_run_before_it_is_all_handed_over(
    autojump_clock: MockClock,
) -> None:
    # Hundreds of small frames arrive in one read; the reader hands them over without a
    # task switch each, yet not all in one go: a consumer sees them while they come.
    burst = 10 * _YIELD_EVERY
    got: list[str | bytes] = []
    seen_midway: list[int] = []

    async def watch() -> None:
        while len(got) < burst:
            if got:
                seen_midway.append(len(got))
            await trio.lowlevel.checkpoint()

    async with _connected() as (server, transport), trio.open_nursery() as nursery:
        nursery.start_soon(transport.deliver, got.append)
        await trio.testing.wait_all_tasks_blocked()
        nursery.start_soon(watch)
        await server.send(*(str(i) for i in range(burst)))
        while len(got) < burst:
            await trio.lowlevel.checkpoint()
        nursery.cancel_scope.cancel()
    assert got == [str(i) for i in range(burst)]
    assert any(0 < count < burst for count in seen_midway)


async def test_the_default_delivery_pulls_each_frame() -> None:
    class Scripted(Transport):
        def __init__(self) -> None:
            self.frames = ["a", "b"]

        async def send(self, text: str) -> None:
            raise NotImplementedError

        async def receive(self) -> str:
            await trio.lowlevel.checkpoint()
            if not self.frames:
                raise ConnectionLost(1000, "done")
            return self.frames.pop(0)

        async def aclose(self, code: int = 1000, reason: str = "") -> None:
            raise NotImplementedError

    got: list[str | bytes] = []
    with pytest.raises(ConnectionLost):
        await Scripted().deliver(got.append)
    assert got == ["a", "b"]
