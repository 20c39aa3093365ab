"""The market history of one run: per symbol, its recent ticks and its candle series.

A host internal, used by :class:`~framework.strategy._host.StrategyHost` (which dispatches
what comes out of it) and by each context's history accessors.

One :class:`SymbolFeed` per symbol some strategy wants history or candles of. It holds

* the last ticks, as many as the longest ``tick_history`` declared for the symbol;
* per granularity wanted, a :class:`~framework.market.candles.CandleBuilder` and the last
  closed bars (as many as the longest ``history`` declared, at least one);
* the indicators attached to those series (:class:`~framework.strategy.indicators.Tap`),
  by owner, so a restarted strategy's old ones can be dropped.

Taking a tick (:meth:`SymbolFeed.tick`) returns the bars it closed, in granularity order; the
host then delivers them before the tick. Built from ticks alone, the first bar of a series is
partial unless the first tick falls on its open time: it is never given out. During a
warm-up the same method fills the history and nothing is delivered. The live runtime also
hands in the server's bars
(:meth:`SymbolFeed.merge` for the forming bar of the ``ohlc`` stream, :meth:`SymbolFeed.fill`
for closed bars of a ``ticks_history`` answer: the warm-up, and the gap after a reconnect):
each closed bar comes out exactly once, in order, whichever way it was learnt.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Sequence
from typing import Any

from framework.deriv.models import Candle, Tick
from framework.market.candles import CandleBuilder, open_time

from .indicators import Tap

__all__ = ["FeedBook", "SeriesFeed", "SymbolFeed"]


class SeriesFeed:
    """One candle series of one symbol: its builder, closed bars and indicators.

    Attributes:
        builder: builds the bars from ticks (and the server's forming bar, live).
        closed: the last closed bars, oldest first.
        last_closed: open time of the latest closed bar given out (``-1`` before any).
        taps: indicators on this series, by owner.
        want: closed bars the strategies declared (the longest ``history``).
    """

    __slots__ = ("builder", "closed", "last_closed", "taps", "want")

    def __init__(self, symbol: str, granularity: int, keep: int) -> None:
        self.builder = CandleBuilder(symbol, granularity)
        self.want = keep
        self.closed: deque[Candle] = deque(maxlen=max(keep, 1))
        self.last_closed = -1
        self.taps: dict[object, list[Tap]] = {}

    @property
    def granularity(self) -> int:
        """Seconds per bar."""
        return self.builder.granularity

    def accept(self, candle: Candle | None) -> Candle | None:
        """Book a bar as closed unless it is not newer than the last one booked."""
        if candle is None or candle.epoch <= self.last_closed:
            return None
        self.last_closed = candle.epoch
        self.closed.append(candle)
        for taps in self.taps.values():
            for tap in taps:
                tap.feed(candle)
        return candle


class SymbolFeed:
    """The ticks and candle series kept for one symbol.

    Attributes:
        symbol: the symbol.
        ticks: the last ticks, oldest first (empty when no strategy asked for any).
        series: the candle series, by granularity, in ascending granularity.
        tick_taps: indicators on the tick series, by owner.
    """

    __slots__ = ("_all", "series", "symbol", "tick_taps", "ticks")

    def __init__(self, symbol: str, tick_history: int, series: dict[int, int]) -> None:
        """Create the feed.

        Args:
            symbol: the symbol.
            tick_history: ticks to keep.
            series: granularity -> closed bars to keep.
        """
        self.symbol = symbol
        self.ticks: deque[Tick] = deque(maxlen=tick_history)
        self.series = {g: SeriesFeed(symbol, g, keep) for g, keep in sorted(series.items())}
        self._all = tuple(self.series.values())
        self.tick_taps: dict[object, list[Tap]] = {}

    def tick(self, tick: Tick) -> Sequence[Candle]:
        """Take a tick; return the bars it closed (not newer ones already given out)."""
        # The per-tick path of every symbol with a series: no allocation unless a bar closes.
        epoch = tick[1]
        ticks = self.ticks
        if ticks.maxlen:
            if ticks and epoch <= ticks[-1][1]:
                return ()  # a repeat: its bars are settled
            ticks.append(tick)
        if self.tick_taps:
            for taps in self.tick_taps.values():
                for tap in taps:
                    tap.feed(tick[2])
        out: Sequence[Candle] = ()
        for series in self._all:
            builder = series.builder
            if (
                builder.last_epoch < 0
                and (opened := open_time(epoch, builder.granularity)) != epoch
            ):
                # Built from ticks alone (a replay), the first bar began before the first
                # tick: it is partial, so it is never given out. Live, the server's bars
                # come first (fill, merge), and this does not apply.
                series.last_closed = max(series.last_closed, opened)
            bar = builder.add(epoch, tick[2])
            if bar is not None and series.accept(bar) is not None:
                out = (*out, bar)
        return out

    def merge(self, candle: Candle, last_epoch: int) -> list[Candle]:
        """Take the server's forming bar (live); return the bar it closed, if any."""
        series = self.series.get(candle.granularity)
        if series is None:
            return []
        closed = series.accept(series.builder.merge(candle, last_epoch))
        return [] if closed is None else [closed]

    def fill(self, granularity: int, candles: Iterable[Candle]) -> list[Candle]:
        """Take closed bars from the server's history (live), oldest first.

        Bars already given out are skipped, the others booked and returned in order: after a
        reconnect they are the ones closed during the gap, the one this feed was forming
        when the connection was lost first, with the server's values (it holds the ticks of
        the gap). Only closed bars may be passed (a history answer without its last, forming
        bar): the server's forming bar goes to :meth:`merge`, after.
        """
        series = self.series.get(granularity)
        if series is None:
            return []
        out: list[Candle] = []
        for candle in candles:
            closed = series.accept(candle)
            if closed is not None:
                out.append(closed)
        return out

    def satisfied(self) -> bool:
        """The declared history is all there (the ticks, and the closed bars of each series)."""
        ticks = self.ticks
        if len(ticks) < (ticks.maxlen or 0):
            return False
        return all(len(s.closed) >= s.want for s in self.series.values())

    def shortfall(self) -> str:
        """What of the declared history is missing, for a message (``""`` if nothing)."""
        missing = []
        if len(self.ticks) < (self.ticks.maxlen or 0):
            missing.append(f"{len(self.ticks)} of {self.ticks.maxlen} ticks")
        for g, s in self.series.items():
            if len(s.closed) < s.want:
                missing.append(f"{len(s.closed)} of {s.want} {g}-second candles")
        return f"{self.symbol}: " + ", ".join(missing) if missing else ""

    def forming(self) -> list[Candle]:
        """The forming bar of each series, in granularity order."""
        bars = (s.builder.forming for s in self.series.values())
        return [bar for bar in bars if bar is not None]

    def drop_taps(self, owner: object) -> None:
        """Forget the indicators ``owner`` attached (a strategy being restarted)."""
        self.tick_taps.pop(owner, None)
        for series in self.series.values():
            series.taps.pop(owner, None)


class FeedBook:
    """The :class:`SymbolFeed` of every symbol some strategy wants history of.

    Attributes:
        feeds: symbol -> its feed.
    """

    __slots__ = ("feeds",)

    def __init__(self) -> None:
        self.feeds: dict[str, SymbolFeed] = {}

    def plan(self, wants: Iterable[tuple[str, int, dict[int, int]]]) -> None:
        """Create the feeds from each strategy's ``(symbol, tick_history, {g: history})``,
        keeping the longest look-back per symbol and granularity."""
        ticks: dict[str, int] = {}
        series: dict[str, dict[int, int]] = {}
        for symbol, tick_history, candles in wants:
            ticks[symbol] = max(ticks.get(symbol, 0), tick_history)
            mine = series.setdefault(symbol, {})
            for g, keep in candles.items():
                mine[g] = max(mine.get(g, 0), keep)
        planned = {
            symbol: SymbolFeed(symbol, ticks[symbol], series[symbol])
            for symbol in ticks
            if ticks[symbol] or series[symbol]
        }
        self.feeds.clear()  # in place: the host and the replay loop hold this dict
        self.feeds.update(planned)

    def ticks(self, symbol: str) -> Sequence[Tick]:
        """The last ticks of ``symbol`` kept (empty if none are)."""
        feed = self.feeds.get(symbol)
        return tuple(feed.ticks) if feed is not None else ()

    def series(self, symbol: str, granularity: int) -> SeriesFeed | None:
        """The series of ``symbol`` at ``granularity``, if one is kept."""
        feed = self.feeds.get(symbol)
        return None if feed is None else feed.series.get(granularity)

    def wanted(self) -> dict[str, Any]:
        """What history the run needs: symbol -> ``{"ticks": n, "candles": {g: n}}``."""
        return {
            symbol: {
                "ticks": feed.ticks.maxlen or 0,
                "candles": {g: s.closed.maxlen for g, s in feed.series.items()},
            }
            for symbol, feed in self.feeds.items()
        }
