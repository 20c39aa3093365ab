"""A buy takes its turn at once when it is free, waits when it is not, and honours a cancel.

Without rate limiting nothing between the turn and the (shielded) write checks for
cancellation, so the turn must.
"""

from __future__ import annotations

import random
from collections.abc import AsyncIterator

import attrs
import pytest
import trio
from trio.testing import MockClock

from framework.client import BuyOutcome, Client
from framework.connection import Connection
from framework.simulator import Simulator, open_simulator
from tests.execution.helpers import settings, sim_options
from tests.simulator.session_script import PARAMS


@pytest.fixture
async def client(
    vclock: MockClock, nursery: trio.Nursery
) -> AsyncIterator[tuple[Simulator, Client]]:
    async with open_simulator(**sim_options()) as sim:
        connection = Connection(attrs.evolve(settings(sim), rate_limit=False), rng=random.Random(4))
        await nursery.start(connection.run)
        client = Client(connection)
        await client.time()  # the server's clock is known: the buy asks nothing first
        yield sim, client


async def test_a_buy_cancelled_before_its_turn_sends_nothing(
    client: tuple[Simulator, Client],
) -> None:
    sim, buyer = client
    with trio.CancelScope() as scope:
        scope.cancel()
        await buyer.buy(PARAMS, price=10)
    assert scope.cancelled_caught
    assert sim.contracts() == []


async def test_a_buy_waits_for_the_turn_a_reconciliation_holds(
    client: tuple[Simulator, Client],
) -> None:
    sim, buyer = client
    outcomes: list[BuyOutcome] = []

    async def buy() -> None:
        outcomes.append(await buyer.buy(PARAMS, price=10))

    async with trio.open_nursery() as nursery, buyer.reconciler.turn():
        nursery.start_soon(buy)
        await trio.sleep(5)
        assert sim.contracts() == [] and outcomes == []
    assert [outcome.bought for outcome in outcomes] == [True]
    assert len(sim.contracts()) == 1
    assert not buyer.reconciler.reconciling
