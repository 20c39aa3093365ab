"""Rate limits, as advertised in ``website_status.api_call_limits`` and enforced.

Three counters per *client*, each with a one-minute and a one-hour window in simulated
time: *general*, *outcome* and *pricing*. Like the real server's, the counters belong to the
client, not to a connection: every connection of one client draws on the same budgets, and a
reconnect does not refill them. A client is what
:func:`framework.deriv.ratelimits.client_key` names: the ``app_id`` and the ``loginid`` once
authorized, else the ``app_id``, the peer's IP address and an MD5 hash of its
``User-Agent``. The budgets, their figures and which call counts against which (and which
calls count against none: ``ping``, ``time``, and ``buy``/``sell`` whose real limits are not
published) are in :mod:`framework.deriv.ratelimits`, the tables the client paces by.
A refused request gets ``RateLimit`` "You have reached the rate limit for <call>.".

Counters of clients gone idle are dropped, so that memory follows the clients of the last
hour, not every client ever seen. A counter is dropped only once its newest request is older
than the longest window (an hour): it then holds nothing that could refuse a request, so a
client that comes back finds exactly the budget it would have found had the counter been
kept. A reconnect within the hour finds its counter, and its budget spent.
"""

from __future__ import annotations

from collections import OrderedDict, deque
from collections.abc import Mapping
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

#: The longest window a counter remembers, in seconds.
_WINDOW = 3600.0


def _known(figures: Mapping[str, int]) -> None:
    unknown = sorted(set(figures) - set(BUDGETS))
    if unknown:
        raise ValueError(
            f"unknown rate-limit budget(s) {', '.join(unknown)} (known: {', '.join(BUDGETS)})"
        )


@attrs.frozen
class RateLimits:
    """Per-client request limits: framework.deriv's budgets, the real server's figures.

    The budgets and their figures are :data:`framework.deriv.ratelimits.BUDGETS`, the table
    the client paces by; tests tighten them with :meth:`per_minute` and :meth:`per_hour`.

    Attributes:
        enabled: enforce them (they are always advertised).
        budgets: the budgets by name, with the figures to enforce and advertise.
        max_proposal_subscription: advertised concurrent proposal streams.
    """

    enabled: bool = True
    budgets: Mapping[str, Budget] = attrs.field(default=BUDGETS, hash=False)
    max_proposal_subscription: int = MAX_PROPOSAL_SUBSCRIPTION

    def per_minute(self, **figures: int) -> RateLimits:
        """A copy with these budgets allowing so many calls a minute.

        Raises:
            ValueError: a name that is not a budget.
        """
        _known(figures)
        budgets = {
            name: attrs.evolve(budget, minutely=figures.get(name, budget.minutely))
            for name, budget in self.budgets.items()
        }
        return attrs.evolve(self, budgets=budgets)

    def per_hour(self, **figures: int) -> RateLimits:
        """A copy with these budgets allowing so many calls an hour.

        Raises:
            ValueError: a name that is not a budget.
        """
        _known(figures)
        budgets = {
            name: attrs.evolve(budget, hourly=figures.get(name, budget.hourly))
            for name, budget in self.budgets.items()
        }
        return attrs.evolve(self, budgets=budgets)

    def advertised(self) -> dict[str, Any]:
        """The ``api_call_limits`` object of ``website_status``."""
        return api_call_limits(
            self.budgets, max_proposal_subscription=self.max_proposal_subscription
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
        # The times counted, by (client, budget), the least recently counted first: the idle
        # ones are at the front, where each call drops them.
        self._seen: OrderedDict[tuple[str, str], deque[float]] = OrderedDict()

    def __len__(self) -> int:
        """Counters held: one per client and budget counted in the last hour."""
        return len(self._seen)

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
        self._drop_idle(now)
        budget = self.limits.budgets[name]
        per_minute, per_hour = budget.minutely, budget.hourly
        key = (client, name)
        seen = self._seen.setdefault(key, deque())
        while seen and seen[0] <= now - _WINDOW:
            seen.popleft()
        if per_hour is not None and len(seen) >= per_hour:
            return False
        if per_minute is not None and _minute_full(seen, now, per_minute):
            return False
        seen.append(now)
        self._seen.move_to_end(key)
        return True

    def _drop_idle(self, now: float) -> None:
        """Drop the counters whose every request has left the longest window."""
        counters = self._seen
        while counters:
            key, times = next(iter(counters.items()))
            if times and times[-1] > now - _WINDOW:
                return  # counted within the hour, and so is every counter behind it
            del counters[key]


def _minute_full(seen: deque[float], now: float, per_minute: int) -> bool:
    """Whether ``per_minute`` of the times ``seen`` fall in the minute before ``now``."""
    # Walk back over the last minute only; the walk is bounded by the minutely limit.
    for recent, t in enumerate(reversed(seen), start=1):
        if t <= now - 60:
            return False
        if recent >= per_minute:
            return True
    return False
