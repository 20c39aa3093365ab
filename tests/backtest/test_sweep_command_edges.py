"""``triobot sweep``: the ranked table, failed combinations, usage errors, worker processes."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from bots.cli import main
from framework.backtest.sweep import rank
from framework.errors import UserError

from .test_report_cli import CONFIG


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("COLUMNS", "300")  # one table row per line
    path = tmp_path / "bot.yaml"
    path.write_text(CONFIG)
    return path


def sweep(*argv: str) -> list[str]:
    return ["sweep", *argv, "--count", "800", "--workers", "1"]


def test_the_table_is_ranked_and_names_the_csv(
    config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "deep" / "rows.csv"
    args = sweep(str(config), "--grid", "strategies[mom].stake.base=1,2,3", "--sort", "expectancy")
    assert main([*args, "--out", str(out), "--top", "2"]) == 0
    text = capsys.readouterr().out
    assert "sweep ranked by expectancy" in text
    header = next(line for line in text.splitlines() if "trades" in line)
    assert "strategies[mom].stake.base" in header
    assert header.rstrip(" ┃│").endswith("expectancy ┃ trips")
    body = [line.split("│")[1:-1] for line in text.splitlines() if line.startswith("│")]
    assert [[cell.strip() for cell in row][:2] for row in body] == [["1", "3"], ["2", "2"]]
    assert f"all 3 rows: {out}" in text
    rows = list(csv.DictReader(out.open()))  # every row, even beyond --top
    expectancies = [float(r["expectancy"]) for r in rows]
    assert len(rows) == 3 and expectancies == sorted(expectancies, reverse=True)


def test_ascending_puts_the_lowest_first(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = sweep(str(config), "--grid", "strategies[mom].stake.base=1,4", "--sort", "trades")
    assert main([*args, "--ascending", "--json"]) == 0
    trades = [row["trades"] for row in json.loads(capsys.readouterr().out)]
    assert trades == sorted(trades)


def test_a_failed_combination_exits_1_and_names_it(
    config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "none.jsonl"
    args = sweep(str(config), "--grid", "strategies[0].params.ticks=2,3", "--ticks", str(missing))
    assert main(args) == 1
    captured = capsys.readouterr()
    failures = [line for line in captured.err.splitlines() if "failed" in line]
    assert len(failures) == 2
    assert failures[0].startswith("triobot: combination ") and "no such tick file" in failures[0]
    rows = [line.split("│")[1:-1] for line in captured.out.splitlines() if line.startswith("│")]
    figures = [[cell.strip() for cell in row][2:] for row in rows]
    assert len(rows) == 2 and all(cell == "-" for row in figures for cell in row)  # no figures


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--grid", "risk.max_stake=5", "--grid", "risk.max_stake=6"], "may appear once"),
        (["--grid", "risk.max_stake=5", "--top", "-1"], "must be >= 0"),
        (["--grid", "risk.max_stake=5", "--count", "0"], "--count must be at least 1, got 0"),
        (["--grid", "risk.max_stake=5", "--balance", "-10"], "--balance must be a positive"),
        (["--grid", "risk.max_stake=-5"], "risk.max_stake"),
    ],
)
def test_usage_errors_exit_2(
    config: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    assert main(["sweep", str(config), *argv]) == 2
    err = capsys.readouterr().err
    assert err.startswith("triobot: ") and message in err and "Traceback" not in err


def test_an_unreadable_config_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "none.yaml"
    assert main(["sweep", str(missing), "--grid", "risk.max_stake=5"]) == 2
    assert capsys.readouterr().err.startswith(f"triobot: cannot read config {missing}: ")


def test_worker_processes_give_the_serial_rows(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    grid = ["--grid", "strategies[0].params.ticks=2,3", "--json"]
    assert main([*sweep(str(config), *grid)]) == 0
    serial = json.loads(capsys.readouterr().out)
    assert main(["sweep", str(config), *grid, "--count", "800", "--workers", "2"]) == 0
    parallel = json.loads(capsys.readouterr().out)

    def figures(rows: list[dict[str, object]]) -> list[dict[str, object]]:
        return [{k: v for k, v in row.items() if k != "seconds"} for row in rows]  # wall time

    assert len(serial) == 2 and figures(parallel) == figures(serial)


def test_ranking_by_an_unknown_metric_names_the_choices() -> None:
    with pytest.raises(UserError) as raised:
        rank([], "speed")
    assert str(raised.value).startswith("unknown metric 'speed'; choose one of net_pnl, trades")


def test_a_combination_that_tests_nothing_has_no_figures(
    config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    other = tmp_path / "r50.jsonl"
    other.write_text('{"symbol": "R_50", "epoch": 1700000000, "quote": 100.5, "pip_size": 4}\n')
    args = sweep(str(config), "--grid", "strategies[0].params.ticks=2,3", "--ticks", str(other))
    assert main(args) == 1
    failures = [line for line in capsys.readouterr().err.splitlines() if "failed" in line]
    assert len(failures) == 2
    assert failures[0].endswith(
        "failed: nothing was tested: r50.jsonl holds ticks of R_50 only; the strategies trade R_100"
    )
