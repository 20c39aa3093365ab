"""The simulator's per-client counters, in simulated seconds."""

from __future__ import annotations

from framework.simulator.ratelimit import RateLimiter, RateLimits

ME = "authorised::1089/VRTC1"


def test_minute_window_slides_and_the_hour_caps() -> None:
    limiter = RateLimiter(RateLimits(outcome_minutely=2, outcome_hourly=3))
    assert limiter.allow(ME, "statement", 0.0)
    assert limiter.allow(ME, "portfolio", 1.0)
    assert not limiter.allow(ME, "profit_table", 2.0)  # two in the last minute
    assert limiter.allow(ME, "statement", 61.0)  # the first one left the minute
    assert not limiter.allow(ME, "statement", 200.0)  # three in the hour
    assert limiter.allow(ME, "active_symbols", 200.0)  # another budget
    assert limiter.allow(ME, "statement", 3600.0)  # the first one left the hour


def test_disabled_limits_are_advertised_but_never_refuse() -> None:
    limits = RateLimits(enabled=False, general_minutely=1)
    limiter = RateLimiter(limits)
    assert all(limiter.allow(ME, "active_symbols", 0.0) for _ in range(5))
    assert limits.advertised()["max_requestes_general"]["minutely"] == 1
