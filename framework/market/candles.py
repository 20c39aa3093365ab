"""Candles: Deriv's one rule for turning ticks into OHLC bars.

Deriv aligns a bar to its granularity: the bar of a tick at ``epoch`` opens at
``epoch - epoch % granularity`` (reference notes section 4.3, the ``ohlc`` stream's
``open_time``), so a 60-second bar always opens on a whole minute of the epoch, whatever
time the stream was opened. Its open is the first quote in the bar, its close the latest,
its high and low the extremes; a bar holds at least one tick (the server sends no bar for
a minute without ticks).

A bar *closes* when the first tick of a later bar arrives, never on the clock alone: that is
the moment the server's ``ohlc`` stream moves to the next ``open_time``, and the one moment a
replay and a live run can agree on. :class:`CandleBuilder` applies the rule one tick at a
time; the embedded simulator (``ticks_history`` candles, the ``ohlc`` stream), the replay
engine and the live runtime all build with it.

Live, a builder also takes the server's view of the forming bar (:meth:`CandleBuilder.merge`):
at start and after a reconnect the server's bar holds ticks this process never saw.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

from framework.deriv.models import Candle

from .errors import MarketError

__all__ = [
    "GRANULARITIES",
    "OFFERED",
    "CandleBuilder",
    "aggregate",
    "check_granularity",
    "open_time",
    "span",
]

GRANULARITIES: Final = (60, 120, 180, 300, 600, 900, 1800, 3600, 7200, 14400, 28800, 86400)
"""The granularities (seconds) Deriv's ``ticks_history`` offers."""

OFFERED: Final = ", ".join(str(g) for g in GRANULARITIES)
"""The granularities as a message lists them (``60, 120, ... 86400``)."""


def check_granularity(granularity: object) -> int:
    """Return ``granularity`` if Deriv offers it.

    Raises:
        MarketError: ``InvalidGranularity`` with the server's message, for any other value.
    """
    if type(granularity) is not int or granularity not in GRANULARITIES:
        raise MarketError("InvalidGranularity", "Granularity is not valid")
    return granularity


def open_time(epoch: int, granularity: int) -> int:
    """The open time of the bar that holds a tick at ``epoch``."""
    return epoch - epoch % granularity


class CandleBuilder:
    """Builds the bars of one symbol at one granularity, one tick at a time.

    Attributes:
        symbol: the symbol.
        granularity: seconds per bar.
        last_epoch: epoch of the latest tick in the forming bar (``-1`` before any).
    """

    __slots__ = (
        "_close",
        "_high",
        "_low",
        "_open",
        "_open_time",
        "granularity",
        "last_epoch",
        "symbol",
    )

    def __init__(self, symbol: str, granularity: int) -> None:
        """Create an empty builder.

        Raises:
            MarketError: ``InvalidGranularity``.
        """
        self.symbol = symbol
        self.granularity = check_granularity(granularity)
        self.last_epoch = -1
        self._open_time = -1
        self._open = self._high = self._low = self._close = 0.0

    @property
    def forming(self) -> Candle | None:
        """The bar being formed (``None`` before the first tick)."""
        if self._open_time < 0:
            return None
        return Candle(
            self._open_time,
            self._open,
            self._high,
            self._low,
            self._close,
            self.symbol,
            self.granularity,
        )

    @property
    def forming_open_time(self) -> int:
        """The forming bar's open time (``-1`` before the first tick)."""
        return self._open_time

    def add(self, epoch: int, quote: float) -> Candle | None:
        """Take one tick.

        A tick older than the latest one taken is ignored (a duplicate or a late repeat: the
        bars it belongs to are settled).

        Returns:
            The bar this tick closed, or ``None``.
        """
        if epoch <= self.last_epoch:
            return None
        self.last_epoch = epoch
        start = epoch - epoch % self.granularity
        if start == self._open_time:
            self._close = quote
            if quote > self._high:
                self._high = quote
            elif quote < self._low:
                self._low = quote
            return None
        closed = self.forming
        self._open_time = start
        self._open = self._high = self._low = self._close = quote
        return closed

    def merge(self, candle: Candle, last_epoch: int) -> Candle | None:
        """Take the server's view of a bar, which holds ticks up to ``last_epoch``.

        The server saw every tick; this builder may have missed some (before the process
        started, during a reconnect). The server's bar replaces the forming one when it is
        the same bar and at least as recent, and opens a new bar when it is later.

        Returns:
            The bar the server's one closed (the forming bar, when ``candle`` is later), or
            ``None``.
        """
        start = candle.epoch
        if start < self._open_time or (start == self._open_time and last_epoch < self.last_epoch):
            return None  # older news than what was built here
        closed = self.forming if start > self._open_time >= 0 else None
        self._open_time = start
        self._open, self._high, self._low, self._close = (
            candle.open,
            candle.high,
            candle.low,
            candle.close,
        )
        self.last_epoch = max(last_epoch, start)
        return closed


def span(bars: Iterable[Candle], epoch: int, granularity: int = 0) -> Candle | None:
    """The one bar that holds every tick of consecutive ``bars`` (oldest first).

    The rule above, taken over bars instead of ticks: the open of the first bar, the close of
    the last, the extremes of all. The bar is labelled with ``epoch`` and ``granularity``
    as given, because the range it covers is the caller's: the server labels a partial bar
    with the start of the range it was asked for.

    Returns:
        The bar, or ``None`` when ``bars`` is empty (no tick, no bar).
    """
    first: Candle | None = None
    high = low = close = 0.0
    for bar in bars:
        if first is None:
            first, high, low = bar, bar.high, bar.low
        else:
            high = max(high, bar.high)
            low = min(low, bar.low)
        close = bar.close
    if first is None:
        return None
    return Candle(epoch, first.open, high, low, close, first.symbol, granularity)


def aggregate(ticks: Iterable[tuple[int, float]], symbol: str, granularity: int) -> list[Candle]:
    """Every bar of ``(epoch, quote)`` ticks in epoch order, the last one possibly forming.

    Raises:
        MarketError: ``InvalidGranularity``.
    """
    builder = CandleBuilder(symbol, granularity)
    bars: list[Candle] = []
    for epoch, quote in ticks:
        closed = builder.add(epoch, quote)
        if closed is not None:
            bars.append(closed)
    last = builder.forming
    if last is not None:
        bars.append(last)
    return bars
