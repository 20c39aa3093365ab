"""Rate limits, as advertised in ``website_status.api_call_limits`` and enforced.

Three counters per connection, each with a one-minute and a one-hour window in simulated
time: *pricing* (``proposal``, ``proposal_open_contract``), *outcome* (``portfolio``,
``statement``, ``profit_table``) and *general* (everything else). ``ping`` and ``time`` are
never limited, like on the real server. A refused request gets ``RateLimit`` "You have
reached the rate limit for <call>.".
"""

from __future__ import annotations

from collections import deque
from typing import Any, Final

import attrs

__all__ = ["EXEMPT", "RateLimiter", "RateLimits", "category_of"]

EXEMPT: Final = frozenset({"ping", "time"})
_PRICING: Final = frozenset({"proposal", "proposal_open_contract"})
_OUTCOME: Final = frozenset({"portfolio", "statement", "profit_table"})


@attrs.frozen
class RateLimits:
    """Per-connection request limits (the real server's advertised figures by default).

    Attributes:
        enabled: enforce them (they are always advertised).
        general_minutely: requests per minute of ordinary calls.
        general_hourly: requests per hour of ordinary calls.
        outcome_minutely: portfolio / statement / profit_table per minute.
        outcome_hourly: ... per hour.
        pricing_minutely: proposal / proposal_open_contract per minute.
        pricing_hourly: ... per hour.
        max_proposal_subscription: advertised concurrent proposal streams.
    """

    enabled: bool = True
    general_minutely: int = 180
    general_hourly: int = 14400
    outcome_minutely: int = 25
    outcome_hourly: int = 1500
    pricing_minutely: int = 80
    pricing_hourly: int = 3600
    max_proposal_subscription: int = 5

    def limits_of(self, category: str) -> tuple[int, int]:
        """``(per minute, per hour)`` of a category."""
        if category == "pricing":
            return self.pricing_minutely, self.pricing_hourly
        if category == "outcome":
            return self.outcome_minutely, self.outcome_hourly
        return self.general_minutely, self.general_hourly

    def advertised(self) -> dict[str, Any]:
        """The ``api_call_limits`` object of ``website_status``."""
        return {
            "max_proposal_subscription": {
                "applies_to": "subscribing to proposal concurrently",
                "max": self.max_proposal_subscription,
            },
            "max_requestes_general": {
                "applies_to": "rest of calls",
                "hourly": self.general_hourly,
                "minutely": self.general_minutely,
            },
            "max_requests_outcome": {
                "applies_to": "portfolio, statement and proposal",
                "hourly": self.outcome_hourly,
                "minutely": self.outcome_minutely,
            },
            "max_requests_pricing": {
                "applies_to": "proposal and proposal_open_contract",
                "hourly": self.pricing_hourly,
                "minutely": self.pricing_minutely,
            },
        }


def category_of(call: str) -> str | None:
    """The limit category of a call (``None`` when exempt)."""
    if call in EXEMPT:
        return None
    if call in _PRICING:
        return "pricing"
    if call in _OUTCOME:
        return "outcome"
    return "general"


class RateLimiter:
    """Sliding-window counters of one connection."""

    def __init__(self, limits: RateLimits) -> None:
        self.limits = limits
        self._seen: dict[str, deque[float]] = {}

    def allow(self, call: str, now: float) -> bool:
        """Count a request made at simulated time ``now``; return False when over a limit."""
        category = category_of(call)
        if category is None or not self.limits.enabled:
            return True
        per_minute, per_hour = self.limits.limits_of(category)
        seen = self._seen.setdefault(category, deque())
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
