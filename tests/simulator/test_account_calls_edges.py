"""The simulator's login, token, app, account-opening and payment-agent calls on bad input."""

from __future__ import annotations

from typing import Any

from trio.testing import MockClock

from framework.simulator import PAYMENT_AGENT_LOGINID, PAYMENT_AGENT_TOKEN, Simulator
from tests.simulator.client import RawClient, connect


def error(reply: dict[str, Any]) -> tuple[str, str]:
    assert "error" in reply, reply
    return reply["error"]["code"], reply["error"]["message"]


async def test_multi_authorize_refuses_any_unknown_token(
    vclock: MockClock, client: RawClient, sim: Simulator
) -> None:
    bad = await client.call({"authorize": "MULTI", "tokens": [sim.token, "nobody-0001"]})
    assert error(bad)[0] == "InvalidToken"
    none = await client.call({"authorize": "MULTI"})
    assert error(none)[0] == "InvalidToken"
    assert error(await client.call({"balance": 1}))[0] == "AuthorizationRequired"


async def test_switching_accounts_forgets_the_first_accounts_streams(
    vclock: MockClock, trader: RawClient, sim: Simulator
) -> None:
    await trader.call({"balance": 1, "subscribe": 1})
    assert [s["kind"] for s in sim.subscriptions()] == ["balance"]
    _, other = sim.open_account()
    await trader.authorize(other.token)
    assert sim.subscriptions() == []


async def test_api_token_names_and_scopes(vclock: MockClock, trader: RawClient) -> None:
    no_scopes = await trader.call({"api_token": 1, "new_token": "bot", "new_token_scopes": []})
    assert error(no_scopes) == (
        "InvalidNewTokenScopes",
        "Please provide at least one token scope.",
    )
    made = await trader.call({"api_token": 1, "new_token": "bot", "new_token_scopes": ["read"]})
    assert made["api_token"]["new_token"] == 1
    again = await trader.call({"api_token": 1, "new_token": "bot", "new_token_scopes": ["read"]})
    assert error(again) == ("TokenNameExists", "The name is taken.")


async def test_deleting_someone_elses_token_changes_nothing(
    vclock: MockClock, trader: RawClient, sim: Simulator
) -> None:
    _, other = sim.open_account()
    reply = await trader.call({"api_token": 1, "delete_token": other.token})
    assert reply["api_token"]["delete_token"] == 1
    async with connect(sim) as owner:  # still valid for its owner
        assert (await owner.authorize(other.token))["loginid"] == other.loginid


async def test_apps_of_another_account_are_invalid(
    vclock: MockClock, trader: RawClient, sim: Simulator
) -> None:
    app = await trader.call({"app_register": 1, "name": "mine", "scopes": ["read"]})
    app_id = app["app_register"]["app_id"]
    _, other = sim.open_account()
    async with connect(sim) as stranger:
        await stranger.authorize(other.token)
        for call in ("app_get", "app_delete"):
            reply = await stranger.call({call: app_id})
            assert error(reply) == ("InvalidAppID", "Your app_id is invalid.")
    assert (await trader.call({"app_get": app_id}))["app_get"]["name"] == "mine"


async def test_opening_accounts_checks_residence_and_the_one_real_account(
    vclock: MockClock, trader: RawClient, sim: Simulator
) -> None:
    await trader.call({"verify_email": "new@example.com", "type": "account_opening"})
    email = sim.outbox.latest("new@example.com")
    assert email is not None
    opening = {
        "new_account_virtual": 1,
        "verification_code": email.code,
        "client_password": "Abcd1234",
        "email": "new@example.com",
    }
    nowhere = await trader.call({**opening, "residence": "zz"})
    assert error(nowhere) == (
        "InvalidResidence",
        "Sorry, our service is not available for your country.",
    )
    real = {"new_account_real": 1, "first_name": "Ann", "last_name": "Lee", "residence": "id"}
    assert "error" not in await trader.call(real)
    assert error(await trader.call(real)) == (
        "NewAccountLimitReached",
        "You have created all accounts available to you.",
    )


async def test_unknown_landing_company(vclock: MockClock, client: RawClient) -> None:
    reply = await client.call({"landing_company_details": "maltainvest"})
    assert error(reply) == ("UnknownLandingCompany", "Unknown landing company.")


async def test_limits_of_a_real_account(vclock: MockClock, sim: Simulator) -> None:
    _, token = sim.open_account(virtual=False)
    async with connect(sim) as raw:
        await raw.authorize(token.token)
        limits = (await raw.call({"get_limits": 1}))["get_limits"]
    assert limits["account_balance"] == 300000.0 and limits["open_positions"] == 100


async def test_payment_agent_withdrawals_check_each_field(
    vclock: MockClock, sim: Simulator
) -> None:
    account, token = sim.open_account(virtual=False, balance=100)
    async with connect(sim) as raw:
        await raw.authorize(sim.token)
        base = {
            "paymentagent_withdraw": 1,
            "amount": 20,
            "currency": "USD",
            "paymentagent_loginid": PAYMENT_AGENT_LOGINID,
            "verification_code": "WRONGCODE1",
        }
        assert error(await raw.call(base)) == (
            "PaymentAgentWithdrawError",
            "This feature is not available for virtual accounts.",
        )
        await raw.authorize(token.token)
        elsewhere = await raw.call({**base, "paymentagent_loginid": "CR99999999"})
        assert error(elsewhere) == (
            "PaymentAgentWithdrawError",
            "The payment agent account does not exist.",
        )
        assert error(await raw.call(base)) == (
            "InvalidToken",
            "Your token has expired or is invalid.",
        )
        await raw.call({"verify_email": account.email, "type": "paymentagent_withdraw"})
        email = sim.outbox.latest(account.email)
        assert email is not None
        coded = {**base, "verification_code": email.code}
        cases: list[tuple[dict[str, Any], str]] = [
            ({"currency": "EUR"}, "Your account currency is USD, not EUR."),
            ({"amount": 5}, "Invalid amount. Minimum is 10.00, maximum is 2000.00."),
            ({"amount": 500}, "Your account balance is insufficient for this transaction."),
        ]
        for change, message in cases:
            reply = await raw.call({**coded, **change})
            assert error(reply) == ("PaymentAgentWithdrawError", message)
    assert sim.balance(account.loginid) == 100  # nothing moved


async def test_payment_agent_transfers_are_for_the_agent_to_real_clients(
    vclock: MockClock, trader: RawClient, sim: Simulator
) -> None:
    transfer: dict[str, Any] = {
        "paymentagent_transfer": 1,
        "amount": 50,
        "currency": "USD",
        "transfer_to": "CR1",
    }
    assert error(await trader.call(transfer)) == (
        "PaymentAgentTransferError",
        "You are not authorized for transfers via payment agents.",
    )
    async with connect(sim) as agent:
        await agent.authorize(PAYMENT_AGENT_TOKEN)
        for target in ("CR99999999", sim.loginid):  # unknown, and a virtual account
            reply = await agent.call({**transfer, "transfer_to": target})
            assert error(reply) == (
                "PaymentAgentTransferError",
                f"Login ID ({target}) does not exist.",
            )
