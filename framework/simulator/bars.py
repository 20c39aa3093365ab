"""The 60-second bars of one symbol, kept far beyond the tick history at a few bytes a bar.

``ticks_history`` candles reach much further back than the ticks a feed keeps: a strategy
that warms up on 50 one-hour bars needs two days of market, the tick history holds one.
Every granularity Deriv offers is a whole number of minutes and every bar opens on a whole
minute, so each bar is exactly the :func:`~framework.market.candles.span` of the 60-second
bars inside it: keeping the minute bars is enough to answer any granularity, and a minute
bar costs 40 bytes where its ticks cost a kilobyte.

Bars come from two places:

* **since genesis**, the feed's own ticks, through a
  :class:`~framework.market.candles.CandleBuilder` as they are generated;
* **before genesis**, a market that never ran live: its ticks are drawn on demand by
  :func:`~framework.market.ticks.walk_back` (the model's time reversal walked back from the
  genesis quote, so that the past reads forwards as the model itself: a Boom's past still
  spikes up, a Daily Reset index's days still start at their reset), turned into bars a day
  at a time and dropped. The same seed and genesis give the same past, however it was asked
  for. A market that closes has no bars of its closed hours (their ticks are dropped before
  they become bars).

Memory is bounded by ``max_seconds`` of bars (:data:`DEFAULT_BAR_HISTORY_SECONDS`, sixty days:
86,400 bars, about 3.5 MB, only for a symbol someone asked that far back for); the oldest
bars are dropped as new ones close.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from typing import Final

from framework.deriv.models import Candle
from framework.market.candles import CandleBuilder
from framework.market.symbols import SymbolSpec
from framework.market.ticks import PastWalk, walk_back

__all__ = ["DEFAULT_BAR_HISTORY_SECONDS", "MINUTE", "MinuteBars"]

MINUTE: Final = 60
"""Seconds in the finest bar Deriv offers, of which every other granularity is a multiple."""

#: How far back bars are kept (sixty days: 50 daily bars and their forming one fit).
DEFAULT_BAR_HISTORY_SECONDS: Final = 60 * 86_400

#: The past is drawn a day at a time (a day of 1-second ticks is 86,400 floats at once).
_PAST_CHUNK: Final = 86_400


class MinuteBars:
    """The minute bars of one symbol, oldest first, the last one possibly forming.

    Attributes:
        spec: the symbol.
        max_seconds: how far back from the latest tick bars are kept.
    """

    def __init__(
        self, spec: SymbolSpec, *, seed: int | str, genesis: int, max_seconds: int
    ) -> None:
        """Create the bars of a feed that starts at ``genesis``.

        Args:
            spec: the symbol.
            seed: the run seed (the past draws on a seed derived from it).
            genesis: the feed's genesis epoch (its first tick follows it).
            max_seconds: how far back to keep bars.
        """
        self.spec = spec
        self.max_seconds = max_seconds
        self._seed = seed
        self._builder = CandleBuilder(spec.symbol, MINUTE)
        self._epochs = array("q")
        self._ohlc = array("d")  # four values a bar
        # The past ends on the minute that holds genesis, so no bar mixes the two markets.
        self._past_end = genesis - genesis % MINUTE
        self._oldest = self._past_end  # the past is drawn back to here so far
        self._past: PastWalk | None = None
        self._full = False  # bars were dropped: the past is out of reach for good

    # -- since genesis -------------------------------------------------------------------

    def add(self, epoch: int, quote: float) -> None:
        """Take the feed's next tick."""
        closed = self._builder.add(epoch, quote)
        if closed is not None:
            self._epochs.append(closed.epoch)
            self._ohlc.extend((closed.open, closed.high, closed.low, closed.close))
            self._trim()

    def _trim(self) -> None:
        # Drop in blocks of a day, so trimming costs nothing per bar.
        keep = max(1, self.max_seconds // MINUTE)
        excess = len(self._epochs) - keep
        if excess >= 1440:
            del self._epochs[:excess]
            del self._ohlc[: 4 * excess]
            self._oldest = self._epochs[0]
            self._full = True

    # -- before genesis ------------------------------------------------------------------

    def reach(self, epoch: int) -> None:
        """Make sure bars go back to ``epoch`` (as far as ``max_seconds`` allows)."""
        if self._full:
            return
        latest = max(self._builder.last_epoch, self._past_end)
        target = max(epoch, latest - self.max_seconds)
        target -= target % MINUTE
        while self._oldest > target:
            self._draw_past(min(_PAST_CHUNK, self._oldest - target))

    def _draw_past(self, seconds: int) -> None:
        spec = self.spec
        interval = spec.tick_interval
        if self._past is None:
            self._past = walk_back(spec, self._seed, self._past_end)
        # Whole minutes, so the chunk's bars are complete; whole ticks, so none is shared.
        step = MINUTE * interval
        seconds = -(-seconds // step) * step
        count = seconds // interval
        quotes = self._past.quotes(count)  # walking back: the k-th is k ticks earlier
        quotes.reverse()
        first = self._oldest - seconds
        builder = CandleBuilder(spec.symbol, MINUTE)
        epochs = array("q")
        ohlc = array("d")
        pairs = [(first + i * interval, q) for i, q in enumerate(quotes)]
        if spec.hours is not None:
            # A market that closes had no ticks, hence no bars, while it was closed.
            pairs = [(e, q) for e, q in pairs if spec.hours.is_open(e)]
        bars = [builder.add(e, q) for e, q in pairs]
        bars.append(builder.forming)
        for bar in bars:
            if bar is not None:
                epochs.append(bar.epoch)
                ohlc.extend((bar.open, bar.high, bar.low, bar.close))
        self._epochs = epochs + self._epochs
        self._ohlc = ohlc + self._ohlc
        self._oldest = first

    # -- reading -------------------------------------------------------------------------

    @property
    def oldest(self) -> int:
        """The open time of the oldest bar kept or drawable now."""
        return self._oldest

    @property
    def forming(self) -> Candle | None:
        """The minute bar of the latest tick (``None`` before any)."""
        return self._builder.forming

    def between(self, lo: int, hi: int) -> list[Candle]:
        """The bars that open in ``[lo, hi)``, oldest first, the forming one included."""
        self.reach(lo)
        epochs, ohlc, symbol = self._epochs, self._ohlc, self.spec.symbol
        out = []
        for i in range(bisect_left(epochs, lo), bisect_left(epochs, hi)):
            j = 4 * i
            out.append(
                Candle(epochs[i], ohlc[j], ohlc[j + 1], ohlc[j + 2], ohlc[j + 3], symbol, MINUTE)
            )
        forming = self._builder.forming
        if forming is not None and lo <= forming.epoch < hi:
            out.append(forming)
        return out

    def __len__(self) -> int:
        """How many bars are kept (the forming one included)."""
        return len(self._epochs) + (self._builder.forming is not None)
