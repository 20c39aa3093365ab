"""Files only their owner may read: a database that holds tokens or account data, a secret.

The simulator's ``--state`` file holds every token it accepts in plain text; the journal holds
the account's trades. :func:`make_private` creates such a file with mode 0600, and tightens
one found more open (with a warning saying so) rather than only warning: the process that
writes it and the commands that read it run as the same user, so nobody else has a reason to
read it, and a warning alone would leave it open on every run until someone acted.

A file the user wrote a secret into (a token, a password) is theirs: :func:`read_secret`
only warns when others may read it, in the same words wherever the file was named.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Sequence
from pathlib import Path

from .logs import get_logger

__all__ = ["PRIVATE_MODE", "SQLITE_SIDECARS", "make_private", "read_secret"]

#: The owner may read and write; nobody else may do anything.
PRIVATE_MODE = 0o600
#: The files SQLite keeps beside a database (rollback journal, write-ahead log, its index).
SQLITE_SIDECARS = ("-journal", "-wal", "-shm")

_log = get_logger("triobot.files")


def make_private(path: Path | str, *, what: str, sidecars: Sequence[str] = SQLITE_SIDECARS) -> None:
    """Create ``path`` with mode 0600, or take group and other access off it and its sidecars.

    SQLite gives the sidecars it creates later the database's own mode, so a private
    database keeps them private too; sidecars left by an earlier, more open run are tightened
    here.

    Args:
        path: the file (created empty when missing).
        what: how the warnings name it ("simulator state file").
        sidecars: suffixes of the files kept beside it.
    """
    name = os.fspath(path)
    os.close(os.open(name, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, PRIVATE_MODE))
    for each in (name, *(name + suffix for suffix in sidecars)):
        try:
            mode = stat.S_IMODE(os.stat(each).st_mode)
        except FileNotFoundError:
            continue
        if mode & 0o077 == 0:
            continue
        try:
            os.chmod(each, mode & 0o700)
        except OSError as exc:
            _log.warning(
                f"{what} readable by others; could not tighten it",
                file=each,
                mode=f"{mode:04o}",
                error=exc.strerror,
            )
        else:
            _log.warning(
                f"{what} was readable by others; tightened to owner only",
                file=each,
                was=f"{mode:04o}",
                now=f"{mode & 0o700:04o}",
            )


def read_secret(path: Path) -> tuple[str, str | None]:
    """The text of a file holding a secret, and a warning when group or others may read it.

    Args:
        path: the file.

    Returns:
        The text as written (callers strip what their secret cannot hold), and ``None`` or
        one line saying the file is open to others and how to close it.

    Raises:
        OSError: the file cannot be read.
        UnicodeDecodeError: the file is not UTF-8 text.
    """
    mode = stat.S_IMODE(path.stat().st_mode)
    text = path.read_text(encoding="utf-8")
    if mode & 0o077 == 0:
        return text, None
    return text, f"{path} is readable by other users (mode {mode:o}); run: chmod 600 {path}"
