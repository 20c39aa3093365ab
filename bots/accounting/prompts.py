"""Questions to the person running a command: confirmations, verification codes, secrets.

Questions go to stderr (stdout may be a JSON document a script reads) and the answer is one
line of stdin, read in a worker thread so that the connection keeps answering the server's
keepalive while the user types. End of input is "no answer": a piped, empty stdin never
confirms anything. A secret (:func:`ask_secret`) typed at a terminal is not echoed; piped in,
it is read like any other line.
"""

from __future__ import annotations

import getpass
import sys

import trio

__all__ = ["ask", "ask_secret", "confirm"]


def _read_line() -> str | None:
    line = sys.stdin.readline()
    return line.strip() if line else None


def _on_terminal() -> bool:
    isatty = getattr(sys.stdin, "isatty", None)
    return bool(isatty is not None and isatty())


def _read_hidden(question: str) -> str | None:
    try:
        return getpass.getpass(question, stream=sys.stderr).strip()
    except EOFError:
        return None


async def ask(question: str) -> str | None:
    """Ask ``question`` on stderr; return the stripped answer, ``None`` at end of input."""
    print(question, end="", file=sys.stderr, flush=True)
    answer = await trio.to_thread.run_sync(_read_line, abandon_on_cancel=True)
    if answer is None:
        print(file=sys.stderr, flush=True)
    return answer


async def ask_secret(question: str) -> str | None:
    """:func:`ask` for a secret: at a terminal the answer is typed without being shown."""
    if not _on_terminal():
        return await ask(question)
    return await trio.to_thread.run_sync(_read_hidden, question, abandon_on_cancel=True)


async def confirm(question: str, *, assume_yes: bool = False) -> bool:
    """Ask a yes/no question (default no); ``assume_yes`` (``--yes``) answers it.

    Returns:
        whether the user said yes.
    """
    if assume_yes:
        return True
    answer = await ask(f"{question} [y/N] ")
    return answer is not None and answer.lower() in ("y", "yes")
