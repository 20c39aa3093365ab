"""What market history a strategy declares: candle series and a tick look-back.

A strategy that works on bars says which ones, in code::

    class RsiBands(Strategy[Params]):
        candles = (CandleSeries(60, history=50),)   # 1-minute bars, 50 before the first hook

        def on_candle(self, candle: Candle) -> None:
            ...

or per parameters (:meth:`~framework.strategy.Strategy.candle_series`), or in its config
(``candles: [60]`` or ``candles: [{granularity: 300, history: 20, forming: true}]``). The
runtime and the replay engine then deliver ``on_candle`` when a bar of a traded symbol
closes, keep the last ``history`` closed bars for :meth:`StrategyContext.candles`, and, before
the strategy's first hook, fill that history (live: from the server's ``ticks_history``; in a
replay: from the first ticks of the source, which are then not traded on).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import attrs

from framework.market.candles import GRANULARITIES, OFFERED, check_granularity
from framework.market.errors import MarketError

__all__ = ["GRANULARITIES", "CandleSeries", "merge_series", "valid_granularity"]


def valid_granularity(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """An attrs validator: ``value`` is one of :data:`GRANULARITIES`.

    For a strategy's own parameters too, so that a bad granularity reads the same wherever
    it is given (a config names the field before the message).

    Raises:
        ValueError: naming the granularities Deriv offers.
    """
    try:
        check_granularity(value)
    except MarketError:
        raise ValueError(f"must be one of {OFFERED} (seconds per bar), got {value!r}") from None


def _non_negative(_: object, attribute: attrs.Attribute[int], value: int) -> None:
    if type(value) is not int or value < 0:
        raise ValueError(f"{attribute.name} must be a whole number >= 0, got {value!r}")


def _symbols(value: Iterable[str] | str) -> tuple[str, ...]:
    return (value,) if isinstance(value, str) else tuple(value)


@attrs.frozen
class CandleSeries:
    """One candle series a strategy wants.

    Attributes:
        granularity: seconds per bar, one of :data:`GRANULARITIES` (60 ... 86400).
        history: closed bars to have before the first hook, and to keep for
            :meth:`~framework.strategy.StrategyContext.candles` (the look-back).
        forming: also deliver the forming bar after every tick
            (:meth:`~framework.strategy.Strategy.on_candle_update`).
        symbols: the symbols to build it for; empty: every symbol the strategy trades.
    """

    granularity: int = attrs.field(validator=valid_granularity)
    history: int = attrs.field(default=0, validator=_non_negative)
    forming: bool = False
    symbols: tuple[str, ...] = attrs.field(default=(), converter=_symbols)

    def for_symbol(self, symbol: str) -> bool:
        """This series is built for ``symbol``."""
        return not self.symbols or symbol in self.symbols


def merge_series(*groups: Iterable[CandleSeries]) -> tuple[CandleSeries, ...]:
    """One series per (granularity, symbols), in first-seen order: the longest history wins,
    and forming updates are delivered if any declaration asks for them.

    Used to combine what a strategy's code declares with what its config adds.
    """
    merged: dict[tuple[int, tuple[str, ...]], CandleSeries] = {}
    for group in groups:
        for series in group:
            key = (series.granularity, series.symbols)
            seen = merged.get(key)
            if seen is None:
                merged[key] = series
            else:
                merged[key] = attrs.evolve(
                    seen,
                    history=max(seen.history, series.history),
                    forming=seen.forming or series.forming,
                )
    return tuple(merged.values())
