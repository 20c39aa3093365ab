"""The journal's rules: written before sending, one outcome per intent, settle once, survive."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import attrs
import pytest

from framework.journal import Journal, JournalError


@attrs.frozen
class Intent:
    intent_id: str
    strategy: str = "momentum"
    symbol: str = "R_100"
    contract_type: str = "CALL"
    duration: int = 5
    duration_unit: str = "t"
    barrier: str | None = None
    amount: float = 1.0
    basis: str = "stake"
    currency: str = "USD"
    created_epoch: float = 1700000000.0


def _buy(journal: Journal, intent_id: str, contract_id: int) -> None:
    journal.record_intent(Intent(intent_id))
    journal.mark_sending(intent_id, {"buy": "1", "price": 1.0})
    journal.record_bought(
        intent_id,
        contract_id=contract_id,
        buy_price=1.0,
        payout=1.95,
        purchase_time=1700000001,
        transaction_id=contract_id * 10,
    )


def test_lifecycle_and_crash_recovery(tmp_path: Path) -> None:
    path = tmp_path / "bot" / "journal.sqlite3"
    with Journal(path) as journal:
        _buy(journal, "momentum-1", 11)
        journal.record_intent(Intent("momentum-2"))
        journal.mark_sending("momentum-2", {"buy": "1"})  # crash before the answer
        journal.record_intent(Intent("momentum-3"))
        journal.record_rejected("momentum-3", "max_open_contracts: 1 open, limit 1")
    with Journal(path) as journal:  # a restarted bot sees what it must reconcile and follow
        assert [i.intent_id for i in journal.unresolved_intents()] == ["momentum-2"]
        assert journal.unresolved_intents()[0].status == "sending"
        assert [c.contract_id for c in journal.open_contracts()] == [11]
        assert journal.record_settlement(
            11,
            status="won",
            sell_price=1.95,
            profit=0.95,
            entry_epoch=1700000002,
            entry_quote=100.0,
            exit_epoch=1700000012,
            exit_quote=101.0,
            settled_at=1700000012,
            end="expired",
        )
        assert not journal.open_contracts()
        kinds = [event["kind"] for event in journal.events()]
        assert kinds == [
            "intent", "sending", "bought", "intent", "sending", "intent", "rejected", "settled",
        ]  # fmt: skip


def test_second_outcome_is_refused() -> None:
    with Journal(":memory:") as journal:
        _buy(journal, "a-1", 1)
        with pytest.raises(JournalError, match="already has an outcome"):
            journal.record_not_bought("a-1", "late error")
        with pytest.raises(JournalError, match="already journaled"):
            journal.record_intent(Intent("a-1"))
        with pytest.raises(JournalError, match="unknown intent"):
            journal.mark_sending("nope", {})


def test_settling_twice_is_a_reported_no_op() -> None:
    with Journal(":memory:") as journal:
        _buy(journal, "a-1", 1)
        kwargs: dict[str, Any] = dict(
            status="lost",
            sell_price=0.0,
            profit=-1.0,
            entry_epoch=None,
            entry_quote=None,
            exit_epoch=None,
            exit_quote=None,
            settled_at=1,
            end="expired",
        )
        assert journal.record_settlement(1, **kwargs) is True
        assert journal.record_settlement(1, **kwargs) is False
        assert len(journal.events(kind="settled")) == 1
        with pytest.raises(JournalError, match="unknown contract"):
            journal.record_settlement(99, **kwargs)


def test_sending_requires_pending() -> None:
    with Journal(":memory:") as journal:
        journal.record_intent(Intent("a-1"))
        journal.record_rejected("a-1", "kill switch")
        with pytest.raises(JournalError, match="not pending"):
            journal.mark_sending("a-1", {})


def test_one_contract_cannot_belong_to_two_intents() -> None:
    with Journal(":memory:") as journal:
        _buy(journal, "a-1", 7)
        with pytest.raises(JournalError, match="already journaled for intent 'a-1'"):
            _buy(journal, "a-2", 7)
        row = journal.intent("a-2")
        assert row is not None
        assert row.status == "sending"


def test_opening_existing_only(tmp_path: Path) -> None:
    with pytest.raises(JournalError, match="no such journal"):
        Journal(tmp_path / "missing.sqlite", create=False)
    other = tmp_path / "other.sqlite"
    import sqlite3

    sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.commit()
    with pytest.raises(JournalError, match="not a triobot journal"):
        Journal(other, create=False)
    tables = {r[0] for r in sqlite3.connect(other).execute("SELECT name FROM sqlite_master")}
    assert tables == {"t"}, "a read of a foreign file must not add tables to it"
    not_sqlite = tmp_path / "notes.txt"
    not_sqlite.write_text("hello " * 100)
    with pytest.raises(JournalError, match="not a triobot journal"):
        Journal(not_sqlite, create=False)


def _settle(journal: Journal, contract_id: int, at: int, profit: float) -> None:
    journal.record_settlement(
        contract_id,
        status="won" if profit > 0 else "lost",
        sell_price=max(0.0, 1.0 + profit),
        profit=profit,
        entry_epoch=at - 3,
        entry_quote=100.0,
        exit_epoch=at,
        exit_quote=101.0,
        settled_at=at,
        end="expired",
    )


def test_closed_contracts_page_and_filter_by_strategy_and_settlement_time() -> None:
    with Journal(":memory:") as journal:
        for n, (strategy, at, profit) in enumerate(
            [("a", 100, 0.5), ("b", 105, -1.0), ("a", 110, 0.5), ("a", 120, -1.0)], start=1
        ):
            journal.record_intent(Intent(f"{strategy}-{n}", strategy=strategy))
            journal.mark_sending(f"{strategy}-{n}", {"buy": "1"})
            journal.record_bought(
                f"{strategy}-{n}",
                contract_id=n,
                buy_price=1.0,
                payout=1.95,
                purchase_time=at - 5,
                transaction_id=None,
            )
            _settle(journal, n, at, profit)
        _buy(journal, "open-1", 99)  # still open: never in the closed list
        assert [c.contract_id for c in journal.settled()] == [1, 2, 3, 4]
        assert [c.contract_id for c in journal.settled(newest_first=True)] == [4, 3, 2, 1]
        assert [c.contract_id for c in journal.settled(strategy="a")] == [1, 3, 4]
        assert [c.contract_id for c in journal.settled(since=105, until=120)] == [2, 3]
        page = journal.settled(newest_first=True, limit=2, offset=1)
        assert [c.contract_id for c in page] == [3, 2]
        assert journal.count_settled() == 4
        assert journal.count_settled(strategy="a", since=110) == 2
        assert journal.count_settled(strategy="nobody") == 0


def test_control_actions_are_kept_in_order_with_their_time() -> None:
    times = iter([10.0, 20.0])
    with Journal(":memory:", clock=lambda: next(times)) as journal:
        journal.record_control({"action": "pause", "target": "a", "source": "web", "changed": True})
        journal.record_control({"action": "sell", "contract_id": 7, "source": "web"})
        assert journal.controls() == [
            {"at": 10.0, "action": "pause", "target": "a", "source": "web", "changed": True},
            {"at": 20.0, "action": "sell", "contract_id": 7, "source": "web"},
        ]
        (sale,) = [e for e in journal.events(kind="control") if e["contract_id"] == 7]
        assert sale["payload"]["action"] == "sell"
