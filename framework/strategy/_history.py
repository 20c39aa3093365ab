"""One strategy's view of the run's market history (what its context's accessors read).

A host internal: :class:`~framework.strategy._context.Context` delegates ``candles``,
``forming``, ``ticks`` and ``indicator`` here, so the context keeps to trading.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from framework.deriv.models import Candle, Tick
from framework.errors import TriobotError

from ._feeds import FeedBook, SeriesFeed, SymbolFeed
from .indicators import Tap
from .series import CandleSeries

__all__ = ["HistoryError", "StrategyHistory"]


class HistoryError(TriobotError, ValueError):
    """A history accessor named a series the strategy did not declare (the context turns
    it into its ``IntentError``)."""


class StrategyHistory:
    """The series one strategy declared, over the run's :class:`FeedBook`.

    Attributes:
        series: its candle series (code and config merged).
        tick_history: its tick look-back.
    """

    __slots__ = ("_book", "_owner", "_symbols", "series", "tick_history")

    def __init__(
        self,
        book: FeedBook,
        owner: object,
        symbols: tuple[str, ...],
        series: tuple[CandleSeries, ...],
        tick_history: int,
    ) -> None:
        self._book = book
        self._owner = owner
        self._symbols = symbols
        self.series = series
        self.tick_history = tick_history

    def wants(self) -> list[tuple[str, int, dict[int, int]]]:
        """Per symbol: ``(symbol, tick_history, {granularity: history})`` (for the plan)."""
        out = []
        for symbol in self._symbols:
            candles = {s.granularity: s.history for s in self.series if s.for_symbol(symbol)}
            out.append((symbol, self.tick_history, candles))
        return out

    def candle_granularities(self, symbol: str) -> tuple[int, ...]:
        """The granularities declared for ``symbol``."""
        return tuple(sorted({s.granularity for s in self.series if s.for_symbol(symbol)}))

    def forming_granularities(self, symbol: str) -> tuple[int, ...]:
        """The granularities declared with ``forming=True`` for ``symbol``."""
        found = {s.granularity for s in self.series if s.forming and s.for_symbol(symbol)}
        return tuple(sorted(found))

    # -- accessors -------------------------------------------------------------------------

    def _symbol(self, symbol: str | None) -> str:
        if symbol is None:
            if len(self._symbols) != 1:
                raise HistoryError(
                    f"name the symbol: the strategy trades {', '.join(self._symbols)}"
                )
            return self._symbols[0]
        if symbol not in self._symbols:
            raise HistoryError(
                f"{symbol!r} is not one of the strategy's symbols ({', '.join(self._symbols)})"
            )
        return symbol

    def _series(self, granularity: int, symbol: str | None) -> SeriesFeed:
        name = self._symbol(symbol)
        if granularity not in self.candle_granularities(name):
            declared = ", ".join(str(g) for g in self.candle_granularities(name)) or "none"
            raise HistoryError(
                f"no {granularity}-second candle series of {name} was declared "
                f"(declared: {declared}); add it to the strategy's candles"
            )
        found = self._book.series(name, granularity)
        assert found is not None, "the book was planned from the declarations"
        return found

    def candles(self, granularity: int, symbol: str | None = None) -> Sequence[Candle]:
        """See :meth:`~framework.strategy.StrategyContext.candles`."""
        return tuple(self._series(granularity, symbol).closed)

    def forming(self, granularity: int, symbol: str | None = None) -> Candle | None:
        """See :meth:`~framework.strategy.StrategyContext.forming`."""
        return self._series(granularity, symbol).builder.forming

    def ticks(self, symbol: str | None = None) -> Sequence[Tick]:
        """See :meth:`~framework.strategy.StrategyContext.ticks`."""
        name = self._symbol(symbol)
        if not self.tick_history:
            raise HistoryError("no tick history was declared (set tick_history)")
        return self._book.ticks(name)

    def indicator(
        self,
        indicator: Any,
        *,
        granularity: int | None = None,
        symbol: str | None = None,
        input: str = "close",
    ) -> Any:
        """See :meth:`~framework.strategy.StrategyContext.indicator`."""
        tap = Tap(indicator, candles=granularity is not None, input=input)
        if granularity is None:
            feed = self._book.feeds.get(self._symbol(symbol))
            if feed is None:  # a tick indicator needs no stored history: a bare feed
                name = self._symbol(symbol)
                feed = self._book.feeds[name] = SymbolFeed(name, 0, {})
            tap.feed_all(t[2] for t in feed.ticks)
            feed.tick_taps.setdefault(self._owner, []).append(tap)
        else:
            series = self._series(granularity, symbol)
            tap.feed_all(series.closed)
            series.taps.setdefault(self._owner, []).append(tap)
        return indicator

    def drop_indicators(self) -> None:
        """Forget every indicator this strategy attached (it is being restarted)."""
        for symbol in self._symbols:
            feed = self._book.feeds.get(symbol)
            if feed is not None:
                feed.drop_taps(self._owner)
