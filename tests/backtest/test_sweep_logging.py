"""A sweep's replays log as the command's --log-format and --log-level say, on stderr."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bots.cli import main

from .test_report_cli import CONFIG


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "bot.yaml"
    path.write_text(CONFIG.replace("risk: {max_stake: 20}", "risk: {max_trades: 2}"))
    return path


def sweep(config: Path, *options: str) -> list[str]:
    grid = ["--grid", "strategies[0].params.ticks=2,3", "--count", "800", "--workers", "1"]
    return ["sweep", str(config), *grid, "--json", *options]


def test_the_replays_warnings_follow_the_options(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(sweep(config, "--log-format", "json", "--log-level", "warning")) == 0
    captured = capsys.readouterr()
    rows = json.loads(captured.out)  # stdout is the rows alone
    assert [row["trips"].split()[0] for row in rows] == ["max_trades", "max_trades"]
    logged = [json.loads(line) for line in captured.err.splitlines() if line.startswith("{")]
    assert {e["event"] for e in logged} >= {"risk limit tripped"}
    assert main(sweep(config, "--log-format", "console", "--log-level", "warning")) == 0
    assert "[warning  ] risk limit tripped" in capsys.readouterr().err


def test_by_default_a_sweep_logs_only_errors(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(sweep(config)) == 0
    captured = capsys.readouterr()
    assert len(json.loads(captured.out)) == 2
    assert "risk limit tripped" not in captured.err
