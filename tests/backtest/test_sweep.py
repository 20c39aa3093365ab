"""Sweeps: grid expansion, checks up front, executors, ranking, the command."""

from __future__ import annotations

import csv
import json
import re
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from bots.cli import main
from framework.backtest.executors import Executor, SerialExecutor, local_processes
from framework.backtest.sweep import SweepPlan, rank, run_job, run_sweep
from framework.errors import ConfigError

from .test_report_cli import CONFIG


def plan(**kw: Any) -> SweepPlan:
    args: dict[str, Any] = {
        "config_text": CONFIG,
        "config_name": "bot.yaml",
        "axes": (
            ("strategies[0].params.ticks", (2, 3)),
            ("strategies[mom].stake.base", (1, 2, 5)),
        ),
        "count": 2000,
    }
    args.update(kw)
    return SweepPlan(**args)


def test_grid_expansion_order_and_overrides() -> None:
    jobs = plan(fixed=(("risk.max_stake", 50),)).jobs()
    assert len(jobs) == 6 == plan().size
    assert [j.overrides[1:] for j in jobs[:4]] == [
        (("strategies[0].params.ticks", 2), ("strategies[mom].stake.base", 1)),
        (("strategies[0].params.ticks", 2), ("strategies[mom].stake.base", 2)),
        (("strategies[0].params.ticks", 2), ("strategies[mom].stake.base", 5)),
        (("strategies[0].params.ticks", 3), ("strategies[mom].stake.base", 1)),
    ]


def test_a_bad_combination_fails_before_anything_runs() -> None:
    bad = plan(axes=(("strategies[0].params.ticks", (2, 1)),))
    with pytest.raises(ConfigError, match=re.escape("strategies[0].params.ticks=1")):
        bad.jobs()


def test_rows_match_single_backtests_and_rank() -> None:
    jobs = plan().jobs()
    rows = run_sweep(jobs, SerialExecutor())
    assert [r["index"] for r in rows] == list(range(6))
    assert all(r["error"] == "" and r["ticks"] == 2000 for r in rows)
    # A row is exactly the replay of its combination.
    assert run_job(jobs[4]) | {"seconds": 0} == rows[4] | {"seconds": 0}
    best = rank(rows, "net_pnl")
    assert [r["net_pnl"] for r in best] == sorted((r["net_pnl"] for r in rows), reverse=True)
    safest = rank(rows, "max_drawdown")
    assert safest[0]["max_drawdown"] == min(r["max_drawdown"] for r in rows)


def test_local_processes_give_the_serial_rows() -> None:
    jobs = plan().jobs()[:2]
    with local_processes(2) as pool:
        assert isinstance(pool, Executor)
        parallel = run_sweep(jobs, pool)
    serial = run_sweep(jobs, SerialExecutor())
    strip = [{**r, "seconds": 0} for r in parallel]
    assert strip == [{**r, "seconds": 0} for r in serial]
    assert isinstance(SerialExecutor(), Executor) and issubclass(ProcessPoolExecutor, object)


def test_a_failing_replay_is_a_row_with_an_error(tmp_path: Path) -> None:
    missing = str(tmp_path / "none.jsonl")
    rows = run_sweep(plan(sources=(missing,)).jobs()[:1], SerialExecutor())
    assert "no such tick file" in rows[0]["error"] and rows[0]["net_pnl"] is None
    assert rank(rows, "net_pnl") == rows


def test_sweep_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "bot.yaml"
    config.write_text(CONFIG)
    out = tmp_path / "rows.csv"
    args = ["sweep", str(config), "--grid", "strategies[0].params.ticks=2,3", "--count", "1500"]
    args += ["--workers", "1", "--sort", "win_rate", "--out", str(out), "--json"]
    assert main(args) == 0
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) == 2 and rows[0]["win_rate"] >= rows[1]["win_rate"]
    assert len(list(csv.DictReader(out.open()))) == 2
    assert (
        main(["sweep", str(config), "--grid", "strategies[0].params.ticks"]) == 2
    )  # a usage error
    assert "expected PATH=V1,V2" in capsys.readouterr().err
