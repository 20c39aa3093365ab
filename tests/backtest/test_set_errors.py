"""``--set``/``--grid`` mistakes: usage errors (exit 2) that name the option, not a line."""

from __future__ import annotations

from pathlib import Path

import pytest

from bots.cli import main
from framework.backtest.setup import config_with_overrides, parse_assignment
from framework.errors import ConfigError, UserError

from .test_report_cli import CONFIG

GOOD = CONFIG.replace("risk: {max_stake: 20}", "risk:\n  max_stake: 20\n  max_trades: 100")


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "good.yaml"
    path.write_text(GOOD)
    return path


@pytest.mark.parametrize(
    ("option", "message"),
    [
        ("nonsense", "bad override 'nonsense': expected PATH=VALUE"),
        ("=3", "bad override '=3': expected PATH=VALUE"),
        ("risk..x=3", "bad path 'risk..x'"),
        (
            "strategies[7].params.ticks=4",
            "cannot set strategies[7].params.ticks (at 7): no item [7] there",
        ),
        ("strategies[nope].stake.base=2", "no single item named 'nope'"),
        ("risk.max_stake=[1", "bad value '[1'"),
    ],
)
def test_a_bad_set_is_a_usage_error(
    config: Path, capsys: pytest.CaptureFixture[str], option: str, message: str
) -> None:
    assert main(["backtest", str(config), "--count", "50", "--set", option]) == 2
    err = capsys.readouterr().err
    assert err.startswith("triobot: ") and message in err and err.count("\n") == 1


def test_problems_name_the_option_that_set_the_value(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["backtest", str(config), "--count", "50", "--set", "risk.max_stak=3"]
    assert main([*argv, "--set", "strategies[mom].params.ticks=1"]) == 2
    lines = capsys.readouterr().err.splitlines()
    assert lines[0] == f"triobot: {config}: 2 problems"
    assert lines[1].endswith("must be >= 2, got 1 (--set strategies[mom].params.ticks=1)")
    assert lines[2].startswith("  risk.max_stak: unknown key (expected one of: ")
    assert lines[2].endswith(" (--set risk.max_stak=3)")


def test_a_file_problem_keeps_its_line_beside_an_override(config: Path) -> None:
    broken = config.read_text().replace("max_trades: 100", "max_trades: '100'")
    with pytest.raises(ConfigError) as raised:
        config_with_overrides(broken, "good.yaml", [parse_assignment("risk.max_stake=5")])
    assert str(raised.value) == (
        "good.yaml: 1 problem\n  risk.max_trades: expected int, got '100' (good.yaml:5)"
    )


def test_everything_under_an_overridden_value_is_the_option_s(config: Path) -> None:
    # The file's params had a line; replaced whole, their keys come from the option now.
    override = parse_assignment("strategies[0].params={ticks: 1, speed: 2}")
    with pytest.raises(ConfigError) as raised:
        config_with_overrides(config.read_text(), "good.yaml", [override])
    where = "(--set strategies[0].params={speed: 2, ticks: 1})"
    lines = str(raised.value).splitlines()[1:]
    assert len(lines) == 2 and all(line.endswith(where) for line in lines)


def test_grid_values_name_the_grid(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["sweep", str(config), "--grid", "risk.max_stake=-1,5", "--set", "risk.max_trades=0"]
    assert main([*argv, "--count", "50", "--workers", "1"]) == 2
    lines = capsys.readouterr().err.splitlines()
    assert any(line.endswith("(--grid risk.max_stake=-1)") for line in lines)
    assert any(line.endswith("(--set risk.max_trades=0)") for line in lines)


def test_the_usage_errors_carry_exit_2() -> None:
    with pytest.raises(UserError) as raised:
        parse_assignment("nonsense")
    assert raised.value.exit_code == 2


def test_a_repeated_key_keeps_its_line_even_when_overridden(config: Path) -> None:
    doubled = config.read_text().replace("max_trades: 100", "max_trades: 100\n  max_stake: 30")
    with pytest.raises(ConfigError) as raised:
        config_with_overrides(doubled, "good.yaml", [parse_assignment("risk.max_stake=5")])
    assert str(raised.value) == (
        "good.yaml: 1 problem\n  risk.max_stake: duplicate key (first at line 4) (good.yaml:6)"
    )
