"""``ticks_history`` as the real server computes it: the window, then the ticks or the bars.

The server (reference notes section 4.3; its RPC's ``_validate_start_end`` and ``_candles``)
first settles the window, in this order:

1. ``end``: ``latest`` (anything not digits) is now;
2. ``start`` after ``end``, both given, is refused: ``InvalidStartEnd`` "Start time S must be
   before end time E";
3. no ``start`` (or ``0``) but a ``count`` and a granularity: ``start = end - count * g``, the
   count first capped to 5000 (a ``granularity`` sent with ``style: ticks`` counts too);
4. still no ``start``, one three years back or more, or one not before now: a day back;
5. no ``end``, one before ``start`` or one after now: now;
6. a ``count`` of zero or less, or above 5000: 5000.

``adjust_start_time`` moves the window back over a closed market's hours only: synthetic
indices never close and their feed is licensed in real time, so it changes nothing here.

Ticks are the last ``count`` in the window. Bars are cut at the granularity's boundaries,
each the :func:`~framework.market.candles.span` of the ticks it holds; the first and the last
piece of the window may be partial, and the server labels a partial first bar with the
window's ``start`` itself (ask with ``start`` on a boundary to get whole bars) and a window no
longer than one bar as one bar labelled ``start``. The last ``count`` bars are answered.
"""

from __future__ import annotations

from itertools import groupby
from typing import TYPE_CHECKING, Final

import attrs

from framework.deriv.models import Candle
from framework.deriv.protocol import MAX_HISTORY_COUNT
from framework.market.candles import open_time, span

from .bars import MINUTE
from .envelope import SimError

if TYPE_CHECKING:
    from .feed import SymbolFeed

__all__ = ["Window", "candles", "forming", "window"]

_DAY: Final = 86_400
_THREE_YEARS: Final = 3 * 365 * _DAY


@attrs.frozen
class Window:
    """The settled window of a request.

    Attributes:
        start: the earliest epoch answered.
        end: the latest epoch answered.
        count: the most ticks or bars answered (the latest ones).
    """

    start: int
    end: int
    count: int


def window(*, start: int, end: str, count: int, granularity: int, now: int) -> Window:
    """Settle a request's window, as the server does (see the module docstring).

    Args:
        start: the request's ``start`` (``0`` when absent).
        end: the request's ``end`` (``latest`` or epoch digits).
        count: the request's ``count``.
        granularity: the bar length asked for (``0`` for ticks without one).
        now: the server's epoch.

    Raises:
        SimError: ``InvalidStartEnd``.
    """
    end_at = int(end) if end.isdigit() else now
    if start and end_at and start > end_at:
        raise SimError("InvalidStartEnd", f"Start time {start} must be before end time {end_at}")
    if not start and count and granularity:
        if count <= 0 or count > MAX_HISTORY_COUNT:
            count = MAX_HISTORY_COUNT
        start = end_at - count * granularity
    if not start or start <= now - _THREE_YEARS or start >= now:
        start = now - _DAY
    if not end_at or end_at < start or end_at > now:
        end_at = now
    if count <= 0 or count > MAX_HISTORY_COUNT:
        count = MAX_HISTORY_COUNT
    # start <= end here: the server checks once more, but nothing above can break it.
    return Window(start, end_at, count)


def candles(feed: SymbolFeed, win: Window, granularity: int) -> list[Candle]:
    """The bars of ``win`` at ``granularity``, oldest first, the last ``win.count``."""
    start, end, g = win.start, win.end, granularity
    if end - start <= g:
        bar = span(_pieces(feed, start, end + 1), start, g)
        return [bar] if bar is not None else []
    first_stop = open_time(start, g) + g
    last_stop = first_stop + g * ((end - first_stop) // g)
    # Only the last ``count`` windows are answered: do not build the ones before them.
    lo = max(first_stop, last_stop - win.count * g)
    head = span(_pieces(feed, start, first_stop), start, g) if lo == first_stop else None
    middle = [
        span(group, opened, g)
        for opened, group in groupby(
            feed.bars.between(lo, last_stop), key=lambda bar: open_time(bar.epoch, g)
        )
    ]
    tail = span(_pieces(feed, last_stop, end + 1), last_stop, g)
    bars = [bar for bar in (head, *middle, tail) if bar is not None]
    return bars[-win.count :]


def forming(feed: SymbolFeed, granularity: int) -> Candle | None:
    """The bar at ``granularity`` that holds the feed's latest tick (what ``ohlc`` shows)."""
    latest = feed.last.epoch
    opened = open_time(latest, granularity)
    return span(_pieces(feed, opened, latest + 1), opened, granularity)


def _pieces(feed: SymbolFeed, lo: int, hi: int) -> list[Candle]:
    """What ``[lo, hi)`` holds, as bars: whole minutes, and the ticks of partial ones."""
    head_end = min(hi, lo - lo % MINUTE + MINUTE) if lo % MINUTE else lo
    tail_start = max(head_end, hi - hi % MINUTE)
    pieces = _part(feed, lo, head_end) if head_end > lo else []
    pieces += feed.bars.between(head_end, tail_start)
    if hi > tail_start:
        pieces += _part(feed, tail_start, hi)
    return pieces


def _part(feed: SymbolFeed, lo: int, hi: int) -> list[Candle]:
    """Part of one minute, ``[lo, hi)``: its ticks as one-tick bars while they are kept."""
    if lo >= feed.first_epoch:
        return [
            Candle(t.epoch, t.quote, t.quote, t.quote, t.quote, t.symbol)
            for t in feed.history(lo, hi - 1)
        ]
    # Older than the tick history: only the whole minute is known.
    minute = lo - lo % MINUTE
    return feed.bars.between(minute, minute + MINUTE)
