"""Indicators on a strategy's series: talipp's incremental indicators, fed by the framework.

triobot computes no indicator itself. `talipp <https://github.com/nardew/talipp>`_ updates
each of its 60-odd indicators (SMA, EMA, RSI, BB, MACD, Stoch, ATR...) one value at a time,
in O(1) per value, which is what an event-driven strategy needs. The framework's part is the
plumbing: :meth:`~framework.strategy.StrategyContext.indicator` attaches an indicator to a
tick or candle series; it is fed the series' history at once (so it is warm from the first
hook) and then every new value *before* the hook that reports it runs, live and in a replay
alike::

    from talipp.indicators import BB, RSI

    def on_start(self) -> None:
        self.rsi = self.ctx.indicator(RSI(14), granularity=60)   # on 1-minute closes
        self.bands = self.ctx.indicator(BB(20, 2.0), granularity=60)

    def on_candle(self, candle: Candle) -> None:
        if self.rsi[-1] is not None and self.rsi[-1] < 30 and candle.close < self.bands[-1].lb:
            self.ctx.buy("CALL")

Indicators whose talipp type takes ``OHLCV`` values (ATR, Stoch, ADX, CCI...) get the whole
bar; the others get one number per bar, the close unless ``input`` names another
(:data:`INPUTS`). On a tick series every indicator gets the quote. Deriv publishes no volume:
volume-weighted indicators (OBV, VWAP, VWMA...) see ``None`` and are of no use here.

A long-running bot does not grow: the framework trims each indicator's stored values to
:data:`KEEP` (talipp's ``purge_oldest``), which never changes the values still to come.
A strategy that restarts after an error attaches its indicators afresh in ``on_start``.
"""

from __future__ import annotations

import typing
from collections.abc import Callable, Iterable
from typing import Any, Final

from talipp.ohlcv import OHLCV

from framework.deriv.models import Candle

__all__ = ["INPUTS", "KEEP", "Tap", "takes_bars"]

KEEP: Final = 1000
"""Output values kept per attached indicator (older ones are purged)."""

INPUTS: Final[dict[str, Callable[[Candle], float]]] = {
    "close": lambda c: c.close,
    "open": lambda c: c.open,
    "high": lambda c: c.high,
    "low": lambda c: c.low,
    "hl2": lambda c: (c.high + c.low) / 2,
    "hlc3": lambda c: (c.high + c.low + c.close) / 3,
    "ohlc4": lambda c: (c.open + c.high + c.low + c.close) / 4,
}
"""What one number per bar an indicator on floats may be fed."""

_BARS: dict[type, bool] = {}


def takes_bars(indicator: Any) -> bool:
    """The indicator's talipp type takes ``OHLCV`` bars rather than numbers."""
    kind = type(indicator)
    known = _BARS.get(kind)
    if known is None:
        try:
            hint = typing.get_type_hints(kind.__init__).get("input_values")
        except Exception:  # an indicator without usable hints: assume numbers
            hint = None
        known = _BARS[kind] = OHLCV in typing.get_args(hint)
    return known


def _bar(candle: Candle) -> OHLCV:
    return OHLCV(candle.open, candle.high, candle.low, candle.close, None, candle.epoch)


class Tap:
    """One attached indicator and how a series value becomes its input.

    Attributes:
        indicator: the talipp indicator.
    """

    __slots__ = ("_adds", "_convert", "indicator")

    def __init__(self, indicator: Any, *, candles: bool, input: str = "close") -> None:
        """Describe the feed.

        Args:
            indicator: a talipp indicator (anything with ``add``).
            candles: it is attached to a candle series (else to ticks).
            input: for a candle series and an indicator on numbers, the bar's value fed.

        Raises:
            ValueError: ``input`` is not one of :data:`INPUTS`, or is given for ticks.
        """
        if not callable(getattr(indicator, "add", None)):
            raise ValueError(f"{type(indicator).__name__} is not an indicator (it has no add())")
        if input not in INPUTS:
            raise ValueError(f"input must be one of {', '.join(INPUTS)}; got {input!r}")
        if not candles and input != "close":
            raise ValueError("input applies to candle series only: a tick series feeds quotes")
        self.indicator = indicator
        self._adds = 0
        self._convert: Callable[[Any], Any] | None
        if not candles:
            self._convert = None  # the quote itself
        elif takes_bars(indicator):
            self._convert = _bar
        else:
            self._convert = INPUTS[input]

    def feed(self, value: Any) -> None:
        """Add one value: a tick's quote (a float) or a closed :class:`Candle`."""
        convert = self._convert
        self.indicator.add(value if convert is None else convert(value))
        self._adds += 1
        if self._adds >= 2 * KEEP:
            self._trim()

    def feed_all(self, values: Iterable[Any]) -> None:
        """Add a history, oldest first."""
        for value in values:
            self.feed(value)

    def _trim(self) -> None:
        self._adds = KEEP
        extra = len(self.indicator) - KEEP
        if extra > 0:
            self.indicator.purge_oldest(extra)
