"""The reconciler over a real loopback socket: what it finds, what it refuses, how it reads.

The client buys on the embedded simulator; fault injection loses answers. A second client
on the same account plays "someone else": contracts it bought are in the records but were
never this client's buys, so they are the wrong candidates the reconciler must refuse.
"""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from typing import Any, cast

import pytest
import trio
from structlog.testing import capture_logs
from trio.testing import MockClock

from framework.client import Client, reconciler
from framework.client.results import ContractMatch
from framework.connection import Connection, OutcomeUnknown
from framework.deriv.errors import PermissionDenied
from framework.simulator import Simulator, open_simulator
from framework.simulator.config import DEMO_TOKEN, TokenConfig
from tests.execution.helpers import START, settings, sim_options
from tests.simulator.session_script import PARAMS


@pytest.fixture
async def sim(vclock: MockClock) -> AsyncIterator[Simulator]:
    async with open_simulator(**sim_options()) as running:
        yield running


async def connect(sim: Simulator, nursery: trio.Nursery, *, retry: float = 0.5) -> Client:
    connection = Connection(settings(sim, first_retry=retry), rng=random.Random(4))
    await nursery.start(connection.run)
    return Client(connection)


def stake(amount: float) -> dict[str, Any]:
    return {**PARAMS, "amount": amount}


async def test_a_lost_buy_is_found_with_the_servers_fields(
    sim: Simulator, nursery: trio.Nursery, vclock: MockClock
) -> None:
    client = await connect(sim, nursery)
    sim.faults.drop_on("buy", when="after")
    outcome = await client.buy(PARAMS, price=10, intent_id="lost")
    (contract,) = sim.contracts()
    assert outcome.bought and outcome.reconciled
    assert outcome.contract_id == contract.contract_id
    assert outcome.payout == contract.position.payout > 0
    assert outcome.buy_price == contract.position.buy_price
    assert outcome.purchase_time == contract.position.purchase_epoch
    assert outcome.transaction_id == contract.buy_txn.transaction_id
    assert outcome.detail == "answer lost; found in statement"
    assert client.reconciler.claimed == {contract.contract_id}


async def test_older_identical_contracts_and_other_stakes_are_refused(
    sim: Simulator, nursery: trio.Nursery, vclock: MockClock
) -> None:
    other = await connect(sim, nursery)
    client = await connect(sim, nursery)
    older = await other.buy(PARAMS, price=10)  # identical, but before our buy left
    await trio.sleep(20)
    await client.time()  # the server's clock when our buy leaves
    dearer = await other.buy(stake(11), price=11)  # in the window, another stake
    sim.faults.drop_on("buy", when="before")
    outcome = await client.buy(PARAMS, price=10, intent_id="never-executed")
    assert older.bought and dearer.bought
    assert not outcome.bought and outcome.reconciled
    assert outcome.detail == "answer lost; no matching contract in the account's records"
    assert len(sim.contracts()) == 2
    assert client.reconciler.claimed == set()


async def test_two_identical_lost_buys_claim_two_contracts(
    sim: Simulator, nursery: trio.Nursery, vclock: MockClock
) -> None:
    client = await connect(sim, nursery)
    sim.faults.drop_on("buy", when="after", times=2)
    outcomes: list[Any] = []

    async def buy() -> None:
        outcomes.append(await client.buy(PARAMS, price=10))

    async with trio.open_nursery() as both:
        both.start_soon(buy)
        # The second is sent once the first one's records are being read (sent together,
        # the second would be lost unsent with the connection the first one's fault closed).
        while not client.reconciler.reconciling:  # noqa: ASYNC110 - virtual time
            await trio.sleep(0.01)
        both.start_soon(buy)
    assert [o.reconciled and o.bought for o in outcomes] == [True, True]
    ids = {o.contract_id for o in outcomes}
    assert ids == {c.contract_id for c in sim.contracts()} and len(ids) == 2
    assert sim.faults.fired == {"drop_after": 2}


async def test_several_matches_take_the_earliest_and_say_so(
    sim: Simulator, nursery: trio.Nursery, vclock: MockClock
) -> None:
    other = await connect(sim, nursery)
    client = await connect(sim, nursery)
    sent = await client.time()
    first = await other.buy(PARAMS, price=10)
    await trio.sleep(4)
    second = await other.buy(PARAMS, price=10)
    match = ContractMatch("CALL", "R_100", 10.0, 10.0)
    rec = client.reconciler
    with capture_logs() as logs:
        async with rec.turn():
            one = await rec.decide("a", match, sent_epoch=sent)
            two = await rec.decide("b", match, sent_epoch=sent)
    assert (one.contract_id, two.contract_id) == (first.contract_id, second.contract_id)
    warned = [e for e in logs if e["event"].startswith("several contracts match")]
    assert [e["matches"] for e in warned] == [2]


async def test_every_page_of_the_statement_is_read(
    sim: Simulator, nursery: trio.Nursery, monkeypatch: pytest.MonkeyPatch, vclock: MockClock
) -> None:
    monkeypatch.setattr(reconciler, "PAGE", 2)
    other = await connect(sim, nursery)
    client = await connect(sim, nursery)
    sent = await client.time()
    bought = [await other.buy(stake(1 + n), price=1 + n) for n in range(5)]
    records = await client.reconciler.records(sent - 5)
    assert {c.contract_id for c in records} == {b.contract_id for b in bought}
    assert all(c.payout is not None and c.shortcode for c in records)
    # The oldest (last page, the statement is newest first) is found too.
    async with client.reconciler.turn():
        found = await client.reconciler.decide(
            "oldest", ContractMatch("CALL", "R_100", 1.0, 1.0), sent_epoch=sent
        )
    assert found.contract_id == bought[0].contract_id


async def test_unanswered_and_rate_limited_reads_are_asked_again(
    sim: Simulator, nursery: trio.Nursery, vclock: MockClock
) -> None:
    client = await connect(sim, nursery)
    sim.faults.delay(reconciler.QUERY_TIMEOUT + 10, call="time", times=1)

    async def lift_the_rate_limit() -> None:
        # Past one query's time: the connection's own retries gave up on it by then.
        await trio.sleep(reconciler.QUERY_TIMEOUT + 10)
        sim.faults.clear()

    with capture_logs() as logs:
        now = await client.reconciler.server_time()
        sim.faults.rate_limit(call="statement", times=None)
        nursery.start_soon(lift_the_rate_limit)
        records = await client.reconciler.records(now)
    assert now >= START + reconciler.QUERY_TIMEOUT and records == []
    asked_again = [e["error"] for e in logs if e["event"].startswith("records query")]
    assert len(asked_again) == 2
    assert "time" in asked_again[0] and "rate limit" in asked_again[1]


async def test_unreadable_records_leave_the_outcome_unknown(vclock: MockClock) -> None:
    trade_only = TokenConfig(DEMO_TOKEN, scopes=("trade",))
    async with (
        open_simulator(**sim_options(tokens=(trade_only,))) as sim,
        trio.open_nursery() as nursery,
    ):
        client = await connect(sim, nursery)
        sim.faults.drop_on("buy", when="after")
        with pytest.raises(OutcomeUnknown) as lost:
            await client.buy(PARAMS, price=10)
        assert isinstance(lost.value.__cause__, PermissionDenied)
        assert len(sim.contracts()) == 1  # bought; this process cannot tell yet
        nursery.cancel_scope.cancel()


async def test_a_buy_is_not_sent_before_the_server_clock_is_known(
    sim: Simulator, nursery: trio.Nursery, vclock: MockClock
) -> None:
    client = await connect(sim, nursery)
    assert client.server_epoch is None
    sim.faults.delay(1000, call="time", times=1)
    outcome = await client.buy(PARAMS, price=10)
    assert not outcome.bought and outcome.detail.startswith("not sent")
    assert sim.contracts() == []
    again = await client.buy(PARAMS, price=10)
    assert again.bought and client.server_epoch == again.purchase_time


class Listings:
    """A server whose statement lines lack shortcode and payout (the schema allows it)."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    async def request(self, call: str, fields: dict[str, Any], **options: Any) -> Any:
        self.calls.append(call)
        line = {"action_type": "buy", "amount": -10, "transaction_id": 21, "contract_id": 20}
        data: Any = {
            "statement": {"transactions": [{**line, "transaction_time": 100}]},
            "portfolio": {"contracts": []},
            "profit_table": {
                "transactions": [
                    {
                        "contract_id": 20,
                        "transaction_id": 21,
                        "contract_type": "PUT",
                        "underlying_symbol": "R_50",
                        "buy_price": 10,
                        "payout": 19.4,
                        "purchase_time": 100,
                        "shortcode": "PUT_R_50_19.40_100_5T",
                    }
                ]
            },
        }[call]
        return type("Reply", (), {"data": data})


async def test_listings_fill_in_what_the_statement_lacks() -> None:
    server = Listings()
    rec = reconciler.Reconciler(cast(Connection, server))  # a scripted server, not a socket
    (found,) = await rec.records(90, "VRTC1")
    assert (found.contract_type, found.symbol, found.payout) == ("PUT", "R_50", 19.4)
    assert server.calls == ["statement", "portfolio", "profit_table"]
