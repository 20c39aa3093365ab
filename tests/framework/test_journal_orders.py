"""The journal's orders: written before sending, one outcome each, and what closed a contract."""

from __future__ import annotations

from pathlib import Path

import pytest

from framework.journal import Journal, JournalError
from framework.strategy.events import ContractOrder
from tests.framework.test_journal import _buy

SELL = ContractOrder("a-1/sell-1", "sell", "momentum", "a-1", 11, 1700000005, min_price=1.5)
UPDATE = ContractOrder(
    "a-1/update-1",
    "update",
    "momentum",
    "a-1",
    11,
    1700000004,
    take_profit=3.0,
    set_take_profit=True,
    set_stop_loss=True,
)
CANCEL = ContractOrder("a-2/cancel-1", "cancel", "momentum", "a-2", 12, 1700000006)


def test_an_order_goes_pending_sending_done_and_survives_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite"
    with Journal(path) as journal:
        _buy(journal, "a-1", 11)
        journal.record_order(UPDATE, UPDATE.to_request())
        journal.mark_order_sending(UPDATE.order_id, server_epoch=1700000007)
        journal.record_order(SELL, SELL.to_request())  # a crash before it was sent
    with Journal(path) as journal:
        (pending,) = (o for o in journal.unresolved_orders() if o.status == "pending")
        (sending,) = (o for o in journal.unresolved_orders() if o.status == "sending")
        assert (pending.order_id, pending.request) == (SELL.order_id, {"sell": 11, "price": 1.5})
        assert (sending.order_id, sending.sent_epoch, sending.kind) == (
            UPDATE.order_id,
            1700000007,
            "update",
        )
        assert sending.request == {
            "contract_update": 1,
            "contract_id": 11,
            "limit_order": {"take_profit": 3.0, "stop_loss": None},
        }
        journal.record_order_done(UPDATE.order_id, "updated", {"take_profit": {"amount": 3.0}})
        journal.record_order_failed(SELL.order_id, "NotSent: the bot stopped before sending")
        assert journal.unresolved_orders() == []
        done = journal.order(UPDATE.order_id)
        assert done is not None and (done.status, done.reason) == ("done", "updated")
        assert journal.order("nope") is None
    kinds = [e["kind"] for e in Journal(path).events() if e["kind"].startswith("order")]
    assert kinds == ["order", "order_sending", "order", "order_done", "order_failed"]


def test_an_order_has_one_outcome_and_is_sent_once() -> None:
    with Journal(":memory:") as journal:
        _buy(journal, "a-1", 11)
        journal.record_order(SELL, SELL.to_request())
        with pytest.raises(JournalError, match="already journaled"):
            journal.record_order(SELL, SELL.to_request())
        journal.mark_order_sending(SELL.order_id, server_epoch=None)
        with pytest.raises(JournalError, match="is sending, not pending"):
            journal.mark_order_sending(SELL.order_id, server_epoch=None)
        journal.record_order_failed(SELL.order_id, "PriceMoved: the market moved")
        with pytest.raises(JournalError, match=r"already has an outcome \(failed\)"):
            journal.record_order_done(SELL.order_id, "sold")
        with pytest.raises(JournalError, match="unknown order 'nope'"):
            journal.record_order_failed("nope", "x")


def test_closing_order_is_the_bots_own_sale_or_cancellation_only() -> None:
    with Journal(":memory:") as journal:
        _buy(journal, "a-1", 11)
        _buy(journal, "a-2", 12)
        for order in (UPDATE, SELL, CANCEL):
            journal.record_order(order, order.to_request())
            journal.mark_order_sending(order.order_id, server_epoch=None)
        journal.record_order_done(UPDATE.order_id, "updated")
        assert journal.closing_order(11) is None  # an update closes nothing
        journal.record_order_failed(CANCEL.order_id, "CancellationExpired: too late")
        assert journal.closing_order(12) is None  # a failed order closed nothing
        journal.record_order_done(SELL.order_id, "sold")
        assert journal.closing_order(11) == "sell"
        assert [o.order_id for o in journal.orders(11)] == [UPDATE.order_id, SELL.order_id]
        assert len(journal.orders()) == 3


def test_a_cancelled_contract_ends_cancelled() -> None:
    with Journal(":memory:") as journal:
        _buy(journal, "a-2", 12)
        journal.record_order(CANCEL, CANCEL.to_request())
        journal.mark_order_sending(CANCEL.order_id, server_epoch=1)
        journal.record_order_done(CANCEL.order_id, "cancelled")
        assert journal.closing_order(12) == "cancel"
        assert journal.record_settlement(
            12,
            status="cancelled",
            sell_price=1.0,
            profit=0.0,
            entry_epoch=None,
            entry_quote=None,
            exit_epoch=None,
            exit_quote=None,
            settled_at=1700000009,
            end="cancelled",
        )
        (contract,) = journal.contracts()
        assert (contract.status, contract.end) == ("cancelled", "cancelled")
        assert journal.events(kind="settled")[0]["payload"]["end"] == "cancelled"
