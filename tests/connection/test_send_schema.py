"""Every request the client sends validates against Deriv's official ``send.json``."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
import trio

from framework.client import Client
from framework.connection import Connection
from framework.deriv.calls import call_of_request
from framework.deriv.errors import APIError
from tests.connection.fake import FakeDeriv
from tests.schemas import validator

PARAMS: dict[str, Any] = {
    "contract_type": "CALL",
    "symbol": "R_100",
    "currency": "USD",
    "amount": 10,
    "basis": "stake",
    "duration": 5,
    "duration_unit": "t",
}


async def _stream(cm: Any) -> None:
    async with cm as stream:
        await stream.receive()


def _calls(client: Client) -> list[Callable[[], Awaitable[Any]]]:
    return [
        lambda: client.authorize("tok-a-0001"),
        lambda: client.authorize(["tok-a-0001", "tok-b-0002"]),
        lambda: client.balance(),
        lambda: client.balance(account="all"),
        lambda: client.balance(loginid="VRTC1001"),
        lambda: _stream(client.balance_stream()),
        lambda: _stream(client.ticks("R_100")),
        lambda: _stream(client.ticks(["R_100", "R_50"])),
        lambda: client.ticks_history("R_100", count=10),
        lambda: client.ticks_history("R_100", end=1_700_000_000, style="candles", granularity=60),
        lambda: _stream(client.ticks_history_stream("R_100", count=5)),
        lambda: client.active_symbols(),
        lambda: client.active_symbols("full"),
        lambda: client.contracts_for("R_100"),
        lambda: client.contracts_for("R_100", currency="USD", product_type="basic"),
        lambda: client.proposal(
            **{k: v for k, v in PARAMS.items() if k != "contract_type"}, contract_type="PUT"
        ),
        lambda: client.proposal(
            contract_type="DIGITMATCH",
            symbol="R_100",
            amount=1,
            duration=5,
            duration_unit="t",
            barrier="5",
        ),
        lambda: _stream(
            client.proposal_stream(
                contract_type="CALL", symbol="R_50", amount=2, duration=1, duration_unit="m"
            )
        ),
        lambda: client.buy(PARAMS, price=10),
        lambda: client.buy("a" * 32, price=10),
        lambda: client.buy(PARAMS, price=10, loginid="VRTC1001"),
        lambda: client.sell(12345, price=0),
        lambda: client.sell(12345, price=9.5, loginid="VRTC1001"),
        lambda: client.proposal_open_contract(12345),
        lambda: _stream(client.open_contract_stream()),
        lambda: _stream(client.transaction()),
        lambda: client.portfolio(),
        lambda: client.statement(date_from=1_700_000_000, action_type="buy", limit=50),
        lambda: client.profit_table(date_from=1_700_000_000, limit=50, sort="DESC"),
        lambda: client.sell_expired(),
        lambda: client.verify_email("user@example.com", "account_opening"),
        lambda: client.new_account_virtual(
            residence="id", client_password="Abcd1234", verification_code="abcdefgh", type="trading"
        ),
        lambda: client.topup_virtual(),
        lambda: client.residence_list(),
        lambda: client.states_list("id"),
        lambda: client.new_account_real(
            first_name="Ann",
            last_name="Lee",
            date_of_birth="1990-01-01",
            residence="id",
            address_line_1="1 Road",
            address_city="Town",
            phone="+6281234567",
            currency="USD",
        ),
        lambda: client.landing_company("id"),
        lambda: client.landing_company_details("svg"),
        lambda: client.paymentagent_list("id", currency="USD"),
        lambda: client.paymentagent_withdraw(
            paymentagent_withdraw=1,
            paymentagent_loginid="CR100",
            amount=10,
            currency="USD",
            verification_code="abcdefgh",
        ),
        lambda: client.paymentagent_transfer(
            paymentagent_transfer=1, transfer_to="CR100", amount=10, currency="USD"
        ),
        lambda: client.ping(),
        lambda: client.time(),
        lambda: client.website_status(),
        lambda: client.forget("b" * 32),
        lambda: client.forget_all("ticks"),
        lambda: client.forget_all("ticks", "proposal"),
        lambda: client.call("trading_times", trading_times="today"),
    ]


async def test_every_request_validates_against_send_json(
    schema_dir: object, fake: FakeDeriv, conn: Connection, autojump_clock: trio.abc.Clock
) -> None:
    client = Client(conn, reconcile_grace=0.1)
    for make in _calls(client):
        try:
            with trio.fail_after(30):
                await make()
        except (APIError, trio.TooSlowError):
            pass  # the fake does not script every call; what was sent is what matters
    problems = []
    checked: set[str] = set()
    for request in fake.requests:
        spec = call_of_request(request)
        assert spec is not None, request
        checked.add(spec.name)
        errors = sorted(validator(spec.name, "send").iter_errors(request), key=str)
        problems += [f"{spec.name}: {e.message} in {request}" for e in errors]
    assert not problems, "\n".join(problems)
    guide = {
        "authorize",
        "balance",
        "ticks",
        "ticks_history",
        "active_symbols",
        "contracts_for",
        "proposal",
        "buy",
        "sell",
        "proposal_open_contract",
        "transaction",
        "portfolio",
        "statement",
        "profit_table",
        "sell_expired",
        "verify_email",
        "new_account_virtual",
        "topup_virtual",
        "residence_list",
        "states_list",
        "new_account_real",
        "landing_company",
        "landing_company_details",
        "paymentagent_list",
        "paymentagent_withdraw",
        "paymentagent_transfer",
        "ping",
        "time",
        "website_status",
        "forget",
        "forget_all",
    }
    assert guide <= checked, sorted(guide - checked)


@pytest.mark.parametrize("method", ["ticks", "transaction", "balance_stream"])
def test_client_has_guide_method(method: str) -> None:
    assert callable(getattr(Client, method))
