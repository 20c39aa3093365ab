"""What candles cost a replay, next to the same replay without them, in the same run.

On the same seeded R_100 ticks already in memory (:class:`MemorySource`), one core:

* **(a) ticks only**, the reference: a strategy that declares no candles; its ticks take the
  engine's inlined path;
* **(b) one series**: the same strategy with 1-minute candles declared (every tick of the
  symbol goes through the host's feed and candle builder; ``on_candle`` per bar);
* **(c) candle strategy**: 1- and 5-minute series with 20 bars of history, a talipp RSI on
  the 1-minute bars, buying Rise/Fall on RSI extremes (2-minute contracts);
* **(d) the same candle strategy from a candle file**: the 1-minute bars of those ticks
  written to a CSV, read back and replayed as up to four ticks a bar (end to end: reading,
  checking and replaying), with the bars it delivered, which must be those of (c).

``python -m bench candles`` (``--quick``: 200k ticks instead of 1M).
"""

from __future__ import annotations

import os
import tempfile
import time
from typing import Any

from talipp.indicators import RSI

from framework.backtest import (
    Backtest,
    BacktestResult,
    BacktestSetup,
    MemorySource,
    StrategySetup,
    SyntheticSource,
    TickSource,
)
from framework.backtest.candlefiles import CandleSource, CandleWriter
from framework.market.candles import aggregate
from framework.strategy import Candle, CandleSeries, ContractTemplate, NoParams, Strategy, Tick

__all__ = ["main"]

SYMBOL = "R_100"
SEED = 42


class TicksOnly(Strategy[NoParams]):
    """(a) Counts ticks; declares no candles."""

    Params = NoParams

    def on_start(self) -> None:
        self.ticks = 0

    def on_tick(self, tick: Tick) -> None:
        self.ticks += 1


class OneSeries(TicksOnly):
    """(b) The same, with 1-minute bars declared and counted."""

    candles = (CandleSeries(60),)

    def on_start(self) -> None:
        super().on_start()
        self.bars = 0

    def on_candle(self, candle: Candle) -> None:
        self.bars += 1


class RsiTrader(Strategy[NoParams]):
    """(c), (d) RSI(14) on 1-minute bars beside a 5-minute series; trades its extremes."""

    Params = NoParams
    contract_types = ("CALL", "PUT")
    candles = (CandleSeries(60, history=20), CandleSeries(300, history=4))

    def on_start(self) -> None:
        self.rsi = self.ctx.indicator(RSI(14), granularity=60)
        self.minutes: list[Candle] = []

    def on_candle(self, candle: Candle) -> None:
        if candle.granularity != 60:
            return
        self.minutes.append(candle)
        value = self.rsi[-1]
        if value is not None and (value < 30 or value > 70):
            self.ctx.buy("CALL" if value < 30 else "PUT")


def _setup(cls: type[Strategy[Any]]) -> BacktestSetup:
    contract = ContractTemplate(duration=2, duration_unit="m")
    return BacktestSetup(
        (StrategySetup("bench", cls, NoParams(), (SYMBOL,), contract),), balance=1e9
    )


def _run(cls: type[Strategy[Any]], source: TickSource) -> tuple[BacktestResult, Any]:
    backtest = Backtest(_setup(cls))
    result = backtest.run(source)
    return result, backtest.host.slots["bench"].strategy


def _all(result: BacktestResult) -> float:
    """Ticks per second over the warm-up and the replay (both are the source's ticks)."""
    return (result.ticks + result.warmup_ticks) / result.elapsed if result.elapsed else 0.0


def _within(part: list[Candle], whole: list[Candle]) -> bool:
    """``part`` is a run of consecutive bars of ``whole`` (the warm-ups differ in length)."""
    if not part or part[0] not in whole:
        return False
    start = whole.index(part[0])
    return whole[start : start + len(part)] == part


def main(quick: bool = False) -> None:
    """Print ticks/s of each case, the overhead per tick over (a), and the file replay."""
    n = 200_000 if quick else 1_000_000
    ticks = [t for c in SyntheticSource(SYMBOL, n, seed=SEED).chunks() for t in c]
    memory = MemorySource(ticks, check=False)
    print(f"symbol {SYMBOL}, seed {SEED}, {n:,} ticks in memory")
    reference = None
    rows = (
        ("(a) ticks only (reference)", TicksOnly),
        ("(b) one 1-minute series", OneSeries),
        ("(c) candle strategy", RsiTrader),
    )
    traded = None
    for label, cls in rows:
        result, strategy = _run(cls, memory)
        rate = _all(result)
        per = 1e9 / rate
        reference = reference or per
        extra = ""
        if isinstance(strategy, RsiTrader):
            traded = strategy.minutes
            extra = (
                f", {len(strategy.minutes):,} bars, {result.metrics.trades:,} trades, "
                f"net {result.metrics.net:+,.2f}"
            )
        print(
            f"  {label:28s} {rate:>12,.0f} ticks/s {per:6.0f} ns/tick "
            f"(+{per - reference:5.0f} ns){extra}"
        )

    bars = aggregate(((t.epoch, t.quote) for t in ticks), SYMBOL, 60)[1:-1]
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "bars.csv")
        with CandleWriter(path) as writer:
            for bar in bars:
                writer.write(bar, ticks[0].pip_size)
        started = time.perf_counter()
        source = CandleSource([path])
        read = time.perf_counter() - started
        result, strategy = _run(RsiTrader, source)
    total = read + result.elapsed
    replayed = result.ticks + result.warmup_ticks
    same = _within(strategy.minutes, traded or [])
    print(f"  (d) the same from a candle file of its {len(bars):,} 1-minute bars:")
    print(
        f"      read and checked in {read:.2f} s, replayed as {replayed:,} ticks "
        f"({replayed / len(bars):.2f} a bar) at {_all(result):,.0f} ticks/s"
    )
    print(
        f"      {len(bars) / total:,.0f} bars/s end to end, {total:.2f} s in all; "
        f"{len(strategy.minutes):,} bars delivered, "
        f"{'the same as' if same else 'NOT the same as'} (c)'s; "
        f"{result.metrics.trades:,} trades, net {result.metrics.net:+,.2f} (entries and exits "
        "on made-up ticks)"
    )
    if not same:
        raise AssertionError("the candle file replay delivered other bars than its ticks")
