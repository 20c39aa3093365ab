"""Answers and stream updates the models refuse, translated once at the client's edge.

Over a real loopback socket: the embedded simulator acts as usual, then rewrites one field
of the message it sends (``corrupt`` faults). Each message is logged once, counted in the
connection's ``unreadable``, and turned into what the caller can act on.
"""

from __future__ import annotations

import random
from collections.abc import AsyncIterator, MutableMapping
from typing import Any

import pytest
import trio
from structlog.testing import capture_logs
from trio.testing import MockClock

from framework.client import Client
from framework.connection import Connection, OutcomeUnknown, Unreadable
from framework.deriv.errors import PayloadError, PermissionDenied
from framework.deriv.models import Tick
from framework.simulator import Simulator, open_simulator
from framework.simulator.config import DEMO_TOKEN, TokenConfig
from tests.execution.helpers import settings, sim_options
from tests.simulator.session_script import PARAMS


@pytest.fixture
async def sim(vclock: MockClock) -> AsyncIterator[Simulator]:
    async with open_simulator(**sim_options()) as running:
        yield running


async def connect(sim: Simulator, nursery: trio.Nursery) -> Client:
    connection = Connection(settings(sim, first_retry=0.5), rng=random.Random(4))
    await nursery.start(connection.run)
    return Client(connection)


def logged(logs: list[MutableMapping[str, Any]]) -> list[tuple[str, str | None]]:
    return [(e["call"], e["field"]) for e in logs if e["event"] == "unreadable message"]


async def test_an_unreadable_buy_answer_is_decided_from_the_records(
    sim: Simulator, nursery: trio.Nursery, vclock: MockClock
) -> None:
    client = await connect(sim, nursery)
    sim.faults.corrupt("buy", "contract_id", "abc")
    # The records' first answer cannot be read either: it is asked again.
    sim.faults.corrupt("statement", "transactions", "abc")
    with capture_logs() as logs:
        outcome = await client.buy(PARAMS, price=10, intent_id="unreadable")
    (contract,) = sim.contracts()
    assert outcome.bought and outcome.reconciled
    assert outcome.contract_id == contract.contract_id
    assert outcome.buy_price == contract.position.buy_price
    assert outcome.payout == contract.position.payout
    assert client.reconciler.claimed == {contract.contract_id}
    assert logged(logs) == [("buy", "BuyReceipt.contract_id"), ("statement", None)]
    assert client.connection.stats.unreadable == 2
    text = next(e["text"] for e in logs if e["event"] == "unreadable message")
    assert '"contract_id":"abc"' in text


async def test_an_unreadable_buy_answer_with_unreadable_records_stays_unknown(
    vclock: MockClock,
) -> None:
    trade_only = TokenConfig(DEMO_TOKEN, scopes=("trade",))
    async with (
        open_simulator(**sim_options(tokens=(trade_only,))) as sim,
        trio.open_nursery() as nursery,
    ):
        client = await connect(sim, nursery)
        sim.faults.corrupt("buy", "buy_price", None)
        with pytest.raises(OutcomeUnknown) as unknown:
            await client.buy(PARAMS, price=10)
        assert isinstance(unknown.value.cause, PayloadError)
        assert isinstance(unknown.value.__cause__, PermissionDenied)
        assert len(sim.contracts()) == 1  # bought; this process cannot tell yet
        nursery.cancel_scope.cancel()


async def test_an_unreadable_sell_answer_is_decided_from_the_contract(
    sim: Simulator, nursery: trio.Nursery, vclock: MockClock
) -> None:
    client = await connect(sim, nursery)
    bought = await client.buy({**PARAMS, "duration": 5, "duration_unit": "m"}, price=10)
    assert bought.contract_id is not None
    await trio.sleep(5)
    sim.faults.corrupt("sell", "sold_for", "abc")
    # The contract's first state cannot be read either: it is asked again.
    sim.faults.corrupt("proposal_open_contract", "contract_id", remove=True)
    outcome = await client.sell(bought.contract_id)
    assert len(sim.contracts()) == 1 and sim.contracts(open_only=True) == []
    assert outcome.sold and outcome.reconciled and outcome.receipt is None
    assert outcome.contract is not None and outcome.sold_for == outcome.contract.sell_price
    assert client.connection.stats.unreadable == 2


async def test_an_unreadable_answer_raises_once_counted(
    sim: Simulator, nursery: trio.Nursery, vclock: MockClock
) -> None:
    client = await connect(sim, nursery)
    sim.faults.corrupt("proposal", "ask_price", "abc")
    with capture_logs() as logs, pytest.raises(PayloadError, match=r"Proposal\.ask_price"):
        await client.proposal(**PARAMS)
    assert logged(logs) == [("proposal", "Proposal.ask_price")]
    assert (await client.proposal(**PARAMS)).ask_price == 10


async def test_streams_skip_or_mark_what_they_cannot_read(
    sim: Simulator, nursery: trio.Nursery, vclock: MockClock
) -> None:
    client = await connect(sim, nursery)
    sim.faults.corrupt("ticks", "quote", "abc")
    sim.faults.corrupt("transaction", "amount", "abc")
    async with client.ticks("R_100") as ticks, client.transaction() as txs:
        await client.buy(PARAMS, price=10)
        await trio.sleep(5)
        # Market data: the unreadable first tick is skipped, the next ones come.
        first = ticks.receive_nowait()
        assert isinstance(first, Tick) and first.epoch > sim_options()["start_epoch"]
        # Lossless: the unreadable buy transaction comes as a marker in its place.
        marker = txs.receive_nowait()
        assert isinstance(marker, Unreadable)
        assert (marker.call, marker.field) == ("transaction", "Transaction.amount")
        assert "expected number" in marker.reason
    assert client.connection.stats.unreadable == 2
