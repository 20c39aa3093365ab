"""Backoff, client-side rate limits and per-call policies."""

from __future__ import annotations

import random

import pytest
import trio

from framework.connection import (
    BackoffPolicy,
    Connection,
    Overflow,
    RequestTimeout,
    is_idempotent,
)
from framework.connection.backoff import Backoff
from framework.connection.policy import overflow_policy
from framework.connection.ratelimit import RateLimiter, limits_from_website_status
from tests.connection.conftest import settings
from tests.connection.fake import FakeDeriv


def test_backoff_grows_caps_jitters_and_runs_out() -> None:
    backoff = Backoff(
        BackoffPolicy(initial=1.0, factor=2.0, maximum=8.0, jitter=0.5, max_attempts=6),
        random.Random(4),
    )
    delays = [backoff.next_delay() for _ in range(7)]
    steps = [1, 2, 4, 8, 8, 8]
    for delay, step in zip(delays, steps, strict=False):
        assert delay is not None and step * 0.5 <= delay <= step
    assert delays[-1] is None
    backoff.reset()
    assert backoff.next_delay() is not None


def test_limits_read_from_website_status() -> None:
    limits = limits_from_website_status(
        {"api_call_limits": {"max_requests_outcome": {"minutely": 10, "hourly": 100}}}
    )
    assert (limits["outcome"].minutely, limits["outcome"].hourly) == (10, 100)
    assert limits["general"].minutely == 180  # not advertised: the default stays


async def test_limiter_spaces_calls_without_polling(autojump_clock: trio.abc.Clock) -> None:
    limiter = RateLimiter(
        limits_from_website_status(
            {"api_call_limits": {"max_requests_outcome": {"minutely": 5, "hourly": 1000}}}
        )
    )
    start = trio.current_time()
    for _ in range(9):  # 90 % of 5 = 4 a minute
        await limiter.acquire("statement")
    assert 120 <= trio.current_time() - start < 121
    before = trio.current_time()
    await limiter.acquire("ping")  # never limited
    assert trio.current_time() == before


async def test_connection_paces_by_advertised_limits(
    fake: FakeDeriv, nursery: trio.Nursery, autojump_clock: trio.abc.Clock
) -> None:
    fake.api_call_limits["max_requests_outcome"] = {"minutely": 5, "hourly": 1000}
    connection = Connection(settings(), connector=fake.connector)
    await nursery.start(connection.run)
    start = trio.current_time()
    for _ in range(9):
        await connection.request("portfolio", timeout=300)
    assert trio.current_time() - start >= 120
    with pytest.raises(RequestTimeout, match="not sent") as info:
        for _ in range(5):
            await connection.request("portfolio", timeout=5)
    assert not info.value.sent
    assert all("error" not in r for r in fake.requests)


@pytest.mark.parametrize(
    ("call", "idempotent"),
    [
        ("ticks", True),
        ("portfolio", True),
        ("balance", True),
        ("buy", False),
        ("sell", False),
        ("topup_virtual", False),
        ("verify_email", False),
        ("paymentagent_transfer", False),
        ("p2p_order_info", True),
        ("set_settings", False),
    ],
)
def test_idempotency(call: str, idempotent: bool) -> None:
    assert is_idempotent(call) is idempotent


def test_overflow_defaults() -> None:
    assert overflow_policy("ticks") is Overflow.CONFLATE
    assert overflow_policy("transaction") is Overflow.FAIL
    assert overflow_policy("proposal_open_contract") is Overflow.FAIL
