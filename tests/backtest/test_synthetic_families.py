"""Every family's synthetic backtest ticks are the simulator's ticks, across a midnight."""

from __future__ import annotations

import pytest

from framework.backtest import SyntheticSource
from framework.market.symbols import get_symbol, symbols
from framework.market.ticks import DAY_SECONDS
from framework.simulator.feed import SymbolFeed

#: A genesis an hour before a midnight: a Daily Reset index resets inside the run.
GENESIS = 19_700 * DAY_SECONDS - 3600
#: One symbol of each model, of the markets that never close (a closed market has no
#: ticks in these two hours: forex parity is tests/simulator/test_forex_hours.py's).
MODELS = sorted({s.model: s.symbol for s in symbols() if s.hours is None}.values())


@pytest.mark.parametrize("symbol", MODELS)
def test_replay_ticks_are_the_simulator_ticks(symbol: str) -> None:
    spec = get_symbol(symbol)
    count = 7200 // spec.tick_interval  # two hours: the midnight falls in the middle
    feed = SymbolFeed(spec, seed=5, genesis=GENESIS, history_seconds=7200)
    live = feed.catch_up(GENESIS + count * spec.tick_interval)
    source = SyntheticSource(symbol, count, seed=5, genesis=GENESIS, chunk_size=333)
    replayed = [tick for chunk in source.chunks() for tick in chunk]
    assert replayed == live
    assert len(live) == count
