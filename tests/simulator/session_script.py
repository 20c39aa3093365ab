"""A session that makes the simulator produce every message type it has, for schema tests."""

from __future__ import annotations

from typing import Any

import trio

from framework.simulator import PAYMENT_AGENT_TOKEN, Simulator
from tests.simulator.client import RawClient, connect

PARAMS: dict[str, Any] = {
    "contract_type": "CALL",
    "symbol": "R_100",
    "currency": "USD",
    "amount": 10,
    "basis": "stake",
    "duration": 5,
    "duration_unit": "t",
}
_OPEN_ENDED: dict[str, Any] = {"symbol": "R_100", "currency": "USD", "amount": 10, "basis": "stake"}
MULTIPLIER: dict[str, Any] = {**_OPEN_ENDED, "contract_type": "MULTUP", "multiplier": 40}
"""A Multiplier on R_100 (40 is in its range)."""
ACCUMULATOR: dict[str, Any] = {**_OPEN_ENDED, "contract_type": "ACCU", "growth_rate": 0.03}
"""An Accumulator on R_100."""


async def ok(client: RawClient, request: dict[str, Any]) -> dict[str, Any]:
    """Call and insist on success."""
    reply = await client.call(request)
    assert "error" not in reply, reply
    return reply


async def trade_the_open_ended(c: RawClient) -> None:
    """A Multiplier updated and cancelled, one sold, an Accumulator followed and sold."""
    tp_sl = {"take_profit": 5, "stop_loss": 3}
    quoted = await ok(c, {"proposal": 1, **MULTIPLIER, "limit_order": tp_sl, "subscribe": 1})
    await c.stream(quoted["subscription"]["id"])
    bought = await ok(c, {"buy": quoted["proposal"]["id"], "price": 10, "subscribe": 1})
    contract_id = bought["buy"]["contract_id"]
    await c.stream(bought["subscription"]["id"])
    limits = {"take_profit": 8, "stop_loss": None}
    await ok(c, {"contract_update": 1, "contract_id": contract_id, "limit_order": limits})
    await ok(c, {"contract_update_history": 1, "contract_id": contract_id})
    await c.stream(bought["subscription"]["id"])
    await trio.sleep(1)  # not in the purchase second
    await ok(c, {"sell": contract_id, "price": 0})
    covered = await ok(c, {"proposal": 1, **MULTIPLIER, "cancellation": "60m"})
    cancellable = await ok(c, {"buy": covered["proposal"]["id"], "price": 20})
    await ok(c, {"proposal_open_contract": 1, "contract_id": cancellable["buy"]["contract_id"]})
    await ok(c, {"portfolio": 1})
    await ok(c, {"cancel": cancellable["buy"]["contract_id"]})
    await ok(c, {"proposal_open_contract": 1, "contract_id": cancellable["buy"]["contract_id"]})
    quoted = await ok(c, {"proposal": 1, **ACCUMULATOR, "limit_order": {"take_profit": 50}})
    accu = await ok(c, {"buy": quoted["proposal"]["id"], "price": 10, "subscribe": 1})
    followed = accu["subscription"]["id"]
    while (await c.stream(followed))["proposal_open_contract"].get("tick_passed", 0) < 2:
        pass
    await ok(c, {"sell": accu["buy"]["contract_id"], "price": 0})
    while not (await c.stream(followed))["proposal_open_contract"]["is_sold"]:
        pass


async def trade_the_other_options(c: RawClient) -> None:
    """Ends Between (two barriers) and High Ticks (a selected tick), followed to the end."""
    ends = {
        **PARAMS, "contract_type": "EXPIRYRANGE", "barrier": "+0.50", "barrier2": "-0.50",
        "duration": 2, "duration_unit": "m",
    }  # fmt: skip
    high = {**PARAMS, "contract_type": "TICKHIGH", "selected_tick": 2}
    for terms in (ends, high):
        bought = await ok(c, {"buy": "1", "price": 10, "parameters": terms, "subscribe": 1})
        while not (await c.stream(bought["subscription"]["id"], limit=900))[
            "proposal_open_contract"
        ]["is_sold"]:
            pass


async def run_everything(sim: Simulator) -> list[dict[str, Any]]:
    """Exercise every implemented call; return every message received, in order."""
    seen: list[dict[str, Any]] = []
    async with connect(sim) as c:
        for request in (
            {"ping": 1},
            {"time": 1},
            {"website_status": 1},
            {"website_status": 1, "subscribe": 1},
            {"active_symbols": "brief"},
            {"active_symbols": "full"},
            {"contracts_for": "R_100"},
            {"payout_currencies": 1},
            {"trading_times": "today"},
            {"trading_durations": 1},
            {"exchange_rates": 1, "base_currency": "USD"},
            {"exchange_rates": 1, "base_currency": "USD", "target_currency": "USD", "subscribe": 1},
            {
                "exchange_rates": 1,
                "base_currency": "usd",
                "target_currency": "USD",
                "include_spread": 1,
            },
            {"residence_list": 1},
            {"states_list": "id"},
            {"landing_company": "id"},
            {"landing_company_details": "svg"},
            {"paymentagent_list": "id"},
            {"ticks_history": "R_100", "end": "latest", "count": 20},
            {"ticks_history": "R_100", "end": "latest", "style": "candles", "granularity": 60},
        ):
            await ok(c, request)
        tick_sub = (await ok(c, {"ticks": ["R_100", "R_50"]}))["subscription"]["id"]
        await c.stream(tick_sub)
        hist = await ok(c, {"ticks_history": "R_10", "end": "latest", "count": 5, "subscribe": 1})
        await c.stream(hist["subscription"]["id"])
        candles = await ok(
            c,
            {"ticks_history": "R_10", "end": "latest", "granularity": 60, "subscribe": 1},
        )
        await c.stream(candles["subscription"]["id"])

        await ok(c, {"authorize": sim.token})
        await ok(c, {"balance": 1, "subscribe": 1})
        await ok(c, {"transaction": 1, "subscribe": 1})
        await ok(c, {"proposal_open_contract": 1, "subscribe": 1})
        prop = await ok(
            c, {"proposal": 1, **PARAMS, "duration": 5, "duration_unit": "m", "subscribe": 1}
        )
        await c.stream(prop["subscription"]["id"])
        bought = await ok(c, {"buy": prop["proposal"]["id"], "price": 10, "subscribe": 1})
        sub = bought["subscription"]["id"]
        await c.stream(sub)
        await c.stream(sub)
        await ok(c, {"portfolio": 1})
        await ok(c, {"proposal_open_contract": 1, "contract_id": bought["buy"]["contract_id"]})
        sold = await ok(c, {"sell": bought["buy"]["contract_id"], "price": 0})
        assert sold["sell"]["contract_id"] == bought["buy"]["contract_id"]
        tick_contract = await ok(c, {"buy": "1", "price": 10, "parameters": PARAMS, "subscribe": 1})
        followed = tick_contract["subscription"]["id"]
        while not (await c.stream(followed))["proposal_open_contract"]["is_sold"]:
            pass
        await trade_the_open_ended(c)
        await trade_the_other_options(c)
        await ok(c, {"statement": 1, "description": 1})
        await ok(c, {"profit_table": 1, "description": 1})
        await ok(c, {"sell_expired": 1})
        await ok(c, {"get_limits": 1})
        await ok(c, {"get_account_status": 1})
        await ok(c, {"get_settings": 1})
        await ok(c, {"api_token": 1, "new_token": "bot one", "new_token_scopes": ["read"]})
        await ok(c, {"api_token": 1})
        app = await ok(c, {"app_register": 1, "name": "mybot", "scopes": ["read", "trade"]})
        await ok(c, {"app_list": 1})
        await ok(c, {"app_get": app["app_register"]["app_id"]})
        await ok(c, {"app_delete": app["app_register"]["app_id"]})
        await ok(c, {"balance": 1})
        await ok(c, {"verify_email": "new@example.com", "type": "account_opening"})
        email = sim.outbox.latest("new@example.com")
        assert email is not None
        opened = await ok(
            c,
            {
                "new_account_virtual": 1,
                "verification_code": email.code,
                "client_password": "Abcd1234",
                "residence": "id",
                "email": "new@example.com",
            },
        )
        await ok(c, {"authorize": opened["new_account_virtual"]["oauth_token"]})
        await ok(c, {"balance": 1, "account": "all"})
        real = await ok(
            c, {"new_account_real": 1, "first_name": "Ann", "last_name": "Lee", "residence": "id"}
        )
        await ok(c, {"authorize": real["new_account_real"]["oauth_token"]})
        await ok(c, {"get_account_status": 1})
        await ok(c, {"get_settings": 1})
        await ok(c, {"authorize": PAYMENT_AGENT_TOKEN})
        client_id = real["new_account_real"]["client_id"]
        await ok(
            c,
            {
                "paymentagent_transfer": 1,
                "amount": 50,
                "currency": "USD",
                "transfer_to": client_id,
                "dry_run": 1,
            },
        )
        await ok(
            c,
            {"paymentagent_transfer": 1, "amount": 50, "currency": "USD", "transfer_to": client_id},
        )
        await ok(c, {"authorize": real["new_account_real"]["oauth_token"]})
        await ok(c, {"verify_email": "new@example.com", "type": "paymentagent_withdraw"})
        code = sim.outbox.latest("new@example.com")
        assert code is not None
        withdraw = {
            "paymentagent_withdraw": 1,
            "amount": 20,
            "currency": "USD",
            "paymentagent_loginid": "CR10000001",
            "verification_code": code.code,
        }
        await ok(c, {**withdraw, "dry_run": 1})
        await ok(c, withdraw)
        _, poor_token = sim.open_account(balance=500)
        await ok(c, {"authorize": poor_token.token})
        await ok(c, {"topup_virtual": 1})
        await ok(c, {"forget": tick_sub})
        await ok(c, {"forget_all": ["ticks", "candles", "proposal", "website_status"]})
        await ok(c, {"logout": 1})
        seen.extend(c.seen)
    return seen
