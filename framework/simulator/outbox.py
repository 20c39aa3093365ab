"""Where verification emails go: nothing is mailed, codes land in an outbox.

``verify_email`` puts ``{"to", "type", "code"}`` here; the code is logged and, when the
simulator was given a file, appended to it as one JSON line, so a test or a user can read it
and pass it to ``new_account_virtual`` / ``paymentagent_withdraw``.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Iterable
from pathlib import Path

import attrs

from framework.logs import get_logger

__all__ = ["Email", "Outbox"]

_log = get_logger("triobot.simulator.outbox")


@attrs.frozen
class Email:
    """One verification email.

    Attributes:
        to: the address.
        type: the ``verify_email`` type (``account_opening``...).
        code: the verification code.
    """

    to: str
    type: str
    code: str


class Outbox:
    """Issued verification codes, checked and used up by the calls that need them.

    Attributes:
        sent: unused emails, oldest first.
        redeemed: emails whose code was used.
        path: the JSON-lines file emails are appended to (``None``: memory only).
        on_change: called after a code is issued or used (the state file keeps the pending
            ones, see :class:`framework.simulator.core.SimCore`).
    """

    def __init__(self, path: Path | str | None = None) -> None:
        self.sent: list[Email] = []
        self.redeemed: list[Email] = []
        self.path = Path(path) if path is not None else None
        self.on_change: Callable[[], None] = lambda: None

    def restore(self, pending: Iterable[Email]) -> None:
        """Take back the unused codes of an earlier run (from the state file)."""
        self.sent.extend(pending)

    def send(self, to: str, kind: str) -> Email:
        """Issue a code for ``to`` and record it."""
        email = Email(to, kind, secrets.token_hex(4).upper() + secrets.token_hex(2))
        self.sent.append(email)
        # The code is not a credential to protect here: reading it is the point of the outbox.
        _log.info("verification email", to=to, type=kind, code_issued=email.code)
        if self.path is not None:
            with self.path.open("a", encoding="utf-8") as out:
                out.write(json.dumps(attrs.asdict(email)) + "\n")
        self.on_change()
        return email

    def latest(self, to: str | None = None) -> Email | None:
        """The newest email (to ``to``, when given)."""
        for email in reversed(self.sent):
            if to is None or email.to == to:
                return email
        return None

    def find(self, code: str, kind: str, to: str | None = None) -> Email | None:
        """The unused email carrying ``code`` for ``kind`` (and ``to``), or ``None``."""
        for email in self.sent:
            if email.code == code and email.type == kind and (to is None or email.to == to):
                return email
        return None

    def redeem(self, code: str, kind: str, to: str | None = None) -> Email | None:
        """Use up a code issued for ``kind`` (and ``to``, when given); ``None`` if invalid."""
        email = self.find(code, kind, to)
        if email is not None:
            self.redeemed.append(email)
            self.sent.remove(email)
            self.on_change()
        return email
