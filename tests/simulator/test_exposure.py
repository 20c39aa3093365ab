"""What the simulator exposes: its state file's mode, binds beyond loopback, multi-token scopes."""

from __future__ import annotations

import argparse
import os
import stat
from pathlib import Path

import pytest
import trio
from structlog.testing import capture_logs
from trio.testing import MockClock

from bots.cli import build_parser
from bots.commands.sim import _config
from framework.simulator import SimulatorConfig, TokenConfig, open_simulator
from framework.simulator.config import is_loopback
from framework.simulator.state import Store
from tests.simulator.client import RawClient, connect
from tests.simulator.conftest import sim_options
from tests.simulator.session_script import PARAMS
from tests.simulator.test_sim_command_edges import run_sim


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


# -- the state file ---------------------------------------------------------------------------


def test_a_new_state_file_is_created_private(tmp_path: Path) -> None:
    path = tmp_path / "sim.sqlite"
    old = os.umask(0o022)  # the usual umask, which would give 0644
    try:
        Store(path).close()
    finally:
        os.umask(old)
    assert _mode(path) == 0o600


def test_an_open_state_file_and_its_journal_are_tightened(tmp_path: Path) -> None:
    path = tmp_path / "sim.sqlite"
    Store(path).close()
    sidecar = tmp_path / "sim.sqlite-journal"
    sidecar.write_bytes(b"")
    path.chmod(0o644)
    sidecar.chmod(0o664)
    with capture_logs() as logs:
        Store(path).close()
    assert _mode(path) == 0o600 and _mode(sidecar) == 0o600
    tightened = [e for e in logs if "tightened to owner only" in e["event"]]
    assert {e["file"] for e in tightened} == {str(path), str(sidecar)}
    assert {e["was"] for e in tightened} == {"0644", "0664"}


def test_a_private_state_file_is_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "sim.sqlite"
    Store(path).close()
    path.chmod(0o400 | 0o200)
    with capture_logs() as logs:
        Store(path).close()
    assert logs == [] and _mode(path) == 0o600


def test_a_state_file_that_cannot_be_tightened_is_warned_about(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "sim.sqlite"
    Store(path).close()
    path.chmod(0o644)

    def refused(name: str, mode: int) -> None:
        raise PermissionError(1, "Operation not permitted")

    # Someone else's file in a shared folder: chmod fails, the run goes on with a warning.
    monkeypatch.setattr(os, "chmod", refused)
    with capture_logs() as logs:
        Store(path).close()
    assert [e["event"] for e in logs] == [
        "simulator state file readable by others; could not tighten it"
    ]
    assert logs[0]["error"] == "Operation not permitted"


async def test_the_simulator_writes_its_tokens_to_a_private_file(
    autojump_clock: MockClock, tmp_path: Path
) -> None:
    state = tmp_path / "state.sqlite"
    async with open_simulator(**sim_options(state=state)) as sim, connect(sim) as raw:
        await raw.authorize(sim.token)
        await raw.call({"api_token": 1, "new_token": "kept", "new_token_scopes": ["read"]})
    assert _mode(state) == 0o600
    assert sim.token.encode() in state.read_bytes()  # why it must be private


# -- binding beyond loopback ------------------------------------------------------------------


@pytest.mark.parametrize("host", ["127.0.0.1", "127.8.9.10", "::1", "localhost"])
def test_loopback_hosts(host: str) -> None:
    assert is_loopback(host)
    assert SimulatorConfig(host=host).host == host


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "", "192.168.1.20", "example.com"])
def test_any_other_host_needs_the_tokens_exposed_on_purpose(host: str) -> None:
    assert not is_loopback(host)
    with pytest.raises(ValueError, match="not a loopback address") as refused:
        SimulatorConfig(host=host)
    assert "--expose-demo-tokens" in str(refused.value)
    # Custom tokens do not lift the rule: the payment agent's built-in token is always live.
    with pytest.raises(ValueError, match="not a loopback address"):
        SimulatorConfig(host=host, tokens=(TokenConfig("mine", ("read",)),))
    assert SimulatorConfig(host=host, expose_demo_tokens=True).expose_demo_tokens


def test_sim_on_every_interface_is_one_line_and_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, err = run_sim(capsys, "--host", "0.0.0.0", "--port", "0")
    assert code == 2
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith("triobot: host '0.0.0.0' is not a loopback address")


def test_sim_exposes_the_tokens_only_when_told(capsys: pytest.CaptureFixture[str]) -> None:
    # Parsed and configured only: tests listen on loopback alone.
    args = build_parser().parse_args(["sim", "--host", "0.0.0.0", "--expose-demo-tokens"])
    assert isinstance(args, argparse.Namespace)
    config = _config(args)
    assert (config.host, config.expose_demo_tokens) == ("0.0.0.0", True)
    assert _config(build_parser().parse_args(["sim"])).host == "127.0.0.1"


# -- multi-token authorize ------------------------------------------------------------------


async def _multi(raw: RawClient, *tokens: str) -> dict[str, str]:
    """Authorize with several tokens; the login ids by kind (``virtual``/``real``)."""
    auth = await raw.call({"authorize": "MULTI", "tokens": list(tokens)})
    accounts = auth["authorize"]["account_list"]
    return {("virtual" if a["is_virtual"] else "real"): a["loginid"] for a in accounts}


def _buy(**extra: str) -> dict[str, object]:
    return {"buy": "1", "price": 100, "parameters": PARAMS, **extra}


async def test_a_read_token_cannot_trade_for_its_account_beside_a_trade_token(
    autojump_clock: MockClock,
) -> None:
    tokens = (TokenConfig("full-token"), TokenConfig("read-token", ("read",), account="real"))
    async with open_simulator(**sim_options(tokens=tokens)) as sim, connect(sim) as raw:
        ids = await _multi(raw, "full-token", "read-token")
        real = ids["real"]
        before = sim.accounts[real].balance
        refused = await raw.call(_buy(loginid=real))
        assert refused["error"]["code"] == "PermissionDenied"
        assert refused["error"]["message"] == "Permission denied, requires trade scope."
        assert sim.accounts[real].balance == before and sim.contracts(real) == []
        # The read token still reads its account, and the trade token still trades its own.
        assert (await raw.call({"balance": 1, "loginid": real}))["balance"]["loginid"] == real
        assert (await raw.call({"balance": 1, "account": real}))["balance"]["loginid"] == real
        bought = await raw.call(_buy(loginid=ids["virtual"]))
        assert "error" not in bought, bought
        assert "error" not in await raw.call(_buy())


async def test_the_scopes_follow_the_account_acted_on_not_the_first_token(
    autojump_clock: MockClock,
) -> None:
    tokens = (
        TokenConfig("read-token", ("read",)),
        TokenConfig("trade-token", ("trade",), account="real"),
    )
    async with open_simulator(**sim_options(tokens=tokens)) as sim, connect(sim) as raw:
        ids = await _multi(raw, "read-token", "trade-token")
        # The first token (the current account) may not trade; the second's account may.
        assert (await raw.call(_buy()))["error"]["code"] == "PermissionDenied"
        bought = await raw.call(_buy(loginid=ids["real"]))
        assert "error" not in bought, bought
        assert [c.contract_id for c in sim.contracts(ids["real"])] == [bought["buy"]["contract_id"]]
        # And the trade-only token cannot read its balance, by loginid or by account.
        by_login = await raw.call({"balance": 1, "loginid": ids["real"]})
        by_account = await raw.call({"balance": 1, "account": ids["real"]})
        for reply in (by_login, by_account):
            assert reply["error"]["code"] == "PermissionDenied", reply
            assert reply["error"]["message"] == "Permission denied, requires read scope."


async def test_a_loginid_no_token_authorized_is_refused_before_anything_runs(
    autojump_clock: MockClock,
) -> None:
    async with open_simulator(**sim_options()) as sim, connect(sim) as raw:
        await raw.authorize(sim.token)
        reply = await raw.call(_buy(loginid="CR12345678"))
        assert reply["error"]["code"] == "PermissionDenied"
        assert reply["error"]["message"] == "Permission denied, CR12345678 is not authorized."
        assert sim.contracts() == []


def test_an_exposed_simulator_says_so_before_it_listens(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    served: list[SimulatorConfig] = []

    def serve(afn: object, config: SimulatorConfig) -> None:
        served.append(config)  # the test does not listen beyond loopback

    monkeypatch.setattr(trio, "run", serve)
    code, err = run_sim(capsys, "--host", "0.0.0.0", "--expose-demo-tokens", "--port", "0")
    assert code == 0 and [c.host for c in served] == ["0.0.0.0"]
    assert err.startswith("triobot: warning: listening on 0.0.0.0 with the built-in tokens")
