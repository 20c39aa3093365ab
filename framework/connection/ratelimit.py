"""Client-side pacing by the budgets ``website_status.api_call_limits`` advertises.

Staying under them on our side means a busy bot slows down a little instead of collecting
``RateLimit`` errors. Which call counts against which budget, and the default figures, are
protocol facts kept in :mod:`framework.deriv.ratelimits` (the simulator enforces the same).

The limiter is a sliding log per window: exact, and bounded by the budget size.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping

import trio

from ..deriv.ratelimits import BUDGETS, Budget, budget_of
from ..locks import EagerLock

__all__ = ["RateLimiter"]


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
        limits: budgets by name (``general``, ``outcome``, ``pricing``).
        margin: fraction of each budget we allow ourselves (keeps headroom for clock skew
            and for other clients on the same account).

    Attributes:
        waits: calls that had to wait for their budget (each counted once, however long).
        waited: seconds those calls were held, in total.
    """

    def __init__(self, limits: Mapping[str, Budget] = BUDGETS, *, margin: float = 0.9) -> None:
        self._margin = margin
        self._windows: dict[str, list[_Window]] = {}
        # One queue per budget: a proposal waiting for the pricing budget must not hold up a
        # statement, whose budget has room. Taken at once when free: a buy within its budget
        # goes out with no scheduler pass spent here.
        self._locks = {name: EagerLock() for name in BUDGETS}
        self.waits = 0
        self.waited = 0.0
        self.update(limits)

    def update(self, limits: Mapping[str, Budget]) -> None:
        """Adopt new budgets (after ``website_status``), keeping the call history."""
        windows: dict[str, list[_Window]] = {}
        for name, budget in limits.items():
            found = []
            for figure, span in ((budget.minutely, 60.0), (budget.hourly, 3600.0)):
                if figure:
                    window = _Window(max(1, int(figure * self._margin)), span)
                    old = [w for w in self._windows.get(name, ()) if w.span == span]
                    if old:
                        window.times = old[0].times
                    found.append(window)
            windows[name] = found
        self._windows = windows

    def paces(self, call: str) -> bool:
        """Whether ``call`` counts against a budget with figures (else it never waits here)."""
        name = budget_of(call)
        return name is not None and bool(self._windows.get(name))

    async def acquire(self, call: str) -> None:
        """Wait until ``call`` fits the budget it counts against, then record it."""
        name = budget_of(call)
        windows = self._windows.get(name, ()) if name is not None else ()
        if name is None or not windows:
            await trio.lowlevel.checkpoint()
            return
        # FIFO: a call that has waited keeps its place ahead of later ones.
        async with self._locks[name]:
            held = self.waited
            while True:
                now = trio.current_time()
                wait = max(w.wait_time(now) for w in windows)
                if wait <= 0:
                    break
                self.waited += wait
                await trio.sleep(wait)
            if self.waited > held:  # held back (once, however many sleeps it took)
                self.waits += 1
            for window in windows:
                window.times.append(now)
