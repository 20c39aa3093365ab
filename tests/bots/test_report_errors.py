"""``triobot report`` on files that are not journals: one line, exit 1, the reason once."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from bots.cli import main
from framework.journal import Journal
from framework.strategy import TradeIntent


def test_a_file_that_is_no_database_names_the_reason_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("not a database at all, and long enough to have a header\n" * 4)
    assert main(["report", str(path)]) == 1
    err = capsys.readouterr().err
    assert err == f"triobot: {path}: not a triobot journal (file is not a database)\n"


def test_a_database_of_something_else_is_not_a_journal(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "other.sqlite"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE cities (name TEXT)")
    db.close()
    assert main(["report", str(path)]) == 1
    err = capsys.readouterr().err
    assert err == f"triobot: {path}: not a triobot journal (no journal tables)\n"


def test_a_damaged_journal_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "j.sqlite"
    with Journal(path) as journal:
        for i in range(400):
            journal.record_intent(
                TradeIntent(f"a-{i}", "a", "R_100", "CALL", 5, "t", None, 1.0, "stake", "USD", 0)
            )
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA journal_mode=DELETE")  # one file, so the damage below is all of it
    db.close()
    data = bytearray(path.read_bytes())
    page = int.from_bytes(data[16:18], "big")
    for offset in range(len(data) - 4 * page, len(data)):
        data[offset] = 0xA5  # the last pages (the intents), not the schema on the first
    path.write_bytes(bytes(data))
    assert main(["report", str(path)]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"triobot: {path}: not a triobot journal (")
    assert err.count("\n") == 1 and "Traceback" not in err
