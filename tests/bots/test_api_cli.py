"""``triobot api``: ping, time, website_status and the generic caller, end to end."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.bots.conftest import Runner, SimThread, Wiretap

ROOT = Path(__file__).resolve().parents[2]


def test_ping_reports_each_round_trip(cli: Runner) -> None:
    result = cli("api", "ping", "--count", "3", "--json")
    assert result.code == 0, result.err
    doc = result.json()
    assert doc["ping"] == "pong"
    assert doc["count"] == 3 and len(doc["rtt_ms"]) == 3
    assert 0 < doc["min_ms"] <= doc["avg_ms"] <= doc["max_ms"]


def test_ping_table(cli: Runner) -> None:
    result = cli("api", "ping", "--count", "2")
    assert result.code == 0
    assert "pong" in result.out and "round trip ms" in result.out and "avg" in result.out


def test_time_measures_the_skew_against_this_machine(cli: Runner) -> None:
    result = cli("api", "time", "--json")
    assert result.code == 0, result.err
    doc = result.json()
    assert isinstance(doc["time"], int)
    # The embedded simulator's clock is this machine's: the skew is within the measurement.
    assert abs(doc["skew_seconds"]) <= doc["uncertainty_seconds"] + 0.01
    assert doc["server_time"].endswith("UTC")
    table = cli("api", "time")
    assert "agrees with the server" in table.out


@pytest.mark.parametrize(("offset", "words"), [(3600, "behind the server"), (-600, "ahead of")])
def test_time_reports_a_server_clock_that_differs(cli: Runner, offset: int, words: str) -> None:
    server = SimThread(start_epoch=time.time() + offset).start()
    try:
        result = cli("api", "time", "--endpoint", server.url, "--json")
        assert result.code == 0, result.err
        assert abs(result.json()["skew_seconds"] - offset) < 2
        table = cli("api", "time", "--endpoint", server.url)
        assert words in table.out
        assert "Synchronise this machine's clock" in table.err
    finally:
        server.stop()


def test_status_shows_site_status_and_call_limits(cli: Runner) -> None:
    result = cli("api", "status", "--json")
    assert result.code == 0
    doc = result.json()
    assert doc["site_status"] == "up"
    assert doc["api_call_limits"]["max_requestes_general"]["minutely"] > 0
    table = cli("api", "status")
    assert "API call limits" in table.out and "max_requests_outcome" in table.out
    assert "US Dollar" in table.out


def test_any_call_by_name(cli: Runner) -> None:
    result = cli("api", "call", "states_list", "--arg", "states_list=id", "--json")
    assert result.code == 0, result.err
    states = result.json()["states_list"]
    assert {"text": "Jakarta", "value": "JK"} in states
    result = cli("api", "call", "payout_currencies")
    assert result.code == 0 and "USD" in result.out


def test_any_call_types_values_by_the_schema(cli: Runner) -> None:
    # barrier is a string in the schema; '5' reads as the JSON number 5 on the command line.
    fields = {
        "contract_type": "DIGITMATCH", "barrier": "5", "currency": "USD", "symbol": "R_100",
        "amount": "1", "basis": "stake", "duration": "1", "duration_unit": "t",
    }  # fmt: skip
    args = [part for key, value in fields.items() for part in ("--arg", f"{key}={value}")]
    result = cli("api", "call", "proposal", *args, "--json")
    assert result.code == 0, result.err
    assert result.json()["proposal"]["ask_price"] > 0


def test_any_call_refuses_unknown_calls_and_fields(cli: Runner, wiretap: Wiretap) -> None:
    unknown = cli("api", "call", "no_such_call")
    assert unknown.code == 2 and "not a call" in unknown.err
    bad = cli("api", "call", "statement", "--arg", "limit=5000", "--json")
    assert bad.code == 2
    assert bad.json()["error"]["code"] == "InvalidRequest"
    assert "statement" not in wiretap.calls  # refused before sending
    malformed = cli("api", "call", "ping", "--arg", "novalue")
    assert malformed.code == 2


def test_any_call_refuses_secrets_on_the_command_line(cli: Runner, wiretap: Wiretap) -> None:
    login = cli("api", "call", "authorize", "--arg", "authorize=sometoken")
    assert login.code == 2 and "DERIV_TOKEN" in login.err
    password = cli(
        "api", "call", "new_account_virtual", "--arg", "client_password=Secret123",
        "--arg", "residence=id",
    )  # fmt: skip
    assert password.code == 2 and "client_password" in password.err
    assert "Secret123" not in password.err
    assert wiretap.calls == []


def test_a_real_endpoint_needs_no_token_for_public_calls(cli: Runner, remote: SimThread) -> None:
    result = cli("api", "ping", "--endpoint", remote.url, "--app-id", "1234", "--json")
    assert result.code == 0, result.err
    assert result.json()["ping"] == "pong"


def test_an_unreachable_endpoint_is_one_line_and_exit_1(cli: Runner) -> None:
    # Port 1 on loopback: nothing listens there, the connection is refused at once.
    result = cli("api", "ping", "--endpoint", "ws://127.0.0.1:1/websockets/v3", "--json")
    assert result.code == 1
    assert result.json()["error"]["code"] == "ConnectionFailed"
    assert "cannot reach ws://127.0.0.1:1" in result.err
    assert "Traceback" not in result.err


def test_simulator_options_do_not_go_with_an_endpoint(cli: Runner) -> None:
    result = cli("api", "ping", "--endpoint", "wss://example.com/ws", "--sim-balance", "5")
    assert result.code == 2 and "--sim-balance" in result.err
    bad = cli("api", "ping", "--endpoint", "http://example.com")
    assert bad.code == 2


def test_bare_group_prints_its_help(cli: Runner) -> None:
    result = cli("api")
    assert result.code == 2 and "ping" in result.out and "status" in result.out


def test_smoke_in_a_real_process(tmp_path: Path) -> None:
    """The console entry point, a token in the environment, and nothing but JSON on stdout."""
    env = {**os.environ, "DERIV_TOKEN": "demo-token-0001", "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "bots.cli", "account", "balance", "--json"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["balance"] == 10000
    refused = subprocess.run(
        [sys.executable, "-m", "bots.cli", "account", "topup", "--sim-scopes", "read"],
        capture_output=True,
        text=True,
        env={**env, "DERIV_TOKEN": ""},
        cwd=tmp_path,
        timeout=60,
        check=False,
    )
    assert refused.returncode == 3
    assert refused.stderr.splitlines() == [
        "triobot: MissingScopes: the API token (the embedded simulator's demo token) lacks "
        "scope 'trade' for topup_virtual; it has: read. Nothing was sent; create a token with "
        "scopes read, trade (triobot oauth create-token NAME --scopes read,trade)."
    ]
    assert refused.stdout == ""
