"""The first connection of a process fails fast; a connection once established is patient.

Real loopback sockets (an unused port, a listener that never answers) run under ``vclock``;
the scripted fake server under ``autojump_clock``. Every wait is virtual.
"""

from __future__ import annotations

import random
import socket
from functools import partial

import pytest
import trio
import trio_websocket
from structlog.testing import capture_logs
from trio.testing import MockClock

from framework.connection import (
    AuthorizationFailed,
    BackoffPolicy,
    ConnectFailed,
    Connection,
    ConnectionRestored,
    ConnectTimeout,
    Disconnected,
    HandshakeTimeout,
    NeverConnected,
    ReconnectExhausted,
)
from framework.connection.backoff import Backoff
from framework.errors import UserError
from tests.connection.conftest import settings
from tests.connection.fake import FakeDeriv

# The budget of the tests' first connection: shorter than the connect (10 s) and handshake
# (30 s) timeouts, so that it is the budget, not those, that ends a silent attempt.
BUDGET = 3.0


def _unused_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port  # closed again: nothing listens there


def _connection(url: str, *, first_connect: float = BUDGET) -> Connection:
    policy = BackoffPolicy(
        initial=0.25, maximum=2.0, max_attempts=None, first_connect=first_connect
    )
    return Connection(settings(url=url, backoff=policy), rng=random.Random(3))


async def _never_connects(
    nursery: trio.Nursery, connection: Connection
) -> tuple[NeverConnected, float]:
    """Start ``connection``; return the error it gave up with and the virtual time it took."""
    began = trio.current_time()
    with pytest.raises(NeverConnected) as info:
        await nursery.start(connection.run)
    return info.value, trio.current_time() - began


async def test_unused_port_fails_within_the_budget_in_one_line(
    nursery: trio.Nursery, vclock: MockClock
) -> None:
    port = _unused_port()
    url = f"ws://127.0.0.1:{port}/websockets/v3?app_id=1089"
    with capture_logs() as logs:
        error, took = await _never_connects(nursery, _connection(url))
    assert took <= BUDGET
    assert error.attempts >= 3  # it did retry inside the budget, at the backoff's pace
    assert isinstance(error.last_error, ConnectFailed)
    message = str(error)
    assert "\n" not in message
    assert message.startswith(f"cannot reach {url}: ")
    assert "Connection refused" in message
    assert url not in message.removeprefix(f"cannot reach {url}")  # named once
    # The error is the one line: no "connection lost; reconnecting" warnings before it.
    assert [e for e in logs if e["log_level"] in ("warning", "error")] == []
    assert isinstance(error, UserError) and error.exit_code == 1


async def test_listener_that_never_answers_the_handshake(
    nursery: trio.Nursery, vclock: MockClock
) -> None:
    async def silent(stream: trio.SocketStream) -> None:
        await trio.sleep_forever()

    listeners = await nursery.start(trio.serve_tcp, silent, 0)
    port = listeners[0].socket.getsockname()[1]
    error, took = await _never_connects(nursery, _connection(f"ws://127.0.0.1:{port}/"))
    # One attempt, cut by the budget although its own connect timeout is 10 s.
    assert error.attempts == 1
    assert took == pytest.approx(BUDGET, abs=0.1)
    assert isinstance(error.last_error, ConnectTimeout)
    assert f"no WebSocket connection within {BUDGET:g} s" in str(error)


async def test_server_that_accepts_but_never_authorizes(
    nursery: trio.Nursery, vclock: MockClock
) -> None:
    async def mute(request: trio_websocket.WebSocketRequest) -> None:
        ws = await request.accept()
        while True:
            await ws.get_message()  # read website_status, answer nothing

    server = await nursery.start(
        partial(trio_websocket.serve_websocket, mute, "127.0.0.1", 0, ssl_context=None)
    )
    error, took = await _never_connects(nursery, _connection(f"ws://127.0.0.1:{server.port}/"))
    assert took == pytest.approx(BUDGET, abs=0.1)
    assert isinstance(error.last_error, HandshakeTimeout)
    assert "connected, but not authorized" in str(error)


async def test_first_connect_retries_are_not_an_outage(
    fake: FakeDeriv, nursery: trio.Nursery, autojump_clock: trio.abc.Clock
) -> None:
    connection = Connection(settings(), connector=fake.connector, rng=random.Random(1))
    events = connection.events()
    fake.refuse_next = 2
    await nursery.start(connection.run)
    assert connection.connected and len(fake.sessions) == 1
    assert connection.stats.reconnects == 0
    with pytest.raises(trio.WouldBlock):
        events.receive_nowait()  # neither Disconnected nor ConnectionRestored


async def test_once_connected_it_reconnects_past_the_first_budget(
    fake: FakeDeriv, nursery: trio.Nursery, autojump_clock: trio.abc.Clock
) -> None:
    policy = BackoffPolicy(initial=0.5, maximum=4.0, max_attempts=20, first_connect=1.0)
    connection = Connection(settings(backoff=policy), connector=fake.connector)
    events = connection.events()
    await nursery.start(connection.run)
    fake.refuse_next = 6  # about 10 s of refusals: ten times the first connection's budget
    lost_at = trio.current_time()
    fake.live[0].close(1006, "gone")
    assert isinstance(await events.receive(), Disconnected)
    restored = await events.receive()
    assert isinstance(restored, ConnectionRestored)
    assert restored.attempts == 7
    assert trio.current_time() - lost_at > policy.first_connect
    assert connection.connected


async def test_once_connected_the_attempt_budget_still_ends_it(
    fake: FakeDeriv, autojump_clock: trio.abc.Clock
) -> None:
    policy = BackoffPolicy(initial=0.1, maximum=1.0, max_attempts=3, first_connect=60.0)
    connection = Connection(settings(backoff=policy), connector=fake.connector)
    with pytest.RaisesGroup(ReconnectExhausted):
        async with trio.open_nursery() as nursery:
            await nursery.start(connection.run)
            fake.refuse_next = 100
            fake.live[0].close(1006, "gone")


@pytest.mark.parametrize(
    "tokens",
    [("two words",), ("x" * 129,), ("tok-a-0001", "line\nbreak")],
    ids=["space", "129 chars", "second of two"],
)
async def test_malformed_token_refused_before_connecting(
    fake: FakeDeriv, nursery: trio.Nursery, autojump_clock: trio.abc.Clock, tokens: tuple[str, ...]
) -> None:
    connection = Connection(settings(tokens=tokens), connector=fake.connector)
    with pytest.raises(AuthorizationFailed) as info:
        await nursery.start(connection.run)
    assert fake.sessions == []  # nothing was connected, nothing sent
    assert info.value.code == "InvalidToken"
    assert "malformed" in info.value.message
    for token in tokens:
        assert token not in str(info.value)
    if len(tokens) == 2:
        assert "token 2 of 2" in str(info.value)


def test_backoff_within_a_time_budget() -> None:
    policy = BackoffPolicy(initial=1.0, factor=2.0, jitter=0.0, max_attempts=None)
    backoff = Backoff(policy)
    assert backoff.next_delay(within=1.5) == 1.0
    assert backoff.next_delay(within=1.5) is None  # 2 s would use up the 1.5 s left
    assert backoff.attempts == 1  # the refused delay was not counted as an attempt
    assert backoff.next_delay(within=2.5) == 2.0
    assert backoff.next_delay() == 4.0  # no time budget once connected


def test_first_connect_budget_is_checked() -> None:
    for bad in (0.0, -1.0, 86_401.0):
        with pytest.raises(ValueError, match="first_connect"):
            BackoffPolicy(first_connect=bad)
