"""Report files, config overrides and the ``triobot backtest`` command."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from bots.cli import main
from framework.backtest import SyntheticSource, TickWriter, TradesCsvWriter, run_backtest
from framework.backtest.report import RecentTrades, write_report
from framework.backtest.setup import (
    config_with_overrides,
    parse_assignment,
    parse_grid,
    setup_from_config,
)
from framework.errors import ConfigError, UserError

from .helpers import every_setup

CONFIG = """\
endpoint: embedded
simulator: {seed: 3, balance: 1000}
risk: {max_stake: 20}
strategies:
  - name: mom
    plugin: momentum
    symbols: [R_100]
    contract: {duration: 5, duration_unit: t}
    stake: {scheme: martingale, base: 1, factor: 2, max_steps: 3}
    params: {ticks: 2}
"""


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "bot.yaml"
    path.write_text(CONFIG)
    return path


def test_report_files(tmp_path: Path) -> None:
    recent = RecentTrades(5)
    with TradesCsvWriter(tmp_path / "trades.csv") as writer:
        result = run_backtest(
            every_setup(10), SyntheticSource("R_100", 2000, seed=1), sinks=[writer, recent]
        )
    assert write_report(result, tmp_path, recent=list(recent.trades)) == []
    rows = list(csv.DictReader((tmp_path / "trades.csv").open()))
    assert len(rows) == result.metrics.trades
    assert sum(float(r["profit"]) for r in rows) == pytest.approx(result.metrics.net)
    assert (
        rows[-1]["balance"]
        == f"{result.final_balance + sum(o.buy_price for o in result.open_at_end):.2f}"
    )
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["trades"] == result.metrics.trades and summary["strategies"][0]["strategy"]
    assert (tmp_path / "equity.png").read_bytes()[:4] == b"\x89PNG"
    page = (tmp_path / "report.html").read_text()
    assert "data:image/png;base64," in page and "<h2>Last 5 trades</h2>" in page
    assert "src='http" not in page  # self-contained


def test_overrides_pass_the_config_checks(config: Path) -> None:
    text = config.read_text()
    loaded = config_with_overrides(
        text, "bot.yaml", [parse_assignment("strategies[mom].params.ticks=4")]
    )
    assert loaded.strategies[0].params.ticks == 4
    with pytest.raises(ConfigError, match=r"strategies\[0\]\.params\.ticks: expected int"):
        config_with_overrides(text, "bot.yaml", [parse_assignment("strategies[0].params.ticks=x")])
    with pytest.raises(ConfigError, match="must be >= 2"):
        config_with_overrides(text, "bot.yaml", [parse_assignment("strategies[0].params.ticks=1")])
    with pytest.raises(UserError, match=r"no item \[3\]"):
        config_with_overrides(text, "bot.yaml", [parse_assignment("strategies[3].params.ticks=4")])
    assert parse_grid("risk.max_stake=5, 10,2.5") == ("risk.max_stake", [5, 10, 2.5])
    with pytest.raises(UserError, match="expected PATH=V1,V2"):
        parse_grid("risk.max_stake")
    setup = setup_from_config(loaded)
    assert setup.balance == 1000 and setup.risk.max_stake == 20
    assert setup.strategies[0].symbols == ("R_100",)


def test_backtest_command_synthetic_with_report(
    config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "rep"
    code = main(["backtest", str(config), "--count", "3000", "--report", str(out), "--json"])
    assert code == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["ticks"] == 3000 and summary["trades"] > 0
    assert summary["source"] == "synthetic R_100 x3000 seed=3"
    # The replay's own speed sits beside the figures; summary.json keeps only the figures.
    speed = summary.pop("speed")
    assert set(speed) == {"ticks_per_second", "seconds"} and speed["seconds"] > 0
    assert speed["ticks_per_second"] == pytest.approx(3000 / speed["seconds"], rel=1e-2)
    written = json.loads((out / "summary.json").read_text())
    assert {k: v for k, v in written.items() if k != "elapsed_seconds"} == summary
    assert {p.name for p in out.iterdir()} == {
        "trades.csv", "summary.json", "equity.png", "report.html"
    }  # fmt: skip


def test_backtest_command_on_a_file_and_overrides(
    config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ticks = tmp_path / "t.csv"
    with TickWriter(ticks) as writer:
        for chunk in SyntheticSource("R_100", 3000, seed=3).chunks():
            writer.write_many(chunk)
    args = [
        "backtest",
        str(config),
        "--ticks",
        str(ticks),
        "--json",
        "--set",
        "simulator.balance=50",
    ]
    assert main(args) == 0
    from_file = json.loads(capsys.readouterr().out)
    assert from_file["opening_balance"] == 50
    assert main(["backtest", str(config), "--count", "3000", "--json", "--balance", "50"]) == 0
    synthetic = json.loads(capsys.readouterr().out)
    # The same ticks from a file or from the generator give the same trades.
    assert {**from_file, "source": "", "speed": {}} == {**synthetic, "source": "", "speed": {}}


def test_backtest_command_errors_are_one_line(
    config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"symbol":"R_100","epoch":1,"quote":"x"}\n')
    assert main(["backtest", str(config), "--ticks", str(bad), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "bad.jsonl:1: quote: expected a number" in err and "Traceback" not in err
    assert main(["backtest", str(tmp_path / "none.yaml")]) == 2
    assert "cannot read config" in capsys.readouterr().err
