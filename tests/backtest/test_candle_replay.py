"""A replay delivers candles built from its ticks, after a warm-up that fills the history."""

from __future__ import annotations

from typing import Any

from talipp.indicators import RSI

from framework.backtest import (
    Backtest,
    BacktestSetup,
    MemorySource,
    StrategySetup,
    run_backtest,
)
from framework.backtest.sources import SyntheticSource
from framework.market.candles import aggregate
from framework.strategy import Candle, CandleSeries, NoParams, Strategy, Tick


class Bars(Strategy[NoParams]):
    Params = NoParams
    candles = (CandleSeries(60, history=5),)
    tick_history = 10

    def on_start(self) -> None:
        self.seen: list[Any] = [("start", self.ctx.now, len(self.ctx.candles(60)))]
        self.rsi = self.ctx.indicator(RSI(3), granularity=60)

    def on_candle(self, candle: Candle) -> None:
        self.seen.append(candle)
        if self.rsi[-1] is not None and self.rsi[-1] < 50:
            self.ctx.buy("CALL")

    def on_tick(self, tick: Tick) -> None:
        self.seen.append(tick.epoch)


def setup() -> BacktestSetup:
    return BacktestSetup(
        strategies=(StrategySetup("bars", Bars, NoParams(), ("R_100",)),),
    )


def test_candles_in_a_replay_are_the_aggregation_of_its_ticks_and_trade() -> None:
    source = SyntheticSource("R_100", 3000, seed=4, genesis=1_700_000_010)
    ticks = [tick for chunk in source.chunks() for tick in chunk]
    backtest = Backtest(setup())
    result = backtest.run(SyntheticSource("R_100", 3000, seed=4, genesis=1_700_000_010))
    strategy = backtest.host.slots["bars"].strategy
    assert isinstance(strategy, Bars)
    seen = strategy.seen
    assert result.ticks + result.warmup_ticks == len(ticks)
    assert result.metrics.trades > 0
    bars = aggregate(((t.epoch, t.quote) for t in ticks), "R_100", 60)
    # The first bar began before the first tick (never given out); the next five are the
    # warm-up's history; the last one is still forming at the end.
    start_epoch = ticks[result.warmup_ticks].epoch
    assert seen[0] == ("start", start_epoch, 5)
    assert bars[5].close_time <= start_epoch < bars[6].close_time
    delivered = [e for e in seen if isinstance(e, Candle)]
    assert delivered == bars[6:-1]
    # Each bar right before the tick that closed it: the first tick at or after its close.
    for bar in delivered:
        after = seen[seen.index(bar) + 1]
        assert after == next(t.epoch for t in ticks if t.epoch >= bar.close_time)


def test_a_source_shorter_than_the_look_back_tests_nothing_and_says_why() -> None:
    short = MemorySource([Tick("R_100", 1_000 + 2 * i, 100.0 + i, 2) for i in range(50)])
    result = run_backtest(setup(), short)
    assert result.ticks == 0
    why = result.untested()
    assert why is not None
    assert "ran out during the warm-up after 50 ticks" in why
    assert "R_100: " in why and "of 5 60-second candles" in why


def test_the_warm_up_can_end_at_a_given_epoch() -> None:
    ticks = [Tick("R_100", 1_000 + 2 * i, 100.0 + (i % 7), 2) for i in range(600)]
    result = run_backtest(setup(), MemorySource(ticks), warmup_until=1_400)
    assert result.warmup_ticks == 200
    assert result.first_epoch == 1_400
