"""Startup recovery of orders a previous run left unfinished, before its contracts settle."""

from __future__ import annotations

import structlog
import trio

from framework.client.results import OrderOutcome
from framework.deriv.errors import api_error
from framework.execution import ExecutionActor, recover
from framework.execution.actor import NOT_SENT, OUTCOME_LOST
from framework.execution.recovery import ORDER_NEVER_SENT, order_from_journal
from framework.journal import Journal
from framework.risk import RiskGate, RiskLimits
from framework.strategy.events import ContractOrder
from tests.execution.helpers import Sink
from tests.execution.scripted import EPOCH, Scripted, done, state
from tests.execution.test_orders import CONTRACT, sold_state
from tests.framework.test_journal import _buy

log = structlog.get_logger()

SELL = ContractOrder("s-1/sell-1", "sell", "s", "s-1", CONTRACT, EPOCH + 3, min_price=11.0)
UPDATE = ContractOrder(
    "s-1/update-1",
    "update",
    "s",
    "s-1",
    CONTRACT,
    EPOCH + 2,
    stop_loss=None,
    set_stop_loss=True,
)
AT_MARKET = ContractOrder("s-1/sell-2", "sell", "s", "s-1", CONTRACT, EPOCH + 4)


def left_behind(*orders: tuple[ContractOrder, bool]) -> Journal:
    """A journal with contract 70 open and ``orders`` unfinished (sent or not)."""
    journal = Journal(":memory:")
    _buy(journal, "s-1", CONTRACT)
    for order, sent in orders:
        journal.record_order(order, order.to_request())
        if sent:
            journal.mark_order_sending(order.order_id, server_epoch=EPOCH + 5)
    return journal


async def recovered(
    journal: Journal, broker: Scripted
) -> tuple[ExecutionActor, Sink, dict[str, int]]:
    sink = Sink()
    actor = ExecutionActor(
        broker, journal, RiskGate(RiskLimits()), sink, balance=100.0, currency="USD"
    )
    async with trio.open_nursery() as nursery:
        await nursery.start(actor.run)
        report = await recover(actor, journal, broker, log=log)
        with trio.fail_after(600):
            await actor.wait_idle()
        nursery.cancel_scope.cancel()
    return actor, sink, report.summary()


def status(journal: Journal, order_id: str) -> tuple[str, str | None]:
    row = journal.order(order_id)
    assert row is not None
    return row.status, row.reason


def test_an_order_is_rebuilt_from_its_journal_row() -> None:
    journal = left_behind((SELL, True), (UPDATE, False), (AT_MARKET, False))
    rows = {row.order_id: order_from_journal(row) for row in journal.unresolved_orders()}
    assert rows == {o.order_id: o for o in (SELL, UPDATE, AT_MARKET)}


async def test_a_sale_a_previous_run_sent_is_decided_and_its_contract_ends_sold(
    autojump_clock: trio.abc.Clock,
) -> None:
    journal = left_behind((UPDATE, False), (SELL, True))
    broker = Scripted(decisions=[done(SELL, reconciled=True)], contracts=[sold_state()])
    _, sink, report = await recovered(journal, broker)
    assert broker.decided == [SELL] and broker.sent_orders == []  # decided, never re-sent
    assert status(journal, UPDATE.order_id) == ("failed", f"{NOT_SENT}: {ORDER_NEVER_SENT}")
    assert status(journal, SELL.order_id) == ("done", "decided")
    (closed,) = sink.closed_contracts
    assert closed.end == "sold"
    assert (report["orders_never_sent"], report["orders_done"], report["settled"]) == (1, 1, 1)


async def test_an_order_the_contract_shows_not_done_fails(autojump_clock: trio.abc.Clock) -> None:
    journal = left_behind((UPDATE, True))
    not_done = OrderOutcome(
        "update", CONTRACT, done=False, reconciled=True, detail="answer lost; not as asked"
    )
    broker = Scripted(decisions=[not_done], contracts=[state(CONTRACT)])
    _, sink, report = await recovered(journal, broker)
    assert status(journal, UPDATE.order_id) == (
        "failed",
        f"{OUTCOME_LOST}: answer lost; not as asked",
    )
    assert sink.failed_orders == [(UPDATE.order_id, OUTCOME_LOST, "answer lost; not as asked")]
    assert report["orders_failed"] == 1
    (closed,) = sink.closed_contracts
    assert closed.end == "expired"  # won by its own rule


async def test_an_undecidable_order_is_decided_in_the_background_before_its_contract_settles(
    autojump_clock: trio.abc.Clock,
) -> None:
    journal = left_behind((SELL, True))
    broker = Scripted(
        decisions=[
            api_error("PermissionDenied", "needs read"),
            api_error("PermissionDenied", "needs read"),
            done(SELL, reconciled=True),
        ],
        contracts=[sold_state()],
    )
    actor, sink, report = await recovered(journal, broker)
    assert report["orders_deferred"] == 1 and report["settled"] == 1
    assert broker.decided == [SELL] * 3
    assert status(journal, SELL.order_id) == ("done", "decided")
    (closed,) = sink.closed_contracts
    assert closed.end == "sold"  # the settlement waited for the decision
    assert actor.idle
