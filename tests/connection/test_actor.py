"""The connection actor against the scripted fake server, in virtual time."""

from __future__ import annotations

import random

import pytest
import trio
from structlog.testing import capture_logs

from framework.connection import (
    AuthorizationFailed,
    Connection,
    ConnectionRestored,
    Disconnected,
    KeepalivePolicy,
    NotConnected,
    OutcomeUnknown,
    ReconnectExhausted,
    RequestTimeout,
    StreamOverflow,
)
from framework.deriv.errors import InvalidSymbol, LocalProtocolError, RateLimit
from framework.deriv.models import Tick
from framework.deriv.protocol import StreamUpdate
from tests.connection.conftest import settings
from tests.connection.fake import FakeDeriv


def tick_parser(update: StreamUpdate) -> Tick:
    return Tick.from_payload(update.data)


async def test_started_only_when_authorized(fake: FakeDeriv, conn: Connection) -> None:
    assert conn.connected
    assert conn.authorization is not None
    assert conn.authorization.loginid == "VRTC1001"
    calls = [next(iter(r)) for r in fake.requests]
    assert calls[:2] == ["website_status", "authorize"]


async def test_call_returns_reply(conn: Connection, autojump_clock: trio.abc.Clock) -> None:
    reply = await conn.request("time")
    assert reply.data >= 1_700_000_000


async def test_api_error_is_typed(conn: Connection) -> None:
    with pytest.raises(InvalidSymbol):
        await conn.request(
            "proposal",
            {
                "contract_type": "CALL",
                "currency": "USD",
                "symbol": "NOPE",
                "amount": 10,
                "basis": "stake",
                "duration": 5,
                "duration_unit": "t",
            },
        )


async def test_invalid_request_never_sent(fake: FakeDeriv, conn: Connection) -> None:
    before = len(fake.requests)
    with pytest.raises(LocalProtocolError):
        await conn.request("ticks", {"ticks": "R_100", "bogus": 1})
    assert len(fake.requests) == before


async def test_invalid_token_is_fatal(
    fake: FakeDeriv, nursery: trio.Nursery, autojump_clock: trio.abc.Clock
) -> None:
    connection = Connection(settings(tokens=("bad-token-x",)), connector=fake.connector)
    with pytest.raises(AuthorizationFailed, match="InvalidToken"):
        await nursery.start(connection.run)
    assert len(fake.sessions) == 1  # never retried


async def test_subscribe_and_forget_on_exit(
    fake: FakeDeriv, conn: Connection, autojump_clock: trio.abc.Clock
) -> None:
    async with conn.subscribe(
        "ticks", {"ticks": ["R_100", "1HZ100V"]}, parse=tick_parser
    ) as stream:
        seen: dict[str, int] = {}
        while len(seen) < 2 or min(seen.values()) < 3:
            tick = await stream.receive()
            assert isinstance(tick, Tick)
            seen[tick.symbol] = seen.get(tick.symbol, 0) + 1
        assert len(stream.server_ids) == 2
    assert fake.sessions[0].streams == {}  # both forgotten
    forgets = [r for r in fake.requests if "forget" in r]
    assert len(forgets) == 2


async def test_keepalive_detects_silent_peer_within_interval_plus_timeout(
    fake: FakeDeriv, nursery: trio.Nursery, autojump_clock: trio.abc.Clock
) -> None:
    connection = Connection(
        settings(keepalive=KeepalivePolicy(interval=30.0, timeout=5.0)), connector=fake.connector
    )
    await nursery.start(connection.run)
    events = connection.events()
    fake.stalled = True
    stalled_at = trio.current_time()
    with capture_logs() as logs:
        event = await events.receive()
    assert isinstance(event, Disconnected)
    assert "keepalive" in event.reason
    assert trio.current_time() - stalled_at <= 30.0 + 5.0 + 1e-6
    assert any(entry["event"] == "keepalive ping unanswered" for entry in logs)
    fake.stalled = False
    restored = await events.receive()
    assert isinstance(restored, ConnectionRestored)
    assert connection.connected


async def test_reconnect_resubscribes_with_one_marker(
    fake: FakeDeriv, conn: Connection, autojump_clock: trio.abc.Clock
) -> None:
    async with conn.subscribe("ticks", {"ticks": "R_100"}, parse=tick_parser) as stream:
        first = await stream.receive()
        assert isinstance(first, Tick)
        fake.refuse_next = 2  # the outage lasts a few attempts
        fake.live[0].close(1006, "cable cut")
        items = [await stream.receive() for _ in range(4)]
    markers = [i for i in items if isinstance(i, ConnectionRestored)]
    assert len(markers) == 1 and items[0] is markers[0]
    assert markers[0].downtime > 0
    epochs = [first.epoch] + [i.epoch for i in items if isinstance(i, Tick)]
    assert epochs == sorted(set(epochs))  # no duplicate, no going back
    assert conn.stats.reconnects == 1


async def test_reconnect_exhausted_is_loud(fake: FakeDeriv, autojump_clock: trio.abc.Clock) -> None:
    from framework.connection import BackoffPolicy

    connection = Connection(
        settings(backoff=BackoffPolicy(initial=0.1, maximum=1.0, max_attempts=3)),
        connector=fake.connector,
    )
    with pytest.RaisesGroup(ReconnectExhausted) as info:
        async with trio.open_nursery() as nursery:
            await nursery.start(connection.run)
            fake.refuse_next = 100
            fake.live[0].close(1006, "gone")
    error = info.value.exceptions[0]
    assert isinstance(error, ReconnectExhausted)
    assert error.attempts == 3
    assert "refused" in str(error.last_error)


async def test_idempotent_call_survives_a_drop(
    fake: FakeDeriv, conn: Connection, autojump_clock: trio.abc.Clock
) -> None:
    fake.drop_on["portfolio"] = "after"
    reply = await conn.request("portfolio")
    assert reply.data == {"contracts": []}
    assert conn.stats.reconnects == 1


async def test_buy_answer_lost_is_outcome_unknown(
    fake: FakeDeriv, conn: Connection, autojump_clock: trio.abc.Clock
) -> None:
    fake.drop_on["buy"] = "after"
    params = {
        "contract_type": "CALL",
        "symbol": "R_100",
        "currency": "USD",
        "amount": 10,
        "basis": "stake",
        "duration": 5,
        "duration_unit": "t",
    }
    with pytest.raises(OutcomeUnknown) as info:
        await conn.request("buy", {"buy": "1", "price": 10, "parameters": params})
    assert info.value.call == "buy"
    buys = [r for r in fake.requests if "buy" in r]
    assert len(buys) == 1  # never re-sent
    await conn.wait_connected()
    assert len([r for r in fake.requests if "buy" in r]) == 1


async def test_non_idempotent_call_does_not_wait_for_reconnect(
    fake: FakeDeriv, conn: Connection, autojump_clock: trio.abc.Clock
) -> None:
    events = conn.events()
    fake.refuse_next = 5
    fake.live[0].close(1006, "gone")
    assert isinstance(await events.receive(), Disconnected)
    assert not conn.connected
    with pytest.raises(NotConnected):
        await conn.request("sell", {"sell": 1, "price": 0})


async def test_request_timeout_when_server_is_slow(
    fake: FakeDeriv, conn: Connection, autojump_clock: trio.abc.Clock
) -> None:
    fake.reply_delay = 10.0
    with pytest.raises(RequestTimeout):
        await conn.request("time", timeout=3.0)
    fake.reply_delay = 0.0
    with capture_logs() as logs:
        await trio.sleep(20)  # the late answer arrives and is only logged
    assert any(e["event"] == "message matching no request ignored" for e in logs)
    assert (await conn.request("time")).data > 0


async def test_malformed_frames_are_logged_and_survived(
    fake: FakeDeriv, conn: Connection, autojump_clock: trio.abc.Clock
) -> None:
    with capture_logs() as logs:
        fake.inject("{not json")
        fake.inject('{"no": "msg_type"}')
        fake.inject("[1, 2]")
        reply = await conn.request("ping")
    assert reply.data == "pong"
    assert conn.stats.malformed == 3
    assert sum(e["event"] == "malformed frame ignored" for e in logs) == 3


async def test_rate_limit_storm_retried_for_idempotent_calls_only(
    fake: FakeDeriv, conn: Connection, autojump_clock: trio.abc.Clock
) -> None:
    fake.rate_limit_next["portfolio"] = 4
    with capture_logs() as logs:
        reply = await conn.request("portfolio")
    assert reply.data == {"contracts": []}
    assert conn.stats.rate_limited == 4
    assert sum(e["event"] == "rate limited; retrying" for e in logs) == 4
    fake.rate_limit_next["sell"] = 1
    with pytest.raises(RateLimit):
        await conn.request("sell", {"sell": 5, "price": 0})


async def test_lossless_stream_overflow_fails_loudly(
    fake: FakeDeriv, conn: Connection, autojump_clock: trio.abc.Clock
) -> None:
    params = {
        "contract_type": "CALL",
        "symbol": "R_100",
        "currency": "USD",
        "amount": 1,
        "basis": "stake",
        "duration": 5,
        "duration_unit": "t",
    }
    async with conn.subscribe("transaction", capacity=3) as stream:
        for _ in range(6):
            await conn.request("buy", {"buy": "1", "price": 1, "parameters": params})
        received = 0
        with pytest.raises(StreamOverflow):
            while True:
                await stream.receive()
                received += 1
        assert received == 3  # everything buffered was delivered first


async def test_market_stream_conflates_and_counts(
    fake: FakeDeriv, conn: Connection, autojump_clock: trio.abc.Clock
) -> None:
    async with conn.subscribe(
        "ticks", {"ticks": "1HZ100V"}, parse=tick_parser, capacity=4
    ) as stream:
        await trio.sleep(20)  # consumer asleep: 20 ticks arrive into a buffer of 4
        got: list[Tick] = []
        while True:
            try:
                item = stream.receive_nowait()
            except trio.WouldBlock:
                break
            assert isinstance(item, Tick)  # no outage here: no marker
            got.append(item)
    assert len(got) == 4
    assert stream.dropped >= 15
    epochs = [t.epoch for t in got]
    assert epochs == sorted(epochs) and epochs[-1] >= epochs[0] + 3  # the newest are kept


async def test_stale_tick_stream_resubscribed_then_reconnected(
    fake: FakeDeriv, conn: Connection, autojump_clock: trio.abc.Clock
) -> None:
    events = conn.events()
    async with conn.subscribe("ticks", {"ticks": "R_100"}, parse=tick_parser) as stream:
        await stream.receive()
        fake.silent_symbols.add("R_100")
        with capture_logs() as logs:
            event = await events.receive()
        assert isinstance(event, Disconnected) and "silent" in event.reason
        names = [e["event"] for e in logs]
        assert names.index("stream silent; resubscribing") < names.index(
            "stream still silent after resubscribing"
        )
        fake.silent_symbols.clear()
        item = await stream.receive()
        assert isinstance(item, ConnectionRestored)
        assert isinstance(await stream.receive(), Tick)


async def test_several_accounts_on_one_connection(
    fake: FakeDeriv, nursery: trio.Nursery, autojump_clock: trio.abc.Clock
) -> None:
    connection = Connection(
        settings(tokens=("tok-a-0001", "tok-b-0002")),
        connector=fake.connector,
        rng=random.Random(2),
    )
    await nursery.start(connection.run)
    authorize = next(r for r in fake.requests if "authorize" in r)
    assert authorize["authorize"] == "MULTI" and len(authorize["tokens"]) == 2
    assert connection.authorization is not None
    assert [a.loginid for a in connection.authorization.account_list] == ["VRTC1001", "VRTC1002"]
    other = await connection.request("balance", {"loginid": "VRTC1002"})
    assert other.data["loginid"] == "VRTC1002"
