"""The bot end to end on the embedded simulator, in virtual time."""

from __future__ import annotations

import io
import os
import signal
from collections.abc import Callable
from pathlib import Path

import pytest
import trio
from trio.testing import MockClock

from bots.lifecycle import run_process, supervise
from framework.journal import Journal
from framework.runtime import Bot, RunSummary, StrategyFailed
from framework.scopes import MissingScopes
from tests.runtime.conftest import EVERY, make_bot, write_config
from tests.runtime.plugins import Crasher, Every

SYMBOL = "1HZ100V"


async def until(bot: Bot, predicate: Callable[[], bool], *, limit: float = 600.0) -> None:
    """Wait, tick by tick (virtual time), until ``predicate`` holds; fail after ``limit`` s."""
    await bot.started.wait()
    assert bot.runner is not None
    runner = bot.runner
    with trio.fail_after(limit):
        while not predicate():
            epoch = runner.last_epoch.get(SYMBOL, 0)
            await runner.tick_reached(SYMBOL, epoch + 1)


def crasher(*, at: int, on_error: str, max_restarts: int = 5) -> str:
    """The config entry of a strategy that raises at its ``at``-th tick."""
    return f"""\
  - name: crasher
    plugin: tests.runtime.plugins:Crasher
    symbols: ["1HZ100V"]
    contract: {{type: CALL, duration: 3, duration_unit: t}}
    stake: {{scheme: fixed, amount: 1.00}}
    params: {{at: {at}}}
    on_error: {on_error}
    max_restarts: {max_restarts}
"""


@pytest.fixture(autouse=True)
def _reset_plugins() -> None:
    Every.closed.clear()
    Crasher.starts = 0


async def test_trades_settle_once_each_and_journal_agrees(
    tmp_path: Path, vclock: MockClock
) -> None:
    bot = make_bot(write_config(tmp_path))
    async with trio.open_nursery() as nursery:
        await nursery.start(bot.run)
        assert bot.actor is not None
        await until(bot, lambda: bot.actor is not None and bot.actor.stats.settled >= 4)
        bot.stop.request("test")
    summary = bot.summary
    assert summary is not None and summary.reason == "test"
    assert summary.open_at_exit == 0
    assert summary.settled == summary.bought >= 4
    with Journal(tmp_path / "journal.sqlite") as journal:
        contracts = journal.contracts()
        assert len(contracts) == summary.bought
        assert all(c.status in ("won", "lost") for c in contracts)
        assert journal.unresolved_intents() == []
        settled = journal.events(kind="settled")
        assert sorted(e["contract_id"] for e in settled) == sorted(c.contract_id for c in contracts)
        profit = round(sum(c.profit or 0 for c in contracts), 2)
    assert profit == summary.profit
    # Each strategy hook saw each settlement once, with the journal's figures.
    assert sorted(r.contract_id for r in Every.closed) == sorted(c.contract_id for c in contracts)
    # A 3-tick contract: entry is the first tick after purchase, exit 3 ticks later.
    for c in contracts:
        assert c.entry_epoch is not None and c.exit_epoch is not None
        assert c.entry_epoch > c.purchase_time
        assert c.exit_epoch == c.entry_epoch + 3  # the 3rd tick after entry, 1-second ticks


async def test_missing_scope_refuses_to_start_and_names_it(
    tmp_path: Path, vclock: MockClock
) -> None:
    bot = make_bot(write_config(tmp_path), scopes=("read",))
    with pytest.raises(MissingScopes) as caught:
        await bot.run()
    message = str(caught.value)
    assert "lacks scope 'trade' for" in message
    assert "buy" in message and "runtime" in message
    assert caught.value.exit_code == 3
    assert bot.runner is None  # no strategy was built, let alone started
    with Journal(tmp_path / "journal.sqlite") as journal:
        assert journal.intents() == []


async def test_max_trades_trips_through_the_runtime(tmp_path: Path, vclock: MockClock) -> None:
    config = write_config(tmp_path, risk="risk: {max_trades: 2}\n")
    bot = make_bot(config)
    async with trio.open_nursery() as nursery:
        await nursery.start(bot.run)
        await until(bot, lambda: bot.gate is not None and "max_trades" in bot.gate.refused)
        await until(bot, lambda: bot.actor is not None and bot.actor.idle)
        bot.stop.request("test")
    summary = bot.summary
    assert summary is not None
    assert summary.bought == 2
    assert "max_trades" in {trip.limit for trip in summary.trips}
    with Journal(tmp_path / "journal.sqlite") as journal:
        rejected = [i for i in journal.intents() if i.status == "rejected"]
    assert rejected and rejected[0].reason is not None
    assert rejected[0].reason.startswith("max_trades: 2 trades")


async def test_a_crashing_strategy_is_restarted_then_disabled_alone(
    tmp_path: Path, vclock: MockClock
) -> None:
    bot = make_bot(
        write_config(tmp_path, crasher(at=2, on_error="restart", max_restarts=2) + EVERY)
    )
    async with trio.open_nursery() as nursery:
        await nursery.start(bot.run)
        assert bot.runner is not None
        slot = bot.runner.slots["crasher"]
        await until(bot, lambda: slot.state == "disabled")
        await until(bot, lambda: bot.actor is not None and bot.actor.stats.settled >= 3)
        bot.stop.request("test")
    assert Crasher.starts == 3  # the first start and two restarts
    assert slot.errors == 3 and slot.restarts == 2
    assert bot.runner.slots["every"].state == "stopped"  # ran to the end
    assert bot.summary is not None and bot.summary.settled >= 3


async def test_on_error_raise_stops_the_bot_gracefully_then_fails_with_the_error(
    tmp_path: Path, vclock: MockClock
) -> None:
    bot = make_bot(write_config(tmp_path, EVERY + crasher(at=4, on_error="raise")), grace=30.0)
    with pytest.raises(StrategyFailed, match="strategy 'crasher' raised at epoch") as caught:
        await bot.run()
    assert isinstance(caught.value.__cause__, RuntimeError)
    assert Crasher.starts == 1  # never restarted
    assert bot.runner is not None
    assert bot.runner.slots["crasher"].state == "disabled"
    assert bot.runner.slots["every"].state == "stopped"  # on_stop ran: a graceful stop
    summary = bot.summary
    assert summary is not None and summary.reason.startswith("strategy 'crasher' raised")
    assert summary.open_at_exit == 0  # the grace let the open contract settle
    with Journal(tmp_path / "journal.sqlite") as journal:
        assert all(c.status in ("won", "lost") for c in journal.contracts())

    def fails(_fn: object) -> RunSummary:
        raise caught.value

    out = io.StringIO()
    assert run_process(bot, runner=fails, out=out) == 1
    assert "strategy" in out.getvalue()  # the summary is printed


async def test_sigterm_mid_contract_settles_it_and_exits_cleanly(
    tmp_path: Path, vclock: MockClock
) -> None:
    bot = make_bot(write_config(tmp_path), grace=30.0)

    async def terminate_mid_contract() -> None:
        await until(bot, lambda: bot.actor is not None and len(bot.actor.followed) == 1)
        os.kill(os.getpid(), signal.SIGTERM)

    async with trio.open_nursery() as nursery:
        nursery.start_soon(terminate_mid_contract)
        summary = await supervise(bot)
    assert summary.reason == "SIGTERM"
    assert summary.bought >= 1
    assert summary.settled == summary.bought and summary.open_at_exit == 0
    with Journal(tmp_path / "journal.sqlite") as journal:
        assert journal.open_contracts() == []
        assert journal.unresolved_intents() == []


async def test_second_signal_stops_at_once_and_says_what_is_left(
    tmp_path: Path, vclock: MockClock
) -> None:
    bot = make_bot(write_config(tmp_path), grace=30.0)

    async def signal_twice_mid_contract() -> None:
        await until(bot, lambda: bot.actor is not None and len(bot.actor.followed) == 1)
        os.kill(os.getpid(), signal.SIGINT)
        await until(bot, lambda: bot.stop.requested)
        os.kill(os.getpid(), signal.SIGINT)

    async with trio.open_nursery() as nursery:
        nursery.start_soon(signal_twice_mid_contract)
        summary = await supervise(bot)
    assert bot.aborted
    assert summary.reason == "SIGINT; then stopped at once"
    with Journal(tmp_path / "journal.sqlite") as journal:
        still_open = len(journal.open_contracts())
    assert still_open == 1
    assert summary.open_at_exit == still_open  # the summary tells the truth
    exit_code = run_process(bot, runner=lambda _fn: summary, out=io.StringIO())
    assert exit_code == 130


async def test_killed_mid_contract_then_restarted_settles_it_exactly_once(
    tmp_path: Path, vclock: MockClock
) -> None:
    config = write_config(tmp_path)
    first = make_bot(config)
    async with trio.open_nursery() as nursery:
        await nursery.start(first.run)
        await until(first, lambda: first.actor is not None and len(first.actor.followed) == 1)
        first.abort()  # no grace: like a kill, the contract stays open in the journal
    with Journal(tmp_path / "journal.sqlite") as journal:
        (left_open,) = journal.open_contracts()
        # And a buy that was marked sending but never left (killed in between).
        intent = _sending_intent(journal, created=left_open.purchase_time)

    quiet = write_config(tmp_path, EVERY.replace("every: 2", "every: 100000"))
    second: Bot = make_bot(quiet)
    async with trio.open_nursery() as nursery:
        await nursery.start(second.run)
        await until(second, lambda: second.actor is not None and second.actor.idle)
        second.stop.request("test")
    assert second.recovery["settled"] + second.recovery["following"] == 1
    assert second.recovery["reconciled_absent"] == 1
    with Journal(tmp_path / "journal.sqlite") as journal:
        row = {c.contract_id: c for c in journal.contracts()}[left_open.contract_id]
        assert row.status in ("won", "lost")
        settled = [
            e for e in journal.events(kind="settled") if e["contract_id"] == left_open.contract_id
        ]
        assert len(settled) == 1
        recovered = journal.intent(intent)
        assert recovered is not None and recovered.status == "not_bought"
        assert recovered.reason is not None and recovered.reason.startswith("reconciled")
    # The simulator agrees: the contract was settled once, paid once.
    assert second.simulator is not None
    (sim_contract,) = [
        c for c in second.simulator.contracts() if c.contract_id == left_open.contract_id
    ]
    assert sim_contract.sell_txn is not None


def _sending_intent(journal: Journal, *, created: int) -> str:
    from framework.strategy.events import TradeIntent

    intent = TradeIntent(
        intent_id="every-999",
        strategy="every",
        symbol="1HZ100V",
        contract_type="PUT",
        duration=3,
        duration_unit="t",
        barrier=None,
        amount=7.77,  # no contract of this stake exists
        basis="stake",
        currency="USD",
        created_epoch=created,
    )
    journal.record_intent(intent)
    journal.mark_sending(intent.intent_id, {**intent.to_proposal(), "price": 7.77})
    return intent.intent_id
