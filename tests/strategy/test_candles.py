"""The host's candle series: warm-up, dispatch order, the server's bars, indicators."""

from __future__ import annotations

import math
from typing import Any

import attrs
import pytest
from talipp.indicators import ATR, RSI, SMA

from framework.risk import RiskGate, RiskLimits
from framework.strategy import (
    Candle,
    CandleSeries,
    IntentError,
    MemoryStateStore,
    MemoryVenue,
    NoParams,
    Strategy,
    Tick,
)
from framework.strategy._host import StrategyFailed, StrategyHost, StrategySetup
from framework.strategy.series import merge_series


def ticks(n: int, start: int = 1_000, step: int = 2, symbol: str = "R_100") -> list[Tick]:
    return [Tick(symbol, start + step * i, 100 + math.sin(i / 3) * 5, 2) for i in range(n)]


class Recorder(Strategy[NoParams]):
    Params = NoParams
    candles = (CandleSeries(60, history=3), CandleSeries(120, history=2, forming=True))
    tick_history = 4

    def on_start(self) -> None:
        self.events: list[tuple[Any, ...]] = [
            ("start", len(self.ctx.candles(60)), len(self.ctx.candles(120)), len(self.ctx.ticks()))
        ]
        self.sma = self.ctx.indicator(SMA(2), granularity=60)

    def on_candle(self, candle: Candle) -> None:
        self.events.append(("candle", candle.granularity, candle.epoch, self.sma[-1]))

    def on_tick(self, tick: Tick) -> None:
        self.events.append(("tick", tick.epoch))

    def on_candle_update(self, candle: Candle) -> None:
        self.events.append(("forming", candle.granularity, candle.epoch))


def hosted(cls: type[Strategy[Any]], **setup: Any) -> tuple[StrategyHost, Any]:
    host = StrategyHost(RiskGate(RiskLimits()))
    slot = host.add(
        StrategySetup("s", cls, NoParams(), ("R_100",), **setup),
        venue=MemoryVenue(),
        state=MemoryStateStore(),
    )
    return host, slot


def test_history_is_there_at_start_and_bars_come_before_the_tick_that_closed_them() -> None:
    host, slot = hosted(Recorder)
    data = ticks(400)
    for tick in data[:300]:  # epochs 1000..1598
        host.warm_up(tick)
    host.start_all()
    strategy = slot.strategy
    assert strategy.events == [("start", 3, 2, 4)]
    assert [c.epoch for c in slot.ctx.candles(60)] == [1380, 1440, 1500]
    assert slot.ctx.ticks()[-1] == data[299]
    for tick in data[300:]:
        host.tick(tick)
    events = strategy.events
    at = events.index(("tick", 1680))
    # 1680 opens a minute and two minutes: the 60 s bar first, then the 120 s one, then the
    # tick, then the forming 120 s bar (the only series declared with forming updates).
    assert events[at - 3 : at + 2] == [
        ("forming", 120, 1560),
        ("candle", 60, 1620, events[at - 2][3]),
        ("candle", 120, 1560, events[at - 1][3]),
        ("tick", 1680),
        ("forming", 120, 1680),
    ]
    assert events[at - 1][3] == events[at - 2][3]  # the SMA is on the 60 s series
    # The indicator had the bar before the hook: SMA(2) of the last two closes.
    closes = [c.close for c in slot.ctx.candles(60)]
    last = [e for e in events if e[0] == "candle" and e[1] == 60][-1]
    assert last[3] == pytest.approx(sum(closes[-2:]) / 2)
    assert len(slot.ctx.candles(60)) == 3  # the look-back, not everything


def test_a_replay_never_gives_out_the_partial_first_bar() -> None:
    host, slot = hosted(Recorder)
    host.start_all()
    for tick in ticks(100, start=1_010):  # the first minute began before the first tick
        host.tick(tick)
    epochs = [e[2] for e in slot.strategy.events if e[0] == "candle" and e[1] == 60]
    assert epochs[0] == 1_020
    aligned, slot2 = hosted(Recorder)
    aligned.start_all()
    for tick in ticks(100, start=1_020):
        aligned.tick(tick)
    assert next(e[2] for e in slot2.strategy.events if e[0] == "candle" and e[1] == 60) == 1_020


def test_the_servers_bars_fill_a_gap_once_and_in_order() -> None:
    host, slot = hosted(Recorder)
    for tick in ticks(60):  # 1000..1118
        host.warm_up(tick)
    host.start_all()
    # The connection was lost after 1118; the server's history says what closed since.
    server = [Candle(e, 1.0, 2.0, 0.5, 1.5, "R_100", 60) for e in (1020, 1080, 1140, 1200)]
    host.server_candle(Candle(1260, 1.0, 1.0, 1.0, 1.0, "R_100", 60), 1261)
    assert host.server_history("R_100", 60, server) == 2  # 1140 and 1200: 1080 was closed
    assert host.server_history("R_100", 60, server) == 0  # nothing twice
    bars = [e[2] for e in slot.strategy.events if e[0] == "candle" and e[1] == 60]
    assert bars == [1080, 1140, 1200]  # 1080 closed by the server's 1260 bar, then the gap
    assert host.server_history("R_999", 60, server) == 0
    assert host.server_history("R_100", 300, server) == 0


def test_asking_for_an_undeclared_series_names_what_was_declared() -> None:
    _host, slot = hosted(Recorder)
    with pytest.raises(IntentError, match=r"no 300-second candle series of R_100.*60, 120"):
        slot.ctx.candles(300)
    with pytest.raises(IntentError, match="not one of the strategy's symbols"):
        slot.ctx.forming(60, "R_50")
    with pytest.raises(IntentError, match="input must be one of"):
        slot.ctx.indicator(RSI(3), granularity=60, input="median")
    with pytest.raises(IntentError, match="candle series only"):
        slot.ctx.indicator(RSI(3), input="high")
    with pytest.raises(IntentError, match="is not an indicator"):
        slot.ctx.indicator(object(), granularity=60)

    class Bare(Strategy[NoParams]):
        Params = NoParams

    _, bare = hosted(Bare)
    with pytest.raises(IntentError, match="no tick history was declared"):
        bare.ctx.ticks()
    two = StrategyHost(RiskGate(RiskLimits())).add(
        StrategySetup("two", Recorder, NoParams(), ("R_100", "R_50")),
        venue=MemoryVenue(),
        state=MemoryStateStore(),
    )
    with pytest.raises(IntentError, match="name the symbol"):
        two.ctx.candles(60)


def test_bar_indicators_get_bars_and_tick_indicators_get_quotes() -> None:
    class Both(Strategy[NoParams]):
        Params = NoParams
        candles = (CandleSeries(60, history=5),)

        def on_start(self) -> None:
            self.atr = self.ctx.indicator(ATR(2), granularity=60)
            self.quotes = self.ctx.indicator(SMA(1))

    host, slot = hosted(Both)
    host.start_all()
    for tick in ticks(200):
        host.tick(tick)
    bars = slot.ctx.candles(60)
    assert slot.strategy.atr[-1] is not None
    assert slot.strategy.quotes[-1] == pytest.approx(ticks(200)[-1].quote)
    assert len(bars) == 5


def test_a_restarted_strategy_attaches_fresh_indicators() -> None:
    class Flaky(Recorder):
        def on_candle(self, candle: Candle) -> None:
            raise RuntimeError("boom")

    host, slot = hosted(Flaky, on_error="restart")
    host.start_all()
    for tick in ticks(100):
        host.tick(tick)
    assert slot.restarts >= 1
    history = slot.ctx.history
    series = host.book.series("R_100", 60)
    assert history is not None and series is not None
    assert sum(len(t) for t in series.taps.values()) == 1  # only the live instance's


def test_declarations_merge_and_config_adds_to_the_class() -> None:
    merged = merge_series(
        (CandleSeries(60, history=10), CandleSeries(300)),
        (CandleSeries(60, history=30, forming=True), CandleSeries(60, symbols="R_50")),
    )
    assert merged == (
        CandleSeries(60, history=30, forming=True),
        CandleSeries(300),
        CandleSeries(60, symbols=("R_50",)),
    )
    setup = StrategySetup(
        "s", Recorder, NoParams(), ("R_100",), candles=(CandleSeries(300, history=1),)
    )
    assert [s.granularity for s in setup.candle_series()] == [60, 120, 300]
    assert attrs.evolve(setup, tick_history=10).look_back() == 10
    with pytest.raises(ValueError, match=r"must be one of 60, 120, 180.*got 61"):
        CandleSeries(61)
    with pytest.raises(ValueError, match="history must be a whole number"):
        CandleSeries(60, history=-1)


def test_a_declaration_that_raises_is_a_strategy_failure() -> None:
    class Broken(Strategy[NoParams]):
        Params = NoParams

        @classmethod
        def candle_series(cls, params: NoParams) -> tuple[CandleSeries, ...]:
            raise KeyError("granularity")

    with pytest.raises(StrategyFailed, match="cannot declare its history: KeyError"):
        hosted(Broken)
