"""The journal's schema: the server epoch at send, and journals written by older versions."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from framework.journal import SCHEMA_VERSION, Journal, JournalError
from tests.framework.test_journal import Intent


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


def _as_version_1(path: Path) -> None:
    """Turn a journal into what version 1 wrote: no ``sent_epoch`` column."""
    with sqlite3.connect(path) as db:
        db.execute("ALTER TABLE intents DROP COLUMN sent_epoch")
        db.execute("UPDATE meta SET value='1' WHERE key='schema_version'")


def test_a_version_1_journal_is_upgraded_in_place(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite"
    with Journal(path) as journal:
        journal.record_intent(Intent("old-1"))
        journal.mark_sending("old-1", {"price": 1.0})
    _as_version_1(path)
    with Journal(path, create=False) as journal:
        (row,) = journal.unresolved_intents()
        assert (row.intent_id, row.status, row.sent_epoch) == ("old-1", "sending", None)
        journal.record_intent(Intent("new-1"))
        journal.mark_sending("new-1", {"price": 1.0}, server_epoch=5)
        assert journal.intent("new-1") is not None
    with sqlite3.connect(path) as db:
        version = db.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
    assert int(version[0]) == SCHEMA_VERSION == 2


def test_a_journal_from_a_newer_triobot_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite"
    Journal(path).close()
    with sqlite3.connect(path) as db:
        db.execute("UPDATE meta SET value='9' WHERE key='schema_version'")
    with pytest.raises(JournalError, match="journal schema version 9, this triobot reads 2"):
        Journal(path)
