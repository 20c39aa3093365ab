"""End to end: the client against the embedded simulator and its faults.

One test goes over real loopback WebSockets, under ``vclock`` (see ``tests/conftest.py`` for
why its threshold is not 0): it is the one about the socket. The others are about how the
connection and the client live through the simulator's faults, drops and restarts; they reach
the simulator in memory (:mod:`framework.simulator.memory`: the same WebSocket protocol and
faults, no socket) and run under ``autojump_clock``.
"""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
import trio
from structlog.testing import capture_logs
from trio.testing import MockClock

from framework.client import BuyOutcome, Client
from framework.connection import (
    BackoffPolicy,
    Connection,
    ConnectionRestored,
    ConnectionSettings,
    KeepalivePolicy,
)
from framework.deriv.errors import RateLimit
from framework.deriv.models import Tick, Transaction
from framework.market import tick_intervals
from framework.simulator import Simulator, open_simulator
from framework.simulator.memory import memory_connector, open_memory_transport
from framework.transport import ConnectFailed, Transport

START = 1_700_000_000
PARAMS: dict[str, Any] = {
    "contract_type": "CALL",
    "symbol": "R_100",
    "currency": "USD",
    "amount": 10,
    "basis": "stake",
    "duration": 5,
    "duration_unit": "t",
}


def _settings(sim: Simulator, **overrides: Any) -> ConnectionSettings:
    values: dict[str, Any] = {
        "url": sim.app_url(),
        "tokens": (sim.token,),
        "backoff": BackoffPolicy(initial=0.2, maximum=2.0, max_attempts=30, healthy_after=10),
        "tick_intervals": tick_intervals(),
    }
    values.update(overrides)
    return ConnectionSettings(**values)


def _sim_options(**overrides: Any) -> dict[str, Any]:
    return {"seed": 7, "start_epoch": START, "history_seconds": 600, **overrides}


@pytest.fixture
async def sim() -> AsyncIterator[Simulator]:
    async with open_simulator(**_sim_options()) as running:
        yield running


@pytest.fixture
async def client(sim: Simulator, nursery: trio.Nursery) -> Client:
    """A client that reaches ``sim`` in memory."""
    connection = Connection(_settings(sim), connector=memory_connector(sim), rng=random.Random(5))
    await nursery.start(connection.run)
    return Client(connection)


async def test_trade_over_real_websockets(
    sim: Simulator, nursery: trio.Nursery, vclock: MockClock
) -> None:
    connection = Connection(_settings(sim), rng=random.Random(5))  # dials the simulator's port
    await nursery.start(connection.run)
    client = Client(connection)
    async with client.ticks("R_100") as ticks, client.transaction() as transactions:
        tick = await ticks.receive()
        assert isinstance(tick, Tick) and tick.symbol == "R_100"
        proposal = await client.proposal(
            contract_type="CALL", symbol="R_100", amount=10, duration=5, duration_unit="t"
        )
        outcome = await client.buy(proposal, price=proposal.ask_price)
        assert outcome.bought
        event = await transactions.receive()
        assert isinstance(event, Transaction)
        assert event.action == "buy" and event.contract_id == outcome.contract_id
    assert [c.contract_id for c in sim.contracts()] == [outcome.contract_id]


async def _run_with_drops(sim: Simulator, client: Client, rng: random.Random) -> list[BuyOutcome]:
    outcomes: list[BuyOutcome] = []
    for _ in range(6):
        fault = rng.choice(["none", "before", "after", "frames", "cut"])
        if fault in ("before", "after"):
            sim.faults.drop_on("buy", when="before" if fault == "before" else "after")
        elif fault == "frames":
            sim.faults.drop_after(rng.randint(1, 8))
        elif fault == "cut":
            sim.drop_connections()
        await trio.sleep(rng.uniform(0, 2))
        outcome = await client.buy(PARAMS, price=10)
        if not outcome.detail.startswith("not sent"):
            outcomes.append(outcome)
        sim.faults.clear()
    return outcomes


async def test_random_drops_against_the_simulator(
    sim: Simulator, client: Client, autojump_clock: trio.abc.Clock
) -> None:
    markers = 0
    last: dict[str, int] = {}
    seen: dict[str, int] | None = None
    back = trio.Event()
    async with client.ticks(["R_100", "R_50"]) as ticks:

        async def consume() -> None:
            nonlocal markers
            async for item in ticks:
                if isinstance(item, ConnectionRestored):
                    markers += 1
                else:
                    assert item.epoch > last.get(item.symbol, -1)
                    last[item.symbol] = item.epoch
                    if seen is not None and all(last[s] > seen.get(s, -1) for s in seen):
                        back.set()

        async with trio.open_nursery() as nursery:
            nursery.start_soon(consume)
            outcomes: list[BuyOutcome] = []
            for seed in range(10):
                outcomes += await _run_with_drops(sim, client, random.Random(seed))
            seen = {"R_100": last.get("R_100", -1), "R_50": last.get("R_50", -1)}
            with trio.fail_after(30):  # every stream delivers again
                await back.wait()
            nursery.cancel_scope.cancel()
    bought = [o for o in outcomes if o.bought]
    assert {o.contract_id for o in bought} == {c.contract_id for c in sim.contracts()}
    assert len(bought) == len(sim.contracts())
    assert any(o.reconciled for o in outcomes) and markers >= 1


async def test_restart_with_state_and_a_lost_buy(
    tmp_path: Path, autojump_clock: trio.abc.Clock
) -> None:
    state = tmp_path / "sim.sqlite"
    running: list[Simulator] = []  # the simulator up now, if any

    @asynccontextmanager
    async def connect() -> AsyncIterator[Transport]:
        # Whichever simulator runs now; refused while none does, as its port would be.
        if not running:
            raise ConnectFailed("memory://simulator", "connection refused")
        async with open_memory_transport(running[0]) as transport:
            yield transport

    async with AsyncExitStack() as first, trio.open_nursery() as nursery:
        sim = await first.enter_async_context(open_simulator(**_sim_options(state=state)))
        running.append(sim)
        connection = Connection(
            _settings(sim, backoff=BackoffPolicy(initial=2.0, maximum=4.0, max_attempts=30)),
            connector=connect,
            rng=random.Random(1),
        )
        await nursery.start(connection.run)
        client = Client(connection)
        events = connection.events()
        kept = await client.buy(PARAMS, price=10)
        assert kept.bought

        async with client.ticks("R_100") as ticks:
            await ticks.receive()
            sim.faults.drop_on("buy", when="after")
            result: list[BuyOutcome] = []
            done = trio.Event()

            async def lost_buy() -> None:
                result.append(await client.buy(PARAMS, price=10))
                done.set()

            nursery.start_soon(lost_buy)
            await events.receive()  # the answer is lost: now restart the server
            running.clear()
            await first.aclose()
            async with open_simulator(**_sim_options(state=state)) as again:
                running.append(again)
                restored = await ticks.receive()
                assert isinstance(restored, ConnectionRestored)
                assert isinstance(await ticks.receive(), Tick)
                with trio.fail_after(60):
                    await done.wait()
                assert result[0].bought and result[0].reconciled
                held = [c.contract_id for c in again.contracts()]
                assert held == [kept.contract_id, result[0].contract_id]
        nursery.cancel_scope.cancel()


async def test_stall_malformed_rate_limit_and_slow_replies(
    sim: Simulator, autojump_clock: trio.abc.Clock
) -> None:
    async with trio.open_nursery() as nursery:
        connection = Connection(
            _settings(sim, keepalive=KeepalivePolicy(interval=10.0, timeout=3.0)),
            connector=memory_connector(sim),
            rng=random.Random(2),
        )
        await nursery.start(connection.run)
        client = Client(connection)
        events = connection.events()
        with capture_logs() as logs:
            sim.faults.malformed(call="time")
            assert await client.time() >= START
            sim.faults.rate_limit(call="portfolio", times=3)
            assert await client.portfolio() == ()
            sim.faults.rate_limit(call="buy")
            refused = await client.buy(PARAMS, price=10)
            assert isinstance(refused.error, RateLimit)
            sim.faults.delay(2.0, call="profit_table")
            assert await client.profit_table() == ()
            sim.faults.stall(call="ping")
            lost = await events.receive()
            restored = await events.receive()
            assert isinstance(restored, ConnectionRestored)
            assert await client.ping() == "pong"
        said = [entry["event"] for entry in logs]
        assert "malformed frame ignored" in said
        assert said.count("rate limited; retrying") == 3
        assert "keepalive ping unanswered" in said
        assert "keepalive" in lost.reason
        nursery.cancel_scope.cancel()
