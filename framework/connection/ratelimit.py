"""Client-side rate limiting from ``website_status.api_call_limits``.

The server advertises per-category budgets (per minute and per hour). Staying under them on
our side means a busy bot slows down a little instead of collecting ``RateLimit`` errors.
Categories, following the server's own grouping (reference section 3):

* ``ping`` and ``time`` are never limited;
* ``portfolio``, ``statement``, ``profit_table`` and ``proposal`` count against
  ``max_requests_outcome``;
* ``proposal`` and ``proposal_open_contract`` count against ``max_requests_pricing``;
* every call counts against ``max_requestes_general`` (the server's spelling).

The limiter is a sliding log per window: exact, and bounded by the budget size.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from typing import Any

import attrs
import trio

__all__ = ["DEFAULT_LIMITS", "CallLimit", "RateLimiter", "limits_from_website_status"]

UNLIMITED_CALLS = frozenset({"ping", "time"})
_OUTCOME_CALLS = frozenset({"portfolio", "statement", "profit_table", "proposal"})
_PRICING_CALLS = frozenset({"proposal", "proposal_open_contract"})


@attrs.frozen
class CallLimit:
    """One advertised budget: at most ``minutely`` calls a minute and ``hourly`` an hour."""

    name: str
    minutely: int | None
    hourly: int | None


#: The budgets the real server advertised when this was written; used until (or unless)
#: ``website_status`` says otherwise.
DEFAULT_LIMITS: Mapping[str, CallLimit] = {
    "general": CallLimit("max_requestes_general", 180, 14400),
    "outcome": CallLimit("max_requests_outcome", 25, 1500),
    "pricing": CallLimit("max_requests_pricing", 80, 3600),
}

_KEYS = {
    "general": "max_requestes_general",
    "outcome": "max_requests_outcome",
    "pricing": "max_requests_pricing",
}


def _positive_int(value: Any) -> int | None:
    if type(value) is int and value > 0:
        return value
    if type(value) is float and value.is_integer() and value > 0:
        return int(value)
    return None


def limits_from_website_status(status: Mapping[str, Any]) -> dict[str, CallLimit]:
    """Read the budgets from a ``website_status`` payload; missing ones keep the defaults."""
    advertised = status.get("api_call_limits")
    limits = dict(DEFAULT_LIMITS)
    if not isinstance(advertised, Mapping):
        return limits
    for category, key in _KEYS.items():
        entry = advertised.get(key)
        if isinstance(entry, Mapping):
            limits[category] = CallLimit(
                key, _positive_int(entry.get("minutely")), _positive_int(entry.get("hourly"))
            )
    return limits


def categories_of(call: str) -> tuple[str, ...]:
    """The budgets a call counts against."""
    if call in UNLIMITED_CALLS:
        return ()
    found = ["general"]
    if call in _OUTCOME_CALLS:
        found.append("outcome")
    if call in _PRICING_CALLS:
        found.append("pricing")
    return tuple(found)


class _Window:
    __slots__ = ("limit", "span", "times")

    def __init__(self, limit: int, span: float) -> None:
        self.limit = limit
        self.span = span
        self.times: deque[float] = deque()

    def wait_time(self, now: float) -> float:
        times = self.times
        while times and times[0] <= now - self.span:
            times.popleft()
        if len(times) < self.limit:
            return 0.0
        return times[0] + self.span - now


class RateLimiter:
    """Waits, when needed, so that calls stay within the advertised budgets.

    Args:
        limits: budgets by category (``general``, ``outcome``, ``pricing``).
        margin: fraction of each budget we allow ourselves (keeps headroom for clock skew
            and for other clients on the same account).
    """

    def __init__(
        self, limits: Mapping[str, CallLimit] = DEFAULT_LIMITS, *, margin: float = 0.9
    ) -> None:
        self._margin = margin
        self._windows: dict[str, list[_Window]] = {}
        self._lock = trio.StrictFIFOLock()
        self.waited = 0.0
        self.update(limits)

    def update(self, limits: Mapping[str, CallLimit]) -> None:
        """Adopt new budgets (after ``website_status``), keeping the call history."""
        windows: dict[str, list[_Window]] = {}
        for category, limit in limits.items():
            found = []
            for budget, span in ((limit.minutely, 60.0), (limit.hourly, 3600.0)):
                if budget:
                    window = _Window(max(1, int(budget * self._margin)), span)
                    old = [w for w in self._windows.get(category, ()) if w.span == span]
                    if old:
                        window.times = old[0].times
                    found.append(window)
            windows[category] = found
        self._windows = windows

    async def acquire(self, call: str) -> None:
        """Wait until ``call`` fits every budget it counts against, then record it."""
        categories = categories_of(call)
        if not categories:
            await trio.lowlevel.checkpoint()
            return
        windows = [w for c in categories for w in self._windows.get(c, ())]
        # FIFO: a call that has waited keeps its place ahead of later ones.
        async with self._lock:
            while True:
                now = trio.current_time()
                wait = max((w.wait_time(now) for w in windows), default=0.0)
                if wait <= 0:
                    break
                self.waited += wait
                await trio.sleep(wait)
            for window in windows:
                window.times.append(now)
