"""Minute bars: the past drawn on demand, and memory bounded however long a feed runs."""

from __future__ import annotations

from framework.market.candles import aggregate
from framework.market.symbols import get_symbol
from framework.market.ticks import TickGenerator
from framework.simulator.bars import MinuteBars

GENESIS = 1_700_000_000 - 1_700_000_000 % 60


def test_bars_since_genesis_are_the_rule_over_the_feed_ticks() -> None:
    spec = get_symbol("R_100")
    bars = MinuteBars(spec, seed=3, genesis=GENESIS, max_seconds=86_400)
    ticks = TickGenerator(spec, 3, GENESIS).take(500)
    for epoch, quote in ticks:
        bars.add(epoch, quote)
    assert bars.between(GENESIS, GENESIS + 1000) == aggregate(ticks, "R_100", 60)
    assert bars.forming == aggregate(ticks, "R_100", 60)[-1]


def test_memory_stays_bounded_and_the_past_stays_out_of_reach_once_dropped() -> None:
    spec = get_symbol("R_100")
    bars = MinuteBars(spec, seed=3, genesis=GENESIS, max_seconds=3600)
    bars.reach(GENESIS - 3000)
    assert bars.oldest == GENESIS - 3000
    assert len(bars) == 50  # fifty minutes drawn before genesis, no tick since
    for epoch, quote in TickGenerator(spec, 3, GENESIS).take(2 * 86_400 // 2):
        bars.add(epoch, quote)
    assert len(bars) <= 60 + 1440 + 1  # an hour kept, dropped a day at a time
    oldest = bars.oldest
    assert oldest > GENESIS
    bars.reach(GENESIS)
    assert bars.oldest == oldest  # nothing drawn again: that market is gone
    assert bars.between(GENESIS, oldest) == []


def test_no_bar_history_still_keeps_the_latest_bar() -> None:
    spec = get_symbol("R_100")
    bars = MinuteBars(spec, seed=3, genesis=GENESIS, max_seconds=0)
    for epoch, quote in TickGenerator(spec, 3, GENESIS).take(86_400 // 2):
        bars.add(epoch, quote)
    assert 1 <= len(bars) <= 1 + 1440 + 1
