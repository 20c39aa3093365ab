"""Market hours: when a market that closes (forex) trades, as a weekly schedule in UTC.

Synthetic indices never close (their :attr:`~framework.market.symbols.SymbolSpec.hours` is
``None``). A market that closes has a :class:`MarketHours`: the sessions of one week, each an
``[open, close)`` interval in seconds from Monday 00:00 UTC, the same every week.

Forex (:data:`FOREX_HOURS`) trades from Monday 00:00:00 to Friday 21:00:00 UTC without a
break. That is Deriv's own ``trading_times`` for the major pairs: ``trading_days`` Mon-Fri,
``open`` ``00:00:00``, ``close`` ``23:59:59`` (the whole day) and, on Fridays, ``21:00:00``
with the event "Closes early (at 21:00)" (a recorded answer of 2018-08-24). Assumptions:

* the Friday close is 21:00 all year (an older recorded answer says 20:55; Deriv's close
  may follow the US daylight saving time, which is not modelled);
* the one second between a day's ``23:59:59`` close and the next day's ``00:00:00`` open is
  not a break (the market trades through midnight);
* holidays (Christmas, New Year) are not modelled: no public list of Deriv's was found.

All arithmetic is on epochs (no time zones, no ``datetime`` on per-tick paths).

:func:`check_trading_times` is Deriv's product rule for a market that closes
(``BOM::Product::Contract`` ``_validate_trading_times``), with its messages: closed at the
start is ``MarketIsClosed`` "This market is presently closed."; an intraday contract must
expire while the market is open ("Contract must expire during trading hours."), a daily one
on a trading day ("The contract must expire on a trading day."). A daily contract whose
expiry time falls after that day's close settles on the first tick after the reopening, on
the exit spot of the last tick before its expiry (the settlement rule of
:mod:`framework.market.settlement`); Deriv settles it at the close on the same spot.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Final

import attrs

from .errors import BUY_ERROR, MarketError

__all__ = [
    "CLOSED_MESSAGE",
    "DAY",
    "DAY_NAMES",
    "FOREX_HOURS",
    "WEEK",
    "MarketHours",
    "check_trading_times",
    "week_start",
]

CLOSED_MESSAGE: Final = "This market is presently closed."
"""``MarketIsClosed``'s message (reference notes section 1.3)."""

DAY: Final = 86_400
WEEK: Final = 7 * DAY

#: Epoch of a Monday 00:00 UTC (1970-01-05): the origin of the weekly schedule.
_MONDAY: Final = 4 * DAY

#: ``trading_times`` day names, Monday first (the schedule's order).
DAY_NAMES: Final = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def week_start(epoch: float) -> int:
    """The epoch of the Monday 00:00 UTC at or before ``epoch``."""
    t = int(epoch // 1)
    return t - (t - _MONDAY) % WEEK


@attrs.frozen
class MarketHours:
    """A weekly trading schedule in UTC.

    Attributes:
        sessions: ``(open, close)`` pairs in seconds from Monday 00:00 UTC, sorted, not
            overlapping, each within one week (``0 <= open < close <= WEEK``); the market
            is open at ``t`` when ``open <= t < close``.
        early_close: ``trading_times`` ``events`` text for a day that closes before midnight,
            by day name (``{"Fri": "Closes early (at 21:00)"}``).
    """

    sessions: tuple[tuple[int, int], ...]
    early_close: tuple[tuple[str, str], ...] = ()

    def __attrs_post_init__(self) -> None:
        last = 0
        for opened, closed in self.sessions:
            if not last <= opened < closed <= WEEK:
                raise ValueError(f"bad sessions {self.sessions!r}")
            last = closed

    def is_open(self, epoch: float) -> bool:
        """Tell whether the market trades at ``epoch``."""
        t = (int(epoch // 1) - _MONDAY) % WEEK
        return any(opened <= t < closed for opened, closed in self.sessions)

    def intervals(self, start: float, end: float) -> Iterator[tuple[int, int]]:
        """Yield the ``[open, close)`` epoch intervals that overlap ``[start, end)``, clipped."""
        base = week_start(start)
        while base < end:
            for opened, closed in self.sessions:
                lo, hi = max(base + opened, int(start // 1)), min(base + closed, end)
                if lo < hi:
                    yield int(lo), int(hi)
            base += WEEK

    def next_open(self, epoch: float) -> int:
        """The first second at or after ``epoch`` when the market is open."""
        for lo, _ in self.intervals(epoch, epoch + 2 * WEEK):
            return lo
        raise ValueError("a schedule without sessions never opens")

    def next_close(self, epoch: float) -> int:
        """The end of the session open at ``epoch``, or of the next one if it is closed.

        Sessions that touch (one ends where the next begins, across a week's end too) are
        one session.
        """
        end = None
        for lo, hi in self.intervals(self.next_open(epoch), epoch + 3 * WEEK):
            if end is not None and lo != end:
                break
            end = hi
        assert end is not None  # next_open found an open second
        return end

    def day(self, day_epoch: int) -> tuple[int, int] | None:
        """The first opening and the last close within one UTC day.

        Args:
            day_epoch: the day's 00:00 UTC.

        Returns:
            ``(open, close)`` epochs, or ``None`` when the market does not trade that day.
        """
        spans = list(self.intervals(day_epoch, day_epoch + DAY))
        if not spans:
            return None
        return spans[0][0], spans[-1][1]

    def trading_days(self) -> tuple[str, ...]:
        """The names of the days on which the market opens, Monday first."""
        monday = _MONDAY
        return tuple(
            name for i, name in enumerate(DAY_NAMES) if self.day(monday + i * DAY) is not None
        )


FOREX_HOURS: Final = MarketHours(
    sessions=((0, 4 * DAY + 21 * 3600),),
    early_close=(("Fri", "Closes early (at 21:00)"),),
)
"""Forex: Monday 00:00 to Friday 21:00 UTC (see the module docstring)."""


def check_trading_times(
    hours: MarketHours | None, date_start: int, seconds: int | None, *, daily: bool = False
) -> None:
    """Refuse a contract the market hours do not allow (see the module docstring).

    Args:
        hours: the symbol's hours (``None``: always open, nothing to check).
        date_start: the contract's start epoch (now).
        seconds: its length (``None`` for a contract without expiry or one in ticks).
        daily: whether it was asked for in days.

    Raises:
        MarketError: ``MarketIsClosed``, or ``ContractBuyValidationError`` for an expiry
            the market hours do not allow.
    """
    if hours is None:
        return
    if not hours.is_open(date_start):
        raise MarketError("MarketIsClosed", CLOSED_MESSAGE)
    if seconds is None:
        return
    expiry = date_start + seconds
    if daily:
        day = expiry - expiry % DAY
        if hours.day(day) is None:
            raise MarketError(
                BUY_ERROR, "The contract must expire on a trading day.", {"field": "duration"}
            )
    elif not hours.is_open(expiry):
        raise MarketError(
            BUY_ERROR, "Contract must expire during trading hours.", {"field": "duration"}
        )
