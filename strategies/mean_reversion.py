"""Mean reversion on a moving-average band: fade a price that leaves the band.

Per symbol the strategy keeps the mean and standard deviation of the last ``window``
quotes. When a quote closes above ``mean + width * std`` it buys PUT (a bet that the price
comes back), below ``mean - width * std`` it buys CALL. ``direction: breakout`` does the
opposite (follow the move out of the band).

The statistics are updated in O(1) per tick with a sliding-window Welford update over a
ring buffer (no sums of squares of large quotes, which lose precision on a 50,000-point
index). Quotes are centred on the symbol's first quote for the same reason.

On a driftless synthetic index there is no reversion to exploit: expect minus the house
margin per trade. The band logic is the reusable part.

Config::

    plugin: mean_reversion
    contract: {duration: 5, duration_unit: t}
    params: {window: 20, width: 2.0, direction: revert, cooldown: 5, max_open: 1}
"""

from __future__ import annotations

import math
from typing import Literal

import attrs
from attrs import validators as v

from framework.strategy import Strategy, Tick

__all__ = ["Band", "MeanReversion", "MeanReversionParams"]


@attrs.frozen
class MeanReversionParams:
    """Parameters of :class:`MeanReversion`.

    Attributes:
        window: quotes in the moving window (5-10000).
        width: band half-width in standard deviations (0.5-10).
        direction: ``revert`` (fade the move) or ``breakout`` (follow it).
        cooldown: ticks to wait after a trade.
        max_open: most of this strategy's contracts open at once.
    """

    window: int = attrs.field(default=20, validator=[v.ge(5), v.le(10_000)])
    width: float = attrs.field(default=2.0, validator=[v.ge(0.5), v.le(10.0)])
    direction: Literal["revert", "breakout"] = "revert"
    cooldown: int = attrs.field(default=5, validator=[v.ge(0), v.le(100_000)])
    max_open: int = attrs.field(default=1, validator=[v.ge(1), v.le(100)])


class Band:
    """Sliding-window mean and standard deviation, O(1) per value.

    Attributes:
        size: window length.
        count: values seen, up to ``size``.
        mean: mean of the window (centred values).
        m2: sum of squared deviations from the mean.
        origin: the value quotes are centred on.
        quiet_until: tick count before which the strategy does not trade this symbol.
    """

    __slots__ = ("_buf", "_pos", "count", "m2", "mean", "origin", "quiet_until", "size")

    def __init__(self, size: int, origin: float) -> None:
        self.size = size
        self._buf = [0.0] * size
        self._pos = 0
        self.origin = origin
        self.m2 = 0.0
        self.count = 0
        self.mean = 0.0
        self.quiet_until = 0

    def push(self, quote: float) -> None:
        """Add a quote, dropping the oldest once the window is full."""
        x = quote - self.origin
        pos = self._pos
        self._pos = pos + 1 if pos + 1 < self.size else 0
        if self.count < self.size:
            self.count += 1
            delta = x - self.mean
            self.mean += delta / self.count
            self.m2 += delta * (x - self.mean)
            self._buf[pos] = x
            return
        old = self._buf[pos]
        self._buf[pos] = x
        mean = self.mean
        new_mean = mean + (x - old) / self.size
        self.m2 += (x - old) * (x - new_mean + old - mean)
        self.mean = new_mean
        if self.m2 < 0.0:  # rounding can push a flat window a hair below zero
            self.m2 = 0.0

    @property
    def full(self) -> bool:
        """True once ``size`` values were seen."""
        return self.count == self.size

    @property
    def std(self) -> float:
        """Population standard deviation of the window."""
        return math.sqrt(self.m2 / self.count) if self.count else 0.0

    def bounds(self) -> tuple[float, float]:
        """Return ``(mean, std)`` in quote units."""
        return self.mean + self.origin, self.std


class MeanReversion(Strategy[MeanReversionParams]):
    """Buy PUT above the band and CALL below it (or the reverse for breakouts)."""

    Params = MeanReversionParams
    contract_types = ("CALL", "PUT")

    def on_start(self) -> None:
        p = self.params
        self._bands: dict[str, Band] = {}
        self._width2 = p.width * p.width
        above, below = ("PUT", "CALL") if p.direction == "revert" else ("CALL", "PUT")
        self._above, self._below = above, below
        self._gap = p.cooldown + 1
        self._seen = 0

    def on_tick(self, tick: Tick) -> None:
        self._seen += 1
        quote = tick.quote
        band = self._bands.get(tick.symbol)
        if band is None:
            band = self._bands[tick.symbol] = Band(self.params.window, quote)
        # Compare with the band *before* this quote joins it: the quote is the signal.
        # Squared distance against width^2 * variance: no square root per tick.
        size = band.size
        if band.count == size and self._seen >= band.quiet_until and band.m2 > 0.0:
            d = quote - band.origin - band.mean
            if d * d > self._width2 * band.m2 / size:
                self._trade(self._above if d > 0 else self._below, band, tick.symbol)
        band.push(quote)

    def _trade(self, kind: str, band: Band, symbol: str) -> None:
        if len(self.ctx.open_contracts) >= self.params.max_open:
            return
        if self.ctx.buy(kind, symbol=symbol) is not None:
            band.quiet_until = self._seen + self._gap
