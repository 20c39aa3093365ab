"""``triobot account``: balances, reports, the transaction stream, top-ups and scopes."""

from __future__ import annotations

import argparse
import threading
from pathlib import Path
from typing import Any

import pytest

from bots.commands.account import parse_date
from framework.client import open_client
from framework.connection import ConnectionSettings
from framework.scopes import EXIT_SCOPES
from framework.simulator import Simulator
from tests.bots.conftest import Runner, SimThread, Wiretap

CONTRACT = {
    "symbol": "1HZ100V",
    "currency": "USD",
    "amount": 10,
    "basis": "stake",
    "duration": 1,
    "duration_unit": "t",
}


async def _trade(sim: Simulator) -> dict[str, Any]:
    """Buy two one-tick contracts (followed to settlement) and one that stays open."""
    settings = ConnectionSettings(url=sim.app_url(), tokens=(sim.token,))
    async with open_client(settings) as client:
        settled = []
        for kind in ("CALL", "PUT"):
            outcome = await client.buy({**CONTRACT, "contract_type": kind}, price=10)
            assert outcome.bought and outcome.contract_id is not None
            async with client.open_contract_stream(outcome.contract_id) as updates:
                async for _ in updates:
                    pass  # the stream ends with the update that reports it sold
            settled.append(outcome.contract_id)
        held = await client.buy(
            {**CONTRACT, "contract_type": "CALL", "duration": 1, "duration_unit": "h"}, price=10
        )
        assert held.bought
    return {"settled": settled, "open": held.contract_id, "loginid": sim.loginid}


@pytest.fixture
def traded(remote: SimThread, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """The threaded simulator's demo account after three trades; DERIV_TOKEN logs in to it."""
    monkeypatch.setenv("DERIV_TOKEN", remote.sim.token)
    return remote.run(_trade, remote.sim)


def test_balance_once_table_and_json(cli: Runner) -> None:
    result = cli("account", "balance", "--sim-balance", "2500", "--json")
    assert result.code == 0, result.err
    doc = result.json()
    assert doc["balance"] == 2500 and doc["currency"] == "USD"
    assert doc["loginid"].startswith("VRTC")
    table = cli("account", "balance")
    assert "10,000.00 USD" in table.out


def test_balance_watch_prints_one_json_line_per_update(cli: Runner) -> None:
    result = cli("account", "balance", "--watch", "--count", "1", "--json")
    assert result.code == 0, result.err
    [line] = result.lines()
    assert line["balance"] == 10000
    assert cli("account", "balance", "--count", "1").code == 2  # --count needs --watch


def test_reports_of_a_traded_account(
    cli: Runner, remote: SimThread, traded: dict[str, Any]
) -> None:
    url = ("--endpoint", remote.url)
    portfolio = cli("account", "portfolio", *url, "--json")
    assert portfolio.code == 0, portfolio.err
    assert [c["contract_id"] for c in portfolio.json()["contracts"]] == [traded["open"]]
    assert str(traded["open"]) in cli("account", "portfolio", *url).out

    profit = cli("account", "profit-table", *url, "--json").json()
    assert sorted(t["contract_id"] for t in profit["transactions"]) == sorted(traded["settled"])
    first = cli("account", "profit-table", *url, "--limit", "1", "--json").json()
    second = cli("account", "profit-table", *url, "--limit", "1", "--offset", "1", "--json")
    assert first["count"] == 1 and second.json()["count"] == 1
    assert (
        first["transactions"][0]["contract_id"] != second.json()["transactions"][0]["contract_id"]
    )
    puts = cli("account", "profit-table", *url, "--contract-type", "PUT", "--json").json()
    assert [t["contract_id"] for t in puts["transactions"]] == [traded["settled"][1]]
    table = cli("account", "profit-table", *url)
    assert "total profit" in table.out and "of 2 won" in table.out

    statement = cli("account", "statement", *url, "--json").json()
    actions = [t["action_type"] for t in statement["transactions"]]
    assert actions.count("buy") == 3 and actions.count("sell") == 2
    buys = cli("account", "statement", *url, "--action-type", "buy", "--json").json()
    assert buys["count"] == 3
    paged = cli("account", "statement", *url, "--limit", "2", "--offset", "1", "--json").json()
    assert paged["transactions"] == statement["transactions"][1:3]
    # Date ranges: nothing in 2000, nothing after 2100; a bare --to date includes its day.
    assert cli("account", "statement", *url, "--to", "2000-01-01", "--json").json()["count"] == 0
    later = cli("account", "statement", *url, "--from", "2100-01-01", "--json").json()
    assert later["count"] == 0
    assert cli("account", "profit-table", *url, "--to", "2000-01-01", "--json").json()["count"] == 0


def test_date_options_are_checked_before_connecting(cli: Runner, wiretap: Wiretap) -> None:
    backwards = cli("account", "statement", "--from", "2024-02-01", "--to", "2024-01-01")
    assert backwards.code == 2 and "--from is after --to" in backwards.err
    assert cli("account", "statement", "--from", "yesterday").code == 2
    assert cli("account", "statement", "--limit", "-1").code == 2
    assert wiretap.calls == []


def test_sell_expired_and_limits(cli: Runner) -> None:
    sold = cli("account", "sell-expired", "--json")
    assert sold.code == 0 and sold.json() == {"count": 0}
    limits = cli("account", "limits", "--json")
    assert limits.code == 0 and limits.json()["open_positions"] >= 1


def test_transactions_stream_follows_the_account(
    cli: Runner, remote: SimThread, wiretap: Wiretap, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DERIV_TOKEN", remote.sim.token)
    results: list[Any] = []
    command = threading.Thread(
        target=lambda: results.append(
            cli("account", "transactions", "--endpoint", remote.url, "--count", "2", "--json")
        )
    )
    command.start()
    assert wiretap.event("transaction").wait(timeout=30), "the command never subscribed"

    def deposit(amount: float) -> None:
        remote.sim.core.bank.post(
            remote.sim.loginid, "deposit", amount, now=remote.sim.epoch(), longcode="test"
        )

    remote.run_sync(deposit, 25.0)
    remote.run_sync(deposit, 5.0)
    command.join(timeout=30)
    [result] = results
    assert result.code == 0, result.err
    lines = result.lines()
    assert [(t["action"], t["amount"]) for t in lines] == [("deposit", 25.0), ("deposit", 5.0)]
    assert lines[1]["balance"] == 10030.0


def test_topup_refills_a_low_virtual_account(cli: Runner) -> None:
    result = cli("account", "topup", "--sim-balance", "500", "--json")
    assert result.code == 0, result.err
    assert result.json() == {
        "amount": 10000.0,
        "currency": "USD",
        "balance": 10500.0,
        "loginid": result.json()["loginid"],
    }


def test_an_api_error_is_its_code_and_message_and_exit_1(cli: Runner) -> None:
    result = cli("account", "topup", "--json")
    assert result.code == 1
    assert result.json()["error"]["code"] == "TopupVirtualError"
    assert result.err.startswith("triobot: TopupVirtualError: You can only request")


def test_a_missing_scope_is_named_and_nothing_is_sent(cli: Runner, wiretap: Wiretap) -> None:
    result = cli("account", "topup", "--sim-scopes", "read", "--sim-balance", "500", "--json")
    assert result.code == 3
    error = result.json()["error"]
    assert error["code"] == "MissingScopes"
    assert "lacks scope 'trade' for topup_virtual" in error["message"]
    assert "has: read" in result.err and "Nothing was sent" in result.err
    assert "topup_virtual" not in wiretap.calls and "balance" not in wiretap.calls
    assert "authorize" in wiretap.calls  # it did log in: the scopes come from authorize


def test_statement_needs_read_or_trading_information(cli: Runner, wiretap: Wiretap) -> None:
    refused = cli("account", "statement", "--sim-scopes", "trade")
    assert refused.code == 3
    assert "'read' (or 'trading_information') for statement" in refused.err
    allowed = cli("account", "statement", "--sim-scopes", "trading_information", "--json")
    assert allowed.code == 0, allowed.err


def test_token_from_a_file_and_a_warning_when_others_can_read_it(
    cli: Runner, remote: SimThread, tmp_path: Path
) -> None:
    token_file = tmp_path / "token"
    token_file.write_text(remote.sim.token + "\n")
    token_file.chmod(0o600)
    ok = cli("account", "balance", "--endpoint", remote.url, "--token-file", str(token_file))
    assert ok.code == 0 and "readable by other users" not in ok.err
    token_file.chmod(0o644)
    warned = cli("account", "balance", "--endpoint", remote.url, "--token-file", str(token_file))
    assert warned.code == 0 and "readable by other users" in warned.err
    assert remote.sim.token not in warned.err + warned.out  # never echoed


def test_token_problems(
    cli: Runner, remote: SimThread, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    missing = cli("account", "balance", "--token-file", str(tmp_path / "nope"))
    assert missing.code == 2 and "--token-file" in missing.err
    no_token = cli("account", "balance", "--endpoint", remote.url)
    assert no_token.code == 2 and "DERIV_TOKEN" in no_token.err
    monkeypatch.setenv("DERIV_TOKEN", "not-a-known-token")
    refused = cli("account", "balance", "--endpoint", remote.url, "--json")
    assert refused.code == EXIT_SCOPES and refused.json()["error"]["code"] == "InvalidToken"
    assert "not-a-known-token" not in refused.err + refused.out
    embedded = cli("account", "balance")
    assert embedded.code == EXIT_SCOPES and "knows only its own tokens" in embedded.err


@pytest.mark.parametrize("token", ["two words", "x" * 129], ids=["space", "129 chars"])
def test_malformed_token_is_refused_like_a_wrong_one(
    cli: Runner, remote: SimThread, monkeypatch: pytest.MonkeyPatch, token: str
) -> None:
    monkeypatch.setenv("DERIV_TOKEN", token)
    for command in (("account", "balance"), ("account", "statement"), ("api", "call", "balance")):
        result = cli(*command, "--endpoint", remote.url)
        assert result.code == EXIT_SCOPES, (command, result.err)
        assert result.err.count("\n") == 1 and "malformed" in result.err, result.err
        assert "Traceback" not in result.err and token not in result.err + result.out


def test_parse_date() -> None:
    assert parse_date("1700000000") == 1_700_000_000
    assert parse_date("2024-01-31") == 1_706_659_200
    assert parse_date("2024-01-31", end_of_day=True) == 1_706_659_200 + 86_399
    assert parse_date("2024-01-31T12:30") == 1_706_659_200 + 45_000
    assert parse_date("2024-01-31T12:30+01:00") == 1_706_659_200 + 41_400
    for bad in ("2024-13-01", "31/01/2024", "", "-5"):
        with pytest.raises(argparse.ArgumentTypeError):
            parse_date(bad)
