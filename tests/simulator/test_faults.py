"""Fault injection: drops, delays, stalls, malformed frames, forced RateLimit, idle close."""

from __future__ import annotations

import json
from typing import Literal

import pytest
import trio
from trio.testing import MockClock
from trio_websocket import ConnectionClosed

from framework.simulator import Faults, Simulator, open_simulator, parse_faults
from tests.simulator.client import SocketClient, connect_tcp
from tests.simulator.conftest import sim_options
from tests.simulator.session_script import PARAMS

BUY = {"buy": "1", "price": 10, "parameters": PARAMS}


async def expect_closed(client: SocketClient, limit: float = 30) -> int:
    """Read until the connection closes (within ``limit`` seconds); return the close code."""
    with pytest.raises(ConnectionClosed) as info, trio.fail_after(limit):
        while True:
            await client.receive()
    assert info.value.reason is not None
    return info.value.reason.code


@pytest.mark.parametrize(("when", "held"), [("before", 0), ("after", 1)])
async def test_drop_on_buy(
    vclock: MockClock, sim: Simulator, when: Literal["before", "after"], held: int
) -> None:
    sim.faults.drop_on("buy", when=when)
    async with connect_tcp(sim) as raw:
        await raw.authorize(sim.token)
        await raw.send(BUY)
        assert await expect_closed(raw) == 1006  # cut, no closing handshake
    assert len(sim.contracts()) == held
    assert sim.faults.fired == {f"drop_{when}": 1}
    async with connect_tcp(sim) as again:  # the rule was used up: the next connection works
        await again.authorize(sim.token)
        portfolio = (await again.call({"portfolio": 1}))["portfolio"]["contracts"]
        assert len(portfolio) == held
        assert "error" not in await again.call(BUY)


async def test_drop_after_n_messages(vclock: MockClock, sim: Simulator) -> None:
    sim.faults.drop_after(4)
    async with connect_tcp(sim) as raw:
        await raw.send({"ticks": "R_100"})
        with pytest.raises(ConnectionClosed):
            while True:
                await raw.receive()
        assert len(raw.seen) == 4


async def test_delay_holds_one_answer_without_blocking_others(
    vclock: MockClock, sim: Simulator
) -> None:
    sim.faults.delay(5.0, call="time", times=1)
    async with connect_tcp(sim) as raw:
        start = trio.current_time()
        slow = await raw.send({"time": 1})
        fast = await raw.send({"ping": 1})
        first = await raw.receive()
        assert first["req_id"] == fast
        second = await raw.receive()
        assert second["req_id"] == slow
        assert trio.current_time() - start >= 5.0


async def test_stall_stops_answering_pings_too(vclock: MockClock, sim: Simulator) -> None:
    sim.faults.stall(call="ping")
    async with connect_tcp(sim) as raw:
        assert "error" not in await raw.call({"time": 1})
        await raw.send({"ping": 1})
        with trio.move_on_after(30) as scope:
            await raw.receive()
        assert scope.cancelled_caught
        with trio.move_on_after(10) as scope:
            await raw.ws.ping()
        assert scope.cancelled_caught  # the WebSocket layer went silent as well
        await raw.ws.aclose()


async def test_malformed_frame_then_the_answer(vclock: MockClock, sim: Simulator) -> None:
    sim.faults.malformed(call="ping")
    async with connect_tcp(sim) as raw:
        await raw.send({"ping": 1})
        junk = await raw.ws.get_message()
        with pytest.raises(json.JSONDecodeError):
            json.loads(junk)
        assert json.loads(await raw.ws.get_message())["ping"] == "pong"


async def test_forced_rate_limit(vclock: MockClock, sim: Simulator) -> None:
    sim.faults.rate_limit(call="buy", times=2)
    async with connect_tcp(sim) as raw:
        await raw.authorize(sim.token)
        for _ in range(2):
            reply = await raw.call(BUY)
            assert reply["error"] == {
                "code": "RateLimit",
                "message": "You have reached the rate limit for buy.",
            }
        assert "error" not in await raw.call(BUY)
    assert len(sim.contracts()) == 1


async def test_idle_connections_are_closed(vclock: MockClock, sim: Simulator) -> None:
    async with connect_tcp(sim) as raw:
        await raw.call({"ping": 1})
        start = trio.current_time()
        assert await expect_closed(raw, 300) == 1006
        assert 120 <= trio.current_time() - start <= 121


async def test_streams_keep_a_connection_alive(vclock: MockClock, sim: Simulator) -> None:
    async with connect_tcp(sim) as raw:
        sub = (await raw.call({"ticks": "R_100"}))["subscription"]["id"]
        with trio.move_on_after(300):
            while True:
                await raw.stream(sub)
        assert sim.connection_count == 1


async def test_drop_connections_cuts_everyone(vclock: MockClock, sim: Simulator) -> None:
    async with connect_tcp(sim) as one, connect_tcp(sim) as two:
        await one.call({"ping": 1})
        await two.call({"ping": 1})
        assert sim.drop_connections() == 2
        assert await expect_closed(one) == 1006
        assert await expect_closed(two) == 1006


async def test_faults_from_the_command_line_spec(vclock: MockClock) -> None:
    options = sim_options(faults="rate_limit=ping:1")
    async with open_simulator(**options) as sim, connect_tcp(sim) as raw:
        assert (await raw.call({"ping": 1}))["error"]["code"] == "RateLimit"
        assert (await raw.call({"ping": 1}))["ping"] == "pong"


def test_parse_faults() -> None:
    faults = parse_faults("drop_on=buy:after, delay=0.5:proposal, stall, malformed=ticks:*,"
                          "rate_limit=*:3, drop_after=40")  # fmt: skip
    kinds = [(r.kind, r.call, r.times) for r in faults.rules]
    assert kinds == [
        ("drop_after", "buy", 1),
        ("delay", "proposal", None),
        ("stall", None, 1),
        ("malformed", "ticks", None),
        ("rate_limit", None, 3),
    ]
    assert faults.send_budget == 40
    for bad in ("explode", "drop_on=buy:later", "delay=soon", "drop_after=x"):
        with pytest.raises(ValueError, match="bad fault"):
            parse_faults(bad)


def test_fault_rules_are_used_up() -> None:
    faults = Faults()
    faults.drop_on("buy", times=2)
    assert faults.on_request("buy").drop_before
    assert not faults.on_request("sell").drop_before
    assert faults.on_request("buy").drop_before
    assert faults.on_request("buy").is_noop
