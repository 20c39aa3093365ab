"""The candle strategy (RSI with Bollinger bands): bars and indicators through the host.

The strategy is driven the way a plugin author tests one: ``make_host`` and its bars or
ticks, which reach the strategy through the strategy host, exactly as live and in a replay.
Its decisions are compared with talipp's own indicators computed on the same closes, so a
bar fed late (after the hook) or a history not given to the indicators would show.
"""

from __future__ import annotations

import math
import random

import attrs
import pytest
from talipp.indicators import BB, RSI

from framework.config import ConfigError, parse_config
from framework.risk import RiskGate, RiskLimits
from framework.strategy import (
    Candle,
    CandleSeries,
    HostedStrategy,
    MemoryVenue,
    Tick,
    make_host,
)
from strategies.candles import RsiBands, RsiBandsParams


def walk(n: int, seed: int, start: int = 60_000, g: int = 60) -> list[Candle]:
    """``n`` bars of a random walk with fat moves now and then (so both signals occur)."""
    rng = random.Random(seed)
    close, bars = 1000.0, []
    for i in range(n):
        open_ = close
        step = rng.gauss(0, 1.0) * (4.0 if rng.random() < 0.08 else 1.0)
        close = round(open_ + step, 2)
        high, low = max(open_, close) + 0.3, min(open_, close) - 0.3
        bars.append(Candle(start + g * i, open_, high, low, close, "R_100", g))
    return bars


def expected(bars: list[Candle], params: RsiBandsParams, warm: int) -> list[tuple[int, str]]:
    """The trades talipp's indicators call for on the bars after the first ``warm`` (every
    contract settled at once, so that ``max_open`` never holds one back)."""
    rsi, bands = RSI(params.rsi), BB(params.bands, params.width)
    out: list[tuple[int, str]] = []
    quiet = 0
    for i, bar in enumerate(bars):
        rsi.add(bar.close)
        bands.add(bar.close)
        if i < warm:
            continue
        if quiet:
            quiet -= 1
            continue
        r, b = rsi[-1], bands[-1]
        if r is None or b is None:
            continue
        kind = None
        if r < params.oversold and bar.close < b.lb:
            kind = "CALL"
        elif r > params.overbought and bar.close > b.ub:
            kind = "PUT"
        if kind is not None:
            out.append((i, kind))
            quiet = params.cooldown
    return out


def deliver(host: HostedStrategy, venue: MemoryVenue, bars: list[Candle], first: int
            ) -> list[tuple[int, str]]:  # fmt: skip
    """Give the bars one at a time after the start; settle every contract at once."""
    out: list[tuple[int, str]] = []
    for i, bar in enumerate(bars[first:], start=first):
        venue.now = bar.close_time
        before = len(venue.intents)
        assert host.bars([bar]) == 1
        for intent in venue.intents[before:]:
            out.append((i, intent.contract_type))
            host.contract_closed(venue.settle(intent, won=False))
    return out


@pytest.mark.parametrize("cooldown", [0, 3])
def test_it_trades_the_bars_talipps_indicators_call_for(cooldown: int) -> None:
    params = RsiBandsParams(cooldown=cooldown)
    bars = walk(1500, seed=11)
    venue = MemoryVenue(balance=1e6)
    host = make_host(RsiBands, params, venue)
    warm = params.look_back
    assert host.bars(bars[:warm]) == warm  # the history, before the start
    host.start()
    assert len(host.ctx.candles(60)) == warm
    trades = deliver(host, venue, bars, warm)
    assert trades == expected(bars, params, warm)
    assert {kind for _, kind in trades} == {"CALL", "PUT"}  # both signals were exercised


def test_indicators_are_warm_at_the_first_bar_after_the_history() -> None:
    params = RsiBandsParams()
    bars = walk(200, seed=3)
    venue = MemoryVenue()
    host = make_host(RsiBands, params, venue)
    host.bars(bars[: params.look_back])
    host.start()
    strategy = host.strategy
    assert isinstance(strategy, RsiBands)
    rsi, bands = strategy._rsi["R_100"], strategy._bands["R_100"]
    assert rsi[-1] is not None and bands[-1] is not None  # warm before any live bar
    oracle = RSI(params.rsi, input_values=[b.close for b in bars[: params.look_back + 1]])
    host.bars(bars[params.look_back : params.look_back + 1])
    assert rsi[-1] == pytest.approx(oracle[-1])  # the bar was in it before on_candle ran


def test_without_history_it_waits_until_its_indicators_are_warm() -> None:
    params = RsiBandsParams(rsi=5, bands=5, oversold=49, overbought=51, width=0.5)
    bars = walk(60, seed=5)
    venue = MemoryVenue(balance=1e6)
    host = make_host(RsiBands, params, venue)
    host.start()  # no history at all: the first bars only warm the indicators up
    trades = deliver(host, venue, bars, 0)
    assert trades == expected(bars, params, 0)
    assert trades and trades[0][0] >= params.look_back - 1


def test_max_open_holds_back_a_second_contract() -> None:
    params = RsiBandsParams(max_open=1)
    bars = walk(1500, seed=11)
    venue = MemoryVenue(balance=1e6)
    host = make_host(RsiBands, params, venue)
    host.bars(bars[: params.look_back])
    host.start()
    for bar in bars[params.look_back :]:
        venue.now = bar.close_time
        host.bars([bar])
    assert len(venue.intents) == 1  # never settled: every later signal is held back


def test_a_refused_trade_starts_no_cooldown() -> None:
    params = RsiBandsParams(cooldown=50)
    bars = walk(1500, seed=11)
    venue = MemoryVenue(balance=1e6)
    host = make_host(RsiBands, params, venue, gate=RiskGate(RiskLimits(max_trades=1)))
    host.bars(bars[: params.look_back])
    host.start()
    deliver(host, venue, bars, params.look_back)
    assert len(venue.intents) == 1
    # Every later signal was refused by the gate, none skipped by a cooldown: the refusals
    # are the signals talipp's indicators call for after the first trade (none is quiet).
    signals = expected(bars, attrs.evolve(params, cooldown=0), params.look_back)
    first = signals[0][0]
    after = [i for i, _ in signals if i > first + params.cooldown]
    assert sum(host.ctx.refusals.values()) == len(after) > 0


def test_from_ticks_it_decides_on_the_tick_that_closes_a_bar() -> None:
    """Ticks in: the host builds the 1-minute bars, warm-up first (not traded on)."""
    params = RsiBandsParams(rsi=5, bands=10, oversold=40, overbought=60, width=1.0)
    rng = random.Random(2)
    quote, ticks = 1000.0, []
    for n in range(6000):
        quote = round(quote * math.exp(rng.gauss(0, 0.0008)), 2)
        ticks.append(Tick("R_100", 60_000 + 2 * n, quote, 2))
    venue = MemoryVenue(balance=1e6)
    host = make_host(RsiBands, params, venue)
    warm = 60 * params.look_back // 2 + 30  # enough 2-second ticks for the history
    host.warm_up(ticks[:warm])
    host.start()
    assert len(host.ctx.candles(60)) == params.look_back
    for tick in ticks[warm:]:
        venue.now = tick.epoch
        host.tick(tick)
        for intent in list(venue.open.values()):
            host.contract_closed(venue.settle(intent, won=True))
    assert venue.intents
    for intent in venue.intents:
        assert intent.created_epoch % 60 < 2  # the first tick of a minute closed the bar
        assert intent.created_epoch > ticks[warm - 1].epoch


def test_a_restarted_instance_is_warm_again() -> None:
    params = RsiBandsParams()
    bars = walk(100, seed=8)
    venue = MemoryVenue()
    host = make_host(RsiBands, params, venue)
    host.bars(bars[: params.look_back])
    host.start()
    host.bars(bars[params.look_back : params.look_back + 5])
    old = host.strategy
    assert isinstance(old, RsiBands)
    host.restart()
    new = host.strategy
    assert isinstance(new, RsiBands) and new is not old
    # The new instance's indicators were fed the kept history (the last 20 bars) at once:
    # the bands, which look back 20 bars, agree with the old instance's; the RSI is warm.
    assert new._bands["R_100"][-1] == pytest.approx(old._bands["R_100"][-1])
    assert new._rsi["R_100"][-1] is not None
    old_len, new_len = len(old._bands["R_100"]), len(new._bands["R_100"])
    host.bars(bars[params.look_back + 5 : params.look_back + 6])
    assert len(old._bands["R_100"]) == old_len  # the old instance's are dropped
    assert len(new._bands["R_100"]) == new_len + 1


def test_it_declares_one_series_sized_for_its_indicators() -> None:
    assert RsiBands.candle_series(RsiBandsParams()) == (CandleSeries(60, history=20),)
    assert RsiBands.candle_series(RsiBandsParams(granularity=300, rsi=30, bands=10)) == (
        CandleSeries(300, history=31),
    )


def test_its_parameters_are_checked_with_file_and_line() -> None:
    text = """
strategies:
  - name: rb
    plugin: candles
    symbols: [R_100]
    stake: {scheme: fixed, amount: 1}
    contract: {duration: 5, duration_unit: m}
    params:
      granularity: 90
      oversold: 60
      width: 9
"""
    with pytest.raises(ConfigError) as info:
        parse_config(text, source="rb.yaml")
    message = str(info.value)
    assert (
        "strategies[0].params.granularity: must be one of 60, 120, 180, 300, 600, 900, 1800, "
        "3600, 7200, 14400, 28800, 86400 (seconds per bar), got 90 (rb.yaml:9)"
    ) in message
    assert "strategies[0].params.oversold: must be <= 49, got 60.0 (rb.yaml:10)" in message
    assert "strategies[0].params.width: must be <= 5.0, got 9.0 (rb.yaml:11)" in message
