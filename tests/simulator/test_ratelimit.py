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
