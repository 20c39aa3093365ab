"""Ticks only while the market is open: one rule for the simulator's feed and the replay.

:class:`OpenTicks` wraps a :class:`~framework.market.ticks.TickGenerator`. The generator
runs on its fixed grid (a tick every ``tick_interval`` from the start epoch) whether the
market is open or not, and only the ticks that fall inside the symbol's
:class:`~framework.market.hours.MarketHours` are seen. So:

* the tick at an epoch depends only on ``(seed, start, symbol)``, never on how the stream
  was read (chunking, catching up after a pause, a replay against a live feed);
* the quote moves on while the market is closed and the first tick after the reopening
  shows the whole move at once: a weekend gap with the variance of the closed hours (an
  assumption; real weekend gaps of the major pairs are often smaller).

A symbol without hours (every synthetic index) sees every tick, through the generator's
own fast path.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .ticks import TickGenerator

if TYPE_CHECKING:
    from .hours import MarketHours
    from .symbols import SymbolSpec

__all__ = ["OpenTicks"]


class OpenTicks:
    """The ticks of one symbol that its market hours let through.

    Attributes:
        spec: the symbol.
        hours: its hours (``None``: always open).
        epoch: epoch of the last tick generated, seen or not (the start epoch before any).
        quote: quote of the last tick seen (the start quote before any).
        last_epoch: epoch of the last tick seen (the start epoch before any).
    """

    __slots__ = ("_gen", "hours", "last_epoch", "quote", "spec")

    def __init__(
        self,
        spec: SymbolSpec,
        seed: int | str,
        start_epoch: int,
        start_quote: float | None = None,
    ) -> None:
        """Create the stream; the arguments are the generator's.

        Args:
            spec: the symbol.
            seed: the run seed.
            start_epoch: epoch of the (not emitted) starting tick.
            start_quote: quote of the starting tick; defaults to ``spec.start_quote``.
        """
        self.spec = spec
        self.hours: MarketHours | None = spec.hours
        self._gen = TickGenerator(spec, seed, start_epoch, start_quote)
        self.quote = self._gen.quote
        self.last_epoch = start_epoch

    @property
    def epoch(self) -> int:
        """Epoch of the last tick generated (seen or not)."""
        return self._gen.epoch

    def is_open(self, epoch: float) -> bool:
        """Tell whether the market trades at ``epoch``."""
        return self.hours is None or self.hours.is_open(epoch)

    def next_epoch(self) -> int:
        """Epoch of the next tick that will be seen."""
        interval = self.spec.tick_interval
        after = self._gen.epoch + interval
        if self.hours is None:
            return after
        opened = self.hours.next_open(after)
        # The first grid epoch at or after the opening.
        return after + -(-(opened - after) // interval) * interval

    def until(self, epoch: float) -> tuple[list[int], list[float]]:
        """Generate every tick due at or before ``epoch``; return the ones seen.

        Returns:
            ``(epochs, quotes)`` of the ticks seen, oldest first.
        """
        interval = self.spec.tick_interval
        start = self._gen.epoch
        due = int((epoch - start) // interval)
        if due <= 0:
            return [], []
        return self._take(start, due)

    def take(self, n: int) -> tuple[list[int], list[float]]:
        """Generate ticks until ``n`` have been seen (or ``n`` ticks without hours).

        Returns:
            ``(epochs, quotes)`` of the ``n`` ticks seen, oldest first.
        """
        interval = self.spec.tick_interval
        if self.hours is None:
            return self._take(self._gen.epoch, n)
        hours = self.hours
        epochs: list[int] = []
        quotes: list[float] = []
        while len(quotes) < n:
            first = self.next_epoch()
            # The ticks of the session ``first`` opens, as many as are still wanted.
            in_session = (hours.next_close(first) - 1 - first) // interval + 1
            want = min(n - len(quotes), in_session)
            more_e, more_q = self.until(first + (want - 1) * interval)
            epochs += more_e
            quotes += more_q
        return epochs, quotes

    def _take(self, start: int, count: int) -> tuple[list[int], list[float]]:
        interval = self.spec.tick_interval
        quotes = self._gen.quotes(count)
        hours = self.hours
        if hours is None:
            epochs = list(range(start + interval, start + (count + 1) * interval, interval))
        else:
            end = start + count * interval
            epochs = []
            kept: list[float] = []
            for lo, hi in hours.intervals(start + interval, end + 1):
                # Grid indexes k (epoch start + (k + 1) * interval) inside [lo, hi).
                first = -(-(lo - start) // interval) - 1
                last = -(-(hi - start) // interval) - 1  # exclusive
                epochs += range(
                    start + (first + 1) * interval, start + (last + 1) * interval, interval
                )
                kept += quotes[first:last]
            quotes = kept
        if quotes:
            self.quote = quotes[-1]
            self.last_epoch = epochs[-1]
        return epochs, quotes
