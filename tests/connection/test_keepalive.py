"""Keepalive's pure parts: the policy's checks and which streams the watchdog may call stale."""

from __future__ import annotations

from typing import Any

import pytest
import trio
from structlog.testing import capture_logs

from framework.connection import Connection, KeepalivePolicy, Overflow, Subscription
from framework.connection.keepalive import stale_after
from framework.deriv.models import Tick
from tests.connection.conftest import settings
from tests.connection.fake import FakeDeriv

INTERVALS = {"R_100": 2.0, "1HZ100V": 1.0}


def _sub(call: str, fields: dict[str, Any]) -> Subscription:
    return Subscription(1, call, fields, policy=Overflow.CONFLATE, capacity=4, description=call)


@pytest.mark.parametrize(
    ("call", "fields", "limit"),
    [
        ("ticks", {"ticks": "R_100"}, 10.0),
        ("ticks", {"ticks": ["R_100", "1HZ100V"]}, 10.0),  # the slowest symbol sets the pace
        ("ticks", {"ticks": "1HZ100V"}, 5.0),
        ("ticks_history", {"ticks_history": "R_100", "style": "ticks"}, 10.0),
        ("ticks_history", {"ticks_history": "R_100"}, 10.0),
        ("ticks_history", {"ticks_history": "R_100", "style": "candles"}, None),
        ("ticks", {"ticks": "frxEURUSD"}, None),  # no known rate: a closed market is quiet
        ("ticks", {"ticks": ["R_100", "frxEURUSD"]}, None),
        ("ticks", {"ticks": []}, None),
        ("transaction", {"transaction": 1}, None),
    ],
)
def test_which_streams_are_watched(call: str, fields: dict[str, Any], limit: float | None) -> None:
    assert stale_after(_sub(call, fields), 5.0, INTERVALS) == limit


def test_nothing_is_watched_without_intervals_or_with_the_watchdog_off() -> None:
    sub = _sub("ticks", {"ticks": "R_100"})
    assert stale_after(sub, 5.0, {}) is None
    assert stale_after(sub, 0.0, INTERVALS) is None


def test_the_policy_checks_its_ranges() -> None:
    assert KeepalivePolicy() == KeepalivePolicy(interval=30.0, timeout=5.0, stale_ticks=5.0)
    with pytest.raises(ValueError, match="must be shorter than interval"):
        KeepalivePolicy(interval=10.0, timeout=10.0)
    with pytest.raises(ValueError):
        KeepalivePolicy(interval=111.0)  # Deriv closes a connection idle for 2 minutes


async def test_a_stream_of_unknown_tick_rate_is_never_called_stale(
    fake: FakeDeriv, nursery: trio.Nursery, autojump_clock: trio.abc.Clock
) -> None:
    # The same silence that test_actor's watchdog test resolves by resubscribing, with the
    # settings not giving R_100's tick interval: the connection has no other way to know it.
    connection = Connection(settings(tick_intervals={}), connector=fake.connector)
    await nursery.start(connection.run)
    async with connection.subscribe(
        "ticks", {"ticks": "R_100"}, parse=lambda update: Tick.from_payload(update.data)
    ) as stream:
        await stream.receive()
        fake.silent_symbols.add("R_100")
        with capture_logs() as logs:
            await trio.sleep(600)
        assert not [e for e in logs if "silent" in e["event"]]
        assert connection.stats.reconnects == 0 and connection.stats.resubscribed == 0
