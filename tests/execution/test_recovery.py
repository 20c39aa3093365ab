"""Startup recovery: a previous run's loose ends, closed before any strategy runs.

Against the simulator over loopback: a buy that never left, one that left and bought
nothing, a contract still open. Scripted: records unreadable at start (deferred to the
background), and journals with gaps (a contract whose intent row is gone, a ``sending``
event without a price).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import structlog
import trio
from trio.testing import MockClock

from framework.deriv.errors import api_error
from framework.execution import ExecutionActor, recover
from framework.journal import Journal
from framework.risk import RiskGate, RiskLimits
from framework.simulator import open_simulator
from tests.execution.helpers import Sink, intent, journal_buys, sim_options, statement_buys, trading
from tests.execution.scripted import EPOCH, Scripted, bought, state

log = structlog.get_logger()


async def test_never_sent_absent_and_still_open(vclock: MockClock, tmp_path: Path) -> None:
    with Journal(tmp_path / "journal.sqlite") as journal:
        async with open_simulator(**sim_options()) as sim:
            async with trading(sim, journal) as stack, stack.client.transaction() as txs:
                stack.actor.submit(intent(1, sim.epoch(), duration=2, unit="m"))
                await txs.receive()  # bought; the process stops with it open
            (left_open,) = journal.open_contracts()
            journal.record_intent(intent(2, sim.epoch()))  # killed before sending
            journal.record_intent(intent(3, sim.epoch(), amount=7.77))
            journal.mark_sending("t-3", {"price": 7.77}, server_epoch=sim.epoch())
            async with trading(sim, journal) as stack:
                report = await recover(stack.actor, journal, stack.broker, log=log)
                assert list(stack.actor.followed) == [left_open.contract_id]
                await stack.settle()
                assert stack.sink.closed_contracts[0].contract_id == left_open.contract_id
            buys = statement_buys(sim)
        assert report.summary() == {
            "never_sent": 1,
            "reconciled_bought": 0,
            "reconciled_absent": 1,
            "deferred": 0,
            "settled": 0,
            "following": 1,
            "orders_never_sent": 0,
            "orders_done": 0,
            "orders_failed": 0,
            "orders_deferred": 0,
        }
        assert journal.unresolved_intents() == [] and journal.open_contracts() == []
        never = journal.intent("t-2")
        absent = journal.intent("t-3")
        assert never is not None and never.reason == "not sent: the bot stopped before sending"
        assert absent is not None and absent.status == "not_bought"
        assert absent.reason is not None and absent.reason.startswith("reconciled: answer lost")
        assert journal_buys(journal) == buys and len(buys) == 1


async def test_unreadable_records_defer_to_the_background(autojump_clock: trio.abc.Clock) -> None:
    journal = Journal(":memory:")
    journal.record_intent(intent(1, EPOCH))
    journal.mark_sending("t-1", {"proposal": 1})  # an old journal: no price, no server epoch
    broker = Scripted(reconciles=[api_error("PermissionDenied", "needs read"), bought(30)])
    actor = ExecutionActor(
        broker, journal, RiskGate(RiskLimits()), Sink(), balance=100.0, currency="USD"
    )
    async with trio.open_nursery() as nursery:
        await nursery.start(actor.run)
        report = await recover(actor, journal, broker, log=log)
        assert report.deferred == 1 and not actor.idle
        with trio.fail_after(600):
            await actor.wait_idle()
        nursery.cancel_scope.cancel()
    # The window starts at the intent's tick; nothing says what the buy could have paid.
    assert broker.reconciled == [("t-1", EPOCH, None)] * 2
    row = journal.intent("t-1")
    assert row is not None and (row.status, row.reason) == ("bought", "reconciled")
    assert [(c.contract_id, c.payout) for c in journal.contracts()] == [(30, 19.5)]


async def test_a_contract_whose_intent_row_is_gone_is_still_settled(
    autojump_clock: trio.abc.Clock, tmp_path: Path
) -> None:
    path = tmp_path / "journal.sqlite"
    with Journal(path) as journal:
        journal.record_intent(intent(1, EPOCH))
        journal.mark_sending("t-1", {"price": 10.0}, server_epoch=EPOCH)
        journal.record_bought(
            "t-1", contract_id=8, buy_price=10.0, payout=19.5, purchase_time=EPOCH, transaction_id=9
        )
    with sqlite3.connect(path) as db:  # a hand-edited journal
        db.execute("DELETE FROM intents")
    with Journal(path) as journal:
        sink = Sink()
        broker = Scripted(contracts=[state(8)])
        actor = ExecutionActor(
            broker, journal, RiskGate(RiskLimits()), sink, balance=100.0, currency="USD"
        )
        async with trio.open_nursery() as nursery:
            await nursery.start(actor.run)
            report = await recover(actor, journal, broker, log=log)
            nursery.cancel_scope.cancel()
        assert report.settled == 1
        (closed,) = sink.closed_contracts
        assert (closed.contract_id, closed.strategy, closed.profit) == (8, "t", 9.5)
        assert [c.status for c in journal.contracts()] == ["won"]
