"""The root of triobot's error tree.

Every error triobot raises on purpose derives from :class:`TriobotError`, so a caller can catch
"anything the bot refused or failed at" in one clause, and a test walks the whole tree to keep
it that way. The families below the root live next to the code that raises them (see
``docs/errors.md`` for the tree):

* :class:`UserError` marks a mistake the user can fix (a bad config value, a missing scope, a
  bad argument): the command line prints its message, without a traceback, and exits with
  :attr:`UserError.exit_code`;
* ``framework.deriv.errors.DerivError`` is the protocol core's family (protocol and API errors).

This module imports nothing from the framework and nothing async: the sans-IO protocol core
(``framework.deriv``) imports it and must stay importable without Trio.
"""

from __future__ import annotations

__all__ = ["ConfigError", "TriobotError", "UserError"]


class TriobotError(Exception):
    """Base of every error triobot raises on purpose."""


class UserError(TriobotError):
    """A mistake the user can fix; its message says what and where.

    Attributes:
        exit_code: the process exit code the command line uses (2 usage, 1 otherwise).
    """

    exit_code: int = 1

    def __init__(self, message: str, *, exit_code: int | None = None) -> None:
        super().__init__(message)
        if exit_code is not None:
            self.exit_code = exit_code


class ConfigError(UserError):
    """A config file that cannot be used; the message lists every problem found."""

    exit_code = 2
