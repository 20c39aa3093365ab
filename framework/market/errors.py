"""The market model's single error type.

Everything the market model refuses (unknown symbol, contract not offered, stake out of
limits, resale not offered...) is raised as :class:`MarketError` carrying Deriv's own
``error.code`` and English ``message``, so the simulator can answer
``{"error": {"code": ..., "message": ..., "details": ...}}`` without translating anything.
"""

from __future__ import annotations

from typing import Any, Final

from framework.errors import TriobotError

__all__ = ["BUY_ERROR", "MarketError"]

BUY_ERROR: Final = "ContractBuyValidationError"
"""Deriv's code for a contract refused by product validation (proposal and buy)."""


class MarketError(TriobotError):
    """A Deriv-style refusal from the market model.

    Attributes:
        code: Deriv's ``error.code`` (e.g. ``"ContractBuyValidationError"``).
        message: Deriv's English ``error.message``.
        details: optional ``error.details`` object (``None`` when Deriv sends none).
    """

    def __init__(self, code: str, message: str, details: dict[str, Any] | None = None) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.details = details

    def __repr__(self) -> str:
        return f"MarketError({self.code!r}, {self.message!r}, details={self.details!r})"
