"""The typed client against the scripted fake server: calls, streams, buy/sell outcomes."""

from __future__ import annotations

from typing import Any

import pytest
import trio

from framework.client import BuyOutcome, Client, ContractMatch
from framework.connection import Connection, ConnectionRestored
from framework.deriv.errors import LocalProtocolError, PriceMoved
from framework.deriv.models import Balance, OpenContract, Proposal, Tick, Transaction
from tests.connection.fake import FakeDeriv

PARAMS: dict[str, Any] = {
    "contract_type": "CALL",
    "symbol": "R_100",
    "currency": "USD",
    "amount": 10,
    "basis": "stake",
    "duration": 5,
    "duration_unit": "t",
}


@pytest.fixture
def client(conn: Connection) -> Client:
    return Client(conn)


async def test_typed_one_shot_calls(client: Client, autojump_clock: trio.abc.Clock) -> None:
    assert await client.ping() == "pong"
    assert await client.time() >= 1_700_000_000
    assert isinstance(await client.balance(), Balance)
    assert (await client.website_status())["site_status"] == "up"
    assert await client.portfolio() == ()


async def test_generic_call_reaches_any_call(
    fake: FakeDeriv, client: Client, autojump_clock: trio.abc.Clock
) -> None:
    assert await client.call("time") >= 1_700_000_000
    with pytest.raises(LocalProtocolError):
        await client.call("no_such_call")


async def test_buy_from_proposal(
    fake: FakeDeriv, client: Client, autojump_clock: trio.abc.Clock
) -> None:
    proposal = await client.proposal(
        contract_type="CALL", symbol="R_100", amount=10, duration=5, duration_unit="t"
    )
    assert isinstance(proposal, Proposal)
    outcome = await client.buy(proposal, price=proposal.ask_price, intent_id="intent-1")
    assert outcome.bought and not outcome.reconciled
    assert outcome.contract_id == fake.contracts[0].contract_id
    buy = next(r for r in fake.requests if "buy" in r)
    assert buy["passthrough"] == {"intent_id": "intent-1"}


async def test_refused_buy_is_not_bought(client: Client, autojump_clock: trio.abc.Clock) -> None:
    outcome = await client.buy(PARAMS, price=5)  # ask is 10 > max price 5
    assert not outcome.bought
    assert isinstance(outcome.error, PriceMoved)


@pytest.mark.parametrize(("when", "bought"), [("after", True), ("before", False)])
async def test_lost_buy_is_reconciled(
    fake: FakeDeriv, client: Client, when: str, bought: bool, autojump_clock: trio.abc.Clock
) -> None:
    # An identical contract bought earlier must not be mistaken for this one.
    first = await client.buy(PARAMS, price=10)
    assert first.bought
    await trio.sleep(30)
    fake.drop_on["buy"] = when
    outcome = await client.buy(PARAMS, price=10, intent_id="lost-1")
    assert outcome.reconciled
    assert outcome.bought is bought
    assert len(fake.contracts) == (2 if bought else 1)
    if bought:
        assert outcome.contract_id == fake.contracts[1].contract_id
        assert outcome.contract_id != first.contract_id
    assert sum("buy" in r for r in fake.requests) == 2  # never re-sent


async def test_two_lost_identical_buys_claim_two_contracts(
    fake: FakeDeriv, client: Client, autojump_clock: trio.abc.Clock
) -> None:
    async def lost_buy(results: list[BuyOutcome]) -> None:
        results.append(await client.buy(PARAMS, price=10))

    results: list[BuyOutcome] = []
    fake.drop_on["buy"] = "after"
    await lost_buy(results)
    fake.drop_on["buy"] = "after"
    await lost_buy(results)
    ids = {r.contract_id for r in results}
    assert ids == {c.contract_id for c in fake.contracts}
    assert len(ids) == 2


async def test_lost_sell_is_reconciled(
    fake: FakeDeriv, client: Client, autojump_clock: trio.abc.Clock
) -> None:
    bought = await client.buy(PARAMS, price=10)
    assert bought.contract_id is not None
    fake.drop_on["sell"] = "after"
    outcome = await client.sell(bought.contract_id)
    assert outcome.reconciled and outcome.sold
    assert outcome.sold_for == fake.contracts[0].sold_for


async def test_lost_sell_not_executed(
    fake: FakeDeriv, client: Client, autojump_clock: trio.abc.Clock
) -> None:
    bought = await client.buy(PARAMS, price=10)
    assert bought.contract_id is not None
    fake.drop_on["sell"] = "before"
    outcome = await client.sell(bought.contract_id)
    assert outcome.reconciled and not outcome.sold
    assert fake.contracts[0].sold_for is None


async def test_buy_matching_uses_given_criteria(
    fake: FakeDeriv, client: Client, autojump_clock: trio.abc.Clock
) -> None:
    # A proposal this client did not price: the caller says what it is.
    proposal = await client.call("proposal", **PARAMS)
    fake.drop_on["buy"] = "after"
    outcome = await client.buy(
        proposal["id"], price=10, match=ContractMatch("CALL", "R_100", 10.0, 10.0)
    )
    assert outcome.bought and outcome.reconciled


async def test_transaction_stream_sees_buys(client: Client, autojump_clock: trio.abc.Clock) -> None:
    async with client.transaction() as stream:
        outcome = await client.buy(PARAMS, price=10)
        item = await stream.receive()
    assert isinstance(item, Transaction)
    assert item.action == "buy" and item.contract_id == outcome.contract_id


async def test_tick_stream_across_reconnects_has_no_duplicates(
    fake: FakeDeriv, client: Client, autojump_clock: trio.abc.Clock
) -> None:
    markers = 0
    epochs: list[int] = []
    async with client.ticks(["1HZ100V", "R_50"]) as stream:
        for round_ in range(5):
            for _ in range(6):
                item = await stream.receive()
                if isinstance(item, ConnectionRestored):
                    markers += 1
                elif item.symbol == "1HZ100V":
                    epochs.append(item.epoch)
            fake.live[0].close(1006, f"drop {round_}")
        while markers < 5:
            if isinstance(await stream.receive(), ConnectionRestored):
                markers += 1
    assert markers == 5
    assert epochs == sorted(set(epochs))


async def test_open_contract_stream_ends_when_sold(
    fake: FakeDeriv, client: Client, autojump_clock: trio.abc.Clock
) -> None:
    bought = await client.buy(PARAMS, price=10)
    assert bought.contract_id is not None
    async with client.open_contract_stream(bought.contract_id) as stream:
        first = await stream.receive()
        await client.sell(bought.contract_id)
        fake.contracts[0].sold_for = fake.contracts[0].sold_for  # state already sold
        # the fake pushes no update after sell; a one-shot query shows the final state
    state = await client.proposal_open_contract(bought.contract_id)
    assert isinstance(first, OpenContract) and first.contract_id == bought.contract_id
    assert state.is_sold


async def test_ticks_are_typed(client: Client, autojump_clock: trio.abc.Clock) -> None:
    async with client.ticks("R_100") as stream:
        tick = await stream.receive()
    assert isinstance(tick, Tick) and tick.symbol == "R_100"
