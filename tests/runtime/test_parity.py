"""Live against the simulator, then a backtest of the recorded ticks: the same trades.

The live half runs strategies on the embedded simulator (fixed seed and start, virtual time)
next to a recorder that sees exactly the ticks the strategies saw. The backtest replays those
ticks with the set-up the bot config gives a replay (the same strategies, stake sizing, risk
limits and ``on_error`` policies, hosted by the same strategy host). Every contract settled
live within the recording must be in the backtest's trade list, identical: contract type,
entry and exit ticks, stake, payout, profit, purchase time. One strategy crashes half-way
under ``on_error: disable``: both halves must disable it on the same tick and keep trading
the others alike.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import trio
from trio.testing import MockClock

from framework.backtest import MemorySource, TradeCollector, run_backtest
from framework.backtest.setup import setup_from_config
from framework.journal import Journal
from tests.runtime.conftest import make_bot, write_config
from tests.runtime.plugins import Every, Recorder

STRATEGIES = """\
  - name: every
    plugin: tests.runtime.plugins:Every
    symbols: ["1HZ100V"]
    contract: {type: CALL, duration: 3, duration_unit: t}
    stake: {scheme: martingale, base: 1.00, factor: 2, max_steps: 3}
    params: {every: 2, max_open: 1}
  - name: crashy
    plugin: tests.runtime.plugins:Every
    symbols: ["1HZ100V"]
    contract: {type: PUT, duration: 2, duration_unit: t}
    stake: {scheme: fixed, amount: 2.00}
    params: {every: 3, max_open: 1, kind: PUT, crash_at: 20}
    on_error: disable
  - name: recorder
    plugin: tests.runtime.plugins:Recorder
    symbols: ["1HZ100V"]
    stake: {scheme: fixed, amount: 1.00}
"""


def _key(row: Mapping[str, object]) -> tuple[object, ...]:
    return tuple(
        row[k]
        for k in (
            "intent_id",
            "contract_type",
            "purchase_time",
            "entry_epoch",
            "entry_quote",
            "exit_epoch",
            "exit_quote",
            "buy_price",
            "payout",
            "profit",
        )
    )


async def test_live_run_and_backtest_of_its_ticks_trade_the_same(
    tmp_path: Path, vclock: MockClock
) -> None:
    Recorder.ticks.clear()
    Every.closed.clear()
    config = write_config(tmp_path, STRATEGIES)
    bot = make_bot(config)
    async with trio.open_nursery() as nursery:
        await nursery.start(bot.run)
        assert bot.runner is not None
        runner = bot.runner
        while sum(1 for c in Every.closed if c.strategy == "every") < 12:
            epoch = runner.last_epoch.get("1HZ100V", 0)
            await runner.tick_reached("1HZ100V", epoch + 1)
        cut = runner.last_epoch["1HZ100V"]
        live_slots = {
            name: (slot.state, slot.errors, slot.ctx.submitted)
            for name, slot in runner.slots.items()
        }
        bot.stop.request("test")
    ticks = [t for t in Recorder.ticks if t.epoch <= cut]
    with Journal(config.journal) as journal:
        live = sorted(
            (
                {
                    "intent_id": c.intent_id,
                    "contract_type": c.contract_type,
                    "purchase_time": c.purchase_time,
                    "entry_epoch": c.entry_epoch,
                    "entry_quote": c.entry_quote,
                    "exit_epoch": c.exit_epoch,
                    "exit_quote": c.exit_quote,
                    "buy_price": round(c.buy_price, 2),
                    "payout": round(c.payout, 2),
                    "profit": round(c.profit or 0, 2),
                }
                for c in journal.contracts()
                if c.exit_epoch is not None and c.exit_epoch <= cut
            ),
            key=lambda r: str(r["intent_id"]),
        )
    # The replay of a config: what `triobot backtest` runs, not a hand-made twin.
    setup = setup_from_config(config)
    collector = TradeCollector()
    result = run_backtest(setup, MemorySource(ticks), sinks=[collector])
    replay = sorted(
        (
            {
                "intent_id": t.closed.intent_id,
                "contract_type": t.closed.contract_type,
                "purchase_time": t.closed.purchase_time,
                "entry_epoch": t.closed.entry_epoch,
                "entry_quote": t.closed.entry_quote,
                "exit_epoch": t.closed.exit_epoch,
                "exit_quote": t.closed.exit_quote,
                "buy_price": round(t.closed.buy_price, 2),
                "payout": round(t.closed.payout, 2),
                "profit": round(t.closed.profit, 2),
            }
            for t in collector.trades
        ),
        key=lambda r: str(r["intent_id"]),
    )
    assert len(live) >= 10, live
    assert [_key(r) for r in live] == [_key(r) for r in replay]
    assert len({r["buy_price"] for r in live if str(r["intent_id"]).startswith("every-")}) > 1
    assert any(str(r["intent_id"]).startswith("crashy-") for r in live)
    # The failure policy acted alike: crashy disabled at its 20th tick, having bought as
    # many intents; the others ran on.
    report = {s.name: s for s in result.strategies}
    assert live_slots["crashy"][:2] == ("disabled", 1)
    assert (report["crashy"].disabled, report["crashy"].errors) == (True, 1)
    assert report["crashy"].intents == live_slots["crashy"][2]
    assert live_slots["every"][:2] == ("running", 0) and not report["every"].disabled


LIFECYCLE = """\
  - name: early
    plugin: tests.backtest.helpers:SellAfter
    symbols: ["1HZ100V"]
    contract: {type: CALL, duration: 2, duration_unit: m}
    stake: {scheme: fixed, amount: 1.00}
    params: {every: 2, hold: 5}
  - name: accu
    plugin: tests.backtest.helpers:Manage
    symbols: ["1HZ100V"]
    contract: {type: ACCU, growth_rate: 0.03}
    stake: {scheme: fixed, amount: 2.00}
    params: {every: 3, sell_after: 4}
  - name: mult
    plugin: tests.backtest.helpers:Manage
    symbols: ["1HZ100V"]
    contract: {type: MULTUP, multiplier: 200, take_profit: 3.0, stop_loss: 2.0}
    stake: {scheme: fixed, amount: 5.00}
    params: {every: 3, retarget_after: 3, retarget: 1.5, sell_after: 20}
  - name: recorder
    plugin: tests.runtime.plugins:Recorder
    symbols: ["1HZ100V"]
    stake: {scheme: fixed, amount: 1.00}
"""


async def test_sales_accumulators_and_multipliers_live_replay_the_same(
    tmp_path: Path, vclock: MockClock
) -> None:
    Recorder.ticks.clear()
    config = write_config(tmp_path, LIFECYCLE)
    bot = make_bot(config)
    async with trio.open_nursery() as nursery:
        await nursery.start(bot.run)
        assert bot.runner is not None
        runner = bot.runner
        while len(Recorder.ticks) < 400:
            epoch = runner.last_epoch.get("1HZ100V", 0)
            await runner.tick_reached("1HZ100V", epoch + 1)
        cut = runner.last_epoch["1HZ100V"]
        bot.stop.request("test")
    ticks = [t for t in Recorder.ticks if t.epoch <= cut]
    # What the last ticks caused may still be on its way live: compare what ended before.
    settled_by = cut - 5
    with Journal(config.journal) as journal:
        live = sorted(
            (
                (
                    c.intent_id, c.contract_type, c.purchase_time, c.entry_epoch,
                    c.exit_epoch, c.exit_quote, round(c.buy_price, 2),
                    round(c.sell_price or 0, 2), round(c.profit or 0, 2), c.end,
                )
                for c in journal.contracts()
                if c.settled_at is not None and c.settled_at <= settled_by
            ),
            key=str,
        )  # fmt: skip
    collector = TradeCollector()
    result = run_backtest(setup_from_config(config), MemorySource(ticks), sinks=[collector])
    replay = sorted(
        (
            (
                c.intent_id, c.contract_type, c.purchase_time, c.entry_epoch, c.exit_epoch,
                c.exit_quote, round(c.buy_price, 2), round(c.sell_price, 2),
                round(c.profit, 2), c.end,
            )
            for c in (t.closed for t in collector.trades)
            if c.sell_time <= settled_by
        ),
        key=str,
    )  # fmt: skip
    assert len(live) > 30
    assert live == replay
    ends = {(str(row[0]).split("-")[0], row[-1]) for row in live}
    assert {("early", "sold"), ("accu", "sold"), ("mult", "sold")} <= ends, ends
    assert all(s.orders for s in result.strategies if s.name != "recorder")
