"""Rate limits, as advertised in ``website_status.api_call_limits`` and enforced.

Three counters per connection, each with a one-minute and a one-hour window in simulated
time: *general*, *outcome* and *pricing*. Which call counts against which (and which calls
count against none: ``ping``, ``time``, and ``buy``/``sell`` whose real limits are not
published) is :func:`framework.deriv.ratelimits.budget_of`, the table the client paces by.
A refused request gets ``RateLimit`` "You have reached the rate limit for <call>.".
"""

from __future__ import annotations

from collections import deque
from typing import Any

import attrs

from framework.deriv.ratelimits import (
    BUDGETS,
    MAX_PROPOSAL_SUBSCRIPTION,
    Budget,
    api_call_limits,
    budget_of,
)

__all__ = ["RateLimiter", "RateLimits"]


def _minutely(name: str) -> int:
    figure = BUDGETS[name].minutely
    assert figure is not None
    return figure


def _hourly(name: str) -> int:
    figure = BUDGETS[name].hourly
    assert figure is not None
    return figure


@attrs.frozen
class RateLimits:
    """Per-connection request limits (the real server's advertised figures by default).

    Attributes:
        enabled: enforce them (they are always advertised).
        general_minutely: requests per minute of ordinary calls.
        general_hourly: requests per hour of ordinary calls.
        outcome_minutely: portfolio / statement / profit_table / reality_check per minute.
        outcome_hourly: ... per hour.
        pricing_minutely: proposal / proposal_open_contract per minute.
        pricing_hourly: ... per hour.
        max_proposal_subscription: advertised concurrent proposal streams.
    """

    enabled: bool = True
    general_minutely: int = _minutely("general")
    general_hourly: int = _hourly("general")
    outcome_minutely: int = _minutely("outcome")
    outcome_hourly: int = _hourly("outcome")
    pricing_minutely: int = _minutely("pricing")
    pricing_hourly: int = _hourly("pricing")
    max_proposal_subscription: int = MAX_PROPOSAL_SUBSCRIPTION

    def figures(self, name: str) -> tuple[int, int]:
        """``(per minute, per hour)`` of the budget ``name``."""
        if name == "pricing":
            return self.pricing_minutely, self.pricing_hourly
        if name == "outcome":
            return self.outcome_minutely, self.outcome_hourly
        return self.general_minutely, self.general_hourly

    def budgets(self) -> dict[str, Budget]:
        """The three budgets with this configuration's figures."""
        budgets = {}
        for name, budget in BUDGETS.items():
            per_minute, per_hour = self.figures(name)
            budgets[name] = attrs.evolve(budget, minutely=per_minute, hourly=per_hour)
        return budgets

    def advertised(self) -> dict[str, Any]:
        """The ``api_call_limits`` object of ``website_status``."""
        return api_call_limits(
            self.budgets(), max_proposal_subscription=self.max_proposal_subscription
        )


class RateLimiter:
    """Sliding-window counters of one connection."""

    def __init__(self, limits: RateLimits) -> None:
        self.limits = limits
        self._seen: dict[str, deque[float]] = {}

    def allow(self, call: str, now: float) -> bool:
        """Count a request made at simulated time ``now``; return False when over a limit."""
        name = budget_of(call)
        if name is None or not self.limits.enabled:
            return True
        per_minute, per_hour = self.limits.figures(name)
        seen = self._seen.setdefault(name, deque())
        while seen and seen[0] <= now - 3600:
            seen.popleft()
        if len(seen) >= per_hour:
            return False
        # Walk back over the last minute only; the walk is bounded by the minutely limit.
        for recent, t in enumerate(reversed(seen), start=1):
            if t <= now - 60:
                break
            if recent >= per_minute:
                return False
        seen.append(now)
        return True
