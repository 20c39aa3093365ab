"""One scope check for every command: the same exit code and one line naming what is missing.

Each command family is driven end to end against a simulator whose token lacks a scope:
the account-level groups (``account``, ``agent``, ``oauth``, ``api``) through the embedded
simulator's ``--sim-scopes``, ``run`` and ``check --online`` through a simulator in a thread
that accepts a read-only token. Every one must exit with :data:`EXIT_SCOPES` and print one
line on stderr naming the missing scope and the calls needing it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from framework.scopes import EXIT_SCOPES, MissingScopes, call_needs, check_scopes
from framework.simulator import TokenConfig
from tests.bots.conftest import Runner, SimThread, Wiretap

READ_ONLY = "read-only-token-7"

AGENT_DRY_RUN = ("--dry-run", "--sim-account", "real", "--sim-scopes", "read,trade")

COMMANDS = [
    pytest.param(
        ("account", "topup", "--sim-scopes", "read"), "'trade' for topup_virtual", id="account"
    ),
    pytest.param(
        ("agent", "withdraw", "--agent", "CR10000001", "--amount", "5", *AGENT_DRY_RUN),
        "'payments' for paymentagent_withdraw",
        id="agent",
    ),
    pytest.param(("oauth", "tokens", "--sim-scopes", "read"), "'admin' for api_token", id="oauth"),
    pytest.param(
        ("api", "call", "statement", "--sim-scopes", "trade"),
        "'read' (or 'trading_information') for statement",
        id="api",
    ),
]


@pytest.mark.parametrize(("argv", "named"), COMMANDS)
def test_account_level_commands_exit_3_naming_scope_and_calls(
    cli: Runner, wiretap: Wiretap, argv: tuple[str, ...], named: str
) -> None:
    result = cli(*argv)
    assert result.code == EXIT_SCOPES, result.err
    lines = result.err.splitlines()
    assert len(lines) == 1, result.err
    assert lines[0].startswith("triobot: MissingScopes: the API token ")
    assert named in lines[0]
    # Nothing but the connection's handshake and the login was sent.
    assert "authorize" in wiretap.calls
    assert set(wiretap.calls) <= {"website_status", "authorize"}


def test_the_payment_agents_scopes_cannot_be_narrowed(cli: Runner, wiretap: Wiretap) -> None:
    result = cli("account", "balance", "--sim-account", "agent", "--sim-scopes", "read")
    assert result.code == 2
    assert "--sim-scopes: not with --sim-account agent" in result.err
    assert wiretap.calls == []


def test_json_error_carries_the_same_code(cli: Runner) -> None:
    result = cli("account", "topup", "--sim-scopes", "read", "--json")
    assert result.code == EXIT_SCOPES
    error = result.json()["error"]
    assert error["code"] == MissingScopes.code
    assert "'trade' for topup_virtual" in error["message"]


@pytest.fixture
def read_only() -> Iterator[SimThread]:
    """A simulator that accepts one token, with the ``read`` scope only."""
    thread = SimThread(tokens=(TokenConfig(READ_ONLY, scopes=("read",)),)).start()
    try:
        yield thread
    finally:
        thread.stop()


def _bot_config(tmp_path: Path, url: str) -> Path:
    path = tmp_path / "bot.yaml"
    path.write_text(
        f"endpoint: {url}\ntoken: ${{DERIV_TOKEN}}\njournal: {tmp_path / 'journal.sqlite'}\n"
        "strategies:\n  - {name: m, plugin: momentum, symbols: [R_100],\n"
        "     stake: {scheme: fixed, amount: 1}}\n",
        encoding="utf-8",
    )
    return path


@pytest.mark.parametrize(
    "argv", [("run", "--duration", "5"), ("check", "--online")], ids=["run", "check"]
)
def test_bot_commands_exit_3_naming_scope_calls_and_strategies(
    cli: Runner,
    read_only: SimThread,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    argv: tuple[str, ...],
) -> None:
    monkeypatch.setenv("DERIV_TOKEN", READ_ONLY)
    config = _bot_config(tmp_path, read_only.url)
    result = cli(argv[0], str(config), *argv[1:])
    assert result.code == EXIT_SCOPES, result.err
    line = next(line for line in result.err.splitlines() if "lacks scope" in line)
    assert line.startswith("triobot: the API token (env:DERIV_TOKEN) lacks scope 'trade' for buy, ")
    assert "needed by runtime" in line
    assert READ_ONLY not in result.out + result.err
    assert read_only.sim.contracts(read_only.sim.loginid) == []


def test_call_needs_lists_each_call_once_and_skips_unauthenticated_ones() -> None:
    needs = call_needs(["balance", "topup_virtual", "topup_virtual", "ping"])
    assert [need.call for need in needs] == ["balance", "topup_virtual", "ping"]
    report = check_scopes(needs, ["read"])
    assert [(m.scope, m.calls) for m in report.missing] == [("trade", ("topup_virtual",))]
    assert check_scopes(call_needs(["statement"]), ["trading_information"]).ok
