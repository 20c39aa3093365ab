"""Several payment agents: ``paymentagent_list`` filters, withdrawals to each agent."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from trio.testing import MockClock

from framework.simulator import PAYMENT_AGENT_LOGINID, Simulator
from tests.schemas import validator
from tests.simulator.client import RawClient, connect

SIMULATED, ARCHIPELAGO, SOUTHERN = PAYMENT_AGENT_LOGINID, "CR10000002", "CR10000003"


async def _listed(client: RawClient, request: dict[str, Any]) -> list[str]:
    reply = await client.call(request)
    errors = [e.message for e in validator("paymentagent_list", "receive").iter_errors(reply)]
    assert not errors, errors
    return [agent["paymentagent_loginid"] for agent in reply["paymentagent_list"]["list"]]


async def test_the_list_honours_country_and_currency(
    vclock: MockClock, client: RawClient, schema_dir: Path
) -> None:
    # Sorted by name ignoring case, as the real server sorts: "Archipelago", "Simulated",
    # "southern".
    cases: list[tuple[dict[str, Any], list[str]]] = [
        ({"paymentagent_list": "id"}, [ARCHIPELAGO, SIMULATED, SOUTHERN]),
        ({"paymentagent_list": "th"}, [ARCHIPELAGO, SIMULATED]),
        ({"paymentagent_list": "za", "currency": "USD"}, [SIMULATED, SOUTHERN]),
        ({"paymentagent_list": "id", "currency": "eur"}, [ARCHIPELAGO]),
        ({"paymentagent_list": "ng", "currency": "EUR"}, []),
        ({"paymentagent_list": "fr"}, []),  # no agent there: an empty list, not an error
    ]
    for request, expected in cases:
        assert await _listed(client, request) == expected, request
    reply = await client.call({"paymentagent_list": "fr"})
    countries = reply["paymentagent_list"]["available_countries"]
    assert [code for code, _ in countries] == ["id", "br", "za", "ng", "th"]


async def test_each_agent_has_its_own_terms(
    vclock: MockClock, client: RawClient, schema_dir: Path
) -> None:
    reply = await client.call({"paymentagent_list": "id"})
    by_id = {a["paymentagent_loginid"]: a for a in reply["paymentagent_list"]["list"]}
    assert by_id[ARCHIPELAGO]["currencies"] == "EUR"
    assert (by_id[ARCHIPELAGO]["min_withdrawal"], by_id[SOUTHERN]["max_withdrawal"]) == (
        "5.0",
        "5000.0",
    )
    assert by_id[SOUTHERN]["supported_payment_methods"] == [
        {"payment_method": "Cash"},
        {"payment_method": "Bank transfer"},
    ]


async def test_withdrawals_go_to_the_chosen_agent_on_its_terms(
    vclock: MockClock, sim: Simulator
) -> None:
    account, token = sim.open_account(virtual=False, balance=100)
    async with connect(sim) as raw:
        await raw.authorize(token.token)
        await raw.call({"verify_email": account.email, "type": "paymentagent_withdraw"})
        email = sim.outbox.latest(account.email)
        assert email is not None
        base = {
            "paymentagent_withdraw": 1,
            "amount": 25,
            "currency": "USD",
            "verification_code": email.code,
        }
        euro = await raw.call({**base, "paymentagent_loginid": ARCHIPELAGO})
        assert euro["error"] == {
            "code": "PaymentAgentWithdrawError",
            "message": "You cannot perform this action, as USD is not the default account "
            "currency for payment agent CR10000002.",
        }
        small = await raw.call({**base, "amount": 15, "paymentagent_loginid": SOUTHERN})
        assert small["error"]["message"] == "Invalid amount. Minimum is 20.00, maximum is 5000.00."
        before = sim.balance(SOUTHERN)
        done = await raw.call({**base, "paymentagent_loginid": SOUTHERN})
        assert done["paymentagent_withdraw"] == 1
        assert done["paymentagent_name"] == "southern cross payments"
    assert sim.balance(account.loginid) == 75
    assert sim.balance(SOUTHERN) == before + 25
    assert sim.balance(ARCHIPELAGO) == 100_000  # the agent not chosen got nothing
