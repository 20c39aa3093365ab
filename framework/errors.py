"""Errors shared across the framework.

``framework.deriv.errors`` holds the protocol's own tree (API errors, protocol errors). This
module holds what the rest of the framework raises. :class:`UserError` marks a mistake the
user can fix (a bad config value, a missing scope, a bad argument): the command line prints its
message, without a traceback, and exits with :attr:`UserError.exit_code`.
"""

from __future__ import annotations

from typing import Any

import trio

__all__ = ["ConfigError", "TriobotError", "UserError", "sole_error"]


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


def sole_error(group: BaseExceptionGroup[Any]) -> BaseException:
    """The one meaningful error of a failed nursery, or the group itself.

    Strict exception groups wrap even a single failure; a command that must print one clear
    message (a refused token, a missing scope) unwraps it here. Cancellations caused by that
    failure are not meaningful; two real failures keep the group.
    """
    leaves: list[BaseException] = []

    def walk(exc: BaseException) -> None:
        if isinstance(exc, BaseExceptionGroup):
            for inner in exc.exceptions:
                walk(inner)
        elif not isinstance(exc, trio.Cancelled):
            leaves.append(exc)

    walk(group)
    return leaves[0] if len(leaves) == 1 else group
