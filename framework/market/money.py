"""Money rounding: the one place where amounts become 2-decimal floats.

Deriv quotes every amount (stake, payout, ask, bid, profit) with 2 decimals, rounded half-up
(``financialrounding``). Binary floats make ``round(2.675, 2) == 2.67``, so the rule is
:class:`decimal.Decimal`'s half-up on the float's shortest repr. Deciding it that way costs
microseconds, and a replay rounds several amounts per trade, so the builtin ``round`` answers
wherever it must agree with the rule (see :func:`round_money`) and Decimal decides the rest.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Final

__all__ = ["format_money", "round_money"]

_CENT = Decimal("0.01")

_NEAR_TIE: Final = 1e-6
"""How close to a half cent an amount must be for Decimal to decide its rounding."""

_FAST_LIMIT: Final = 1e9
"""Below this magnitude a float's spacing (under 1.2e-7) is far inside :data:`_NEAR_TIE`."""


def round_money(amount: float) -> float:
    """Round an amount to cents, half-up, as Deriv does.

    Args:
        amount: any finite amount.

    Returns:
        The amount rounded to 2 decimals.
    """
    # The builtin rounds the binary value to the nearest cent, half to even. Away from a
    # half cent that is the nearest cent of the shortest repr too (the two differ by less
    # than a float's spacing), so only a near tie goes to Decimal, which applies half-up.
    rounded = round(amount, 2)
    if -_FAST_LIMIT < amount < _FAST_LIMIT and abs(abs(amount - rounded) - 0.005) > _NEAR_TIE:
        return rounded
    return float(Decimal(repr(amount)).quantize(_CENT, rounding=ROUND_HALF_UP))


def format_money(amount: float) -> str:
    """Format an amount with exactly 2 decimals (``10`` -> ``"10.00"``).

    Args:
        amount: any finite amount; it is rounded with :func:`round_money` first.

    Returns:
        The amount as Deriv displays it (``display_value``, limits in messages).
    """
    return f"{round_money(amount):.2f}"
