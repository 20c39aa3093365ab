"""The simulator's per-client counters, in simulated seconds."""

from __future__ import annotations

import attrs
import pytest

from framework.deriv.ratelimits import BUDGETS
from framework.simulator.ratelimit import RateLimiter, RateLimits

ME = "authorised::1089/VRTC1"


def test_minute_window_slides_and_the_hour_caps() -> None:
    limiter = RateLimiter(RateLimits().per_minute(outcome=2).per_hour(outcome=3))
    assert limiter.allow(ME, "statement", 0.0)
    assert limiter.allow(ME, "portfolio", 1.0)
    assert not limiter.allow(ME, "profit_table", 2.0)  # two in the last minute
    assert limiter.allow(ME, "statement", 61.0)  # the first one left the minute
    assert not limiter.allow(ME, "statement", 200.0)  # three in the hour
    assert limiter.allow(ME, "active_symbols", 200.0)  # another budget
    assert limiter.allow(ME, "statement", 3600.0)  # the first one left the hour


def test_disabled_limits_are_advertised_but_never_refuse() -> None:
    limits = RateLimits(enabled=False).per_minute(general=1)
    limiter = RateLimiter(limits)
    assert all(limiter.allow(ME, "active_symbols", 0.0) for _ in range(5))
    assert limits.advertised()["max_requestes_general"]["minutely"] == 1


def test_figures_come_from_the_protocol_table_and_unknown_budgets_are_refused() -> None:
    assert RateLimits().budgets == BUDGETS
    tight = RateLimits().per_minute(pricing=2).per_hour(general=7)
    assert (tight.budgets["pricing"].minutely, tight.budgets["pricing"].hourly) == (2, 3600)
    assert (tight.budgets["general"].minutely, tight.budgets["general"].hourly) == (180, 7)
    with pytest.raises(ValueError, match=r"unknown rate-limit budget\(s\) pricin "):
        RateLimits().per_minute(pricin=2)
    with pytest.raises(ValueError, match="known: general, outcome, pricing"):
        RateLimits().per_hour(expensive=2)


def test_a_window_without_a_figure_is_not_limited() -> None:
    unlimited = {name: attrs.evolve(b, minutely=None, hourly=None) for name, b in BUDGETS.items()}
    limiter = RateLimiter(RateLimits(budgets=unlimited))
    assert all(limiter.allow(ME, "statement", 0.0) for _ in range(100))
    hour_only = {**unlimited, "outcome": attrs.evolve(BUDGETS["outcome"], minutely=None, hourly=2)}
    limiter = RateLimiter(RateLimits(budgets=hour_only))
    assert [limiter.allow(ME, "statement", t) for t in (0.0, 1.0, 2.0)] == [True, True, False]


def test_idle_counters_are_dropped_after_the_longest_window() -> None:
    # Memory follows the clients of the last hour: ten thousand clients that each made one
    # request leave nothing behind once that request is an hour old.
    limiter = RateLimiter(RateLimits())
    for i in range(10_000):
        assert limiter.allow(f"unauthorised::1089/10.0.{i // 256}.{i % 256}:ua", "ticks", i / 10)
    assert len(limiter) == 10_000
    assert limiter.allow(ME, "ticks", 3600.0)
    assert len(limiter) == 10_000  # the first client's request left the hour: it alone goes
    assert limiter.allow(ME, "ticks", 500 + 3600.0)
    assert len(limiter) == 1 + 4_999  # ME, and the clients counted after 500 s
    assert limiter.allow(ME, "statement", 2 * 3600.0)
    assert len(limiter) == 2  # ME's two budgets


def test_a_returning_client_finds_its_budget_spent_within_the_window() -> None:
    # An idle client's counter stays while a request of it is in the hour, however many other
    # clients come and go: a reconnect does not refill the budget.
    limiter = RateLimiter(RateLimits().per_minute(outcome=2).per_hour(outcome=3))
    assert [limiter.allow(ME, "statement", t) for t in (0.0, 100.0, 200.0)] == [True] * 3
    for i in range(1_000):
        assert limiter.allow(f"authorised::1089/VRTC{i + 2}", "statement", 300.0 + i)
    assert not limiter.allow(ME, "statement", 3599.0)  # three in the hour before it
    assert len(limiter) == 1_001
    assert limiter.allow(ME, "statement", 3600.0)  # the first one left the hour
    assert not limiter.allow(ME, "statement", 3601.0)  # the second is still in it
