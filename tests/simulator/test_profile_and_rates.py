"""get_account_status, get_settings, exchange_rates and trading_durations.

Every answer's shape is checked against receive.json by ``test_schemas.py``; these tests
check what the answers say.
"""

from __future__ import annotations

import re
from typing import Any

from trio.testing import MockClock

from framework.deriv.calls import CALL_TABLE
from framework.market.offerings import contracts_for
from framework.market.symbols import get_symbol, symbols
from framework.simulator import Simulator
from framework.simulator.handlers import HANDLERS
from tests.schemas import REPO_ROOT
from tests.simulator.client import RawClient


def error(reply: dict[str, Any]) -> tuple[str, str]:
    assert "error" in reply, reply
    return reply["error"]["code"], reply["error"]["message"]


async def _open_real(trader: RawClient) -> str:
    """Open the demo user's real account; return its token."""
    opened = await trader.call(
        {"new_account_real": 1, "first_name": "Ann", "last_name": "Lee", "residence": "id"}
    )
    return str(opened["new_account_real"]["oauth_token"])


async def test_account_status_of_a_virtual_and_a_real_account(
    autojump_clock: MockClock, client: RawClient, sim: Simulator
) -> None:
    assert error(await client.call({"get_account_status": 1}))[0] == "AuthorizationRequired"
    await client.authorize(sim.token)
    virtual = (await client.call({"get_account_status": 1}))["get_account_status"]
    assert virtual["status"] == []
    assert virtual["authentication"]["needs_verification"] == []
    assert virtual["currency_config"] == {
        "USD": {"is_deposit_suspended": 0, "is_withdrawal_suspended": 0}
    }
    assert virtual["prompt_client_to_authenticate"] == 0
    await client.authorize(await _open_real(client))
    real = (await client.call({"get_account_status": 1}))["get_account_status"]
    assert "allow_document_upload" in real["status"]


async def test_settings_show_names_only_once_the_user_has_a_real_account(
    autojump_clock: MockClock, trader: RawClient, sim: Simulator
) -> None:
    before = (await trader.call({"get_settings": 1}))["get_settings"]
    assert before["email"] == sim.core.bank.account(sim.loginid).email
    assert before["country_code"] == "id" and before["residence"] == "Indonesia"
    assert "first_name" not in before and "allow_copiers" not in before
    real_token = await _open_real(trader)
    after = (await trader.call({"get_settings": 1}))["get_settings"]  # still the virtual one
    assert (after["first_name"], after["last_name"]) == ("Ann", "Lee")
    assert "allow_copiers" not in after
    assert after["user_hash"] == before["user_hash"]
    await trader.authorize(real_token)
    real = (await trader.call({"get_settings": 1}))["get_settings"]
    assert real["allow_copiers"] == 0 and real["first_name"] == "Ann"


async def test_exchange_rates_of_the_one_offered_currency(
    autojump_clock: MockClock, client: RawClient, sim: Simulator
) -> None:
    plain = (await client.call({"exchange_rates": 1, "base_currency": "USD"}))["exchange_rates"]
    assert plain == {"base_currency": "USD", "date": sim.core.clock.epoch(), "rates": {"USD": 1}}
    spread = await client.call(
        {"exchange_rates": 1, "base_currency": "usd", "target_currency": "USD", "include_spread": 1}
    )
    assert spread["exchange_rates"]["rates"]["USD"] == {
        "ask_rate": 1.0,
        "bid_rate": 1.0,
        "spot_rate": 1.0,
    }
    for request in (
        {"exchange_rates": 1, "base_currency": "EUR"},
        {"exchange_rates": 1, "base_currency": "USD", "target_currency": "BTC"},
    ):
        assert error(await client.call(request)) == (
            "ExchangeRatesNotAvailable",
            "Exchange rates are not currently available.",
        )
    no_target = await client.call({"exchange_rates": 1, "base_currency": "USD", "subscribe": 1})
    assert error(no_target)[0] == "InputValidationFailed"
    assert sim.subscriptions() == []


async def test_an_exchange_rates_stream_is_one_per_pair_and_can_be_forgotten(
    autojump_clock: MockClock, client: RawClient, sim: Simulator
) -> None:
    request = {"exchange_rates": 1, "base_currency": "USD", "target_currency": "USD"}
    first = await client.call({**request, "subscribe": 1})
    sub_id = first["subscription"]["id"]
    assert [s["kind"] for s in sim.subscriptions()] == ["exchange_rates"]
    again = await client.call({**request, "subscribe": 1})
    assert error(again) == ("AlreadySubscribed", "You are already subscribed to exchange_rates")
    assert (await client.call({"forget": sub_id}))["forget"] == 1
    assert sim.subscriptions() == []


async def test_trading_durations_follow_contracts_for(
    autojump_clock: MockClock, client: RawClient
) -> None:
    answer = (await client.call({"trading_durations": 1}))["trading_durations"]
    listed = [s["name"] for group in answer for entry in group["data"] for s in entry["symbol"]]
    assert sorted(listed) == sorted(s.symbol for s in symbols())  # each symbol exactly once
    entry = next(
        e for g in answer for e in g["data"] if "R_100" in {s["name"] for s in e["symbol"]}
    )
    assert entry["submarket"] == {"display_name": "Continuous Indices", "name": "random_index"}
    by_type = {t["trade_type"]["name"]: t["durations"] for t in entry["trade_durations"]}
    bounds = {d["name"]: (d["min"], d["max"]) for d in by_type["rise_fall"]}
    assert bounds == {
        "ticks": (1, 10),
        "seconds": (15, 86400),
        "minutes": (1, 1440),
        "hours": (1, 24),
        "days": (1, 365),
    }
    assert {d["name"]: (d["min"], d["max"]) for d in by_type["higher_lower"]}["ticks"] == (5, 10)
    assert {d["name"] for d in by_type["digits"]} == {"ticks"}
    # Types without a duration (Multipliers, Accumulators) are not listed.
    categories = {o.contract_category for o in contracts_for(get_symbol("R_100"))}
    assert {"multiplier", "accumulator"} <= categories
    assert not {"multiplier", "accumulator"} & by_type.keys()


def _between(text: str, start: str, end: str) -> set[str]:
    section = text[text.index(start) : text.index(end, text.index(start))]
    return set(re.findall(r"[a-z][a-z0-9_]*[a-z0-9]", " ".join(re.findall(r"`([^`]*)`", section))))


def test_the_docs_name_every_call_implemented_or_not() -> None:
    # docs/simulator.md lists the implemented calls and says why each other one is not.
    text = (REPO_ROOT / "docs" / "simulator.md").read_text()
    listed = _between(text, f"- **{len(HANDLERS)} calls**:", "\n\n")
    assert set(HANDLERS) <= listed, set(HANDLERS) - listed
    left_out = set(CALL_TABLE) - set(HANDLERS)
    explained = _between(text, "## What it does not implement", "- Markets other than")
    assert left_out <= explained, left_out - explained
