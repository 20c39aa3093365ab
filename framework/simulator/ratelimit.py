"""Rate limits, as advertised in ``website_status.api_call_limits`` and enforced.

Three counters per *client*, each with a one-minute and a one-hour window in simulated
time: *general*, *outcome* and *pricing*. Like the real server's, the counters belong to the
client, not to a connection: every connection of one client draws on the same budgets, and a
reconnect does not refill them. A client is what
:func:`framework.deriv.ratelimits.client_key` names: the ``app_id`` and the ``loginid`` once
authorized, else the ``app_id``, the peer's IP address and an MD5 hash of its
``User-Agent``. Which call counts against which (and which calls
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

__all__ = ["LOCAL_PEER", "Peer", "RateLimiter", "RateLimits"]


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
    """Per-client request limits (the real server's advertised figures by default).

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


@attrs.frozen
class Peer:
    """Who is at the other end of a connection, as far as the handshake tells.

    Attributes:
        ip: the peer's IP address.
        user_agent: its ``User-Agent`` header (empty when it sent none).
    """

    ip: str
    user_agent: str = ""


#: A client reaching the simulator without a socket (an in-memory stream handed over by the
#: process itself): it is on this machine, so it counts as loopback.
LOCAL_PEER = Peer("127.0.0.1")


class RateLimiter:
    """Sliding-window counters of every client, shared by all of its connections."""

    def __init__(self, limits: RateLimits) -> None:
        self.limits = limits
        self._seen: dict[tuple[str, str], deque[float]] = {}

    def allow(self, client: str, call: str, now: float) -> bool:
        """Count a request of ``client`` made at simulated time ``now``.

        Args:
            client: the client's key (:func:`~framework.deriv.ratelimits.client_key`).
            call: the call's name.
            now: simulated seconds.

        Returns:
            False when the request is over one of the client's limits (it is not counted).
        """
        name = budget_of(call)
        if name is None or not self.limits.enabled:
            return True
        per_minute, per_hour = self.limits.figures(name)
        seen = self._seen.setdefault((client, name), deque())
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
