"""The typed client's account results: parsed from the server, the server's object kept.

The command line prints these results (tables from the typed fields, ``--json`` from
``raw``), so each must carry every field it shows and never show a secret in a repr.
"""

from __future__ import annotations

from typing import Any

import attrs
import pytest

from framework.client import (
    ApiToken,
    App,
    NewAccount,
    PaymentAgentMove,
    StatementEntry,
    TopUp,
    open_client,
)
from framework.connection import ConnectionSettings
from framework.deriv.errors import PayloadError
from framework.simulator import (
    PAYMENT_AGENT_TOKEN,
    SimulatorConfig,
    TokenConfig,
    open_simulator,
)

SECRET = "a1-VerySecretToken99"


def test_statement_entry_keeps_balance_after_and_the_servers_object() -> None:
    row: dict[str, Any] = {
        "action_type": "buy",
        "amount": -10,
        "balance_after": 9990,
        "transaction_id": 7,
        "transaction_time": 1_700_000_000,
        "contract_id": 3,
        "app_id": 1089,
    }
    entry = StatementEntry.from_payload(row)
    assert entry.balance_after == 9990.0 and entry.contract_id == 3
    assert entry.raw == row  # app_id too: --json prints what the server sent
    bare = StatementEntry.from_payload({k: v for k, v in row.items() if k != "balance_after"})
    assert bare.balance_after is None
    assert bare == attrs.evolve(entry, balance_after=None)  # raw is not compared


def test_secrets_stay_out_of_reprs() -> None:
    token = ApiToken.from_payload({"display_name": "bot", "scopes": ["read"], "token": SECRET})
    account = NewAccount.from_payload({"client_id": "VRTC1", "oauth_token": SECRET})
    assert token.token == SECRET and account.oauth_token == SECRET
    assert SECRET not in repr(token) + repr(account)


@pytest.mark.parametrize(
    ("model", "data", "message"),
    [
        (ApiToken, {"display_name": "x", "scopes": "read", "token": "t"}, "ApiToken.scopes"),
        (NewAccount, {"oauth_token": "t"}, "NewAccount.client_id"),
        (App, {"name": "x", "scopes": []}, "App.app_id"),
        (TopUp, {"currency": "USD"}, "TopUp.amount"),
    ],
)
def test_malformed_answers_are_payload_errors(model: Any, data: Any, message: str) -> None:
    with pytest.raises(PayloadError, match=message):
        model.from_payload(data)


def test_payment_agent_move_reads_the_whole_message() -> None:
    message = {
        "msg_type": "paymentagent_withdraw",
        "echo_req": {"paymentagent_withdraw": 1},
        "req_id": 4,
        "paymentagent_withdraw": 2,
        "paymentagent_name": "Agent A",
    }
    move = PaymentAgentMove.from_message("paymentagent_withdraw", message)
    assert move.dry_run and move.counterparty == "Agent A" and move.transaction_id is None
    assert move.raw == {"paymentagent_withdraw": 2, "paymentagent_name": "Agent A"}
    done = PaymentAgentMove.from_message(
        "paymentagent_transfer",
        {"paymentagent_transfer": 1, "client_to_full_name": "C", "transaction_id": 9},
    )
    assert not done.dry_run and done.counterparty == "C" and done.transaction_id == 9


async def test_account_methods_against_the_simulator() -> None:
    config = SimulatorConfig(balance=100.0, tokens=(TokenConfig("owner-token-1"),))
    async with open_simulator(config) as sim:
        settings = ConnectionSettings(url=sim.app_url(), tokens=("owner-token-1",))
        async with open_client(settings) as client:
            credited = await client.topup_virtual()
            assert credited.amount > 0 and credited.currency == "USD"
            assert credited.raw["amount"] == credited.amount
            created = await client.api_token(new_token="bot", new_token_scopes=["read"])
            (bot,) = [t for t in created if t.display_name == "bot"]
            assert bot.scopes == ("read",) and bot.token
            left = await client.api_token(delete_token=bot.token)
            assert "bot" not in [t.display_name for t in left]
            app = await client.app_register(name="tool", scopes=["read"])
            assert app.app_id > 0 and app.scopes == ("read",)
            assert [a.app_id for a in await client.app_list()] == [app.app_id]
            limits = await client.get_limits()
            assert "open_positions" in limits


async def test_payment_agent_dry_run_moves_nothing() -> None:
    # A token of the demo user's real account makes that account (the transfer's target).
    config = SimulatorConfig(tokens=(TokenConfig("real-token-1", account="real"),))
    async with open_simulator(config) as sim:
        settings = ConnectionSettings(url=sim.app_url(), tokens=(PAYMENT_AGENT_TOKEN,))
        async with open_client(settings) as client:
            before = (await client.balance()).balance
            move = await client.paymentagent_transfer(
                transfer_to="CR90000001", amount=20, currency="USD", dry_run=1
            )
            assert move.dry_run and move.transaction_id is None
            assert (await client.balance()).balance == before
