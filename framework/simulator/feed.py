"""The market clock: one shared, seeded tick feed per symbol.

Each symbol has one :class:`SymbolFeed` for the whole simulator, however many connections
watch it. Its ticks come from :class:`framework.market.ticks.TickGenerator` (through
:class:`framework.market.open_ticks.OpenTicks`: only while the market is open), started at the
*genesis epoch* with the run seed, so the tick at a given epoch depends only on
``(seed, genesis, symbol)``: two simulators with the same seed and genesis (or one restarted
from its ``--state`` file) show the same market.

Feeds start lazily, the first time anything touches the symbol (a subscription, a proposal, a
history request). Starting one generates the ticks from genesis to now silently, which becomes
the history ``ticks_history`` serves (the last ``history_seconds`` of ticks; the minute bars
of :mod:`framework.simulator.bars` go further back), then a task publishes each new tick at
its epoch (:class:`SimClock` time). Listeners are plain callables run synchronously in registration
order, then the *settlement hooks*: subscribers see a tick before any contract settles on it,
and every open contract sees every tick (a feed that falls behind publishes the missed ticks
in order rather than skipping them).

A market that closes (forex) has no ticks while closed: the history holds the gaps, so every
look-up goes by epoch (a bisection), never by ``first + i * interval``; the feed sleeps
through a closed stretch and publishes the first tick of the next session at its epoch.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import deque
from collections.abc import Callable, Iterator
from typing import Any

import trio

from framework.deriv.models import Tick
from framework.market.open_ticks import OpenTicks
from framework.market.symbols import SymbolSpec, get_symbol

from .bars import DEFAULT_BAR_HISTORY_SECONDS, MinuteBars
from .clock import SimClock

__all__ = ["DEFAULT_HISTORY_SECONDS", "MarketFeeds", "SymbolFeed", "TickListener"]

#: How much past market a feed keeps for ``ticks_history`` (one day, the API's default start).
DEFAULT_HISTORY_SECONDS = 86_400

TickListener = Callable[[Tick], None]


class SymbolFeed:
    """The tick feed of one symbol.

    Attributes:
        spec: the symbol.
        last: the latest published tick.
        bars: its minute bars, kept far beyond the ticks.
    """

    def __init__(
        self,
        spec: SymbolSpec,
        *,
        seed: int | str,
        genesis: int,
        history_seconds: int,
        bar_seconds: int = DEFAULT_BAR_HISTORY_SECONDS,
    ) -> None:
        """Create a feed whose first tick follows ``genesis``.

        Args:
            spec: the symbol.
            seed: the run seed.
            genesis: epoch of the generator's (unpublished) starting tick.
            history_seconds: how much past market to keep as ticks.
            bar_seconds: how much past market to keep as minute bars.
        """
        self.spec = spec
        self._gen = OpenTicks(spec, seed, genesis)
        keep = max(1, history_seconds // spec.tick_interval)
        self._epochs: deque[int] = deque(maxlen=keep)
        self._quotes: deque[float] = deque(maxlen=keep)
        self._listeners: list[TickListener] = []
        self._settlement: list[TickListener] = []
        self.bars = MinuteBars(spec, seed=seed, genesis=genesis, max_seconds=bar_seconds)
        self.last = Tick(spec.symbol, genesis, self._gen.quote, spec.pip_size)

    # -- history -------------------------------------------------------------------------

    @property
    def first_epoch(self) -> int:
        """Epoch of the oldest tick kept (the latest one's before any)."""
        return self._epochs[0] if self._epochs else self.last.epoch

    def is_open(self, epoch: float) -> bool:
        """Tell whether the symbol's market trades at ``epoch``."""
        return self._gen.is_open(epoch)

    def catch_up(self, epoch: float) -> list[Tick]:
        """Generate every tick due at or before ``epoch``; return them (oldest first)."""
        epochs, quotes = self._gen.until(epoch)
        if not quotes:
            return []
        self._epochs.extend(epochs)
        self._quotes.extend(quotes)
        symbol, pip = self.spec.symbol, self.spec.pip_size
        ticks = list(map(Tick, [symbol] * len(quotes), epochs, quotes, [pip] * len(quotes)))
        add_bar = self.bars.add
        for tick in ticks:
            add_bar(tick.epoch, tick.quote)
        self.last = ticks[-1]
        return ticks

    def history(self, start: float, end: float) -> Iterator[Tick]:
        """Yield the kept ticks with ``start <= epoch <= end``, oldest first."""
        epochs, quotes = self._epochs, self._quotes
        lo = bisect_left(epochs, start)
        hi = bisect_right(epochs, end)
        symbol, pip = self.spec.symbol, self.spec.pip_size
        for i in range(lo, hi):
            yield Tick(symbol, epochs[i], quotes[i], pip)

    def tick_at_or_before(self, epoch: float) -> Tick | None:
        """Return the latest kept tick with an epoch not after ``epoch``."""
        i = bisect_right(self._epochs, epoch)
        if i == 0:
            return None
        return Tick(self.spec.symbol, self._epochs[i - 1], self._quotes[i - 1], self.spec.pip_size)

    # -- publishing ----------------------------------------------------------------------

    def add_listener(self, listener: TickListener) -> None:
        """Call ``listener(tick)`` for every new tick until removed."""
        self._listeners.append(listener)

    def remove_listener(self, listener: TickListener) -> None:
        """Stop calling ``listener``; unknown listeners are ignored."""
        if listener in self._listeners:
            self._listeners.remove(listener)

    def add_settlement_hook(self, hook: TickListener) -> None:
        """Call ``hook(tick)`` after the listeners, for every new tick."""
        self._settlement.append(hook)

    @property
    def listener_count(self) -> int:
        """How many listeners the feed has (for inspection and tests)."""
        return len(self._listeners)

    def publish(self, tick: Tick) -> None:
        """Hand ``tick`` to every listener, then to the settlement hooks."""
        # Copies: a listener may unsubscribe itself (a stream that ends) while we iterate.
        for listener in tuple(self._listeners):
            listener(tick)
        for hook in tuple(self._settlement):
            hook(tick)

    async def run(self, clock: SimClock) -> None:
        """Publish ticks at their epochs, forever."""
        while True:
            # Asleep through a closed market: the next tick is the next session's first.
            await clock.sleep_until(self._gen.next_epoch())
            for tick in self.catch_up(clock.now()):
                self.publish(tick)


class MarketFeeds:
    """Every symbol's feed, started on first use.

    Attributes:
        seed: the run seed.
        genesis: epoch the generators start from.
        clock: the simulator clock.
    """

    def __init__(
        self,
        nursery: trio.Nursery,
        clock: SimClock,
        *,
        seed: int | str,
        genesis: int,
        history_seconds: int = DEFAULT_HISTORY_SECONDS,
        bar_seconds: int = DEFAULT_BAR_HISTORY_SECONDS,
    ) -> None:
        """Create the registry; feeds run as tasks of ``nursery``."""
        self._nursery = nursery
        self.clock = clock
        self.seed = seed
        self.genesis = genesis
        self._history_seconds = history_seconds
        self._bar_seconds = bar_seconds
        self._feeds: dict[str, SymbolFeed] = {}
        self._on_start: list[Callable[[SymbolFeed], Any]] = []

    def on_feed_start(self, callback: Callable[[SymbolFeed], Any]) -> None:
        """Call ``callback(feed)`` for each feed as it starts (and for those already running)."""
        self._on_start.append(callback)
        for feed in self._feeds.values():
            callback(feed)

    def get(self, symbol: str) -> SymbolFeed:
        """Return the running feed of ``symbol``, starting it if needed.

        Raises:
            MarketError: ``InvalidSymbol`` for an unknown symbol.
        """
        feed = self._feeds.get(symbol)
        if feed is None:
            spec = get_symbol(symbol)
            feed = SymbolFeed(
                spec,
                seed=self.seed,
                genesis=self.genesis,
                history_seconds=self._history_seconds,
                bar_seconds=self._bar_seconds,
            )
            feed.catch_up(self.clock.now())
            self._feeds[symbol] = feed
            for callback in self._on_start:
                callback(feed)
            self._nursery.start_soon(feed.run, self.clock, name=f"sim-feed-{symbol}")
        return feed
