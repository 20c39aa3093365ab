"""The envelope and the error paths: every documented code reachable and correctly shaped."""

from __future__ import annotations

import json
from typing import Any

import pytest
import trio
from trio.testing import MockClock
from trio_websocket import ConnectionRejected, open_websocket_url

from framework.simulator import Simulator, TokenConfig, open_simulator
from framework.transport import ConnectionLost
from tests.simulator.client import RawClient, connect
from tests.simulator.conftest import sim_options

PARAMS = {
    "contract_type": "CALL",
    "symbol": "R_100",
    "currency": "USD",
    "amount": 10,
    "basis": "stake",
    "duration": 5,
    "duration_unit": "t",
}
CALL_R100 = {"proposal": 1, **PARAMS}


def assert_error(message: dict[str, Any], code: str, msg_type: str) -> dict[str, Any]:
    """Check the real error shape and return ``error``."""
    assert message["msg_type"] == msg_type, message
    assert "echo_req" in message
    error: dict[str, Any] = message["error"]
    assert error["code"] == code, message
    assert isinstance(error["message"], str) and error["message"]
    assert set(error) <= {"code", "message", "details"}
    return error


async def test_reply_echoes_req_id_passthrough_and_hides_sensitive_fields(
    autojump_clock: MockClock, client: RawClient, sim: Simulator
) -> None:
    reply = await client.call({"authorize": sim.token, "passthrough": {"intent": "abc"}})
    assert reply["echo_req"]["authorize"] == "<not shown>"
    assert reply["passthrough"] == {"intent": "abc"}
    assert reply["req_id"] == reply["echo_req"]["req_id"]
    assert sim.token not in json.dumps(reply)


async def test_no_req_id_means_none_echoed(autojump_clock: MockClock, client: RawClient) -> None:
    await client.send({"ping": 1}, req_id=False)
    reply = await client.receive()
    assert reply == {"echo_req": {"ping": 1}, "msg_type": "ping", "ping": "pong"}


async def test_stream_messages_repeat_req_id_and_passthrough(
    autojump_clock: MockClock, client: RawClient
) -> None:
    first = await client.call({"ticks": "R_50", "passthrough": {"k": 1}})
    sub_id = first["subscription"]["id"]
    assert len(sub_id) == 36
    second = await client.stream(sub_id)
    assert second["req_id"] == first["req_id"]
    assert second["passthrough"] == {"k": 1}
    assert second["tick"]["id"] == sub_id
    assert second["tick"]["epoch"] - first["tick"]["epoch"] == 2  # R_50 ticks every 2 s


async def test_unknown_call_is_unrecognised_request(
    autojump_clock: MockClock, client: RawClient
) -> None:
    reply = await client.call({"no_such_call": 1})
    assert_error(reply, "UnrecognisedRequest", "error")
    assert reply["req_id"] == reply["echo_req"]["req_id"]


async def test_real_call_not_implemented_names_the_call(
    autojump_clock: MockClock, trader: RawClient
) -> None:
    reply = await trader.call({"mt5_login_list": 1})
    error = assert_error(reply, "UnrecognisedRequest", "mt5_login_list")
    assert "mt5_login_list" in error["message"]


async def test_input_validation_failed_has_per_field_details(
    autojump_clock: MockClock, client: RawClient
) -> None:
    reply = await client.call({"proposal": 1, "symbol": "R_100", "amount": "ten", "bogus": 2})
    error = assert_error(reply, "InputValidationFailed", "proposal")
    assert set(error["details"]) == {"amount", "bogus", "contract_type", "currency"}
    assert error["message"].startswith("Input validation failed: ")
    for field in error["details"]:
        assert field in error["message"]


async def test_numeric_strings_are_coerced_like_the_real_server(
    autojump_clock: MockClock, client: RawClient
) -> None:
    reply = await client.call({"ping": "1"})
    assert reply["ping"] == "pong"


async def test_validation_comes_before_authorization(
    autojump_clock: MockClock, client: RawClient
) -> None:
    reply = await client.call({"balance": 1, "account": "nope!"})
    assert_error(reply, "InputValidationFailed", "balance")
    reply = await client.call({"balance": 1})
    error = assert_error(reply, "AuthorizationRequired", "balance")
    assert error["message"] == "Please log in."


async def test_permission_denied_when_no_scope_matches(autojump_clock: MockClock) -> None:
    tokens = (
        TokenConfig("read-only", ("read",)),
        TokenConfig("trading-info", ("trading_information",)),
    )
    async with open_simulator(**sim_options(tokens=tokens)) as sim, connect(sim) as raw:
        await raw.authorize("read-only")
        reply = await raw.call({"buy": "1", "price": 10, "parameters": PARAMS})
        error = assert_error(reply, "PermissionDenied", "buy")
        assert error["message"] == "Permission denied, requires trade scope."
        # statement accepts read OR trading_information: any one scope suffices.
        assert "error" not in await raw.call({"statement": 1})
        await raw.authorize("trading-info")
        assert "error" not in await raw.call({"statement": 1})
        reply = await raw.call({"get_limits": 1})
        assert_error(reply, "PermissionDenied", "get_limits")


async def test_invalid_token(autojump_clock: MockClock, client: RawClient) -> None:
    reply = await client.call({"authorize": "not-a-token"})
    error = assert_error(reply, "InvalidToken", "authorize")
    assert error["message"] == "The token is invalid."


async def test_bad_request_for_json_that_is_not_an_object(
    autojump_clock: MockClock, client: RawClient
) -> None:
    await client.ws.send_message("[1, 2]")
    assert_error(await client.receive(), "BadRequest", "error")


async def test_malformed_json_closes_with_1007(
    autojump_clock: MockClock, client: RawClient
) -> None:
    await client.ws.send_message("{not json")
    with pytest.raises(ConnectionLost) as info:
        await client.receive()
    assert info.value.code == 1007


@pytest.mark.parametrize("query", ["", "?app_id=", "?app_id=0", "?app_id=abc", "?l=EN"])
async def test_missing_or_bad_app_id_is_refused_before_upgrade(
    vclock: MockClock, sim: Simulator, query: str
) -> None:
    with pytest.raises(ConnectionRejected) as info:
        async with open_websocket_url(sim.url + query):
            pass
    assert info.value.status_code == 401
    assert info.value.body is not None
    assert json.loads(info.value.body) == {"error": "InvalidAppID"}


async def test_wrong_path_is_404(vclock: MockClock, sim: Simulator) -> None:
    with pytest.raises(ConnectionRejected) as info:
        async with open_websocket_url(f"ws://127.0.0.1:{sim.port}/other?app_id=1"):
            pass
    assert info.value.status_code == 404


async def test_language_and_brand_parameters_are_accepted(
    vclock: MockClock, sim: Simulator
) -> None:
    async with open_websocket_url(sim.url + "?app_id=1089&l=EN&brand=deriv") as ws:
        await ws.send_message('{"ping": 1}')
        assert json.loads(await ws.get_message())["ping"] == "pong"


async def test_already_subscribed(autojump_clock: MockClock, trader: RawClient) -> None:
    await trader.call({"ticks": "R_100"})
    reply = await trader.call({"ticks": "R_100", "req_id": 999})
    assert "error" not in reply  # another req_id is another stream (real feed key)
    await trader.send({"ticks": "R_100"}, req_id=False)
    await trader.send({"ticks": "R_100"}, req_id=False)
    error = (await trader.wait(lambda m: "error" in m))["error"]
    assert error == {"code": "AlreadySubscribed", "message": "You are already subscribed to R_100"}
    await trader.call({"transaction": 1, "subscribe": 1})
    reply = await trader.call({"transaction": 1, "subscribe": 1})
    assert assert_error(reply, "AlreadySubscribed", "transaction")["message"] == (
        "You are already subscribed to transaction"
    )
    await trader.call({"balance": 1, "subscribe": 1})
    assert_error(await trader.call({"balance": 1, "subscribe": 1}), "AlreadySubscribed", "balance")
    await trader.call({**CALL_R100, "subscribe": 1})
    assert_error(await trader.call({**CALL_R100, "subscribe": 1}), "AlreadySubscribed", "proposal")


async def test_invalid_symbol(autojump_clock: MockClock, client: RawClient) -> None:
    assert_error(await client.call({"ticks": "NOPE"}), "InvalidSymbol", "tick")
    reply = await client.call({"ticks_history": "NOPE", "end": "latest"})
    assert_error(reply, "InvalidSymbol", "history")
    assert_error(await client.call({**CALL_R100, "symbol": "NOPE"}), "InvalidSymbol", "proposal")


async def test_contract_validation_errors(autojump_clock: MockClock, client: RawClient) -> None:
    reply = await client.call({**CALL_R100, "amount": 0.1})
    error = assert_error(reply, "ContractBuyValidationError", "proposal")
    assert error["message"].startswith("Minimum stake of 0.35 and maximum payout of 50000.00.")
    reply = await client.call({**CALL_R100, "contract_type": "DIGITOVER", "barrier": "9"})
    assert "Digit must be in the range of 0 to 8." in reply["error"]["message"]
    reply = await client.call({**CALL_R100, "contract_type": "ACCU"})
    error = assert_error(reply, "ContractBuyValidationError", "proposal")
    assert error["message"].startswith("Invalid input (duration or date_expiry)")


async def test_trading_errors(autojump_clock: MockClock, trader: RawClient, sim: Simulator) -> None:
    reply = await trader.call({"buy": "0" * 36, "price": 10})
    error = assert_error(reply, "InvalidContractProposal", "buy")
    assert error["message"] == "Unknown contract proposal"
    proposal = (await trader.call(CALL_R100))["proposal"]
    reply = await trader.call({"buy": proposal["id"], "price": 9.5})
    error = assert_error(reply, "PriceMoved", "buy")
    assert "from 9.50 USD to 10.00 USD" in error["message"]
    reply = await trader.call(
        {"buy": "1", "price": 20000, "parameters": {**PARAMS, "amount": 20000}}
    )
    error = assert_error(reply, "InsufficientBalance", "buy")
    assert error["message"] == (
        "Your account balance (USD10000.00) is insufficient to buy this contract (USD20000.00)."
    )
    reply = await trader.call({"sell": 123, "price": 0})
    error = assert_error(reply, "InvalidSellContractProposal", "sell")
    assert error["message"] == "Unknown contract sell proposal"
    bought = (await trader.call({"buy": "1", "price": 10, "parameters": PARAMS}))["buy"]
    reply = await trader.call({"sell": bought["contract_id"], "price": 0})
    error = assert_error(reply, "ResaleNotOffered", "sell")
    assert error["message"] == "Resale of this contract is not offered."
    reply = await trader.call({"topup_virtual": 1})
    assert assert_error(reply, "TopupVirtualError", "topup_virtual")["message"].startswith(
        "You can only request additional funds"
    )
    assert sim.balance() == 9990.0


async def test_rate_limit_is_enforced_and_ping_time_are_exempt(autojump_clock: MockClock) -> None:
    from framework.simulator import RateLimits

    limits = RateLimits().per_minute(general=5, pricing=2)
    async with open_simulator(**sim_options(rate_limits=limits)) as sim, connect(sim) as raw:
        for _ in range(5):
            assert "error" not in await raw.call({"active_symbols": "brief"})
        error = assert_error(
            await raw.call({"active_symbols": "brief"}), "RateLimit", "active_symbols"
        )
        assert error["message"] == "You have reached the rate limit for active_symbols."
        for _ in range(20):
            assert "error" not in await raw.call({"ping": 1})
            assert "error" not in await raw.call({"time": 1})
        for _ in range(2):
            assert "error" not in await raw.call(CALL_R100)
        assert_error(await raw.call(CALL_R100), "RateLimit", "proposal")
        # The window slides in simulated time.
        await trio.sleep(61)
        assert "error" not in await raw.call({"active_symbols": "brief"})
        status = (await raw.call({"website_status": 1}))["website_status"]
        assert status["api_call_limits"]["max_requestes_general"]["minutely"] == 5


async def test_rate_limit_comes_before_validation(autojump_clock: MockClock) -> None:
    from framework.simulator import RateLimits

    async with (
        open_simulator(**sim_options(rate_limits=RateLimits().per_minute(general=1))) as sim,
        connect(sim) as raw,
    ):
        await raw.call({"active_symbols": "brief"})
        reply = await raw.call({"active_symbols": "nonsense"})
        assert_error(reply, "RateLimit", "active_symbols")
