"""``triobot check --online``: connect and authorize as a run would; compare scopes; no trade."""

from __future__ import annotations

import io
import socket
from pathlib import Path

import pytest
import trio
from trio.testing import MockClock

from bots.commands.check import check_online
from framework.config import BotConfig, load_config
from framework.connection import NeverConnected
from framework.runtime import Bot
from framework.runtime.endpoint import TokenRefused
from framework.scopes import EXIT_SCOPES, MissingScopes
from framework.simulator import SimulatorConfig, open_simulator
from framework.simulator.config import TokenConfig
from tests.runtime.conftest import EVERY

TOKEN = "scoped-token-0001"


def _config(tmp_path: Path, url: str, token: str) -> BotConfig:
    path = tmp_path / "live.yaml"
    path.write_text(
        f"endpoint: {url}\n"
        "app_id: 1089\n"
        "token: ${DERIV_TOKEN}\n"
        f"journal: {tmp_path / 'journal.sqlite'}\n"
        f"strategies:\n{EVERY}",
        encoding="utf-8",
    )
    return load_config(path, environ={"DERIV_TOKEN": token})


async def test_token_without_trade_scope_is_named(tmp_path: Path, vclock: MockClock) -> None:
    sim_config = SimulatorConfig(tokens=(TokenConfig(TOKEN, scopes=("read",)),))
    async with open_simulator(sim_config) as sim:
        config = _config(tmp_path, sim.url, TOKEN)
        out = io.StringIO()
        with pytest.raises(MissingScopes) as info:
            await check_online(config, out)
        assert sim.contracts(sim.loginid) == []  # nothing traded
    message = str(info.value)
    assert "trade" in message and "buy" in message and "every" not in message.split("buy")[0]
    assert info.value.exit_code == 3
    assert "authorized as" in out.getvalue()
    assert TOKEN not in out.getvalue() + message


async def test_token_with_the_needed_scopes_passes(tmp_path: Path, vclock: MockClock) -> None:
    sim_config = SimulatorConfig(tokens=(TokenConfig(TOKEN, scopes=("read", "trade")),))
    async with open_simulator(sim_config) as sim:
        out = io.StringIO()
        assert await check_online(_config(tmp_path, sim.url, TOKEN), out) == 0
    assert "covers every call" in out.getvalue()
    assert "warning" not in out.getvalue()  # least privilege: nothing surplus


async def test_refused_token(tmp_path: Path, vclock: MockClock) -> None:
    async with open_simulator(SimulatorConfig()) as sim:
        with pytest.raises(TokenRefused, match="was refused"):
            await check_online(_config(tmp_path, sim.url, "not-a-known-token"), io.StringIO())


async def test_embedded_simulator_runs_the_configs_simulator_section(
    tmp_path: Path, vclock: MockClock
) -> None:
    path = tmp_path / "embedded.yaml"
    journal = tmp_path / "journal.sqlite"
    path.write_text(
        f"simulator: {{seed: 4, balance: 123.5, currency: EUR}}\njournal: {journal}\n"
        f"strategies:\n{EVERY}",
        encoding="utf-8",
    )
    config = load_config(path)
    assert isinstance(config.simulator, SimulatorConfig)  # the simulator's own class
    out = io.StringIO()
    assert await check_online(config, out) == 0
    assert "(virtual, 123.50 EUR)" in out.getvalue()
    # The state file the run keeps next to the journal, not the section's default (none).
    assert journal.with_name("journal.sqlite.simulator").exists()


def _unused_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port  # closed again: nothing listens there


async def test_unreachable_endpoint_fails_fast(tmp_path: Path, vclock: MockClock) -> None:
    url = f"ws://127.0.0.1:{_unused_port()}/websockets/v3"
    config = _config(tmp_path, url, TOKEN)
    began = trio.current_time()
    with pytest.raises(NeverConnected) as info:
        await check_online(config, io.StringIO())
    # Within the first connection's budget, not after twenty patient reconnects.
    assert trio.current_time() - began <= config.reconnect.first_connect
    assert str(info.value).startswith(f"cannot reach {url}?app_id=1089: ")
    assert info.value.exit_code == 1


async def test_unreachable_endpoint_stops_the_bot_before_it_starts(
    tmp_path: Path, vclock: MockClock
) -> None:
    config = _config(tmp_path, f"ws://127.0.0.1:{_unused_port()}/websockets/v3", TOKEN)
    began = trio.current_time()
    with pytest.raises(NeverConnected, match="cannot reach"):
        await Bot(config).run()
    assert trio.current_time() - began <= config.reconnect.first_connect


@pytest.mark.parametrize("token", ["two words", "x" * 129], ids=["space", "129 chars"])
async def test_malformed_token_is_refused_like_a_wrong_one(
    tmp_path: Path, vclock: MockClock, token: str
) -> None:
    async with open_simulator(SimulatorConfig()) as sim:
        with pytest.raises(TokenRefused) as info:
            await check_online(_config(tmp_path, sim.url, token), io.StringIO())
    message = str(info.value)
    assert info.value.exit_code == EXIT_SCOPES
    assert "was refused" in message and "malformed" in message and "\n" not in message
    assert token not in message
