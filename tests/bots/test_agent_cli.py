"""``triobot agent``: listing payment agents, and withdrawals and transfers that are dry-run,
confirmed, and never sent when a check fails."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest

from framework.simulator import PAYMENT_AGENT_LOGINID, PAYMENT_AGENT_TOKEN
from tests.bots.conftest import Runner, SimThread, Wiretap

AGENT = PAYMENT_AGENT_LOGINID


def _withdrawals(cli: Runner, state: Path, account: str = "real") -> list[float]:
    result = cli(
        "account", "statement", "--sim-state", str(state), "--sim-account", account,
        "--action-type", "withdrawal", "--json",
    )  # fmt: skip
    assert result.code == 0, result.err
    return [t["amount"] for t in result.json()["transactions"]]


@pytest.fixture
def state(tmp_path: Path) -> Path:
    return tmp_path / "sim.sqlite"


def test_list_agents_of_a_country(cli: Runner) -> None:
    result = cli("agent", "list", "id", "--json")
    assert result.code == 0, result.err
    listed = [agent["paymentagent_loginid"] for agent in result.json()["list"]]
    assert listed == ["CR10000002", AGENT, "CR10000003"]  # by name, as the server sorts
    euro = cli("agent", "list", "id", "--currency", "EUR", "--json")
    assert [agent["name"] for agent in euro.json()["list"]] == ["Archipelago Exchange"]
    table = cli("agent", "list", "id")
    assert "Simulated Payment Agent" in table.out and "2,000.00" in table.out


def test_withdraw_dry_run_moves_nothing(cli: Runner, state: Path, wiretap: Wiretap) -> None:
    result = cli(
        "agent", "withdraw", "--agent", AGENT, "--amount", "50", "--dry-run",
        "--sim-account", "real", "--sim-state", str(state), "--json",
    )  # fmt: skip
    assert result.code == 0, result.err
    doc = result.json()
    assert doc["dry_run"] is True
    assert doc["answer"]["paymentagent_withdraw"] == 2  # the server's "dry run passed"
    assert doc["answer"]["paymentagent_name"] == "Simulated Payment Agent"
    assert doc["request"] == {"from": doc["request"]["from"], "to": AGENT, "amount": 50.0,
                              "currency": "USD"}  # fmt: skip
    assert wiretap.calls.count("paymentagent_withdraw") == 1
    assert _withdrawals(cli, state) == []


def test_withdraw_asks_and_a_no_moves_nothing(
    cli: Runner, state: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("n\n"))
    refused = cli(
        "agent", "withdraw", "--agent", AGENT, "--amount", "50",
        "--sim-account", "real", "--sim-state", str(state),
    )  # fmt: skip
    assert refused.code == 1
    assert "Withdraw 50.00 USD now? [y/N]" in refused.err
    assert "not confirmed; nothing was moved" in refused.err
    assert _withdrawals(cli, state) == []


def test_withdraw_confirmed(cli: Runner, state: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("y\n"))
    done = cli(
        "agent", "withdraw", "--agent", AGENT, "--amount", "50", "--description", "cash out",
        "--sim-account", "real", "--sim-state", str(state), "--json",
    )  # fmt: skip
    assert done.code == 0, done.err
    answer = done.json()["answer"]
    assert answer["paymentagent_withdraw"] == 1 and answer["transaction_id"]
    assert _withdrawals(cli, state) == [-50.0]
    again = cli(
        "agent", "withdraw", "--agent", AGENT, "--amount", "25", "--yes",
        "--sim-account", "real", "--sim-state", str(state),
    )  # fmt: skip
    assert again.code == 0, again.err
    assert _withdrawals(cli, state) == [-25.0, -50.0]


def test_withdraw_refusals(cli: Runner, tmp_path: Path) -> None:
    virtual = cli("agent", "withdraw", "--agent", AGENT, "--amount", "50", "--yes")
    assert virtual.code == 1 and "PaymentAgentWithdrawError" in virtual.err
    code_file = tmp_path / "code"
    code_file.write_text("WRONGCODE1\n")
    code_file.chmod(0o600)
    bad_code = cli(
        "agent", "withdraw", "--agent", AGENT, "--amount", "50", "--code-file", str(code_file),
        "--sim-account", "real", "--yes",
    )  # fmt: skip
    assert bad_code.code == 1 and "InvalidToken" in bad_code.err
    too_much = cli(
        "agent", "withdraw", "--agent", AGENT, "--amount", "5000", "--dry-run",
        "--sim-account", "real",
    )  # fmt: skip
    assert too_much.code == 1 and "maximum is 2000.00" in too_much.err


@pytest.mark.parametrize("amount", ["-5", "0", "1.234", "lots", "inf"])
def test_amounts_are_checked_before_connecting(cli: Runner, wiretap: Wiretap, amount: str) -> None:
    result = cli("agent", "withdraw", "--agent", AGENT, "--amount", amount, "--dry-run")
    assert result.code == 2
    assert wiretap.calls == []


def test_withdraw_needs_payments_scope_before_any_email(cli: Runner, wiretap: Wiretap) -> None:
    result = cli(
        "agent", "withdraw", "--agent", AGENT, "--amount", "50", "--dry-run",
        "--sim-account", "real", "--sim-scopes", "read,trade",
    )  # fmt: skip
    assert result.code == 3
    assert "lacks scope 'payments' for paymentagent_withdraw" in result.err
    assert "verify_email" not in wiretap.calls and "paymentagent_withdraw" not in wiretap.calls


def _open_real_client(cli: Runner, state: Path) -> str:
    """The demo user's real account, created in the state file; its login id."""
    result = cli("account", "balance", "--sim-account", "real", "--sim-state", str(state), "--json")
    assert result.code == 0, result.err
    loginid: str = result.json()["loginid"]
    return loginid


def test_transfer_as_an_agent(cli: Runner, state: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    client = _open_real_client(cli, state)
    agent = ("--sim-account", "agent", "--sim-state", str(state))
    dry = cli("agent", "transfer", "--to", client, "--amount", "20", "--dry-run", *agent, "--json")
    assert dry.code == 0, dry.err
    assert dry.json()["answer"]["paymentagent_transfer"] == 2
    assert dry.json()["answer"]["client_to_loginid"] == client
    before = cli("account", "balance", "--sim-account", "real", "--sim-state", str(state), "--json")
    monkeypatch.setattr(sys, "stdin", io.StringIO("yes\n"))
    done = cli("agent", "transfer", "--to", client, "--amount", "20", *agent, "--json")
    assert done.code == 0, done.err
    assert done.json()["answer"]["paymentagent_transfer"] == 1
    after = cli("account", "balance", "--sim-account", "real", "--sim-state", str(state), "--json")
    assert after.json()["balance"] == before.json()["balance"] + 20


def test_transfer_refused_for_a_client(cli: Runner, state: Path) -> None:
    client = _open_real_client(cli, state)
    result = cli(
        "agent", "transfer", "--to", client, "--amount", "20", "--yes",
        "--sim-account", "real", "--sim-state", str(state), "--json",
    )  # fmt: skip
    assert result.code == 1
    assert result.json()["error"]["code"] == "PaymentAgentTransferError"


def test_a_lost_answer_is_reported_and_never_resent(
    cli: Runner, remote: SimThread, wiretap: Wiretap, monkeypatch: pytest.MonkeyPatch
) -> None:
    client, _ = remote.run_sync(lambda: remote.sim.open_account(virtual=False, balance=0))
    monkeypatch.setenv("DERIV_TOKEN", PAYMENT_AGENT_TOKEN)

    class LoseTheAnswer:
        """Confirms, after arranging for the server to drop the connection once it acts."""

        def readline(self, size: int = -1, /) -> str:
            remote.run_sync(
                lambda: remote.sim.faults.drop_on("paymentagent_transfer", when="after")
            )
            return "y\n"

    monkeypatch.setattr(sys, "stdin", LoseTheAnswer())
    result = cli(
        "agent", "transfer", "--to", client.loginid, "--amount", "20",
        "--endpoint", remote.url, "--json",
    )  # fmt: skip
    assert result.code == 1
    error = result.json()["error"]
    assert error["code"] == "OutcomeUnknown"
    assert "may or may not have happened" in error["message"]
    assert "triobot account statement" in error["message"]
    # Dry run and the real request: never a third.
    assert wiretap.calls.count("paymentagent_transfer") == 2
    # It did happen: the statement is where the user finds out.
    assert remote.run_sync(lambda: remote.sim.balance(client.loginid)) == 20.0
