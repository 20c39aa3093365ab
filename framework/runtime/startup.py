"""Starting every symbol's market data at once, within the server's request budgets.

A symbol is ready when its tick stream gave its first tick (the server sends no other
answer to ``ticks``) and its declared history arrived. Started one after another, each
symbol waited for its own first tick (up to a tick interval), so start-up grew with the
number of symbols (about 20 s for 16). Here the symbols start together: the waits for first
ticks overlap, and start-up takes about one tick interval however many symbols there are.

What bounds the overlap is the server's budgets, not a guess: each symbol's start makes a
known number of requests (its tick stream, one per candle series, one for a tick
look-back), each counted against the budget :func:`~framework.deriv.ratelimits.budget_of`
names, by the figures ``website_status`` advertised. The symbols start in *waves*: a wave
takes at most :data:`STARTUP_SHARE` of each budget's per-minute figure, and the next wave
begins a minute after the one before it. So the start never runs into the client's own
pacing (a request held there past its timeout would fail the start), and it leaves the
other half of each budget to the rest of the bot (the transaction stream, proposals, the
follows of recovered contracts). A bot with fewer symbols than one wave holds (90 with the
published figures and only ticks) starts them all at once.

The first symbol that fails to start (a refused subscription) stops the others: the bot
reports that one error, as it did when it started them in turn.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence

import trio

from framework.deriv.ratelimits import Budget, budget_of

from .market import SymbolMarket

__all__ = ["STARTUP_SHARE", "start_markets", "wave_size"]

#: The share of each budget's per-minute figure one wave of symbol starts may use.
STARTUP_SHARE = 0.5
#: Seconds between the starts of two waves: the budgets' shortest window.
WAVE_INTERVAL = 60.0


def wave_size(requests: Mapping[str, int], budgets: Mapping[str, Budget]) -> int | None:
    """How many symbols may start together, each making ``requests`` calls.

    Args:
        requests: the calls one symbol's start makes, by call name, counted.
        budgets: the budgets in force, by name.

    Returns:
        The largest number of symbol starts (at least 1) whose calls take no more than
        :data:`STARTUP_SHARE` of any budget's per-minute figure; ``None`` when no budget
        limits those calls per minute.
    """
    per_budget: Counter[str] = Counter()
    for call, count in requests.items():
        name = budget_of(call)
        if name is not None:
            per_budget[name] += count
    size: int | None = None
    for name, count in per_budget.items():
        budget = budgets.get(name)
        if budget is None or budget.minutely is None:
            continue
        fits = int(budget.minutely * STARTUP_SHARE) // count
        size = fits if size is None else min(size, fits)
    return None if size is None else max(1, size)


async def start_markets(
    nursery: trio.Nursery, markets: Sequence[SymbolMarket], budgets: Mapping[str, Budget]
) -> None:
    """Start every market's feed in ``nursery``; return once all of them are ready.

    Args:
        nursery: where the feeds run once started (the bot's root nursery).
        markets: the symbols' feeds, in config order.
        budgets: the budgets in force (advertised by ``website_status``).

    Raises:
        Exception: the first failure of a start (``StartupError`` for a refused
            subscription); the starts still running are cancelled.
    """
    pending = list(markets)
    while pending:
        began = trio.current_time()
        sizes = [wave_size(m.start_requests(), budgets) for m in pending]
        size = min((s for s in sizes if s is not None), default=len(pending))
        wave, pending = pending[:size], pending[size:]
        await _start_wave(nursery, wave)
        if pending:
            await trio.sleep_until(began + WAVE_INTERVAL)


async def _start_wave(nursery: trio.Nursery, wave: Sequence[SymbolMarket]) -> None:
    failure: Exception | None = None

    async def start(market: SymbolMarket, starting: trio.CancelScope) -> None:
        nonlocal failure
        try:
            await nursery.start(market.run)
        except Exception as exc:  # the first one is the bot's error; the rest stop
            if failure is None:
                failure = exc
            starting.cancel()

    async with trio.open_nursery() as starting:
        for market in wave:
            starting.start_soon(start, market, starting.cancel_scope)
    if failure is not None:
        raise failure
