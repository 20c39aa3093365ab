"""Forex over a real loopback socket, in virtual time, across a weekend close and reopening.

The simulator starts ten minutes before Friday's 21:00 UTC close: a tick stream runs to the
close, everything a client asks while the market is closed is answered as closed, and the
stream goes on with Monday's first tick. The replay's synthetic source shows the same ticks.
"""

from __future__ import annotations

import calendar
from itertools import pairwise
from pathlib import Path
from typing import Any

import trio
from trio.testing import MockClock

from framework.backtest.sources import SyntheticSource
from framework.market.hours import FOREX_HOURS
from framework.simulator import open_simulator
from tests.schemas import validator
from tests.simulator.client import SocketClient, connect_tcp
from tests.simulator.conftest import sim_options

FRIDAY = calendar.timegm((2023, 11, 17, 20, 50, 0))
CLOSE = calendar.timegm((2023, 11, 17, 21, 0, 0))
MONDAY = calendar.timegm((2023, 11, 20, 0, 0, 0))
SATURDAY = calendar.timegm((2023, 11, 18, 12, 0, 0))
CLOSED = {"code": "MarketIsClosed", "message": "This market is presently closed."}

#: No idle timeout: a weekend without ticks is two days without traffic (a real client pings).
OPTIONS = sim_options(start_epoch=FRIDAY, idle_timeout=None)


def _symbol(reply: dict[str, Any], symbol: str) -> dict[str, Any]:
    return next(s for s in reply["active_symbols"] if s["symbol"] == symbol)


def _check_schema(frames: list[dict[str, Any]]) -> None:
    for frame in frames:
        call = next(iter(frame["echo_req"]))
        errors = [e.message for e in validator(call, "receive").iter_errors(frame)]
        assert not errors, (frame, errors)


async def _closed_answers(client: SocketClient) -> None:
    """Everything asked while the market is closed."""
    symbols = await client.call({"active_symbols": "brief"})
    assert _symbol(symbols, "frxUSDJPY")["exchange_is_open"] == 0
    assert _symbol(symbols, "R_100")["exchange_is_open"] == 1
    refused = await client.call({"ticks": "frxEURUSD"})
    assert refused["error"] == CLOSED
    proposal = {
        "proposal": 1,
        "amount": 10,
        "basis": "stake",
        "contract_type": "CALL",
        "currency": "USD",
        "duration": 1,
        "duration_unit": "d",
        "symbol": "frxUSDJPY",
    }
    assert (await client.call(proposal))["error"] == CLOSED
    params = {k: v for k, v in proposal.items() if k != "proposal"}
    bought = await client.call({"buy": "1", "price": 10, "parameters": params})
    assert bought["error"] == CLOSED
    offered = (await client.call({"contracts_for": "frxUSDJPY"}))["contracts_for"]
    assert (offered["open"], offered["close"]) == (MONDAY, MONDAY + 4 * 86400 + 21 * 3600)
    times = await client.call({"trading_times": "today"})
    forex = next(m for m in times["trading_times"]["markets"] if m["name"] == "Forex")
    jpy = next(s for s in forex["submarkets"][0]["symbols"] if s["symbol"] == "frxUSDJPY")
    assert jpy["times"]["open"] == ["--"] and jpy["trading_days"][0] == "Mon"
    # The history still holds Friday's ticks, up to the last second before the close.
    history = await client.call({"ticks_history": "frxUSDJPY", "end": "latest", "count": 10})
    assert history["history"]["times"][-1] == CLOSE - 1


async def test_a_weekend_close_and_reopening(vclock: MockClock) -> None:
    async with open_simulator(**OPTIONS) as sim, connect_tcp(sim) as client:
        await client.authorize(sim.token)
        symbols = await client.call({"active_symbols": "brief"})
        assert _symbol(symbols, "frxUSDJPY")["exchange_is_open"] == 1
        offered = (await client.call({"contracts_for": "frxUSDJPY"}))["contracts_for"]
        assert (offered["open"], offered["close"]) == (CLOSE - 21 * 3600, CLOSE)
        types = {row["contract_category"] for row in offered["available"]}
        assert "digits" not in types and "accumulator" not in types
        # A Multiplier held over the weekend; a Rise/Fall that would expire after the close
        # is refused.
        late = {
            "proposal": 1, "amount": 10, "basis": "stake", "contract_type": "CALL",
            "currency": "USD", "duration": 15, "duration_unit": "m", "symbol": "frxUSDJPY",
        }  # fmt: skip
        refused = await client.call(late)
        assert refused["error"]["message"] == "Contract must expire during trading hours."
        mult = {
            "amount": 10, "basis": "stake", "contract_type": "MULTUP", "currency": "USD",
            "multiplier": 400, "symbol": "frxUSDJPY",
        }  # fmt: skip
        held = await client.call({"buy": "1", "price": 10, "parameters": mult})
        assert "error" not in held, held
        contract_id = held["buy"]["contract_id"]

        first = await client.call({"ticks": "frxUSDJPY"})
        sub = first["subscription"]["id"]
        tick = first["tick"]
        while tick["epoch"] < CLOSE - 1:
            tick = (await client.stream(sub))["tick"]
        assert tick["epoch"] == CLOSE - 1

        await trio.sleep(SATURDAY - CLOSE)  # the simulator's clock is the test's (speed 1)
        await _closed_answers(client)

        reopened = (await client.stream(sub, limit=3 * 86400))["tick"]
        assert reopened["epoch"] == MONDAY
        symbols = await client.call({"active_symbols": "brief"})
        assert _symbol(symbols, "frxUSDJPY")["exchange_is_open"] == 1
        poc = await client.call({"proposal_open_contract": 1, "contract_id": contract_id})
        assert poc["proposal_open_contract"]["current_spot_time"] >= MONDAY

        span = await client.call(
            {"ticks_history": "frxUSDJPY", "start": CLOSE - 5, "end": MONDAY + 5, "count": 50}
        )
        times = span["history"]["times"]
        assert times[:5] == list(range(CLOSE - 5, CLOSE)) and MONDAY in times
        assert [(a, b) for a, b in pairwise(times) if b - a != 1] == [(CLOSE - 1, MONDAY)]
        assert all(FOREX_HOURS.is_open(t) for t in times)

        # Parity: the replay's synthetic source, same seed and genesis, gives these ticks.
        feed = sim.core.feeds.get("frxUSDJPY")
        kept = list(feed.history(feed.first_epoch, feed.last.epoch))
        genesis = sim.core.feeds.genesis
        # Every tick seen since genesis (one a second while open), the kept ones last.
        seen = sum(hi - lo for lo, hi in FOREX_HOURS.intervals(genesis + 1, feed.last.epoch + 1))
        source = SyntheticSource("frxUSDJPY", seen, seed=7, genesis=genesis, chunk_size=997)
        replay = [t for chunk in source.chunks() for t in chunk]
        assert len(kept) > 1000 and replay[-len(kept) :] == kept


async def test_the_closed_market_frames_are_valid(vclock: MockClock, schema_dir: Path) -> None:
    async with (
        open_simulator(**sim_options(start_epoch=SATURDAY)) as sim,
        connect_tcp(sim) as client,
    ):
        await client.authorize(sim.token)
        await client.call({"ticks_history": "frxUSDJPY", "end": "latest", "count": 10})
        await client.call({"ticks_history": "frxUSDJPY", "end": "latest", "style": "candles"})
        for day in ("2023-11-17", "2023-11-20", "2023-11-18"):
            await client.call({"trading_times": day})
        await client.call({"active_symbols": "full"})
        await client.call({"contracts_for": "frxEURUSD"})
        await client.call({"ticks": "frxEURUSD"})
        await client.call({"ticks": ["R_100", "frxGBPUSD"]})
        _check_schema(client.seen)
