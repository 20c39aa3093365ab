"""Questions to the person running a command: confirmations and verification codes.

Questions go to stderr (stdout may be a JSON document a script reads) and the answer is one
line of stdin, read in a worker thread so that the connection keeps answering the server's
keepalive while the user types. End of input is "no answer": a piped, empty stdin never
confirms anything.
"""

from __future__ import annotations

import sys

import trio

__all__ = ["ask", "confirm"]


def _read_line() -> str | None:
    line = sys.stdin.readline()
    return line.strip() if line else None


async def ask(question: str) -> str | None:
    """Ask ``question`` on stderr; return the stripped answer, ``None`` at end of input."""
    print(question, end="", file=sys.stderr, flush=True)
    answer = await trio.to_thread.run_sync(_read_line, abandon_on_cancel=True)
    if answer is None:
        print(file=sys.stderr, flush=True)
    return answer


async def confirm(question: str, *, assume_yes: bool = False) -> bool:
    """Ask a yes/no question (default no); ``assume_yes`` (``--yes``) answers it.

    Returns:
        whether the user said yes.
    """
    if assume_yes:
        return True
    answer = await ask(f"{question} [y/N] ")
    return answer is not None and answer.lower() in ("y", "yes")
