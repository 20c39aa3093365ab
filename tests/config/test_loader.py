"""Loading good configs, secrets, YAML 1.1 traps, and the shipped configs."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from framework.config import BotConfig, ConfigError, load_config, parse_config
from framework.config.yamlload import load_yaml
from framework.simulator import SimulatorConfig
from framework.sizing import Martingale
from strategies.momentum import MomentumParams, TickMomentum

REPO = Path(__file__).resolve().parents[2]

MINIMAL = """
strategies:
  - name: m
    plugin: momentum
    symbols: [R_100]
    stake: {scheme: fixed, amount: 1}
"""


@pytest.mark.parametrize("name", ["demo", "digits", "mean-reversion", "deriv-demo"])
def test_shipped_configs_load(name: str) -> None:
    config = load_config(REPO / "configs" / f"{name}.yaml", environ={"DERIV_TOKEN": "tok"})
    assert config.strategies and config.warnings == ()
    for item in config.strategies:
        assert item.strategy_class is not None and item.params is not None


def test_demo_runs_on_the_simulator_without_a_token() -> None:
    config = load_config(REPO / "configs" / "demo.yaml", environ={})
    assert config.is_embedded and config.token is None and config.token_source == "simulator"


def test_minimal_config_gets_defaults() -> None:
    config = parse_config(MINIMAL)
    assert isinstance(config, BotConfig)
    assert config.endpoint == "embedded" and config.app_id == 1089
    item = config.strategies[0]
    assert item.strategy_class is TickMomentum
    assert item.params == MomentumParams()
    assert item.template.duration == 5 and item.on_error == "restart"


def test_yaml_12_scalars() -> None:
    data, lines, problems = load_yaml(
        "a: no\nb: 1e3\nc: 010\nd: 1:30\ne: 2026-01-02\nf: True\ng: 0x1F\nh: ~\n"
    )
    assert data == {
        "a": "no",
        "b": 1000.0,
        "c": 10,
        "d": "1:30",
        "e": "2026-01-02",
        "f": True,
        "g": 31,
        "h": None,
    }
    assert lines[("d",)] == 4 and problems == []


def test_exponent_floats_and_leading_zero_ints_are_numbers() -> None:
    config = parse_config("simulator: {speed: 1e1, seed: 010}\n" + MINIMAL)
    assert config.simulator.speed == 10.0 and config.simulator.seed == 10


def test_token_from_the_environment_is_hidden_everywhere() -> None:
    text = "endpoint: wss://example.com/ws\ntoken: ${MY_TOKEN}\n" + MINIMAL
    config = parse_config(text, environ={"MY_TOKEN": "s3cr3t-value"})
    assert config.token is not None and config.token.reveal() == "s3cr3t-value"
    assert config.token_source == "env:MY_TOKEN"
    assert "s3cr3t" not in repr(config) and "s3cr3t" not in str(config.token)
    assert config.url() == "wss://example.com/ws?app_id=1089"


def test_missing_environment_variable_is_a_problem_unless_secrets_are_skipped() -> None:
    text = "endpoint: wss://example.com/ws\ntoken: ${NOPE}\n" + MINIMAL
    with pytest.raises(ConfigError, match="environment variable NOPE is not set"):
        parse_config(text, environ={})
    config = parse_config(text, environ={}, resolve_secrets=False)
    assert config.token is None and config.token_source == "env:NOPE"


def test_token_file_readable_by_others_warns(tmp_path: Path) -> None:
    token = tmp_path / "token"
    token.write_text("file-token\n")
    os.chmod(token, 0o644)
    text = f"endpoint: wss://example.com/ws\ntoken_file: {token}\nrisk: {{max_stake: 5}}\n"
    config = parse_config(text + MINIMAL, "x.yaml")
    assert config.token is not None and config.token.reveal() == "file-token"
    assert any(
        "readable by other users (mode 644)" in w and "x.yaml:2" in w for w in config.warnings
    )
    os.chmod(token, 0o600)
    assert parse_config(text + MINIMAL).warnings == ()


def test_missing_token_file_is_a_problem(tmp_path: Path) -> None:
    text = f"endpoint: wss://example.com/ws\ntoken_file: {tmp_path / 'nope'}\n" + MINIMAL
    with pytest.raises(ConfigError, match=r"token_file: cannot read .*No such file"):
        parse_config(text)


def test_remote_without_limits_warns() -> None:
    text = "endpoint: wss://example.com/ws\ntoken: ${T}\n" + MINIMAL
    config = parse_config(text, environ={"T": "x"})
    assert any("nothing bounds what the bot can lose" in w for w in config.warnings)


def test_martingale_beyond_max_stake_warns_that_it_is_capped() -> None:
    text = MINIMAL.replace(
        "{scheme: fixed, amount: 1}", "{scheme: martingale, base: 1, max_steps: 5}"
    )
    config = parse_config("risk: {max_stake: 10}\n" + text)
    assert isinstance(config.strategies[0].stake, Martingale)
    assert any("stakes can reach 32.00; risk.max_stake caps them at 10.00" in w
               for w in config.warnings)  # fmt: skip


def test_unreadable_file_is_one_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"cannot read config .*nope\.yaml: No such file"):
        load_config(tmp_path / "nope.yaml")


def test_problems_are_sorted_by_line() -> None:
    text = "strategies:\n  - name: 1\n    plugin: momentum\n    symbols: R_100\n    stake: 3\n"
    with pytest.raises(ConfigError) as info:
        parse_config(text, "c.yaml")
    lines = str(info.value).splitlines()[1:]
    numbers = [int(line.rsplit(":", 1)[1].rstrip(")")) for line in lines]
    assert numbers == sorted(numbers) and len(lines) == 3


def test_simulator_section_is_the_simulators_own_config() -> None:
    config = parse_config("simulator: {seed: 3, speed: 2, balance: 50, currency: EUR}\n" + MINIMAL)
    assert config.simulator == SimulatorConfig(seed=3, speed=2.0, balance=50.0, currency="EUR")
    assert parse_config(MINIMAL).simulator == SimulatorConfig()


def test_simulator_section_sets_only_what_a_bot_config_may() -> None:
    with pytest.raises(ConfigError) as info:
        parse_config("simulator: {port: 80, speed: 0, seed: one, balance: -1}\n" + MINIMAL)
    text = str(info.value)
    assert (
        "simulator.port: unknown key (expected one of: balance, currency, seed, speed, state)"
        in text
    )
    assert "simulator.speed: must be > 0, got 0" in text
    assert "simulator.seed: expected int, got 'one'" in text
    assert "simulator.balance: must be >= 0, got -1" in text


def test_compression_is_a_checked_bool() -> None:
    assert parse_config(MINIMAL).compression is True
    assert parse_config("compression: false\n" + MINIMAL).compression is False
    with pytest.raises(ConfigError, match=r"compression: expected bool, got 'yes' \(<config>:1\)"):
        parse_config('compression: "yes"\n' + MINIMAL)
