"""Getting ticks into files: ``ticks_history`` downloads and live recordings, via the client.

:func:`download_ticks` fetches the last ``count`` ticks of a symbol in pages of at most 5000
(the server's limit), oldest first, appending each page to a
:class:`~framework.backtest.files.TickWriter` as soon as it arrives: memory holds one page, and
an interrupted download is resumed by calling it again on the same file (``after=`` the
file's last epoch), which continues from the next tick up to the latest one.

``ticks_history`` answers the *last* ``count`` ticks of a window ``[start, end]``, and the
server settles that window first: a missing ``start``, ``0``, one three years back or more,
or one not before now, becomes *one day before now*, and then an ``end`` before that start
becomes *now* (reference notes section 4.3; :mod:`framework.simulator.history` holds the
rules as the simulator applies them). So no request here leaves the window to the server:

* **walking back** (:func:`_walk_back`) from the server's ``time``, every request names an
  explicit ``[start, end]``, one day wide at first and twice as wide after each window that
  held less than a page. A full page continues from its earliest tick, a short one from
  before its window: no tick is skipped or counted twice. The walk stops when it has
  ``count`` ticks, when it has crossed :data:`QUIET_LIMIT` without a tick (the history
  begins there), or when the server answers ticks outside the window asked for (past what
  it serves: it fell back to its default window). ``start=0`` ("the beginning") would be
  one day back on the server, and a walk past that day would be answered the latest ticks
  again;
* **forward**, pages move with a time window sized from the tick rate seen so far; a full
  page that does not reach back to the window's start means the window was too wide, and
  it is halved and asked again.

A fresh download that finds fewer than ``count`` ticks has reached the beginning of the
server's history and returns what there is.

:func:`download_candles` does the same with ``ticks_history`` candles into a candle file
(:class:`~framework.backtest.candlefiles.CandleWriter`): closed bars only, in windows of
whole bars, walking back the same way in windows of whole bars.

:func:`record_ticks` subscribes to live ticks and appends them as they come.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any, Final, Protocol

from framework.deriv.errors import APIError
from framework.deriv.models import Candle, Tick
from framework.deriv.protocol import DEFAULT_APP_ID, MAX_HISTORY_COUNT
from framework.errors import UserError
from framework.market.candles import open_time

from .candlefiles import CandleWriter
from .errors import BacktestError
from .files import TickWriter

__all__ = [
    "PAGE",
    "QUIET_LIMIT",
    "HistorySource",
    "download_candles",
    "download_ticks",
    "open_market_client",
    "record_ticks",
]

PAGE: Final = MAX_HISTORY_COUNT
"""Largest ``count`` the server answers in one ``ticks_history``."""

QUIET_LIMIT: Final = 7 * 86_400
"""Seconds without a tick after which a walk back takes the history to have begun.

Longer than any market closure (a forex weekend beside a holiday is about four days):
an assumption, documented in docs/backtest.md."""

_FIRST_WINDOW: Final = 86_400
"""Seconds the first window of a walk back spans: the server's own default window."""


def refused(call: str, what: str, exc: APIError) -> UserError:
    """The one line for a market-data request the server refused (``InvalidSymbol``...).

    Args:
        call: the API call.
        what: the symbol(s) asked for.
        exc: the server's answer.

    Returns:
        The error to raise (exit 1).
    """
    return UserError(f"{call} {what}: the server refused: {exc.code}: {exc.message}")


class HistorySource(Protocol):
    """The part of :class:`framework.client.Client` a tick or candle download needs."""

    async def time(self) -> int:
        """Return the server's epoch."""
        ...

    async def ticks_history(
        self,
        symbol: str,
        *,
        end: str | int = "latest",
        count: int | None = None,
        start: int | None = None,
        style: str | None = None,
        granularity: int | None = None,
    ) -> Any:
        """Return a ``TickHistory`` (``times``, ``prices``, ``pip_size``), or candles for
        ``style="candles"``."""
        ...


async def _page(
    client: HistorySource, symbol: str, *, end: str | int, count: int, start: int
) -> tuple[tuple[int, ...], tuple[float, ...], int | None]:
    try:
        history = await client.ticks_history(symbol, end=end, count=count, start=start)
    except APIError as exc:
        raise refused("ticks_history", symbol, exc) from None
    times = getattr(history, "times", None)
    if times is None:
        raise BacktestError(f"ticks_history for {symbol} answered candles, not ticks")
    return tuple(times), tuple(history.prices), history.pip_size


def _said(symbol: str, pip: int | None) -> int:
    if pip is None:
        raise BacktestError(f"ticks_history for {symbol} did not say the pip_size")
    return pip


async def _walk_back(
    page: Callable[[int, int, int], Awaitable[Sequence[int]]],
    end: int,
    count: int,
    *,
    window: int = _FIRST_WINDOW,
) -> tuple[int | None, int]:
    """Walk back from ``end`` in explicit windows to where the last ``count`` items begin.

    Args:
        page: ``(start, end, n)`` to the epochs of the last ``n`` items with
            ``start <= epoch <= end``, oldest first.
        end: the last epoch to count.
        count: how many items.
        window: seconds the first window spans (doubled after each short one).

    Returns:
        ``(start, remaining)``: the earliest epoch found (``None``: nothing at all), and how
        many of ``count`` the history did not hold.
    """
    remaining = count
    earliest: int | None = None
    anchor = end  # the earliest epoch found, or the walk's end: quiet time counts from it
    while remaining > 0 and end >= 1:
        lo = max(1, end - window + 1)
        n = min(PAGE, remaining)
        epochs = await page(lo, end, n)
        if epochs and (epochs[0] < lo or epochs[-1] > end):
            break  # not the window asked for: the server does not serve that far back
        if epochs:
            earliest = anchor = epochs[0]
            remaining -= len(epochs)
        if len(epochs) >= n:
            end = epochs[0] - 1  # the window may hold more before the page's earliest
            continue
        if anchor - lo >= QUIET_LIMIT:
            break
        end = lo - 1
        window *= 2
    return earliest, remaining


async def _latest(client: HistorySource, symbol: str) -> tuple[int, int | None] | None:
    """The epoch of ``symbol``'s latest tick and the pip size said with it (``None``: no tick
    within :data:`QUIET_LIMIT` of the server's time)."""
    pips: list[int | None] = []

    async def epochs(lo: int, hi: int, n: int) -> Sequence[int]:
        times, _, pip = await _page(client, symbol, start=lo, end=hi, count=n)
        pips.append(pip)
        return times

    last, _ = await _walk_back(epochs, await client.time(), 1)
    return None if last is None else (last, pips[-1])


async def download_ticks(
    client: HistorySource,
    symbol: str,
    writer: TickWriter,
    *,
    count: int,
    after: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Append the last ``count`` ticks of ``symbol`` (or those after ``after``) to ``writer``.

    Args:
        client: a connected client.
        symbol: the symbol.
        writer: where ticks go (flushed after each page).
        count: how many of the latest ticks to fetch (fresh download).
        after: resume: fetch every tick with an epoch after this one, up to the latest
            (``count`` is then only the progress estimate).
        progress: called with ``(written, expected)`` after each page.

    Returns:
        Ticks written: fewer than ``count`` on a fresh download only when the server's
        history holds no more.

    Raises:
        BacktestError: the server answered something unusable.
        UserError: the server refused (an unknown symbol...); the message quotes it.
    """
    latest = await _latest(client, symbol)
    if latest is None:
        return 0
    last, pip = latest
    if after is not None:
        start = after + 1
        expected = count
        if start > last:
            return 0
    else:

        async def epochs(lo: int, hi: int, n: int) -> Sequence[int]:
            return (await _page(client, symbol, start=lo, end=hi, count=n))[0]

        found, remaining = await _walk_back(epochs, last, count)
        if found is None:
            return 0  # nothing asked for (``count`` 0)
        start, expected = found, count - remaining
    span = max(1, (last - start) * PAGE // max(expected, 1))
    written = 0
    cursor = start
    while cursor <= last:
        stop = min(cursor + span - 1, last)
        page_times, prices, page_pip = await _page(
            client, symbol, start=cursor, end=stop, count=PAGE
        )
        pip = _said(symbol, page_pip if page_pip is not None else pip)
        if len(page_times) >= PAGE and page_times[0] > cursor and span > 1:
            span = max(1, span // 2)  # the window held more than a page: ask a smaller one
            continue
        # Only ticks from the cursor on: a window that starts at the server's now is answered
        # with the day before it, as Deriv does.
        fresh = [(e, q) for e, q in zip(page_times, prices, strict=True) if e >= cursor]
        for epoch, quote in fresh:
            writer.write(Tick(symbol, epoch, quote, pip))
        writer.flush()
        written += len(fresh)
        if progress is not None:
            progress(written, max(expected, written))
        cursor = (page_times[-1] if page_times else stop) + 1
        if len(page_times) < PAGE // 2:
            span *= 2  # sparse window: take bigger steps
    return written


async def _bars(
    client: HistorySource, symbol: str, *, start: int, end: int, count: int, granularity: int
) -> tuple[Candle, ...]:
    try:
        answer = await client.ticks_history(
            symbol, start=start, end=end, count=count, style="candles", granularity=granularity
        )
    except APIError as exc:
        raise refused("ticks_history", symbol, exc) from None
    if not isinstance(answer, tuple):
        raise BacktestError(f"ticks_history candles for {symbol} answered ticks, not candles")
    return answer


async def download_candles(
    client: HistorySource,
    symbol: str,
    writer: CandleWriter,
    *,
    count: int,
    granularity: int,
    after: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Append the last ``count`` closed bars of ``symbol`` (or those after ``after``).

    Only closed bars are written: by the candle rule the bar of the latest tick is still
    forming, so the download ends with the bar before it (a resume later picks the rest up).
    Pages hold at most :data:`PAGE` bars, oldest first; each asks for whole bars
    (``start`` on a bar's open time, ``end`` on the last second of one).

    Args:
        client: a connected client.
        symbol: the symbol.
        writer: where bars go (flushed after each page).
        count: how many of the latest closed bars to fetch (fresh download).
        granularity: seconds per bar, one Deriv offers.
        after: resume: fetch every closed bar opening after this epoch.
        progress: called with ``(written, expected)`` after each page.

    Returns:
        Bars written: fewer than ``count`` on a fresh download only when the server's
        history holds no more.

    Raises:
        BacktestError: the server answered something unusable.
        UserError: the server refused (an unknown symbol...); the message quotes it.
    """
    g = granularity
    latest = await _latest(client, symbol)
    if latest is None:
        return 0
    pip = _said(symbol, latest[1])
    last = open_time(latest[0], g) - g  # the latest closed bar
    if after is not None:
        start = after + g
    else:

        async def epochs(lo: int, hi: int, n: int) -> Sequence[int]:
            page = await _bars(client, symbol, start=lo, end=hi, count=n, granularity=g)
            return [b.epoch for b in page if b.epoch <= hi]

        # Windows of whole bars: the first one ``count`` bars wide, on a bar's open time.
        found, _ = await _walk_back(epochs, last + g - 1, count, window=min(count, PAGE) * g)
        start = last + g if found is None else found
    expected = max((last - start) // g + 1, 0)
    written = 0
    cursor = start
    while cursor <= last:
        stop = min(cursor + PAGE * g, last + g) - 1  # a window of at most PAGE whole bars
        for bar in await _bars(client, symbol, start=cursor, end=stop, count=PAGE, granularity=g):
            if cursor <= bar.epoch <= last:
                writer.write(bar, pip)
                written += 1
        writer.flush()
        if progress is not None:
            progress(written, max(expected, written))
        cursor = stop + 1
    return written


async def record_ticks(
    client: Any,
    symbols: Sequence[str],
    writer: TickWriter,
    *,
    count: int | None = None,
    on_tick: Callable[[Tick], None] | None = None,
    flush_every: int = 100,
) -> int:
    """Append live ticks of ``symbols`` to ``writer`` until ``count`` or cancellation.

    Wrap in :func:`trio.move_on_after` for a duration. The file is flushed every
    ``flush_every`` ticks and when the recording ends, however it ends.

    Args:
        client: a connected :class:`framework.client.Client`.
        symbols: the symbols.
        writer: where ticks go.
        count: stop after this many ticks (``None``: until cancelled).
        on_tick: called with each tick after it is written.
        flush_every: ticks between flushes.

    Returns:
        Ticks written.

    Raises:
        UserError: the server refused the subscription (an unknown symbol...).
    """
    written = 0
    try:
        async with client.ticks(list(symbols)) as stream:
            async for tick in stream:
                if not isinstance(tick, Tick):
                    continue  # a ConnectionRestored marker: the stream carries on
                writer.write(tick)
                written += 1
                if on_tick is not None:
                    on_tick(tick)
                if written % flush_every == 0:
                    writer.flush()
                if count is not None and written >= count:
                    break
    except APIError as exc:
        raise refused("ticks", ", ".join(symbols), exc) from None
    finally:
        writer.flush()  # synchronous: nothing to shield, runs even when cancelled
    return written


@asynccontextmanager
async def open_market_client(
    endpoint: str = "embedded",
    *,
    app_id: int = DEFAULT_APP_ID,
    seed: int | str = 1,
    speed: float = 1.0,
    token_env: str = "DERIV_TOKEN",
    connect_within: float | None = None,
) -> AsyncIterator[Any]:
    """Connect a client to the embedded simulator or a real endpoint (market data only).

    Args:
        endpoint: ``embedded`` (an in-process simulator, reached in memory) or a
            ``ws://``/``wss://`` URL.
        app_id: the application id for a real endpoint.
        seed: the embedded simulator's seed (its market).
        speed: the embedded simulator's speed.
        token_env: environment variable holding a token for a real endpoint (optional:
            market data needs none).
        connect_within: seconds the connection may take at most, when shorter than the
            connection's own first-connection budget (``record --duration``).

    Yields:
        A connected :class:`framework.client.Client`.

    Raises:
        NeverConnected: the endpoint could not be reached (exit 1).
        TokenRefused: the server refused the token, or it is malformed (exit 3).
        UserError: what the body raised as one, out of the client's exception group, so
            that the command line prints its one line.
    """
    try:
        async with _open_market_client(
            endpoint,
            app_id=app_id,
            seed=seed,
            speed=speed,
            token_env=token_env,
            connect_within=connect_within,
        ) as client:
            yield client
    except BaseExceptionGroup as group:
        from framework.runtime.groups import sole_error

        error = sole_error(group)
        if isinstance(error, UserError):
            raise error from None
        raise


@asynccontextmanager
async def _open_market_client(
    endpoint: str,
    *,
    app_id: int,
    seed: int | str,
    speed: float,
    token_env: str,
    connect_within: float | None,
) -> AsyncIterator[Any]:
    # Imported here: only download/record need the network stack.
    from framework.client import open_client
    from framework.connection import AuthorizationFailed, BackoffPolicy, ConnectionSettings
    from framework.market import tick_intervals
    from framework.runtime.endpoint import TokenRefused

    if endpoint == "embedded":
        from framework.simulator import open_simulator
        from framework.simulator.memory import memory_connector

        # In the same process: reached in memory, the kernel has no part in it.
        async with open_simulator(seed=seed, speed=speed) as sim:
            settings = ConnectionSettings(
                url=sim.app_url(), tokens=(sim.token,), tick_intervals=tick_intervals()
            )
            async with open_client(settings, connector=memory_connector(sim)) as client:
                yield client
        return
    sep = "&" if "?" in endpoint else "?"
    url = endpoint if "app_id=" in endpoint else f"{endpoint}{sep}app_id={app_id}"
    token = os.environ.get(token_env)
    backoff = BackoffPolicy()
    if connect_within is not None:
        backoff = BackoffPolicy(first_connect=min(backoff.first_connect, connect_within))
    settings = ConnectionSettings(
        url=url, tokens=(token,) if token else (), tick_intervals=tick_intervals(), backoff=backoff
    )
    async with AsyncExitStack() as stack:
        try:
            client = await stack.enter_async_context(open_client(settings))
        except AuthorizationFailed as exc:
            raise TokenRefused(f"env:{token_env}", exc) from None
        yield client
