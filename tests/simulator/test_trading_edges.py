"""The simulator's trading calls on bad input: the server's error codes, messages and fields."""

from __future__ import annotations

from typing import Any

import pytest
from trio.testing import MockClock

from framework.simulator import Simulator, TokenConfig, open_simulator
from tests.simulator.client import RawClient, connect
from tests.simulator.conftest import START, sim_options
from tests.simulator.session_script import PARAMS


def error(reply: dict[str, Any]) -> tuple[str, str, Any]:
    assert "error" in reply, reply
    err = reply["error"]
    return err["code"], err["message"], err.get("details")


async def buy_with(trader: RawClient, **params: Any) -> dict[str, Any]:
    fields = {k: v for k, v in {**PARAMS, **params}.items() if v is not None}
    return await trader.call({"buy": "1", "price": 100, "parameters": fields})


@pytest.mark.parametrize(
    ("params", "code", "message", "field"),
    [
        (
            {"amount": None},
            "ContractBuyValidationError",
            "Missing required contract parameters (amount).",
            "amount",
        ),
        (
            {"currency": "EUR"},
            "ContractBuyValidationError",
            "Invalid currency EUR; payouts are in USD.",
            "currency",
        ),
        (
            {"duration": None, "duration_unit": None},
            "ContractBuyValidationError",
            "Please specify either duration or date_expiry.",
            "duration",
        ),
        (
            {"duration": None, "duration_unit": None, "date_expiry": START - 10},
            "ContractBuyValidationError",
            "Expiry time cannot be in the past.",
            "date_expiry",
        ),
    ],
)
async def test_bad_contract_parameters(
    vclock: MockClock,
    trader: RawClient,
    sim: Simulator,
    params: dict[str, Any],
    code: str,
    message: str,
    field: str,
) -> None:
    before = sim.balance()
    assert error(await buy_with(trader, **params)) == (code, message, {"field": field})
    assert sim.balance() == before  # nothing was bought


async def test_forward_starting_contracts_are_not_offered(
    vclock: MockClock, trader: RawClient
) -> None:
    now = (await trader.call({"time": 1}))["time"]
    reply = await buy_with(trader, date_start=now + 600)
    assert error(reply)[:2] == (
        "OfferingsValidationError",
        "Forward starting contracts are not offered.",
    )


async def test_an_expiry_date_sets_the_duration_in_seconds(
    vclock: MockClock, trader: RawClient
) -> None:
    now = (await trader.call({"time": 1}))["time"]
    reply = await buy_with(trader, duration=None, duration_unit=None, date_expiry=now + 300)
    assert "error" not in reply, reply
    contract_id = reply["buy"]["contract_id"]
    poc = await trader.call({"proposal_open_contract": 1, "contract_id": contract_id})
    assert poc["proposal_open_contract"]["date_expiry"] == now + 300


async def test_unknown_proposals_and_missing_parameters(
    vclock: MockClock, trader: RawClient
) -> None:
    unknown = await trader.call({"buy": "0123abcd-0000-0000-0000-000000000000", "price": 10})
    assert error(unknown)[:2] == ("InvalidContractProposal", "Unknown contract proposal")
    empty = await trader.call({"buy": "1", "price": 10})
    assert error(empty) == (
        "InvalidContractProposal",
        "Unknown contract proposal",
        {"field": "parameters"},
    )


async def test_open_contracts_without_a_contract_id(vclock: MockClock, trader: RawClient) -> None:
    none_open = await trader.call({"proposal_open_contract": 1})
    assert none_open["proposal_open_contract"] == {}
    ids = []
    for _ in range(2):
        ids.append((await buy_with(trader, duration=5, duration_unit="m"))["buy"]["contract_id"])
    rid = await trader.send({"proposal_open_contract": 1})
    replies = [await trader.wait(lambda m: m.get("req_id") == rid) for _ in ids]
    assert sorted(r["proposal_open_contract"]["contract_id"] for r in replies) == sorted(ids)
    # Subscribed: an empty first answer carries the id, then one update per open contract.
    sub = await trader.call({"proposal_open_contract": 1, "subscribe": 1})
    assert sub["proposal_open_contract"] == {}
    sub_id = sub["subscription"]["id"]
    first = [await trader.stream(sub_id) for _ in ids]
    assert {m["proposal_open_contract"]["contract_id"] for m in first} == set(ids)


async def test_someone_elses_contract_is_an_empty_answer(vclock: MockClock, sim: Simulator) -> None:
    async with connect(sim) as owner:
        await owner.authorize(sim.token)
        contract_id = (await buy_with(owner))["buy"]["contract_id"]
    tokens = (TokenConfig("other-user"),)
    async with open_simulator(**sim_options(tokens=tokens)) as other, connect(other) as stranger:
        await stranger.authorize("other-user")
        reply = await stranger.call({"proposal_open_contract": 1, "contract_id": contract_id})
    assert reply["proposal_open_contract"] == {}
    assert "subscription" not in reply


async def test_balance_of_another_account_needs_its_token(
    vclock: MockClock, trader: RawClient
) -> None:
    code, message, _ = error(await trader.call({"balance": 1, "account": "all"}))
    assert code == "PermissionDenied" and message
    code2, message2, _ = error(await trader.call({"balance": 1, "account": "CR9999999"}))
    assert (code2, message2) == (code, message)


async def test_balance_of_an_authorized_account_by_loginid(vclock: MockClock) -> None:
    tokens = (TokenConfig("virt-token"), TokenConfig("real-token", account="real"))
    async with open_simulator(**sim_options(tokens=tokens)) as sim, connect(sim) as raw:
        auth = await raw.call({"authorize": "MULTI", "tokens": ["virt-token", "real-token"]})
        real = next(
            a["loginid"] for a in auth["authorize"]["account_list"] if a["loginid"][:2] == "CR"
        )
        reply = await raw.call({"balance": 1, "account": real})
        assert reply["balance"]["loginid"] == real
        assert sim.accounts[real].balance == reply["balance"]["balance"]


async def test_topup_of_a_real_account_is_refused(vclock: MockClock) -> None:
    tokens = (TokenConfig("real-token", account="real"),)
    async with open_simulator(**sim_options(tokens=tokens)) as sim, connect(sim) as raw:
        await raw.authorize("real-token")
        code, message, _ = error(await raw.call({"topup_virtual": 1}))
    assert code == "TopupVirtualError"
    assert message == "Sorry, this feature is available to virtual accounts only"


async def test_profit_table_dates_may_be_days(vclock: MockClock, trader: RawClient) -> None:
    contract_id = (await buy_with(trader))["buy"]["contract_id"]
    poc = await trader.call(
        {"proposal_open_contract": 1, "contract_id": contract_id, "subscribe": 1}
    )
    sub_id = poc["subscription"]["id"]
    while not (await trader.stream(sub_id))["proposal_open_contract"]["is_sold"]:
        pass
    # START is 2023-11-14 22:13:20 UTC; days may be given without leading zeros.
    same_day = await trader.call({"profit_table": 1, "date_from": "2023-11-14"})
    assert "error" not in same_day, same_day
    assert [r["contract_id"] for r in same_day["profit_table"]["transactions"]] == [contract_id]
    next_day = await trader.call({"profit_table": 1, "date_from": "2023-11-15"})
    assert next_day["profit_table"]["count"] == 0
    before = await trader.call({"profit_table": 1, "date_to": "2023-1-2"})
    assert before["profit_table"]["count"] == 0
