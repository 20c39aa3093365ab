"""``triobot report`` on a file that is not a journal: one line, exit 1, the file untouched."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from bots.cli import main


@pytest.mark.parametrize(
    "content",
    [b"this is a text file, not SQLite\n" * 20, None],
    ids=["not-sqlite", "foreign-sqlite"],
)
def test_a_file_that_is_not_a_journal(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes | None
) -> None:
    path = tmp_path / "other.sqlite"
    if content is None:
        with sqlite3.connect(path) as db:  # a database of some other program
            db.execute("create table notes (body text)")
    else:
        path.write_bytes(content)
    before = path.read_bytes()
    assert main(["report", str(path)]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"triobot: {path}: not a triobot journal (")
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    assert path.read_bytes() == before  # report never writes to a foreign file
