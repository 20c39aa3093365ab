"""``ticks_history`` candles and the ``ohlc`` stream, as the real server serves them.

Every answer and stream message read here is validated against the official
``ticks_history/receive.json``; the ``ohlc`` payload is not described there, so its fields
are checked one by one against the server's. Bars are checked against the one candle rule
(:func:`~framework.market.candles.aggregate`) over the ticks the same simulator keeps.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import trio
from trio.testing import MockClock

from framework.deriv.calls import get_call
from framework.deriv.models import Candle
from framework.market.candles import GRANULARITIES, aggregate, open_time
from framework.market.errors import MarketError
from framework.simulator import Simulator, open_simulator
from framework.simulator.dispatch import Call
from framework.simulator.envelope import Envelope, SimError
from framework.simulator.handlers.market import ticks_history
from framework.simulator.ratelimit import RateLimiter, RateLimits
from framework.simulator.session import Session
from tests.schemas import validator
from tests.simulator.client import RawClient, connect
from tests.simulator.conftest import START, sim_options

OHLC_KEYS = {"close", "epoch", "granularity", "high", "id", "low", "open", "open_time", "symbol"}
Ticks = list[tuple[int, float]]


def valid(message: dict[str, Any]) -> dict[str, Any]:
    """``message``, after checking it against ``ticks_history/receive.json``."""
    errors = [e.message for e in validator("ticks_history", "receive").iter_errors(message)]
    assert not errors, (errors, message)
    return message


async def answer(client: RawClient, request: dict[str, Any]) -> dict[str, Any]:
    """The (validated) answer to ``request``: its first message that is not a stream's."""
    rid = await client.send(request)

    def first_answer(message: dict[str, Any]) -> bool:
        if message.get("req_id") != rid:
            return False
        return "error" in message or message["msg_type"] in ("history", "candles")

    return valid(await client.wait(first_answer))


async def ask(client: RawClient, **fields: Any) -> dict[str, Any]:
    """A ``ticks_history`` answer about R_100 up to now; an error fails the test."""
    reply = await answer(client, {"ticks_history": "R_100", "end": "latest", **fields})
    assert "error" not in reply, reply
    return reply


def bars_of(reply: dict[str, Any], granularity: int) -> list[Candle]:
    return [
        Candle.from_payload(row, symbol="R_100", granularity=granularity)
        for row in reply["candles"]
    ]


def kept_ticks(sim: Simulator, start: int, end: int) -> Ticks:
    """Every tick the simulator keeps in ``[start, end]`` (an answer holds 5000 at most)."""
    return [(t.epoch, t.quote) for t in sim.core.feeds.get("R_100").history(start, end)]


def ohlc_bar(message: dict[str, Any]) -> Candle:
    """The bar of an ``ohlc`` message, after checking its fields are the server's."""
    ohlc = valid(message)["ohlc"]
    assert set(ohlc) == OHLC_KEYS, ohlc
    assert ohlc["id"] == message["subscription"]["id"]
    for key in ("open", "high", "low", "close"):  # pip-sized text, as the feed sends it
        assert isinstance(ohlc[key], str) and len(ohlc[key].split(".")[1]) == 2, ohlc
    assert ohlc["open_time"] == ohlc["epoch"] - ohlc["epoch"] % ohlc["granularity"]
    return Candle.from_payload(ohlc)


@pytest.fixture
async def day_sim(schema_dir: Path) -> AsyncIterator[Simulator]:
    """A simulator that keeps a whole day of ticks: the day's bar is all in its history."""
    async with open_simulator(**sim_options(history_seconds=86_400)) as running:
        yield running


# -- the answer -----------------------------------------------------------------------------


async def test_bars_of_every_granularity_are_the_rule_over_the_ticks(
    autojump_clock: MockClock, day_sim: Simulator
) -> None:
    async with connect(day_sim) as client:
        now = (await client.call({"time": 1}))["time"]
        start = open_time(now, 86_400)  # on every granularity's boundary: whole bars
        ticks = kept_ticks(day_sim, start, now)
        for g in GRANULARITIES:
            reply = await ask(client, style="candles", granularity=g, start=start, count=5000)
            assert reply["msg_type"] == "candles" and reply["pip_size"] == 2
            assert all(
                row.keys() == {"close", "epoch", "high", "low", "open"} for row in reply["candles"]
            )
            assert bars_of(reply, g) == aggregate(ticks, "R_100", g), g


async def test_a_partial_first_bar_is_labelled_with_the_start(
    autojump_clock: MockClock, sim: Simulator, schema_dir: Path
) -> None:
    async with connect(sim) as client:
        now = (await client.call({"time": 1}))["time"]
        start = open_time(now, 300) - 900 + 7  # seven seconds into a five-minute bar
        bars = bars_of(await ask(client, style="candles", granularity=300, start=start), 300)
        first = aggregate(kept_ticks(sim, start, now), "R_100", 300)[0]
        assert bars[0] == Candle(
            start, first.open, first.high, first.low, first.close, "R_100", 300
        )
        assert [b.epoch for b in bars[1:]] == [start - 7 + 300 * i for i in range(1, len(bars))]
        # A window no longer than one bar is one bar labelled with its start, across a boundary.
        short = await ask(client, style="candles", granularity=60, start=now - 50, end=str(now))
        (bar,) = bars_of(short, 60)
        quotes = [q for _, q in kept_ticks(sim, now - 50, now)]
        assert open_time(now - 50, 60) != open_time(now, 60)
        assert bar == Candle(now - 50, quotes[0], max(quotes), min(quotes), quotes[-1], "R_100", 60)


async def test_count_keeps_the_latest_bars_and_the_last_one_is_forming(
    autojump_clock: MockClock, sim: Simulator, schema_dir: Path
) -> None:
    async with connect(sim) as client:
        now = (await client.call({"time": 1}))["time"]
        reply = await ask(client, style="candles", granularity=60, count=5)
        bars = bars_of(reply, 60)
        assert [b.epoch for b in bars] == [open_time(now, 60) - 60 * i for i in (4, 3, 2, 1, 0)]
        # The last bar is the forming one, to the latest tick.
        assert bars[-1] == aggregate(kept_ticks(sim, bars[-1].epoch, now), "R_100", 60)[0]
        # A granularity without a style means candles; the default granularity is 60.
        assert (await ask(client, granularity=60, count=5))["candles"] == reply["candles"]
        assert (await ask(client, style="candles", count=5))["candles"] == reply["candles"]
        # An explicit style ticks wins over a granularity, which then only sets the start.
        ticked = await ask(client, style="ticks", granularity=60, count=5)
        assert ticked["msg_type"] == "history" and len(ticked["history"]["times"]) == 5


async def test_history_reaches_back_far_beyond_the_ticks(
    autojump_clock: MockClock, schema_dir: Path
) -> None:
    options = sim_options(bar_history_seconds=10 * 86_400)  # an hour of ticks, ten days of bars
    async with open_simulator(**options) as sim, connect(sim) as client:
        hourly = bars_of(await ask(client, style="candles", granularity=3600, count=50), 3600)
        assert len(hourly) == 50  # two days of market, where the ticks reach back one hour
        assert [b.epoch for b in hourly] == [hourly[0].epoch + 3600 * i for i in range(50)]
        assert all(b.low <= min(b.open, b.close) <= max(b.open, b.close) <= b.high for b in hourly)
        # The hour before this one holds the genesis: the market drawn before it and the one
        # generated after it are one market, and its minute bars span back into that hour.
        hour = hourly[-2]
        assert hour.epoch < sim.core.feeds.genesis < hour.close_time
        reply = await ask(client, style="candles", granularity=60, start=hour.epoch, count=5000)
        minutes = [b for b in bars_of(reply, 60) if b.epoch < hour.close_time]
        assert len(minutes) == 60
        assert (minutes[0].open, minutes[-1].close) == (hour.open, hour.close)
        assert (max(b.high for b in minutes), min(b.low for b in minutes)) == (hour.high, hour.low)
        # Daily bars: as many as the ten days kept hold; memory is bounded by them.
        daily = bars_of(await ask(client, style="candles", granularity=86_400, count=50), 86_400)
        assert 10 <= len(daily) <= 11
        assert len(sim.core.feeds.get("R_100").bars) <= 10 * 1440 + 2
    # The same seed and genesis draw the same past, however it was asked for.
    async with open_simulator(**options) as sim, connect(sim) as client:
        reply = await ask(client, style="candles", granularity=3600, count=50)
        assert bars_of(reply, 3600) == hourly


# -- the stream -----------------------------------------------------------------------------


async def test_the_stream_continues_the_answer_at_every_granularity(
    autojump_clock: MockClock, day_sim: Simulator
) -> None:
    async with connect(day_sim) as client:
        latest = (await ask(client, count=1))["history"]["times"][-1]
        answered: dict[str, tuple[int, Candle]] = {}
        for g in GRANULARITIES:
            reply = await ask(client, style="candles", granularity=g, count=2, subscribe=1)
            answered[reply["subscription"]["id"]] = (g, bars_of(reply, g)[-1])
        seen: dict[str, list[dict[str, Any]]] = {sid: [] for sid in answered}
        while min(len(messages) for messages in seen.values()) < 40:
            message = await client.wait(lambda m: m["msg_type"] == "ohlc")
            seen[message["subscription"]["id"]].append(message)
        for sid, (g, last) in answered.items():
            messages = seen[sid][:40]
            # No tick lost or repeated: one message per tick, from the one after the answer.
            epochs = [m["ohlc"]["epoch"] for m in messages]
            assert epochs == [latest + 2 * i for i in range(1, 41)], g
            bars = [ohlc_bar(m) for m in messages]
            assert all(b.granularity == g and b.symbol == "R_100" for b in bars)
            # Each update is the whole bar so far: every tick since it opened, by the rule.
            for bar, epoch in ((bars[0], epochs[0]), (bars[-1], epochs[-1])):
                assert [bar] == aggregate(kept_ticks(day_sim, bar.epoch, epoch), "R_100", g)
            if bars[0].epoch == last.epoch:  # the answer's forming bar, carried on
                assert bars[0].open == last.open
                assert bars[0].high >= last.high and bars[0].low <= last.low


async def test_forget_and_forget_all_end_candle_streams(
    autojump_clock: MockClock, sim: Simulator, schema_dir: Path
) -> None:
    feed = sim.core.feeds.get("R_100")
    async with connect(sim) as client:
        before = feed.listener_count
        one = (await ask(client, style="candles", granularity=60, subscribe=1))["subscription"]
        two = (await ask(client, style="candles", granularity=120, subscribe=1))["subscription"]
        tick = (await ask(client, count=1, subscribe=1))["subscription"]
        assert feed.listener_count == before + 3
        assert (await client.call({"forget": one["id"]}))["forget"] == 1
        assert (await client.call({"forget": one["id"]}))["forget"] == 0
        assert (await client.call({"forget_all": "candles"}))["forget_all"] == [two["id"]]
        assert feed.listener_count == before + 1  # the tick stream stays
        assert valid(await client.stream(tick["id"]))["msg_type"] == "tick"
        again = await ask(client, style="candles", granularity=60, subscribe=1)
        assert again["subscription"]["id"] not in (one["id"], two["id"])


async def test_a_duplicate_is_refused_and_a_failed_request_leaves_no_stream(
    autojump_clock: MockClock, sim: Simulator, schema_dir: Path
) -> None:
    request = {
        "ticks_history": "R_100",
        "end": "latest",
        "granularity": 60,
        "subscribe": 1,
        "req_id": 7,
    }
    async with connect(sim) as client:
        assert "subscription" in await answer(client, request)
        duplicate = await answer(client, request)
        assert duplicate["error"] == {
            "code": "AlreadySubscribed",
            "message": "You are already subscribed to R_100",
        }
        assert "subscription" in await answer(client, {**request, "granularity": 120})
        unknown = await answer(client, {**request, "ticks_history": "NOPE_1", "req_id": 8})
        assert unknown["error"]["code"] == "InvalidSymbol"
        backwards = {**request, "req_id": 9, "start": START + 10, "end": str(START)}
        assert (await answer(client, backwards))["error"]["code"] == "InvalidStartEnd"
        # Only the two good streams were left open.
        assert len((await client.call({"forget_all": ["candles"]}))["forget_all"]) == 2


async def test_a_resent_subscription_after_a_reconnect_answers_the_history_again(
    autojump_clock: MockClock, sim: Simulator, schema_dir: Path
) -> None:
    feed = sim.core.feeds.get("R_100")
    listening = feed.listener_count
    fields = {"style": "candles", "granularity": 60, "count": 10, "subscribe": 1}
    async with connect(sim) as client:
        first = await ask(client, **fields)
        for _ in range(3):
            await client.stream(first["subscription"]["id"])
    assert feed.listener_count == listening  # the server forgets a closed connection's streams
    await trio.sleep(150)  # away for two and a half minutes
    async with connect(sim) as client:
        now = (await client.call({"time": 1}))["time"]
        second = await ask(client, **fields)
        assert second["subscription"]["id"] != first["subscription"]["id"]
        old, new = bars_of(first, 60), bars_of(second, 60)
        # Ten bars to now again: the gap's bars follow the closed bars seen before.
        assert [b.epoch for b in new] == [open_time(now, 60) - 60 * i for i in range(9, -1, -1)]
        closed = {b.epoch: b for b in old[:-1]}
        assert [b for b in new if b.epoch in closed] == [
            closed[b.epoch] for b in new if b.epoch in closed
        ]
        assert any(b.epoch in closed for b in new) and new[-1].epoch > old[-1].epoch
        assert valid(await client.stream(second["subscription"]["id"]))["msg_type"] == "ohlc"
        assert feed.listener_count == listening + 1


# -- refusals the official schema answers first ---------------------------------------------


def _handle(sim: Simulator, args: dict[str, Any]) -> None:
    session = Session(app_id=1089, push=lambda _: None, rate=RateLimiter(RateLimits()))
    ticks_history(Call(sim.core, session, get_call("ticks_history"), args, Envelope(args)))


async def test_invalid_granularity_and_style_have_the_server_messages(
    autojump_clock: MockClock, sim: Simulator, client: RawClient, schema_dir: Path
) -> None:
    # The official schema enumerates both, so over the wire its check answers first...
    wire = await answer(client, {"ticks_history": "R_100", "end": "latest", "granularity": 61})
    assert wire["error"]["code"] == "InputValidationFailed"
    # ...but the server checks them itself too (a newer schema takes any granularity).
    with pytest.raises(MarketError) as granularity:
        _handle(sim, {"ticks_history": "R_100", "end": "latest", "granularity": 61})
    assert (granularity.value.code, granularity.value.message) == (
        "InvalidGranularity",
        "Granularity is not valid",
    )
    with pytest.raises(SimError) as style:
        _handle(sim, {"ticks_history": "R_100", "end": "latest", "style": "bars"})
    assert (style.value.code, style.value.message) == ("InvalidStyle", "Style bars invalid")


async def test_a_market_that_opens_as_the_stream_starts(
    autojump_clock: MockClock, schema_dir: Path
) -> None:
    # No tick yet since genesis: the stream's first bar is its first tick alone.
    options = sim_options(start_epoch=START - START % 60, history_seconds=0)
    async with open_simulator(**options) as sim, connect(sim) as client:
        reply = await ask(client, style="candles", granularity=60, count=3, subscribe=1)
        assert len(reply["candles"]) == 3  # the market drawn before genesis
        bar = ohlc_bar(await client.stream(reply["subscription"]["id"]))
        assert bar.open == bar.high == bar.low == bar.close
        assert bar.epoch == sim.core.feeds.genesis
