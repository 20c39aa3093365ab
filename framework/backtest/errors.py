"""Errors of the backtest package.

:class:`TickFileError` is a user mistake (a malformed or out-of-order tick or candle file) and
names the file and line; :class:`BacktestError` covers everything else the replay refuses to do.
"""

from __future__ import annotations

from framework.errors import TriobotError, UserError

__all__ = ["BacktestError", "TickFileError"]


class BacktestError(TriobotError):
    """A replay that cannot run as asked (bad setup, unknown symbol, empty source)."""


class TickFileError(UserError):
    """A tick or candle file that cannot be read; the message names the file and line."""

    exit_code = 2

    def __init__(self, path: str, line: int | None, message: str) -> None:
        where = f"{path}:{line}" if line is not None else path
        super().__init__(f"{where}: {message}")
        self.path = path
        self.line = line
