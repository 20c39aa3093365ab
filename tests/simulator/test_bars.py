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


def test_a_daily_reset_past_is_the_market_an_earlier_start_would_have_shown() -> None:
    spec = get_symbol("RDBULL")
    midnight = GENESIS - GENESIS % 86_400
    bars = MinuteBars(spec, seed=3, genesis=GENESIS, max_seconds=3 * 86_400)
    past = bars.between(midnight - 86_400, GENESIS - GENESIS % 60)
    # Each day's first bar opens on its reset, and the bars are the rule over the ticks a
    # generator started a day earlier produces.
    opens = {bar.epoch: bar.open for bar in past if bar.epoch % 86_400 == 0}
    assert opens == {midnight - 86_400: spec.start_quote, midnight: spec.start_quote}
    earlier = TickGenerator(spec, 3, midnight - 86_400 - spec.tick_interval)
    ticks = earlier.take((GENESIS - GENESIS % 60 - midnight + 86_400) // spec.tick_interval)
    assert past == aggregate(ticks, "RDBULL", 60)


def test_a_boom_past_still_spikes_up() -> None:
    spec = get_symbol("BOOM300N")
    bars = MinuteBars(spec, seed=3, genesis=GENESIS, max_seconds=86_400)
    past = bars.between(GENESIS - 86_400, GENESIS)
    # A spike is a bar whose high is far above its open; in a Boom none falls that far.
    rises = [bar.high / bar.open - 1 for bar in past]
    falls = [1 - bar.low / bar.open for bar in past]
    assert sum(r > 0.002 for r in rises) > 100
    assert max(falls) < 0.002
