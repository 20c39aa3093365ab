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
from framework.connection.ratelimit import RateLimiter
from framework.deriv.ratelimits import limits_from_website_status
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


async def test_the_limiter_counts_the_calls_it_held_and_for_how_long(
    autojump_clock: trio.abc.Clock,
) -> None:
    limits = {"api_call_limits": {"max_requests_outcome": {"minutely": 5, "hourly": 1000}}}
    limiter = RateLimiter(limits_from_website_status(limits))
    for _ in range(4):  # 90 % of 5: four a minute go at once
        await limiter.acquire("statement")
    assert (limiter.waits, limiter.waited) == (0, 0.0)
    await limiter.acquire("statement")  # the fifth waits for the first to leave the window
    await limiter.acquire("ping")  # never limited, never counted
    assert limiter.waits == 1
    assert limiter.waited == pytest.approx(60.0)


async def test_a_window_without_a_figure_is_not_limited(autojump_clock: trio.abc.Clock) -> None:
    limits = {"api_call_limits": {"max_requests_outcome": {"minutely": 0, "hourly": 3}}}
    limiter = RateLimiter(limits_from_website_status(limits))
    start = trio.current_time()
    await limiter.acquire("statement")
    await limiter.acquire("statement")  # no minute window: 90 % of 3 an hour allows two
    assert trio.current_time() == start
    await limiter.acquire("statement")
    assert trio.current_time() - start == 3600


async def test_a_full_budget_holds_up_only_its_own_calls(autojump_clock: trio.abc.Clock) -> None:
    limits = {"api_call_limits": {"max_requests_pricing": {"minutely": 2, "hourly": 1000}}}
    limiter = RateLimiter(limits_from_website_status(limits))
    start = trio.current_time()
    await limiter.acquire("proposal")  # 90 % of 2 rounds down to one a minute
    done: list[str] = []

    async def call(name: str) -> None:
        await limiter.acquire(name)
        done.append(name)

    async with trio.open_nursery() as nursery:
        nursery.start_soon(call, "proposal")  # waits a minute for the pricing budget
        await trio.sleep(1)
        for name in ("statement", "active_symbols", "buy", "sell"):
            nursery.start_soon(call, name)
        await trio.sleep(1)
        assert sorted(done) == ["active_symbols", "buy", "sell", "statement"]
    assert done[-1] == "proposal"
    assert trio.current_time() - start == 60


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
