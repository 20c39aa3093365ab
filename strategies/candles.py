"""RSI with Bollinger bands on candles: fade a bar that closes stretched, with Rise/Fall.

A candle strategy: it never looks at ticks. It declares one candle series (1-minute bars by
default) and, per symbol it trades, attaches two talipp indicators to it with
``ctx.indicator``: the relative strength index of the closes (``RSI(rsi)``) and Bollinger
bands around their moving average (``BB(bands, width)``). The framework fills the series'
history before ``on_start`` (live from the server's ``ticks_history``, in a replay from the
first ticks of the source), feeds both indicators that history at once, and then every
closed bar right before ``on_candle`` reports it. When a bar closes

* oversold: RSI below ``oversold`` **and** the close under the lower band: buy Rise (CALL),
  a bet that the stretch reverts;
* overbought: RSI above ``overbought`` **and** the close over the upper band: buy Fall (PUT).

Then it lets ``cooldown`` bars of that symbol close before it trades the symbol again, and
holds at most ``max_open`` contracts. The contract's length comes from the config
(``contract: {duration: 5, duration_unit: m}``: a few bars).

On a synthetic index (a driftless random walk) nothing reverts: expect minus the house margin
per trade. The plumbing is the reusable part: declared series, warm indicators from the
first hook, decisions on closed bars only, identical live and in a replay.

Config::

    plugin: candles
    contract: {duration: 5, duration_unit: m}
    params: {granularity: 60, rsi: 14, oversold: 30, overbought: 70, bands: 20, width: 2.0}

Per closed bar the work is two O(1) indicator updates (done by the framework before the
hook) and a comparison; per tick, nothing.
"""

from __future__ import annotations

from typing import Any

import attrs
from attrs import validators as v
from talipp.indicators import BB, RSI

from framework.strategy import Candle, CandleSeries, Strategy, valid_granularity

__all__ = ["RsiBands", "RsiBandsParams"]


@attrs.frozen
class RsiBandsParams:
    """Parameters of :class:`RsiBands`.

    Attributes:
        granularity: seconds per bar of the series it trades on (one of Deriv's, 60 ...
            86400).
        rsi: bars of the relative strength index (2-200).
        oversold: the RSI under which a bar is oversold (1-49).
        overbought: the RSI over which a bar is overbought (51-99).
        bands: bars of the Bollinger bands' moving average (2-500).
        width: the bands' half-width in standard deviations (0.5-5).
        cooldown: bars of a symbol to let close after a trade on it (0-10000).
        max_open: most of this strategy's contracts open at once (1-100).
    """

    granularity: int = attrs.field(default=60, validator=valid_granularity)
    rsi: int = attrs.field(default=14, validator=[v.ge(2), v.le(200)])
    oversold: float = attrs.field(default=30.0, validator=[v.ge(1), v.le(49)])
    overbought: float = attrs.field(default=70.0, validator=[v.ge(51), v.le(99)])
    bands: int = attrs.field(default=20, validator=[v.ge(2), v.le(500)])
    width: float = attrs.field(default=2.0, validator=[v.ge(0.5), v.le(5.0)])
    cooldown: int = attrs.field(default=0, validator=[v.ge(0), v.le(10_000)])
    max_open: int = attrs.field(default=1, validator=[v.ge(1), v.le(100)])

    @property
    def look_back(self) -> int:
        """Closed bars both indicators need before their first value: the RSI compares
        ``rsi`` changes (``rsi + 1`` closes), the bands average ``bands`` closes."""
        return max(self.rsi + 1, self.bands)


class RsiBands(Strategy[RsiBandsParams]):
    """Fade candles that close stretched: RSI and Bollinger bands, Rise/Fall.

    A bar that closes oversold under the lower band buys Rise (CALL), one that closes
    overbought over the upper band buys Fall (PUT); the indicators are talipp's, on the
    strategy's candle series.
    """

    Params = RsiBandsParams
    contract_types = ("CALL", "PUT")

    @classmethod
    def candle_series(cls, params: RsiBandsParams) -> tuple[CandleSeries, ...]:
        """One series at ``params.granularity``, with enough history for warm indicators."""
        return (CandleSeries(params.granularity, history=params.look_back),)

    def on_start(self) -> None:
        p = self.params
        # Attached here, they are fed the declared history at once: warm from the first bar.
        self._rsi: dict[str, Any] = {}
        self._bands: dict[str, Any] = {}
        for symbol in self.ctx.symbols:
            self._rsi[symbol] = self.ctx.indicator(
                RSI(p.rsi), granularity=p.granularity, symbol=symbol
            )
            self._bands[symbol] = self.ctx.indicator(
                BB(p.bands, p.width), granularity=p.granularity, symbol=symbol
            )
        self._quiet: dict[str, int] = {}

    def on_candle(self, candle: Candle) -> None:
        symbol = candle.symbol
        quiet = self._quiet.get(symbol, 0)
        if quiet:
            self._quiet[symbol] = quiet - 1
            return
        # The indicators already hold this bar: the framework feeds them before the hook.
        rsi, bands = self._rsi[symbol][-1], self._bands[symbol][-1]
        if rsi is None or bands is None:
            return  # not warm: the source had less history than declared
        p = self.params
        if rsi < p.oversold and candle.close < bands.lb:
            self._trade("CALL", symbol)
        elif rsi > p.overbought and candle.close > bands.ub:
            self._trade("PUT", symbol)

    def _trade(self, kind: str, symbol: str) -> None:
        if len(self.ctx.open_contracts) >= self.params.max_open:
            return
        if self.ctx.buy(kind, symbol=symbol) is not None:
            self._quiet[symbol] = self.params.cooldown
