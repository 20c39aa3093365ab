"""Orders on a contract through the client, over a real loopback socket to the simulator.

Each order has exactly one outcome: done from its answer, refused with the server's error,
or, when the answer is lost, decided from the contract's state (never re-sent).
"""

from __future__ import annotations

import random
from collections.abc import AsyncIterator

import pytest
import trio
from trio.testing import MockClock

from framework.client import Client
from framework.client.results import OrderOutcome
from framework.connection import Connection, OutcomeUnknown
from framework.deriv.errors import PermissionDenied
from framework.simulator import Simulator, open_simulator
from framework.simulator.config import DEMO_TOKEN, TokenConfig
from tests.execution.helpers import settings, sim_options
from tests.simulator.session_script import MULTIPLIER, PARAMS

#: A contract that may be sold: five minutes, not ticks.
MINUTES = {**PARAMS, "duration": 5, "duration_unit": "m"}


@pytest.fixture
async def sim(vclock: MockClock) -> AsyncIterator[Simulator]:
    async with open_simulator(**sim_options()) as running:
        yield running


async def connect(sim: Simulator, nursery: trio.Nursery) -> Client:
    connection = Connection(settings(sim, first_retry=0.5), rng=random.Random(4))
    await nursery.start(connection.run)
    return Client(connection)


async def bought(client: Client) -> int:
    outcome = await client.buy(MINUTES, price=10)
    assert outcome.contract_id is not None
    await trio.sleep(5)  # past the entry tick: the contract may be sold
    return outcome.contract_id


async def test_a_sale_at_market_is_done_from_its_answer(
    sim: Simulator, nursery: trio.Nursery, vclock: MockClock
) -> None:
    client = await connect(sim, nursery)
    contract_id = await bought(client)
    outcome = await client.sell(contract_id)
    (contract,) = sim.contracts()
    assert outcome.done and outcome.sold and not outcome.reconciled
    assert contract.sell_txn is not None and outcome.receipt is not None
    assert outcome.sold_for == contract.sell_txn.amount == outcome.receipt.sold_for
    assert outcome.detail == "sold"


async def test_a_sale_below_the_minimum_price_is_refused_with_the_servers_reason(
    sim: Simulator, nursery: trio.Nursery, vclock: MockClock
) -> None:
    client = await connect(sim, nursery)
    contract_id = await bought(client)
    outcome = await client.sell(contract_id, price=1000)
    assert not outcome.done and outcome.error is not None
    assert outcome.error.code == "PriceMoved"
    assert sim.contracts(open_only=True) != []


async def test_a_sale_whose_answer_is_lost_after_it_executed_is_done(
    sim: Simulator, nursery: trio.Nursery, vclock: MockClock
) -> None:
    client = await connect(sim, nursery)
    contract_id = await bought(client)
    sim.faults.drop_on("sell", when="after")
    outcome = await client.sell(contract_id)
    (contract,) = sim.contracts()
    assert outcome.sold and outcome.reconciled and outcome.receipt is None
    assert outcome.contract is not None and outcome.contract.is_sold
    assert contract.sell_txn is not None and outcome.sold_for == contract.sell_txn.amount
    assert outcome.detail == "answer lost; the contract is sold"


async def test_a_sale_lost_before_it_executed_is_not_done_and_not_sent_again(
    sim: Simulator, nursery: trio.Nursery, vclock: MockClock
) -> None:
    client = await connect(sim, nursery)
    contract_id = await bought(client)
    sim.faults.drop_on("sell", when="before")
    outcome = await client.sell(contract_id)
    assert not outcome.done and outcome.reconciled
    assert outcome.detail == "answer lost; the contract is still open"
    assert sim.contracts(open_only=True) != []
    assert sim.faults.fired.get("drop_before") == 1


async def test_orders_a_contract_does_not_take_are_refused(
    sim: Simulator, nursery: trio.Nursery, vclock: MockClock
) -> None:
    client = await connect(sim, nursery)
    contract_id = await bought(client)
    # A Rise/Fall contract has neither a deal cancellation nor a limit order.
    outcomes: list[OrderOutcome] = [
        await client.cancel(contract_id),
        await client.contract_update(contract_id, {"take_profit": 5.0}),
    ]
    for outcome in outcomes:
        assert not outcome.done and outcome.error is not None
        assert outcome.detail.startswith("refused: ")
    assert [o.kind for o in outcomes] == ["cancel", "update"]
    assert sim.contracts(open_only=True) != []


async def test_a_lost_cancel_or_update_is_decided_from_the_contract(
    sim: Simulator, nursery: trio.Nursery, vclock: MockClock
) -> None:
    client = await connect(sim, nursery)
    contract_id = await bought(client)
    sim.faults.drop_on("cancel", when="after")
    cancel = await client.cancel(contract_id)
    assert not cancel.done and cancel.reconciled
    assert cancel.detail == "answer lost; the contract is still open"
    sim.faults.drop_on("contract_update", when="after")
    update = await client.contract_update(contract_id, {"take_profit": 5.0})
    assert not update.done and update.reconciled
    assert update.detail == "answer lost; the contract's take_profit is not the one asked for"


async def test_an_unreadable_sale_answer_is_decided_from_the_contract(
    sim: Simulator, nursery: trio.Nursery, vclock: MockClock
) -> None:
    client = await connect(sim, nursery)
    contract_id = await bought(client)
    sim.faults.corrupt("sell", "sold_for", "abc")
    outcome = await client.sell(contract_id)
    assert outcome.sold and outcome.reconciled
    assert client.connection.stats.unreadable == 1


async def test_a_lost_order_whose_contract_cannot_be_read_stays_unknown(
    vclock: MockClock,
) -> None:
    trade_only = TokenConfig(DEMO_TOKEN, scopes=("trade",))
    async with (
        open_simulator(**sim_options(tokens=(trade_only,))) as sim,
        trio.open_nursery() as nursery,
    ):
        client = await connect(sim, nursery)
        contract_id = await bought(client)
        sim.faults.drop_on("sell", when="after")
        with pytest.raises(OutcomeUnknown) as lost:
            await client.sell(contract_id)
        assert isinstance(lost.value.__cause__, PermissionDenied)
        assert sim.contracts(open_only=True) == []  # sold; this process cannot tell yet
        nursery.cancel_scope.cancel()


async def test_the_update_history_of_a_multiplier(
    sim: Simulator, nursery: trio.Nursery, vclock: MockClock
) -> None:
    client = await connect(sim, nursery)
    outcome = await client.buy(MULTIPLIER | {"limit_order": {"take_profit": 5}}, price=10)
    assert outcome.contract_id is not None
    await trio.sleep(5)
    update = await client.contract_update(
        outcome.contract_id, {"take_profit": 8.0, "stop_loss": 3.0}
    )
    assert update.done and update.limits is not None
    assert update.limits.take_profit is not None and update.limits.take_profit.amount == 8.0
    assert update.limits.stop_loss is not None and update.limits.stop_loss.amount == -3.0
    history = await client.contract_update_history(outcome.contract_id)
    assert {(h.order_type, h.order_amount) for h in history} >= {
        ("take_profit", 8.0),
        ("stop_loss", 3.0),
    }
    assert len(await client.contract_update_history(outcome.contract_id, limit=1)) == 1
