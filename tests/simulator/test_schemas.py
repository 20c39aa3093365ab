"""Every message the simulator produces validates against Deriv's official ``receive.json``."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from trio.testing import MockClock

from framework.deriv.calls import call_of_request
from framework.simulator import open_simulator
from tests.schemas import require_schemas, validator
from tests.simulator.conftest import sim_options
from tests.simulator.session_script import run_everything


async def test_every_message_type_validates_against_receive_json(
    autojump_clock: MockClock, schema_dir: Path
) -> None:
    # ``schema_dir`` skips (with the reason) before Trio starts; a skip raised inside the
    # Trio run would be reported without its reason.
    async with open_simulator(**sim_options()) as sim:
        messages = await run_everything(sim)
    checked: Counter[str] = Counter()
    failures = []
    for message in messages:
        spec = call_of_request(message["echo_req"])
        assert spec is not None, message
        errors = sorted(validator(spec.name, "receive").iter_errors(message), key=str)
        if errors:
            failures.append((spec.name, message["msg_type"], errors[0].message, errors[0].path))
        checked[f"{spec.name}:{message['msg_type']}"] += 1
    assert not failures, failures[:5]
    # Every answer and stream type the simulator has must have been seen and checked.
    produced = {key.split(":")[1] for key in checked}
    expected = {
        "ping", "time", "website_status", "active_symbols", "contracts_for",
        "payout_currencies", "trading_times", "residence_list", "states_list",
        "landing_company", "landing_company_details", "paymentagent_list", "history",
        "candles", "tick", "ohlc", "authorize", "balance", "transaction",
        "proposal_open_contract", "proposal", "buy", "sell", "portfolio", "statement",
        "profit_table", "sell_expired", "get_limits", "api_token", "app_register", "app_list",
        "app_get", "app_delete", "verify_email", "new_account_virtual", "new_account_real",
        "paymentagent_transfer", "paymentagent_withdraw", "topup_virtual", "forget",
        "forget_all", "logout", "contract_update", "contract_update_history", "cancel",
        "get_account_status", "get_settings", "exchange_rates", "trading_durations",
    }  # fmt: skip
    assert expected <= produced, expected - produced
    assert checked["transaction:transaction"] >= 5  # ack, buy, sell, buy, sell


def test_the_schema_check_has_teeth() -> None:
    require_schemas()
    good: dict[str, Any] = {
        "echo_req": {"ticks": "R_100"},
        "msg_type": "tick",
        "tick": {"epoch": 1, "id": "x" * 36, "pip_size": 2, "quote": 1.0, "symbol": "R_100"},
    }
    assert not list(validator("ticks", "receive").iter_errors(good))
    bad = {**good, "tick": {**good["tick"], "quote": "1.00"}}
    assert list(validator("ticks", "receive").iter_errors(bad))
