"""Candles live: the declared history before ``on_start``, the server's bars in tick order,
the same candles and trades as a replay of the same ticks, and no bar skipped or doubled
across a reconnect."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
import trio
from trio.testing import MockClock

from framework.backtest import MemorySource, TradeCollector, run_backtest
from framework.backtest.setup import setup_from_config
from framework.deriv.models import Candle, Tick
from framework.journal import Journal
from framework.market.candles import aggregate
from framework.runtime import Bot
from tests.runtime.conftest import START, make_bot, write_config
from tests.runtime.plugins import CandleWatcher, Recorder

SYMBOL = "1HZ100V"

WATCH = """\
  - name: watch
    plugin: tests.runtime.plugins:CandleWatcher
    symbols: ["1HZ100V"]
    contract: {{type: CALL, duration: 3, duration_unit: t}}
    stake: {{scheme: fixed, amount: 1.00}}
    params: {{history: {history}, buy: {buy}}}
  - name: recorder
    plugin: tests.runtime.plugins:Recorder
    symbols: ["1HZ100V"]
    stake: {{scheme: fixed, amount: 1.00}}
"""


def _candles(events: list[tuple[str, Any]], granularity: int = 60) -> list[Candle]:
    return [v for kind, v in events if kind == "candle" and v.granularity == granularity]


async def _run_until(bot: Bot, done: Any) -> int:
    """Wait tick by tick until ``done()``; return the epoch of the last tick dispatched."""
    assert bot.runner is not None
    runner = bot.runner
    while not done():
        await runner.tick_reached(SYMBOL, runner.last_epoch[SYMBOL] + 1)
    return runner.last_epoch[SYMBOL]


def _market_ticks(bot: Bot, start: int, end: int) -> list[Tick]:
    """The simulator's ticks of the symbol from ``start`` to ``end``, both included."""
    assert bot.simulator is not None
    return list(bot.simulator.core.feeds.get(SYMBOL).history(start, end))


async def test_the_declared_history_is_there_in_on_start(tmp_path: Any, vclock: MockClock) -> None:
    CandleWatcher.runs.clear()
    Recorder.ticks.clear()
    bot = make_bot(write_config(tmp_path, WATCH.format(history=4, buy="false")))
    async with trio.open_nursery() as nursery:
        await nursery.start(bot.run)
        (run,) = CandleWatcher.runs
        closed, forming, ticks, two_minutes = run["start"]
        assert run["events"] == []  # on_start came first
        bot.stop.request("test")
    # Four closed minutes, back to back, then the forming one holding the latest tick.
    last = ticks[-1].epoch
    assert [c.epoch for c in closed] == [forming.epoch - 60 * k for k in (4, 3, 2, 1)]
    assert forming.epoch == last - last % 60 and forming.close == ticks[-1].quote
    assert [t.epoch for t in ticks] == list(range(last - 4, last + 1))
    # The server's bars are the ticks' bars: the simulator's market says the same.
    market = _market_ticks(bot, closed[0].epoch, last)
    assert [*closed, forming] == aggregate(((t.epoch, t.quote) for t in market), SYMBOL, 60)
    assert list(ticks) == market[-5:]
    wider = aggregate(
        ((t.epoch, t.quote) for t in _market_ticks(bot, last - 600, last)), SYMBOL, 120
    )
    assert list(two_minutes) == wider[-3:-1]
    assert bot.markets[SYMBOL].history_bars == 4 + 2


async def test_live_candles_and_trades_are_the_replays(tmp_path: Any, vclock: MockClock) -> None:
    CandleWatcher.runs.clear()
    Recorder.ticks.clear()
    config = write_config(tmp_path, WATCH.format(history=3, buy="true"))
    bot = make_bot(config)
    async with trio.open_nursery() as nursery:
        await nursery.start(bot.run)
        live = CandleWatcher.runs[0]
        cut = await _run_until(bot, lambda: len(_candles(live["events"])) >= 6)
        bot.stop.request("test")
    start = Recorder.ticks[0].epoch
    recorded = [t for t in Recorder.ticks if t.epoch <= cut]
    assert [t.epoch for t in recorded] == list(range(start, cut + 1))  # no tick lost live
    # The replay: the market before the live start, then the ticks the strategies saw.
    source = MemorySource(_market_ticks(bot, START - 3600, start - 1) + recorded)
    collector = TradeCollector()
    result = run_backtest(setup_from_config(config), source, sinks=[collector], warmup_until=start)
    replay = CandleWatcher.runs[1]
    assert result.warmup_ticks > 0 and not result.warmup_missing
    assert replay["start"] == live["start"]
    # The same candles, each right before the same tick; the live run went on a little.
    events = live["events"][: live["events"].index(("tick", cut)) + 1]
    assert replay["events"] == events
    assert len(_candles(events)) >= 6
    with Journal(config.journal) as journal:
        bought = [
            (c.intent_id, c.contract_type, c.entry_epoch, c.exit_epoch, round(c.profit or 0, 2))
            for c in journal.contracts()
            if c.exit_epoch is not None and c.exit_epoch <= cut
        ]
    replayed = [
        (t.closed.intent_id, t.closed.contract_type, t.closed.entry_epoch,
         t.closed.exit_epoch, round(t.closed.profit, 2))
        for t in collector.trades
    ]  # fmt: skip
    assert len(bought) >= 4
    assert sorted(bought) == sorted(replayed)
    # Each bar once, whatever the number of strategies watching it; shown when there are any.
    assert bot.summary is not None and bot.summary.candles >= len(_candles(events)) >= 6
    assert f"candles {bot.summary.candles}  intents" in bot.summary.lines()[1]
    assert bot.board is not None and bot.board.fields()["candles"] == bot.summary.candles


@pytest.mark.parametrize("history", [1, 5], ids=["gap-longer-than-the-answer", "gap-inside"])
async def test_a_reconnect_skips_no_candle_and_gives_none_twice(
    tmp_path: Any, vclock: MockClock, history: int
) -> None:
    CandleWatcher.runs.clear()
    Recorder.ticks.clear()
    # 150 s down: two or three bars close while the bot is away.
    extra = "reconnect: {initial: 150, maximum: 150, jitter: 0}"
    bot = make_bot(write_config(tmp_path, WATCH.format(history=history, buy="false"), extra=extra))
    async with trio.open_nursery() as nursery:
        await nursery.start(bot.run)
        assert bot.simulator is not None and bot.connection is not None
        events = CandleWatcher.runs[0]["events"]
        await _run_until(bot, lambda: len(_candles(events)) >= 1)
        dropped_at = bot.runner.last_epoch[SYMBOL] if bot.runner else 0
        bot.simulator.faults.drop_after(1)
        conn = bot.connection
        cut = await _run_until(
            bot, lambda: conn.stats.reconnects >= 1 and len(_candles(events)) >= 5
        )
        bot.stop.request("test")
    events = events[: events.index(("tick", cut)) + 1]
    ticks = [value for kind, value in events if kind == "tick"]
    assert any(b - a > 100 for a, b in itertools.pairwise(ticks))  # the gap
    # Every bar once, in order, with the market's values (the gap's from the server).
    for g in (60, 120):
        candles = _candles(events, g)
        first = candles[0].epoch
        market = _market_ticks(bot, first, cut)
        assert candles == aggregate(((t.epoch, t.quote) for t in market), SYMBOL, g)[:-1]
        assert [c.epoch for c in candles] == list(range(first, candles[-1].epoch + g, g))
        assert any(c.epoch > dropped_at for c in candles)
    # Across granularities, in the order a replay closes them.
    both = [v for kind, v in events if kind == "candle"]
    assert both == sorted(both, key=lambda c: (c.close_time, c.granularity))
    market_feed = bot.markets[SYMBOL]
    assert market_feed.gap_fills == 1 and market_feed.missed_bars == 0
    assert market_feed.gap_fetches == (1 if history == 1 else 0)
