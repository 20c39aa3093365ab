"""A session that makes the simulator produce every message type it has, for schema tests."""

from __future__ import annotations

from typing import Any

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


async def ok(client: RawClient, request: dict[str, Any]) -> dict[str, Any]:
    """Call and insist on success."""
    reply = await client.call(request)
    assert "error" not in reply, reply
    return reply


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
        await ok(c, {"statement": 1, "description": 1})
        await ok(c, {"profit_table": 1, "description": 1})
        await ok(c, {"sell_expired": 1})
        await ok(c, {"get_limits": 1})
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
