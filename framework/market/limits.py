"""Trading limits and pricing defaults, kept in one place.

Values are the ones commonly seen on Deriv virtual/real USD accounts for binary options on
synthetic indices (reference notes section 5); they are not verified for every currency.
"""

from __future__ import annotations

from typing import Final

__all__ = [
    "DEFAULT_COMMISSION",
    "HIGH_LOW_TICKS",
    "MAX_PAYOUT",
    "MAX_RUN_TICKS",
    "MAX_TICKS",
    "MIN_RUN_TICKS",
    "MIN_STAKE",
    "MIN_TICKS",
    "MIN_TOUCH_TICKS",
]

MIN_STAKE: Final = 0.35
"""Smallest ask price (stake) accepted, in account currency."""

MAX_PAYOUT: Final = 50000.0
"""Largest payout accepted, in account currency."""

MIN_TICKS: Final = 1
"""Shortest tick-expiry contract (Rise/Fall, digits)."""

MIN_TOUCH_TICKS: Final = 5
"""Shortest tick-expiry Touch/No Touch and Higher/Lower (with a barrier) contract."""

MAX_TICKS: Final = 10
"""Longest tick-expiry contract."""

HIGH_LOW_TICKS: Final = 5
"""High/Low Ticks (TICKHIGH/TICKLOW) always last 5 ticks; ``selected_tick`` is 1 to 5."""

MIN_RUN_TICKS: Final = 2
"""Shortest Only Ups/Only Downs (RUNHIGH/RUNLOW) contract (Deriv's trader offers 2-5 ticks;
the pricing engine would take 1, the offerings do not)."""

MAX_RUN_TICKS: Final = 5
"""Longest Only Ups/Only Downs contract."""

DEFAULT_COMMISSION: Final = 0.0128
"""Added to the theoretical probability: ``ask = payout * (p + commission)``.

Chosen so that an at-the-money Rise/Fall (p = 0.5) pays ``1 / 0.5128 = 1.950`` times the
stake, the figure Deriv advertises; Matches then pays about 8.87x and Differs about 1.096x.
"""
