"""The trio-websocket transport: library errors translated at the edge, loopback only."""

from __future__ import annotations

import socket
from collections.abc import Awaitable, Callable
from functools import partial

import attrs
import pytest
import trio
import trio_websocket
from trio.testing import MockClock
from wsproto import ConnectionType, WSConnection
from wsproto.events import AcceptConnection, CloseConnection, Message, Request, TextMessage

from framework.connection import Connection, ConnectionSettings
from framework.simulator import open_simulator
from framework.transport import (
    ConnectFailed,
    ConnectionLost,
    ConnectTimeout,
    _os_reason,
    open_websocket_transport,
    permessage_deflate,
)


async def _serve(
    nursery: trio.Nursery, handler: Callable[[trio_websocket.WebSocketRequest], Awaitable[None]]
) -> int:
    server = await nursery.start(
        partial(trio_websocket.serve_websocket, handler, "127.0.0.1", 0, ssl_context=None)
    )
    return int(server.port)


async def test_echo_and_close_code(nursery: trio.Nursery, vclock: MockClock) -> None:
    async def handler(request: trio_websocket.WebSocketRequest) -> None:
        ws = await request.accept()
        text = await ws.get_message()
        await ws.send_message(text)
        await ws.aclose(4001, "maintenance")

    port = await _serve(nursery, handler)
    async with open_websocket_transport(f"ws://127.0.0.1:{port}/") as transport:
        await transport.send("hello")
        assert await transport.receive() == "hello"
        with pytest.raises(ConnectionLost) as info:
            await transport.receive()
        assert (info.value.code, info.value.reason) == (4001, "maintenance")
        with pytest.raises(ConnectionLost):
            await transport.send("after close")


async def test_abrupt_drop_is_1006(nursery: trio.Nursery, vclock: MockClock) -> None:
    async def handler(request: trio_websocket.WebSocketRequest) -> None:
        ws = await request.accept()
        await ws._stream.aclose()  # TCP gone, no close frame

    port = await _serve(nursery, handler)
    async with open_websocket_transport(f"ws://127.0.0.1:{port}/") as transport:
        with pytest.raises(ConnectionLost) as info:
            await transport.receive()
        assert info.value.code == 1006


async def test_refused(vclock: MockClock) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed again: nothing listens there
    with pytest.raises(ConnectFailed) as info:
        async with open_websocket_transport(f"ws://127.0.0.1:{port}/"):
            pass  # pragma: no cover
    # The OS's words, not Trio's "all attempts to connect ... failed".
    assert info.value.reason.endswith("Connection refused")


async def test_rejected_upgrade_keeps_status(nursery: trio.Nursery, vclock: MockClock) -> None:
    async def handler(request: trio_websocket.WebSocketRequest) -> None:
        await request.reject(401, body=b'{"error":"InvalidAppID"}')

    port = await _serve(nursery, handler)
    with pytest.raises(ConnectFailed) as info:
        async with open_websocket_transport(f"ws://127.0.0.1:{port}/"):
            pass  # pragma: no cover
    assert info.value.status_code == 401


async def test_silent_server_times_out(nursery: trio.Nursery, vclock: MockClock) -> None:
    # Accepts TCP and never says a word: trio-websocket's own timeout would hang here.
    async def silent(stream: trio.SocketStream) -> None:
        await trio.sleep_forever()

    listeners = await nursery.start(trio.serve_tcp, silent, 0)
    port = listeners[0].socket.getsockname()[1]
    started = trio.current_time()
    with pytest.raises(ConnectTimeout):
        async with open_websocket_transport(f"ws://127.0.0.1:{port}/", connect_timeout=3.0):
            pass  # pragma: no cover
    assert 3.0 <= trio.current_time() - started < 3.5


async def test_body_errors_pass_through(nursery: trio.Nursery, vclock: MockClock) -> None:
    async def handler(request: trio_websocket.WebSocketRequest) -> None:
        await request.accept()
        await trio.sleep_forever()

    port = await _serve(nursery, handler)
    with pytest.raises(KeyError):
        async with open_websocket_transport(f"ws://127.0.0.1:{port}/"):
            raise KeyError("mine")


def test_os_reasons_are_the_os_words() -> None:
    refused = OSError("all attempts to connect to h:1 failed")
    refused.__cause__ = ExceptionGroup(
        "all attempts",
        [ConnectionRefusedError(111, "refused"), ConnectionRefusedError(111, "refused")],
    )
    assert _os_reason(refused) == "refused"  # each reason once
    assert (
        _os_reason(socket.gaierror(-2, "Name or service not known")) == "Name or service not known"
    )
    assert _os_reason(ValueError("bad port")) == "ValueError('bad port')"


@attrs.define
class Wire:
    """What a hand-made server saw: the extensions offered, and every byte each way."""

    offers: list[list[str]] = attrs.Factory(list)
    from_client: bytearray = attrs.Factory(bytearray)
    to_client: bytearray = attrs.Factory(bytearray)

    def first_frame_from_client(self) -> int:
        """The first byte of the client's first frame (after its HTTP request)."""
        return self.from_client[self.from_client.index(b"\r\n\r\n") + 4]


async def _deflate_echo(nursery: trio.Nursery) -> tuple[int, Wire]:
    """A wsproto server on loopback that accepts permessage-deflate when offered and echoes
    every text message."""
    wire = Wire()

    async def handler(stream: trio.SocketStream) -> None:
        ws = WSConnection(ConnectionType.SERVER)
        while data := await stream.receive_some(65536):
            wire.from_client += data
            ws.receive_data(data)
            for event in ws.events():
                if isinstance(event, Request):
                    wire.offers.append([str(e) for e in event.extensions])
                    out = ws.send(AcceptConnection(extensions=[permessage_deflate()]))
                elif isinstance(event, TextMessage):
                    out = ws.send(Message(data=event.data))
                elif isinstance(event, CloseConnection):
                    out = ws.send(event.response())
                else:  # pragma: no cover - nothing else is sent by these tests
                    continue
                wire.to_client += out
                await stream.send_all(out)

    listeners = await nursery.start(trio.serve_tcp, handler, 0)
    return listeners[0].socket.getsockname()[1], wire


_RSV1 = 0x40  # set on the first frame of a compressed message (RFC 7692 section 6)


@pytest.mark.parametrize("compression", [True, False])
async def test_compression_is_offered_only_when_asked(
    nursery: trio.Nursery, vclock: MockClock, compression: bool
) -> None:
    port, wire = await _deflate_echo(nursery)
    text = '{"ping":1,"req_id":1,"passthrough":{"note":"ping ping ping ping ping ping"}}'
    url = f"ws://127.0.0.1:{port}/websockets/v3?app_id=1089"
    async with open_websocket_transport(url, compression=compression) as transport:
        await transport.send(text)
        assert await transport.receive() == text  # inflated again on the way in
    offered = wire.offers[0]
    assert ("permessage-deflate" in offered[0]) if compression else offered == []
    assert bool(wire.first_frame_from_client() & _RSV1) is compression
    request = wire.from_client[: wire.from_client.index(b"\r\n\r\n")].decode()
    assert f"Host: 127.0.0.1:{port}" in request.splitlines()
    assert "GET /websockets/v3?app_id=1089 HTTP/1.1" in request.splitlines()


async def test_a_url_that_is_not_websocket_is_a_connect_failure(vclock: MockClock) -> None:
    for url in ("http://127.0.0.1:1/", "ws:///no-host"):
        with pytest.raises(ConnectFailed):
            async with open_websocket_transport(url):
                pass  # pragma: no cover


async def test_the_connection_compresses_with_the_simulator_when_set(
    nursery: trio.Nursery, vclock: MockClock
) -> None:
    # The connection actor's own connector offers what its settings say, and the simulator
    # (the same extension, server side) accepts: its frames reach the actor compressed.
    async with open_simulator(seed=7, history_seconds=60) as sim:
        seen = bytearray()

        async def proxy(client: trio.SocketStream) -> None:
            server = await trio.open_tcp_stream("127.0.0.1", sim.port)
            async with client, server, trio.open_nursery() as pipes:

                async def pump(src: trio.SocketStream, dst: trio.SocketStream, log: bool) -> None:
                    while data := await src.receive_some(65536):
                        if log:
                            seen.extend(data)
                        await dst.send_all(data)
                    pipes.cancel_scope.cancel()

                pipes.start_soon(pump, client, server, False)
                pipes.start_soon(pump, server, client, True)

        listeners = await nursery.start(trio.serve_tcp, proxy, 0)
        port = listeners[0].socket.getsockname()[1]
        url = f"ws://127.0.0.1:{port}/websockets/v3?app_id=1089"
        settings = ConnectionSettings(url=url, tokens=(sim.token,), compression=True)
        async with trio.open_nursery() as inner:
            connection = Connection(settings)
            await inner.start(connection.run)
            assert (await connection.request("ping")).data == "pong"
            inner.cancel_scope.cancel()
    head, _, frames = bytes(seen).partition(b"\r\n\r\n")
    assert b"permessage-deflate" in head.lower()
    assert frames[0] & _RSV1
