"""Candle files as a replay source: read whole, replayed as ticks that rebuild their bars."""

from __future__ import annotations

import gzip
import importlib
import itertools
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bots.cli import main
from framework.backtest import (
    Backtest,
    BacktestError,
    BacktestSetup,
    MemorySource,
    StrategySetup,
    SyntheticSource,
    TickFileError,
    open_sources,
    run_backtest,
)
from framework.backtest.candlefiles import (
    CandleInput,
    CandleSource,
    CandleWriter,
    bar_ticks,
    candle_inputs,
    candle_replay_warnings,
    read_candles,
)
from framework.backtest.console import summary_panel
from framework.backtest.executors import SerialExecutor
from framework.backtest.report import render_html
from framework.backtest.sweep import SweepPlan, run_sweep
from framework.deriv.models import Candle
from framework.market.candles import aggregate, open_time
from framework.strategy import ContractTemplate

from .helpers import BarParams, OnBars

GENESIS = 1_700_000_040  # a whole minute


@st.composite
def bar_lists(draw: st.DrawFn) -> tuple[int, list[Candle]]:
    """Bars of one granularity with gaps, quotes in cents, each a valid OHLC."""
    g = draw(st.sampled_from((60, 120, 300)))
    steps = draw(st.lists(st.integers(1, 3), min_size=1, max_size=30))
    epoch = GENESIS - GENESIS % g
    bars = []
    for step in steps:
        epoch += step * g
        o, c = draw(st.integers(9_000, 11_000)), draw(st.integers(9_000, 11_000))
        low = min(o, c) - draw(st.integers(0, 50))
        high = max(o, c) + draw(st.integers(0, 50))
        bars.append(Candle(epoch, o / 100, high / 100, low / 100, c / 100, "R_100", g))
    return g, bars


def merged(bars: list[Candle], g: int) -> list[Candle]:
    """The bars of ``g`` seconds that whole smaller bars make up."""
    out = []
    for start, group in itertools.groupby(bars, key=lambda b: open_time(b.epoch, g)):
        part = list(group)
        high, low = max(b.high for b in part), min(b.low for b in part)
        out.append(Candle(start, part[0].open, high, low, part[-1].close, "R_100", g))
    return out


@settings(max_examples=60, deadline=None)
@given(bar_lists())
def test_the_candle_rule_rebuilds_exactly_the_bars_from_their_ticks(
    drawn: tuple[int, list[Candle]],
) -> None:
    g, bars = drawn
    ticks = [t for bar in bars for t in bar_ticks(bar, 2)]
    assert all(open_time(t.epoch, g) == bar.epoch for bar in bars for t in bar_ticks(bar, 2))
    assert all(1 <= len(bar_ticks(bar, 2)) <= 4 for bar in bars)
    epochs = [t.epoch for t in ticks]
    assert epochs == sorted(set(epochs))
    assert aggregate(((t.epoch, t.quote) for t in ticks), "R_100", g) == bars
    # And every coarser series the file can give: whole bars add up.
    assert aggregate(((t.epoch, t.quote) for t in ticks), "R_100", 600) == merged(bars, 600)


def write_csv(path: Path, bars: list[Candle], pip: int = 2) -> Path:
    with CandleWriter(path) as writer:
        for bar in bars:
            writer.write(bar, pip)
    return path


def minute_bars(symbol: str, n: int, *, start: int = GENESIS, g: int = 60) -> list[Candle]:
    """Up, down and flat bars in turn, from the first open time at or before ``start``."""
    start -= start % g
    out = []
    for i in range(n):
        o = 100.0 + (i % 7)
        c = o + (0.5, -0.5, 0.0)[i % 3]
        out.append(Candle(start + i * g, o, max(o, c) + 0.25, min(o, c) - 0.25, c, symbol, g))
    return out


def test_csv_gz_and_parquet_files_replay_two_symbols_merged_by_time(tmp_path: Path) -> None:
    r100 = minute_bars("R_100", 40)
    r50 = minute_bars("R_50", 20, start=GENESIS + 600, g=120)
    write_csv(tmp_path / "r100.csv.gz", r100)
    pytest.importorskip("pyarrow", reason="Parquet support needs pyarrow")
    pa: Any = importlib.import_module("pyarrow")
    pq: Any = importlib.import_module("pyarrow.parquet")
    # Parquet without granularity or pip_size: the step between bars says it, the symbol
    # its pip size.
    table = pa.table(
        {
            "symbol": [b.symbol for b in r50],
            "epoch": [b.epoch for b in r50],
            "open": [b.open for b in r50],
            "high": [b.high for b in r50],
            "low": [b.low for b in r50],
            "close": [b.close for b in r50],
        }
    )
    pq.write_table(table, tmp_path / "r50.parquet")
    source = CandleSource([tmp_path / "r100.csv.gz", tmp_path / "r50.parquet"], chunk_size=7)
    assert [(i.symbol, i.granularity, i.bars) for i in source.inputs] == [
        ("R_100", 60, 40),
        ("R_50", 120, 20),
    ]
    assert source.progress() == 0.0
    ticks = [t for chunk in source.chunks() for t in chunk]
    assert source.progress() == 1.0 and len(ticks) == len(source)
    assert [t.epoch for t in ticks] == sorted(t.epoch for t in ticks)
    for symbol, bars in (("R_100", r100), ("R_50", r50)):
        mine = [(t.epoch, t.quote) for t in ticks if t.symbol == symbol]
        assert aggregate(mine, symbol, bars[0].granularity) == bars
    assert {t.pip_size for t in ticks} == {2, 4}  # R_50 quotes have 4 decimals


@pytest.mark.parametrize(
    ("text", "where", "message"),
    [
        ("epoch,open,high,low\n", ":1", "lacks column(s) close, symbol"),
        ("epoch,open,high,low,close,symbol\n1700000040,1,2,0.5,1.5\n", ":2", "expected 6 fields"),
        ("epoch,open,high,low,close,symbol\nnow,1,2,0.5,1.5,R_100\n", ":2", "epoch: expected"),
        ("epoch,open,high,low,close,symbol\n1700000040,1,x,0.5,1.5,R_100\n", ":2", "high:"),
        ("epoch,open,high,low,close,symbol\n1700000040,1,2,0.5,nan,R_100\n", ":2", "finite"),
        ("epoch,open,high,low,close,symbol\n1700000040,1,2,0.5,1.5,\n", ":2", "symbol: empty"),
        ("epoch,open,high,low,close,symbol\n1700000040,1,1.2,0.5,1.5,R_100\n", ":2", "not a bar"),
        (
            "epoch,open,high,low,close,symbol,granularity\n1700000040,1,2,0.5,1.5,R_100,45\n",
            ":2",
            "granularity: '45' is not one of 60, 120",
        ),
        (
            "epoch,open,high,low,close,symbol,pip_size\n1700000040,1,2,0.5,1.5,R_100,x\n",
            ":2",
            "pip_size: expected 0-10",
        ),
        (
            "epoch,open,high,low,close,symbol\n1700000040,1,2,0.5,1.5,R_100\n",
            ":2",
            "one bar of R_100 and no granularity column",
        ),
        (
            "epoch,open,high,low,close,symbol\n1700000040,1,2,0.5,1.5,R_100\n"
            "1700000085,1,2,0.5,1.5,R_100\n",
            ":2",
            "45 seconds apart",
        ),
        (
            "epoch,open,high,low,close,symbol,granularity\n1700000040,1,2,0.5,1.5,R_100,60\n"
            "1700000100,1,2,0.5,1.5,R_100,120\n",
            ":3",
            "granularity 120 of R_100; its first bar says 60",
        ),
        (
            "epoch,open,high,low,close,symbol,granularity\n1700000050,1,2,0.5,1.5,R_100,60\n",
            ":2",
            "not the open time of a 60-second bar",
        ),
        (
            "epoch,open,high,low,close,symbol,granularity\n1700000100,1,2,0.5,1.5,R_100,60\n"
            "1700000040,1,2,0.5,1.5,R_100,60\n",
            ":3",
            "not after its previous bar (line 2)",
        ),
        (
            "epoch,open,high,low,close,symbol,granularity\n1700000040,1,2,0.5,1.5,NOPE,60\n",
            ":2",
            "unknown symbol 'NOPE' and no pip_size given",
        ),
    ],
)
def test_a_bad_candle_file_names_its_line(
    tmp_path: Path, text: str, where: str, message: str
) -> None:
    path = tmp_path / "bars.csv"
    path.write_text(text)
    with pytest.raises(TickFileError) as caught:
        read_candles(path)
    assert str(caught.value).startswith(f"{path}{where}: ")
    assert message in str(caught.value)
    assert caught.value.exit_code == 2


def test_files_that_are_not_candle_files_are_refused(tmp_path: Path) -> None:
    (tmp_path / "empty.csv").write_text("")
    assert read_candles(tmp_path / "empty.csv") == {}
    (tmp_path / "bad.csv.gz").write_bytes(b"not gzip")
    cases = {
        tmp_path / "ticks.jsonl": "not a candle file",
        tmp_path / "bars.txt": "unknown candle file type",
        tmp_path / "missing.csv": "no such candle file",
        tmp_path / "bad.csv.gz": "cannot read",
    }
    (tmp_path / "ticks.jsonl").write_text("{}\n")
    for path, message in cases.items():
        with pytest.raises(TickFileError, match=message):
            read_candles(path)
    with pytest.raises(TickFileError, match=r"written as \.csv"):
        CandleWriter(tmp_path / "bars.parquet")
    (tmp_path / "other.csv").write_text("epoch,quote,symbol\n")
    with pytest.raises(TickFileError, match="cannot append: header"):
        CandleWriter(tmp_path / "other.csv")
    write_csv(tmp_path / "one.csv", minute_bars("R_100", 3))
    with pytest.raises(BacktestError, match="R_100 appears in two candle files"):
        CandleSource([tmp_path / "one.csv", tmp_path / "one.csv"])
    with pytest.raises(BacktestError, match="no candle file"):
        CandleSource([])


def bar_setup(granularity: int = 60, history: int = 3) -> BacktestSetup:
    terms = ContractTemplate(duration=2, duration_unit="m")
    strategy = StrategySetup("bars", OnBars, BarParams(granularity, history), ("R_100",), terms)
    return BacktestSetup((strategy,))


def test_a_candle_strategy_replayed_from_a_file_gets_the_files_bars(tmp_path: Path) -> None:
    bars = minute_bars("R_100", 60)
    path = write_csv(tmp_path / "bars.csv", bars)
    backtest = Backtest(bar_setup())
    result = backtest.run(CandleSource([path]))
    strategy = backtest.host.slots["bars"].strategy
    assert isinstance(strategy, OnBars)
    # The first three bars are the warm-up's history; the last one never closes.
    assert strategy.history == bars[:3]
    assert strategy.bars == bars[3:-1]
    assert result.warmup_ticks > 0 and result.metrics.trades > 0
    assert [c.as_dict() for c in result.candles] == [
        {"symbol": "R_100", "granularity": 60, "bars": 60, "file": "bars.csv"}
    ]
    assert result.summary()["candles"] == [c.as_dict() for c in result.candles]
    # A coarser series is the file's bars added up; the file begins inside a 5-minute bar,
    # and that partial bar is never given out.
    backtest = Backtest(bar_setup(300, 2))
    backtest.run(CandleSource([path]))
    coarse = backtest.host.slots["bars"].strategy
    assert isinstance(coarse, OnBars)
    assert coarse.history + coarse.bars == merged(bars, 300)[1:-1]


def test_a_series_finer_than_the_file_is_refused(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "bars.csv", minute_bars("R_100", 30, g=300))
    with pytest.raises(BacktestError, match=r"wants 60-second candles of R_100, but bars\.csv"):
        run_backtest(bar_setup(60), CandleSource([path]))
    with pytest.raises(BacktestError, match="180-second"):
        run_backtest(bar_setup(180), CandleSource([path]))


def test_what_a_candle_replay_makes_up_is_said() -> None:
    bars = (CandleInput("R_100", 60, 10, "bars.csv"),)
    ticks = BacktestSetup(
        (StrategySetup("t", OnBars, BarParams(60, 0), ("R_100",), ContractTemplate(duration=5)),)
    )
    warnings = candle_replay_warnings(ticks, bars)
    assert warnings == [
        "strategy t's contracts last 5 ticks: from candle files these are the replayed ticks "
        "(up to 4 per bar), not the market's"
    ]
    assert candle_replay_warnings(bar_setup(), bars) == []
    assert candle_replay_warnings(bar_setup(), ()) == []


CONFIG = """\
endpoint: embedded
simulator: {seed: 3, balance: 1000}
strategies:
  - name: bars
    plugin: tests.backtest.helpers:OnBars
    symbols: [R_100]
    contract: {duration: 2, duration_unit: m}
    stake: {scheme: fixed, amount: 1}
  - name: ticks
    plugin: momentum
    symbols: [R_100]
    contract: {duration: 5, duration_unit: t}
    stake: {scheme: fixed, amount: 1}
"""


def test_the_backtest_command_replays_candle_files_and_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "bot.yaml"
    config.write_text(CONFIG)
    path = write_csv(tmp_path / "bars.csv", minute_bars("R_100", 200))
    report = tmp_path / "rep"
    args = ["backtest", str(config), "--candles", str(path), "--quiet", "--report", str(report)]
    assert main(args) == 0
    out, err = capsys.readouterr()
    assert "candles  200 60-second bars of R_100 from bars.csv, each replayed as up to 4" in out
    assert "warm-up  the first" in out and "ticks filled the declared history" in out
    assert "strategy ticks declares no candle series of R_100" in err
    assert "strategy ticks's contracts last 5 ticks" in err
    page = (report / "report.html").read_text()
    assert "Replayed from candles: 200 60-second bars of R_100 from bars.csv" in page
    assert "Warm-up: the first" in page
    summary = json.loads((report / "summary.json").read_text())
    assert summary["candles"][0]["bars"] == 200 and summary["warmup_ticks"] > 0
    # A series the file cannot give is a usage error, before anything runs.
    config.write_text(CONFIG.replace("OnBars\n", "OnBars\n    params: {granularity: 120}\n"))
    coarse = write_csv(tmp_path / "coarse.csv", minute_bars("R_100", 20, g=300))
    assert main(["backtest", str(config), "--candles", str(coarse), "--json"]) == 2
    assert "wants 120-second candles of R_100, but coarse.csv holds 300-second" in (
        capsys.readouterr().err
    )


def test_the_summary_without_candles_or_warm_up_says_neither(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "bars.csv", minute_bars("R_100", 10))
    result = run_backtest(bar_setup(history=0), CandleSource([path]))
    assert result.warmup_ticks == 0 and result.warmup_text() == ""
    page = render_html(result, png=None)
    assert "Warm-up:" not in page and "Replayed from candles" in page
    panel = summary_panel(result)
    assert panel.title == "backtest: bars.csv"


def test_a_gzip_candle_file_round_trips(tmp_path: Path) -> None:
    bars = minute_bars("R_100", 5)
    path = write_csv(tmp_path / "bars.csv.gz", bars[:2])
    write_csv(path, bars[2:])  # appends below the header
    with gzip.open(path, "rt") as f:
        assert f.read().count("epoch,") == 1
    assert read_candles(path)["R_100"] == (bars, 2)


def test_a_sweep_replays_candle_files(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "bars.csv", minute_bars("R_100", 100))
    plan = SweepPlan(
        config_text=CONFIG,
        config_name="bot.yaml",
        axes=(("strategies[bars].params.history", (2, 5)),),
        candles=(str(path),),
    )
    rows = run_sweep(plan.jobs(), SerialExecutor())
    assert [r["error"] for r in rows] == ["", ""]
    assert all(r["trades"] > 0 for r in rows)
    assert rows[0]["ticks"] > rows[1]["ticks"]  # the longer history warms up longer


def test_candle_files_merge_with_tick_sources(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "bars.csv", minute_bars("R_100", 10))
    source = open_sources(["synthetic:R_50:100:1:1700000000"], [path])
    assert [i.symbol for i in candle_inputs(source)] == ["R_100"]
    ticks = [t for chunk in source.chunks() for t in chunk]
    assert {t.symbol for t in ticks} == {"R_50", "R_100"}
    assert candle_inputs(open_sources(["synthetic:R_50:10"])) == ()
    with pytest.raises(BacktestError, match="no tick or candle file"):
        open_sources([])


def test_a_replay_from_bars_delivers_the_bars_a_replay_of_their_ticks_delivers(
    tmp_path: Path,
) -> None:
    ticks = [t for c in SyntheticSource("R_100", 3000, seed=5).chunks() for t in c]
    bars = aggregate(((t.epoch, t.quote) for t in ticks), "R_100", 60)[1:-1]  # whole, closed
    path = write_csv(tmp_path / "bars.csv", bars)
    delivered = []
    for source in (MemorySource(ticks), CandleSource([path])):
        backtest = Backtest(bar_setup(history=3))
        backtest.run(source)
        strategy = backtest.host.slots["bars"].strategy
        assert isinstance(strategy, OnBars)
        delivered.append(strategy.history + strategy.bars)
    from_ticks, from_bars = delivered
    # The same bars, but for the last: in the file it never closes.
    assert from_bars == from_ticks[: len(from_bars)] == bars[:-1]
