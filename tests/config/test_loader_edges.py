"""The loader's token sources, remote-endpoint warnings and plugin checks, with ``file:line``."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from framework.config import ConfigError, load_config, parse_config

STRATEGY = """
strategies:
  - name: m
    plugin: {plugin}
    symbols: [R_100]
    stake: {{scheme: fixed, amount: 1}}
"""
MOMENTUM = STRATEGY.format(plugin="momentum")


def problems(text: str) -> str:
    with pytest.raises(ConfigError) as raised:
        parse_config(text, "bot.yaml", environ={})
    assert raised.value.exit_code == 2
    return str(raised.value)


def test_token_and_token_file_together() -> None:
    text = "token: ${DERIV_TOKEN}\ntoken_file: ~/t\n" + MOMENTUM
    assert "token_file: give token or token_file, not both (bot.yaml:2)" in problems(text)


def test_token_file_must_be_a_path() -> None:
    assert "token_file: expected path, got 5 (bot.yaml:1)" in problems("token_file: 5\n" + MOMENTUM)
    assert "token_file: expected path, got ''" in problems("token_file: ''\n" + MOMENTUM)


def test_token_file_is_read_and_its_mode_warned_about(tmp_path: Path) -> None:
    token = tmp_path / "token"
    token.write_text("  secret-value \n")
    os.chmod(token, 0o600)
    config = parse_config(f"token_file: {token}\n" + MOMENTUM, "bot.yaml")
    assert config.token is not None and config.token_source == f"file:{token}"
    assert config.warnings == ()
    os.chmod(token, 0o644)
    warned = parse_config(f"token_file: {token}\n" + MOMENTUM, "bot.yaml")
    assert warned.warnings == (
        f"token_file: {token} is readable by other users (mode 644); run: chmod 600 {token} "
        "(bot.yaml:1)",
    )
    assert "secret-value" not in repr(warned)


def test_token_file_problems_say_which_file(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.write_text("\n")
    assert f"token_file: {empty} is empty (bot.yaml:1)" in problems(
        f"token_file: {empty}\n" + MOMENTUM
    )
    binary = tmp_path / "binary"
    binary.write_bytes(b"\xff\xfe\x00")
    message = problems(f"token_file: {binary}\n" + MOMENTUM)
    assert f"token_file: cannot read {binary}: 'utf-8' codec can't decode" in message
    missing = tmp_path / "missing"
    message = problems(f"token_file: {missing}\n" + MOMENTUM)
    assert f"token_file: cannot read {missing}: No such file or directory (bot.yaml:1)" in message


def test_without_resolving_the_token_file_is_only_named(tmp_path: Path) -> None:
    missing = tmp_path / "missing"
    config = parse_config(f"token_file: {missing}\n" + MOMENTUM, "bot.yaml", resolve_secrets=False)
    assert config.token is None and config.token_source == f"file:{missing}"


def test_remote_endpoint_warnings() -> None:
    text = (
        "endpoint: ws://example.com/websockets/v3\n"
        "token: ${DERIV_TOKEN}\n"
        "simulator: {seed: 3}\n" + MOMENTUM
    )
    config = parse_config(text, "bot.yaml", environ={"DERIV_TOKEN": "tok"})
    assert config.warnings == (
        "endpoint: ws:// is not encrypted: the token would cross the network in clear (bot.yaml:1)",
        # No risk: section at all: the warning points at the document.
        "risk: no max_stake and no max_daily_loss on a real account: nothing bounds what the "
        "bot can lose (bot.yaml:1)",
        "simulator: ignored: the endpoint is not embedded (bot.yaml:3)",
    )


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2", "localhost", "[::1]"])
def test_ws_to_loopback_is_not_warned_about(host: str) -> None:
    # The same loopback rule as the simulator's bind check: all of 127.0.0.0/8 stays here.
    local = f"endpoint: ws://{host}:8765/websockets/v3\ntoken: ${{T}}\nrisk: {{max_stake: 5}}\n"
    assert parse_config(local + MOMENTUM, "bot.yaml", environ={"T": "tok"}).warnings == ()


@pytest.mark.parametrize(
    ("plugin", "message"),
    [
        (
            "Undecided",
            "strategies[0].contract.type: required: tests.config.check_plugins:Undecided does "
            "not choose a contract type (bot.yaml:3)",
        ),
        (
            "Exploding",
            "strategies[0].params: tests.config.check_plugins:Exploding: cannot plan without a "
            "barrier (bot.yaml:3)",
        ),
        (
            "ExtraCalls",
            "strategies[0].plugin: tests.config.check_plugins:ExtraCalls declares unknown API "
            "call 'no_such_call' in extra_calls (bot.yaml:4)",
        ),
    ],
)
def test_plugin_checks_report_instead_of_crashing(plugin: str, message: str) -> None:
    text = STRATEGY.format(plugin=f"tests.config.check_plugins:{plugin}")
    assert message in problems(text)


def test_a_config_that_cannot_be_decoded(tmp_path: Path) -> None:
    path = tmp_path / "bot.yaml"
    path.write_bytes(b"strategies: \xff\n")
    with pytest.raises(ConfigError, match=rf"^cannot read config {path}: 'utf-8' codec"):
        load_config(path)
