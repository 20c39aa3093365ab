"""One writer per journal (an OS lock that dies with its process), readers beside it, mode 0600."""

from __future__ import annotations

import fcntl
import os
import signal
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from structlog.testing import capture_logs

from framework.errors import UserError
from framework.journal import LOCK_SUFFIX, SCHEMA_VERSION, Journal, JournalError, JournalInUse
from tests.framework.test_journal import Intent

#: A second process that opens the journal, says so, and holds it until killed.
HOLDER = """
import signal, sys
from framework.journal import Journal
journal = Journal(sys.argv[1])
journal.record_intent(type("I", (), dict(
    intent_id="held-1", strategy="held", symbol="R_100", contract_type="CALL", duration=5,
    duration_unit="t", barrier=None, amount=1.0, basis="stake", currency="USD",
    created_epoch=1.0))())
print("holding", flush=True)
signal.pause()  # until the test kills it
"""


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_second_writer_in_another_process_is_refused_until_it_dies(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(path)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "holding"
        with pytest.raises(JournalInUse) as refused:
            Journal(path)
        message = str(refused.value)
        assert message.startswith(f"{path}: journal in use by another triobot process")
        assert f"pid {holder.pid}" in message and "\n" not in message
        assert isinstance(refused.value, UserError) and refused.value.exit_code == 4
        # Readers take no lock: what the running process wrote can be read now.
        with Journal(path, readonly=True) as reader:
            assert [i.intent_id for i in reader.intents()] == ["held-1"]
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=10)
    # kill -9 left no stale lock: the kernel dropped it with the process.
    with Journal(path) as journal:
        assert journal.intent("held-1") is not None
        assert (path.parent / (path.name + LOCK_SUFFIX)).read_text() == f"{os.getpid()}\n"


def test_the_lock_is_released_on_close_and_refused_while_held(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite"
    with Journal(path) as journal:
        journal.record_intent(Intent("a-1"))
        with pytest.raises(JournalInUse, match=f"pid {os.getpid()}"):
            Journal(path, create=False)
    with Journal(path) as again:
        assert again.intent("a-1") is not None


def test_a_holder_that_has_not_written_its_pid_yet(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite"
    lock = os.open(str(path) + LOCK_SUFFIX, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        with pytest.raises(JournalInUse, match="pid not yet written"):
            Journal(path)
        assert not path.exists(), "a refused writer touches nothing"
    finally:
        os.close(lock)


def test_readonly_refuses_writes_and_missing_or_foreign_files(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite"
    with pytest.raises(JournalError, match="no such journal"):
        Journal(path, readonly=True)
    Journal(path).close()
    with (
        Journal(path, readonly=True) as reader,
        pytest.raises(sqlite3.OperationalError, match="readonly"),
    ):
        reader.record_intent(Intent("a-1"))
    with sqlite3.connect(path) as db:
        db.execute("UPDATE meta SET value='9' WHERE key='schema_version'")
    with pytest.raises(JournalError, match=f"version 9, this triobot reads {SCHEMA_VERSION}"):
        Journal(path, readonly=True)
    with sqlite3.connect(path) as db:
        db.execute("DELETE FROM meta")
    with pytest.raises(JournalError, match="version 0"):
        Journal(path, readonly=True)


def test_a_version_1_journal_reads_as_it_is(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite"
    with Journal(path) as journal:
        journal.record_intent(Intent("old-1"))
        journal.mark_sending("old-1", {"price": 1.0})
    with sqlite3.connect(path) as db:
        db.execute("ALTER TABLE intents DROP COLUMN sent_epoch")
        db.execute("UPDATE meta SET value='1' WHERE key='schema_version'")
    with Journal(path, readonly=True) as reader:
        (row,) = reader.intents()
        assert (row.intent_id, row.sent_epoch) == ("old-1", None)
    with sqlite3.connect(path) as db:  # the reader did not upgrade it
        assert db.execute("SELECT value FROM meta").fetchone() == ("1",)


def test_created_private_with_its_sidecars(tmp_path: Path) -> None:
    path = tmp_path / "bot" / "journal.sqlite"
    os.umask(old := os.umask(0))  # read the umask back: the test must not depend on it
    try:
        with Journal(path) as journal:
            journal.record_intent(Intent("a-1"))
            sidecars = [Path(str(path) + s) for s in ("-wal", "-shm", LOCK_SUFFIX)]
            assert {p.name: _mode(p) for p in [path, *sidecars]} == {
                p.name: 0o600 for p in [path, *sidecars]
            }
    finally:
        os.umask(old)


def test_an_open_journal_is_tightened_and_said_so(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite"
    Journal(path).close()
    wal = Path(str(path) + "-wal")
    wal.write_bytes(b"")
    path.chmod(0o644)
    wal.chmod(0o664)
    with capture_logs() as logs, Journal(path) as journal:
        journal.record_intent(Intent("a-1"))
    assert _mode(path) == 0o600
    tightened = [e for e in logs if e["event"].startswith("journal file was readable")]
    assert [(e["file"], e["was"], e["now"]) for e in tightened] == [
        (str(path), "0644", "0600"),
        (str(wal), "0664", "0600"),
    ]
    assert all(e["log_level"] == "warning" for e in tightened)
    with capture_logs() as logs:
        Journal(path).close()
    assert logs == [], "a private journal opens in silence"


def test_a_journal_that_cannot_be_tightened_is_warned_about(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "journal.sqlite"
    Journal(path).close()
    path.chmod(0o640)

    def refuse(name: str, mode: int) -> None:
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(os, "chmod", refuse)
    with capture_logs() as logs:
        Journal(path).close()
    (warning,) = logs
    assert warning["event"] == "journal file readable by others; could not tighten it"
    assert (warning["file"], warning["mode"]) == (str(path), "0640")


def test_a_journal_that_cannot_be_opened_releases_its_lock(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite"
    path.mkdir()
    with pytest.raises(JournalError, match=f"{path}: cannot open the journal"):
        Journal(path)
    path.rmdir()
    Journal(path).close()  # the failed attempt left no lock behind
