"""The trio-websocket transport: library errors translated at the edge, loopback only."""

from __future__ import annotations

import socket
from collections.abc import Awaitable, Callable
from functools import partial

import pytest
import trio
import trio_websocket
from trio.testing import MockClock

from framework.transport import (
    ConnectFailed,
    ConnectionLost,
    ConnectTimeout,
    _os_reason,
    open_websocket_transport,
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
