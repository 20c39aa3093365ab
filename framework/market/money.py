"""Money rounding: the one place where amounts become 2-decimal floats.

Deriv quotes every amount (stake, payout, ask, bid, profit) with 2 decimals, rounded half-up
(``financialrounding``). Binary floats make ``round(2.675, 2) == 2.67``, so the rounding goes
through :class:`decimal.Decimal` on the float's shortest repr. This is never on a per-tick
path: amounts are computed once per proposal, purchase or settlement.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

__all__ = ["format_money", "round_money"]

_CENT = Decimal("0.01")


def round_money(amount: float) -> float:
    """Round an amount to cents, half-up, as Deriv does.

    Args:
        amount: any finite amount.

    Returns:
        The amount rounded to 2 decimals.
    """
    return float(Decimal(repr(amount)).quantize(_CENT, rounding=ROUND_HALF_UP))


def format_money(amount: float) -> str:
    """Format an amount with exactly 2 decimals (``10`` -> ``"10.00"``).

    Args:
        amount: any finite amount; it is rounded with :func:`round_money` first.

    Returns:
        The amount as Deriv displays it (``display_value``, limits in messages).
    """
    return f"{round_money(amount):.2f}"
