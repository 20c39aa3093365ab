"""A session's write: never cut by a cancellation, but bounded by the keepalive timeout.

Over a transport whose ``send`` takes as long as a test says, in virtual time: what is
checked is which outcome a request gets and whether its frame went out whole.
"""

from __future__ import annotations

from typing import NoReturn

import trio
from trio.testing import MockClock

from framework.connection import ConnectionSettings, KeepalivePolicy
from framework.connection.errors import ConnectionLost
from framework.connection.ratelimit import RateLimiter
from framework.connection.retry import TimedOut
from framework.connection.session import Session
from framework.connection.stats import ConnectionStats
from framework.connection.subscriptions import SubscriptionTable
from framework.deriv.protocol import DerivProtocol
from framework.transport import Handler, Transport


class _SlowTransport(Transport):
    """Takes ``delay`` seconds to write a frame; keeps the frames written in full."""

    def __init__(self, delay: float) -> None:
        self.delay = delay
        self.written: list[str] = []

    async def send(self, text: str) -> None:
        await trio.sleep(self.delay)
        self.written.append(text)

    async def receive(self) -> str | bytes:
        await trio.sleep_forever()

    async def deliver(self, handle: Handler) -> NoReturn:
        await trio.sleep_forever()

    async def aclose(self, code: int = 1000, reason: str = "") -> None:
        pass


def _session(transport: Transport, failures: list[None]) -> Session:
    settings = ConnectionSettings(
        url="ws://127.0.0.1:1/",
        rate_limit=False,
        keepalive=KeepalivePolicy(interval=30, timeout=10),
    )
    return Session(
        transport,
        settings=settings,
        protocol=DerivProtocol(),
        table=SubscriptionTable(),
        limiter=RateLimiter(),
        stats=ConnectionStats(),
        on_failure=lambda: failures.append(None),
    )


async def test_a_deadline_during_the_write_lets_the_frame_finish(
    autojump_clock: MockClock,
) -> None:
    transport = _SlowTransport(delay=3)
    failures: list[None] = []
    session = _session(transport, failures)
    outcome = await session.send("ping", {"ping": 1}, None, trio.current_time() + 1, None)
    assert isinstance(outcome, TimedOut)
    assert outcome.req_id != 0  # sent: the answer, not the write, was cut short
    assert len(transport.written) == 1
    assert failures == []
    assert session.failure is None


async def test_a_write_that_outlasts_the_keepalive_timeout_fails_the_session(
    autojump_clock: MockClock,
) -> None:
    transport = _SlowTransport(delay=11)
    failures: list[None] = []
    session = _session(transport, failures)
    await session.send("ping", {"ping": 1}, None, trio.current_time() + 60, None)
    assert transport.written == []  # cut at the keepalive timeout, before its own end
    assert failures
    assert isinstance(session.failure, ConnectionLost)
    assert session.failure.code == 1006
