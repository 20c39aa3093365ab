"""One symbol's market data for the strategies: its ticks, the server's bars, and history.

One :class:`SymbolMarket` task per symbol feeds the strategy host everything about that
symbol, and it alone: ticks, the bars of each declared candle series, the declared history.
Two subscriptions on one socket are read by different tasks, so only this task can put the
server's bars and the ticks in one order; the rule is *values from the server, timing from
the tick*. The server's bars hold ticks this process never saw (before it started, during
a reconnect), so their values are taken; but a bar is given to the strategies only where a
replay of the same ticks gives it out, right before the ``on_tick`` of the tick that closed
it (:mod:`framework.market.candles`).

Start (before the strategies' ``on_start``), in this order:

1. the tick subscription opens; ticks wait in it;
2. per candle series, ``ticks_history`` with ``style: candles``, ``subscribe: 1`` and the
   declared ``history`` plus one (the forming bar): its answer is the series' history
   (closed bars to :meth:`~framework.strategy._host.StrategyHost.server_history`, the forming
   one to :meth:`~framework.strategy._host.StrategyHost.server_candle`), then the same
   subscription streams ``ohlc``;
3. the declared tick look-back: ``ticks_history`` with ``count``, as history;
4. the ticks that arrived meanwhile, as history too. The server answered after it had sent
   them, so the bars above hold them already; taking them again changes nothing (a bar's
   open stays, its high and low are extremes, its close ends on the latest quote).

Running: before each tick, every ``ohlc`` update that arrived is taken without waiting
(:meth:`~framework.connection.Stream.receive_nowait`); those of earlier ticks go to the
host, in arrival order, then the tick; the others wait for a later tick. An update is never
applied ahead of its own tick, so it closes a bar only where the ticks close it anyway (or
where its own tick never came): the strategies see the replay's order whichever of the two
streams the socket delivered first, and the reader may run ahead of this task.

Reconnect: the tick stream's :class:`~framework.connection.ConnectionRestored` marker comes
before the first tick after the gap. Before that tick is delivered, each series' re-sent
subscription answers its history again (waited for, if it has not come yet); when the gap
is longer than that answer reaches back, an explicit ``ticks_history`` with ``start`` at the
bar being formed when the connection was lost fetches the rest. The bars closed in the gap
go to the host oldest first (ascending granularity among bars closing together): none is
skipped, none given twice, each with the server's values. Ticks of the gap are not replayed:
the server does not resend them, so a strategy sees only the bars.
"""

from __future__ import annotations

from collections import deque
from contextlib import AsyncExitStack
from typing import Any, cast

import trio

from framework.client import Client
from framework.client.results import CandleUpdate, TickHistory
from framework.connection import ConnectionRestored, RequestTimeout, Stream
from framework.deriv.errors import APIError, PayloadError
from framework.deriv.models import Candle, Tick
from framework.deriv.protocol import MAX_HISTORY_COUNT
from framework.errors import TriobotError
from framework.logs import get_logger

from .runner import StrategyRunner

__all__ = ["StartupError", "SymbolMarket"]

# Bars asked for beyond what a gap needs (those that close while the request is on its way).
_SPARE_BARS = 10


class StartupError(TriobotError):
    """Something the bot needs at start could not be set up (subscription refused...)."""


class _Series:
    """One candle series' stream and the updates taken from it but not yet handed on.

    ``pending`` keeps arrival order: :class:`CandleUpdate` items, and the tuple of bars each
    (re-)sent subscription answers with.
    """

    __slots__ = ("awaiting", "granularity", "pending", "stream")

    def __init__(self, granularity: int, stream: Stream[tuple[Candle, ...] | CandleUpdate]):
        self.granularity = granularity
        self.stream = stream
        self.pending: deque[tuple[Candle, ...] | CandleUpdate] = deque()
        #: a restoration marker was read, the answer that follows it not yet.
        self.awaiting = False

    def take(self, item: tuple[Candle, ...] | CandleUpdate | ConnectionRestored) -> None:
        """Keep one item of the stream in :attr:`pending` (a marker only says what follows)."""
        if isinstance(item, ConnectionRestored):
            self.awaiting = True
            return
        if type(item) is tuple:
            self.awaiting = False
        self.pending.append(item)

    def drain(self) -> None:
        """Take every update that arrived, without waiting."""
        stream = self.stream
        while True:
            try:
                item = stream.receive_nowait()
            except (trio.WouldBlock, trio.EndOfChannel):
                # Ended (the bot is stopping): the ticks alone build the bars from here.
                return
            self.take(item)

    def answered(self) -> bool:
        """A history answer is waiting in :attr:`pending`."""
        return any(type(item) is tuple for item in self.pending)

    async def wait_answer(self) -> None:
        """Wait for the re-sent subscription's answer while the stream is being re-created.

        Also when an older answer is pending: the link may have gone again before the tick
        stream was re-created, and only the latest answer knows the whole gap.
        """
        while self.awaiting or self.stream.restoring:
            try:
                item = await self.stream.receive()
            except trio.EndOfChannel:
                return
            self.take(item)


class SymbolMarket:
    """Feeds one symbol's ticks, candles and history to the strategy host.

    Attributes:
        symbol: the symbol.
        history_bars: closed bars taken from the server's history answers (start and gaps).
        gap_fills: reconnects whose gap was filled from history.
        gap_fetches: of those, the ones that needed an explicit ``ticks_history``.
        missed_bars: bars of a gap that could not be fetched (a gap longer than one answer
            holds, or a refused history request; each logged).
    """

    def __init__(self, client: Client, runner: StrategyRunner, symbol: str, *, log: Any = None):
        """Prepare the feed of ``symbol`` (nothing runs until :meth:`run`)."""
        self.symbol = symbol
        self.history_bars = 0
        self.gap_fills = 0
        self.gap_fetches = 0
        self.missed_bars = 0
        self._client = client
        self._runner = runner
        self._host = runner.host
        self._log = log if log is not None else get_logger("triobot.market")
        self._series: dict[int, _Series] = {}
        self._last = -1  # epoch of the latest tick taken (history or delivered)

    def _wanted(self) -> dict[str, Any]:
        wanted: dict[str, Any] = self._host.book.wanted().get(
            self.symbol, {"ticks": 0, "candles": {}}
        )
        return wanted

    def start_requests(self) -> dict[str, int]:
        """The requests :meth:`run` makes before it reports started, by call, counted."""
        wanted = self._wanted()
        return {
            "ticks": 1,
            "ticks_history": len(wanted["candles"]) + (1 if wanted["ticks"] else 0),
        }

    async def run(self, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        """Subscribe, take the declared history, report started, then feed until cancelled.

        Raises:
            StartupError: the server refused a subscription or a history request.
        """
        symbol = self.symbol
        wanted = self._wanted()
        async with AsyncExitStack() as stack:
            what = f"ticks of {symbol!r}"
            try:
                ticks = await stack.enter_async_context(self._client.ticks(symbol))
                for g, keep in sorted(wanted["candles"].items()):
                    what = f"{g}-second candles of {symbol!r}"
                    stream = await stack.enter_async_context(
                        self._client.candles(symbol, g, count=min(keep + 1, MAX_HISTORY_COUNT))
                    )
                    self._series[g] = _Series(g, stream)
                what = f"the history of {symbol!r}"
                await self._warm_up(ticks, wanted["ticks"])
                task_status.started()
                what = f"the market data of {symbol!r}"
                await self._feed(ticks)
            except APIError as exc:
                raise StartupError(f"{what} refused: {exc.code}: {exc.message}") from exc

    # -- start ---------------------------------------------------------------------------

    async def _warm_up(self, ticks: Stream[Tick], tick_history: int) -> None:
        answers = {g: await self._answer(series) for g, series in self._series.items()}
        past: TickHistory | None = None
        if tick_history:
            found = await self._client.ticks_history(
                self.symbol, count=min(tick_history, MAX_HISTORY_COUNT)
            )
            assert isinstance(found, TickHistory)  # no style, no granularity: ticks
            past = found
        for g, bars in answers.items():
            self._take_bars(g, bars[:-1])
            if bars:
                self._host.server_candle(bars[-1], bars[-1].epoch)
        if past is not None:
            pip = past.pip_size if past.pip_size is not None else 0
            for epoch, quote in zip(past.times, past.prices, strict=True):
                self._warm_tick(Tick(self.symbol, epoch, quote, pip))
        while True:
            try:
                item = ticks.receive_nowait()
            except trio.WouldBlock:
                break
            if type(item) is Tick:
                self._warm_tick(item)
            else:
                await self._refill()
        self._log.info(
            "history taken",
            symbol=self.symbol,
            ticks=len(self._host.book.ticks(self.symbol)),
            candles={g: max(len(bars) - 1, 0) for g, bars in answers.items()},
        )

    async def _answer(self, series: _Series) -> tuple[Candle, ...]:
        """Wait for the subscription's history answer (its first item)."""
        while True:
            item = await series.stream.receive()
            if type(item) is tuple:
                return item

    def _warm_tick(self, tick: Tick) -> None:
        self._last = max(self._last, tick[1])
        self._runner.warm_up(tick)

    def _take_bars(self, granularity: int, bars: tuple[Candle, ...] | list[Candle]) -> int:
        new = self._host.server_history(self.symbol, granularity, bars)
        self.history_bars += new
        return new

    # -- running -------------------------------------------------------------------------

    async def _feed(self, ticks: Stream[Tick]) -> None:
        series = tuple(self._series.values())
        server_candle = self._host.server_candle
        on_tick = self._runner.on_tick
        async for item in ticks:
            if type(item) is Tick:
                epoch = item[1]
                for s in series:
                    s.drain()
                    pending = s.pending
                    while pending:
                        head = pending[0]
                        if type(head) is not CandleUpdate or head.epoch >= epoch:
                            break  # a history answer waits for the tick stream's marker
                        pending.popleft()
                        server_candle(head.candle, head.epoch)
                self._last = max(self._last, epoch)
                on_tick(item)
            else:  # the gap is right before this point
                downtime = cast(ConnectionRestored, item).downtime
                self._log.info(
                    "tick stream restored", symbol=self.symbol, downtime=round(downtime, 3)
                )
                await self._refill()

    async def _refill(self) -> None:
        """After a reconnect: hand the bars closed in the gap to the host, oldest first."""
        host = self._host
        closed: list[Candle] = []
        forming: list[Candle] = []
        answered = 0
        for g, series in self._series.items():
            series.drain()
            await series.wait_answer()
            if not series.answered():
                continue  # not re-sent since its answer was taken (a gap during the start)
            # What came before the (latest) answer happened before the gap; what came
            # after it stays pending, for the ticks it belongs before.
            while True:
                item = series.pending.popleft()
                if isinstance(item, CandleUpdate):
                    host.server_candle(item.candle, item.epoch)
                elif not series.answered():
                    break
            answered += 1
            bars = await self._reach_back(g, item)
            closed.extend(bars[:-1])
            forming.extend(bars[-1:])
        # Bars of several granularities in the order a replay closes them.
        closed.sort(key=lambda c: (c.close_time, c.granularity))
        for candle in closed:
            self._take_bars(candle.granularity, [candle])
        for candle in forming:
            host.server_candle(candle, max(candle.epoch, self._last))
        if answered:
            self.gap_fills += 1

    async def _reach_back(self, granularity: int, bars: tuple[Candle, ...]) -> tuple[Candle, ...]:
        """The answer's bars, or an explicit history from the bar the gap began in when
        the answer does not reach back that far."""
        found = self._host.book.series(self.symbol, granularity)
        assert found is not None, "a series is subscribed only when it is kept"
        since = found.builder.forming_open_time
        if since < 0 or not bars or bars[0].epoch <= since:
            return bars
        # From the bar the gap began in to the answer's forming bar, and a few more: bars
        # may have closed since the answer, and the server keeps the latest ``count``.
        count = min((bars[-1].epoch - since) // granularity + 1 + _SPARE_BARS, MAX_HISTORY_COUNT)
        self.gap_fetches += 1
        try:
            fetched = await self._client.ticks_history(
                self.symbol,
                start=since,
                count=count,
                style="candles",
                granularity=granularity,
            )
        except (APIError, PayloadError, RequestTimeout) as exc:
            # The bars the answer holds are still right: go on with those, say what is lost.
            self._lost(granularity, (bars[0].epoch - since) // granularity, str(exc))
            return bars
        assert isinstance(fetched, tuple)  # candles style
        if not fetched:
            return bars
        if fetched[0].epoch > since:
            self._lost(
                granularity,
                (fetched[0].epoch - since) // granularity,
                "more than one history answer holds",
            )
        return fetched

    def _lost(self, granularity: int, bars: int, why: str) -> None:
        self.missed_bars += bars
        self._log.warning(
            "candles of the gap lost",
            symbol=self.symbol,
            granularity=granularity,
            missed=bars,
            why=why,
        )
