"""The symbol task's order, step by step: streams fed by hand, one strategy recording.

What the socket delivers is set here item by item, so the orders the live bot meets only by
chance (an ``ohlc`` update ahead of its tick, a tick stream restored before the candles'
answer) are each shown once.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
import trio
import trio.testing

from framework.client.results import CandleUpdate, TickHistory
from framework.connection import ConnectionRestored, Overflow, Stream, Subscription
from framework.connection.stats import ConnectionStats
from framework.connection.streams import raw_parser
from framework.deriv.errors import APIError
from framework.risk import RiskGate, RiskLimits
from framework.runtime import StartupError, StrategyRunner
from framework.runtime.market import SymbolMarket
from framework.strategy import (
    Candle,
    CandleSeries,
    MemoryStateStore,
    MemoryVenue,
    NoParams,
    Strategy,
    Tick,
)
from framework.strategy._host import StrategySetup

SYMBOL = "R_100"


def bar(epoch: int, close: float = 1.5, granularity: int = 60) -> Candle:
    return Candle(epoch, 1.0, 2.0, 0.5, close, SYMBOL, granularity)


def tick(epoch: int, quote: float = 1.2) -> Tick:
    return Tick(SYMBOL, epoch, quote, 2)


class Watch(Strategy[NoParams]):
    Params = NoParams
    candles = (CandleSeries(60, history=1),)
    tick_history = 2

    def on_start(self) -> None:
        self.events: list[Any] = [("start", tuple(self.ctx.candles(60)), len(self.ctx.ticks()))]

    def on_candle(self, candle: Candle) -> None:
        self.events.append(candle)

    def on_tick(self, tick: Tick) -> None:
        self.events.append(tick.epoch)


def _subscription(name: str) -> Subscription:
    return Subscription(0, name, {}, policy=Overflow.CONFLATE, capacity=64, description=name)


class FakeClient:
    """The client calls the symbol task makes, over subscriptions the test feeds."""

    def __init__(self, answer: tuple[Candle, ...], fetched: Any = ()) -> None:
        self.tick_sub = _subscription("ticks")
        self.candle_sub = _subscription("ticks_history")
        self.candle_sub.offer(answer)
        self.fetched = fetched
        self.requests: list[dict[str, Any]] = []
        self.refuse: APIError | None = None

    @asynccontextmanager
    async def ticks(self, symbol: str) -> AsyncIterator[Stream[Any]]:
        yield Stream(self.tick_sub, raw_parser, ConnectionStats())

    @asynccontextmanager
    async def candles(self, symbol: str, granularity: int, *, count: int) -> AsyncIterator[Any]:
        if self.refuse is not None:
            raise self.refuse
        self.requests.append({"subscribe": granularity, "count": count})
        yield Stream(self.candle_sub, raw_parser, ConnectionStats())

    async def ticks_history(self, symbol: str, **fields: Any) -> Any:
        self.requests.append(fields)
        if "style" in fields:
            if isinstance(self.fetched, Exception):
                raise self.fetched
            return self.fetched
        return TickHistory(times=(1040, 1041), prices=(1.1, 1.3), pip_size=2)


async def started(client: FakeClient, nursery: trio.Nursery) -> tuple[SymbolMarket, Watch]:
    runner = StrategyRunner(RiskGate(RiskLimits()))
    await nursery.start(runner.run)
    slot = runner.host.add(
        StrategySetup("w", Watch, NoParams(), (SYMBOL,)),
        venue=MemoryVenue(),
        state=MemoryStateStore(),
    )
    market = SymbolMarket(client, runner, SYMBOL)  # type: ignore[arg-type]
    await nursery.start(market.run)
    runner.start_all()
    return market, slot.strategy  # type: ignore[return-value]


async def test_an_update_ahead_of_its_tick_waits_for_that_tick() -> None:
    client = FakeClient((bar(960), bar(1020, close=1.3)))
    async with trio.open_nursery() as nursery:
        market, watch = await started(client, nursery)
        assert watch.events == [("start", (bar(960),), 2)]
        assert client.requests[0] == {"subscribe": 60, "count": 2}
        # The server moved to the next bar, and its ohlc came in before two of the ticks.
        client.candle_sub.offer(CandleUpdate(bar(1080, close=1.7), 1080))
        client.tick_sub.offer(tick(1078))
        client.tick_sub.offer(tick(1080, 1.7))
        await trio.testing.wait_all_tasks_blocked()
        nursery.cancel_scope.cancel()
    closed = Candle(1020, 1.0, 2.0, 0.5, 1.2, SYMBOL, 60)  # the server's bar, then tick 1078
    assert watch.events[1:] == [1078, closed, 1080]
    assert market.history_bars == 1


@pytest.mark.parametrize("fetch", ["all", "from-1080", "refused"])
async def test_the_first_tick_after_a_gap_waits_for_the_bars_of_the_gap(fetch: str) -> None:
    server = [bar(e, close=1.0 + e / 10_000) for e in (1020, 1080, 1140, 1200)]
    fetched: Any = {
        "all": tuple(server),
        "from-1080": tuple(server[1:]),
        "refused": APIError("RateLimit", "You have reached the rate limit for ticks_history."),
    }[fetch]
    client = FakeClient((bar(960), bar(1020, close=1.3)), fetched)
    async with trio.open_nursery() as nursery:
        market, watch = await started(client, nursery)
        client.tick_sub.offer(tick(1050))
        await trio.testing.wait_all_tasks_blocked()
        # The link goes: an update of the bar then forming had arrived; then the tick
        # stream is re-created first, the candles' subscription not yet.
        client.candle_sub.offer(CandleUpdate(bar(1020, close=1.4), 1055))
        for sub in (client.tick_sub, client.candle_sub):
            sub.gap_since = 0.0
        client.tick_sub.restored(150.0)
        client.tick_sub.offer(tick(1250))
        await trio.testing.wait_all_tasks_blocked()
        assert watch.events[-1] == 1050  # held until the gap is filled
        client.candle_sub.restored(151.0)
        client.candle_sub.offer((server[2], server[3]))  # count 2: it misses 1020 and 1080
        await trio.testing.wait_all_tasks_blocked()
        nursery.cancel_scope.cancel()
    assert client.requests[-1] == {
        "start": 1020, "count": 14, "style": "candles", "granularity": 60
    }  # fmt: skip
    # Short of the whole gap (logged, counted), never a bar twice or out of order.
    given, missed = {
        "all": (server[:3], 0),
        "from-1080": (server[1:3], 1),
        "refused": (server[2:3], 2),
    }[fetch]
    assert watch.events[watch.events.index(1050) :] == [1050, *given, 1250]
    assert market.missed_bars == missed
    assert (market.gap_fills, market.gap_fetches) == (1, 1)


async def test_a_reconnect_without_candle_series_delivers_on() -> None:
    client = FakeClient(())
    async with trio.open_nursery() as nursery:
        runner = StrategyRunner(RiskGate(RiskLimits()))
        await nursery.start(runner.run)
        market = SymbolMarket(client, runner, SYMBOL)  # type: ignore[arg-type]
        client.tick_sub.offer(tick(1000))
        client.tick_sub.offer(ConnectionRestored(downtime=3.0))  # during the start
        await nursery.start(market.run)
        client.tick_sub.offer(ConnectionRestored(downtime=1.0))
        client.tick_sub.offer(tick(1010))
        await trio.testing.wait_all_tasks_blocked()
        nursery.cancel_scope.cancel()
    assert runner.last_epoch[SYMBOL] == 1010 and runner.ticks == 1
    assert market.gap_fills == 0 and client.requests == []


async def test_a_refused_candle_subscription_stops_the_start() -> None:
    client = FakeClient(())
    client.refuse = APIError("InvalidGranularity", "Granularity is not valid")
    async with trio.open_nursery() as nursery:
        with pytest.raises(StartupError, match="60-second candles of 'R_100' refused: Invalid"):
            await started(client, nursery)
        nursery.cancel_scope.cancel()


async def test_after_two_outages_the_latest_answer_fills_the_gap() -> None:
    server = [bar(e, close=1.0 + e / 10_000) for e in (1020, 1080, 1140, 1200, 1260)]
    client = FakeClient((bar(960), bar(1020, close=1.3)), tuple(server))
    async with trio.open_nursery() as nursery:
        market, watch = await started(client, nursery)
        client.tick_sub.offer(tick(1050))
        await trio.testing.wait_all_tasks_blocked()
        for sub in (client.tick_sub, client.candle_sub):
            sub.gap_since = 0.0
        # The candles were re-created, then the link went again before the ticks were.
        client.candle_sub.restored(10.0)
        client.candle_sub.offer((server[0], server[1]))
        client.candle_sub.gap_since = 20.0
        client.tick_sub.restored(200.0)
        client.tick_sub.offer(tick(1290))
        await trio.testing.wait_all_tasks_blocked()
        assert watch.events[-1] == 1050
        client.candle_sub.restored(201.0)
        client.candle_sub.offer((server[3], server[4]))
        await trio.testing.wait_all_tasks_blocked()
        nursery.cancel_scope.cancel()
    assert watch.events[watch.events.index(1050) :] == [1050, *server[:4], 1290]
    assert (market.gap_fills, market.gap_fetches, market.missed_bars) == (1, 1, 0)


async def test_an_ended_candle_stream_leaves_the_bars_to_the_ticks() -> None:
    client = FakeClient((bar(960), bar(1020, close=1.3)))
    async with trio.open_nursery() as nursery:
        market, watch = await started(client, nursery)
        client.candle_sub.gap_since = 0.0
        client.candle_sub.finish()  # e.g. the connection stopping under the bot
        client.tick_sub.offer(tick(1079))
        client.tick_sub.offer(ConnectionRestored(downtime=1.0))
        client.tick_sub.offer(tick(1081))
        await trio.testing.wait_all_tasks_blocked()
        nursery.cancel_scope.cancel()
    built = Candle(1020, 1.0, 2.0, 0.5, 1.2, SYMBOL, 60)
    assert watch.events[1:] == [1079, built, 1081]
    assert market.gap_fills == 0


async def test_the_start_counts_its_requests_for_the_budgets() -> None:
    client = FakeClient((bar(960), bar(1020, close=1.3)))
    async with trio.open_nursery() as nursery:
        market, _ = await started(client, nursery)
        nursery.cancel_scope.cancel()
    # The tick stream, the 60-second series, the two ticks of look-back.
    assert market.start_requests() == {"ticks": 1, "ticks_history": 2}
    assert len(client.requests) == 2  # the candles' subscription and the tick history
