"""The journal's schema: the server epoch at send, and journals written by older versions."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from framework.journal import SCHEMA_VERSION, Journal, JournalError
from framework.strategy.events import ContractOrder
from tests.framework.test_journal import Intent, _buy

SELL = ContractOrder("old-0/sell-1", "sell", "momentum", "old-0", 3, 1700000005)


def test_the_server_epoch_at_send_is_journaled(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite"
    with Journal(path) as journal:
        journal.record_intent(Intent("a-1"))
        journal.mark_sending("a-1", {"price": 1.0}, server_epoch=1_700_000_042)
        journal.record_intent(Intent("a-2"))
        journal.mark_sending("a-2", {"price": 1.0})
    with Journal(path) as journal:
        epochs = {row.intent_id: row.sent_epoch for row in journal.unresolved_intents()}
    assert epochs == {"a-1": 1_700_000_042, "a-2": None}


def as_version(path: Path, version: int) -> None:
    """Turn a journal into what ``version`` wrote: before 3 no orders and no ``end``,
    before 2 no ``sent_epoch`` either."""
    with sqlite3.connect(path) as db:
        db.execute("DROP TABLE orders")
        db.execute("DROP INDEX IF EXISTS orders_status")
        db.execute('ALTER TABLE contracts DROP COLUMN "end"')
        if version < 2:
            db.execute("ALTER TABLE intents DROP COLUMN sent_epoch")
        db.execute("UPDATE meta SET value=? WHERE key='schema_version'", (str(version),))


def _schema_version(path: Path) -> int:
    with sqlite3.connect(path) as db:
        return int(db.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()[0])


def test_a_version_1_journal_is_upgraded_in_place(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite"
    with Journal(path) as journal:
        journal.record_intent(Intent("old-1"))
        journal.mark_sending("old-1", {"price": 1.0})
    as_version(path, 1)
    with Journal(path, create=False) as journal:
        (row,) = journal.unresolved_intents()
        assert (row.intent_id, row.status, row.sent_epoch) == ("old-1", "sending", None)
        journal.record_intent(Intent("new-1"))
        journal.mark_sending("new-1", {"price": 1.0}, server_epoch=5)
        assert journal.intent("new-1") is not None
    assert _schema_version(path) == SCHEMA_VERSION == 3


def _settle(journal: Journal, contract_id: int, status: str) -> None:
    journal.record_settlement(
        contract_id,
        status=status,
        sell_price=0.5,
        profit=-0.5,
        entry_epoch=None,
        entry_quote=None,
        exit_epoch=None,
        exit_quote=None,
        settled_at=1700000009,
        end="expired",
    )


def test_a_version_2_journal_gets_orders_and_the_end_of_its_contracts(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite"
    with Journal(path) as journal:
        for n, contract_id in enumerate((1, 2, 3)):
            _buy(journal, f"old-{n}", contract_id)
        _settle(journal, 1, "lost")
        _settle(journal, 2, "sold")
    as_version(path, 2)
    with Journal(path, readonly=True) as reader:  # read as it is: no orders, ends from status
        assert [c.end for c in reader.contracts()] == ["expired", "sold", None]
        assert reader.orders() == [] and reader.closing_order(2) is None
    assert _schema_version(path) == 2
    with Journal(path) as journal:
        assert [c.end for c in journal.contracts()] == ["expired", "sold", None]
        journal.record_order(SELL, SELL.to_request())
        assert [o.order_id for o in journal.unresolved_orders()] == [SELL.order_id]
    assert _schema_version(path) == 3
    with sqlite3.connect(path) as db:  # the upgrade wrote the ends, not only the reader
        ends = db.execute('SELECT "end" FROM contracts ORDER BY contract_id').fetchall()
    assert ends == [("expired",), ("sold",), (None,)]


def test_an_upgrade_keeps_a_column_the_file_already_has(tmp_path: Path) -> None:
    # A file stamped older than its columns (an interrupted hand edit): nothing is added twice.
    path = tmp_path / "journal.sqlite"
    with Journal(path) as journal:
        _buy(journal, "a-1", 1)
    with sqlite3.connect(path) as db:
        db.execute("UPDATE meta SET value='1' WHERE key='schema_version'")
    with Journal(path) as journal:
        assert [c.contract_id for c in journal.open_contracts()] == [1]
    assert _schema_version(path) == 3


def test_a_journal_from_a_newer_triobot_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite"
    Journal(path).close()
    with sqlite3.connect(path) as db:
        db.execute("UPDATE meta SET value='9' WHERE key='schema_version'")
    with pytest.raises(JournalError, match="journal schema version 9, this triobot reads 3"):
        Journal(path)
