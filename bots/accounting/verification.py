"""Verification codes (``verify_email``) and the secrets a command hands over once.

A code is sent by ``verify_email`` and read back from the user: on a real server they type
what they received by email (not echoed at a terminal); the embedded simulator's "email" is
its in-process outbox, so the code is taken from there (and said so) - the simulator forgets
its codes when it stops, so a code could not be carried from one command to the next anyway.
A code received earlier is given in a file (``--code-file``), never as an argument: the
process list would show it to every user of the machine.

New accounts come with a token. ``--save-token FILE`` writes it to a new file only its owner
can read (checked before anything is sent, so an account is never opened with nowhere to put
its token); otherwise the token is printed, once, because that is the only time it is shown.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from framework.errors import UserError
from framework.files import PRIVATE_MODE

from .options import refuse_on_command_line
from .prompts import ask_secret
from .session import Session

__all__ = ["add_code_file_option", "check_token_target", "save_token", "verification_code"]


async def verification_code(session: Session, email: str, kind: str, given: str | None) -> str:
    """The code to send with a call that needs one: ``given``, or a new one sent by email.

    Args:
        session: the session (must have declared ``verify_email`` unless ``given``).
        email: the address to send the code to.
        kind: the ``verify_email`` type (``account_opening``, ``paymentagent_withdraw``...).
        given: a code from ``--code-file``.

    Raises:
        UserError: no code was entered (exit 1).
    """
    if given:
        return given
    await session.client.verify_email(email, kind)
    simulator = session.simulator
    if simulator is not None:
        sent = simulator.outbox.latest(email)
        if sent is not None and sent.type == kind:
            session.output.note(f"embedded simulator: using the code it emailed to {email}")
            return sent.code
    answer = await ask_secret(f"Enter the verification code emailed to {email}: ")
    if not answer:
        raise UserError("no verification code entered; stopped before using it")
    return answer


def add_code_file_option(parser: argparse.ArgumentParser) -> None:
    """``--code-file PATH`` for a command that needs a verification code; ``--code`` refused."""
    parser.add_argument(
        "--code-file",
        type=Path,
        metavar="PATH",
        help="file holding a verification code already received (skips sending a new one); "
        "without it a code is emailed and asked for",
    )
    refuse_on_command_line(
        parser,
        "--code",
        instead="put the code in a file (--code-file PATH), or leave it out to be asked for it",
    )


def check_token_target(path: Path | None) -> None:
    """Refuse a ``--save-token`` file before anything is sent: it must be new, its folder real.

    Raises:
        UserError: the file exists or its folder does not (exit 2).
    """
    if path is None:
        return
    if path.exists():
        raise UserError(
            f"--save-token {path}: the file exists; it may hold another token", exit_code=2
        )
    if not path.parent.is_dir():
        raise UserError(f"--save-token {path}: folder does not exist", exit_code=2)


def save_token(path: Path, token: str) -> None:
    """Write ``token`` to a new file readable by its owner only (mode 600)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_MODE)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(token + "\n")
