"""``triobot backtest`` refuses, or says so loudly, when its replay could test nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from bots.cli import main
from framework.backtest import SyntheticSource, TickWriter, run_backtest

from .helpers import every_setup
from .test_report_cli import CONFIG

TWO_SYMBOLS = CONFIG.replace("symbols: [R_100]", "symbols: [R_100, R_50]")


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "bot.yaml"
    path.write_text(CONFIG)
    return path


def ticks_of(path: Path, symbol: str, count: int) -> Path:
    with TickWriter(path) as writer:
        for chunk in SyntheticSource(symbol, count, seed=1).chunks():
            writer.write_many(chunk)
    return path


def test_an_empty_tick_file_is_one_line_and_exit_1(
    config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    assert main(["backtest", str(config), "--ticks", str(empty), "--quiet"]) == 1
    captured = capsys.readouterr()
    assert captured.err == "triobot: nothing was tested: empty.jsonl holds no ticks\n"
    assert captured.out == ""  # no summary of a replay that tried nothing


def test_ticks_of_another_symbol_are_one_line_and_exit_1(
    config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    other = ticks_of(tmp_path / "r50.jsonl", "R_50", 200)
    assert main(["backtest", str(config), "--ticks", str(other), "--json"]) == 1
    captured = capsys.readouterr()
    assert captured.err == (
        "triobot: nothing was tested: r50.jsonl holds ticks of R_50 only; "
        "the strategies trade R_100\n"
    )
    assert captured.out == ""


def test_a_symbol_missing_from_the_ticks_is_a_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "two.yaml"
    config.write_text(TWO_SYMBOLS)
    r100 = ticks_of(tmp_path / "r100.jsonl", "R_100", 300)
    assert main(["backtest", str(config), "--ticks", str(r100), "--json"]) == 0
    assert capsys.readouterr().err == (
        "triobot: warning: r100.jsonl holds no ticks of R_50; "
        "the strategies trading them were not tested there\n"
    )


def test_the_result_names_what_it_held_and_what_was_traded() -> None:
    setup = every_setup(10)
    tested = run_backtest(setup, SyntheticSource("R_100", 30, seed=1))
    assert tested.symbols == ("R_100",) and tested.traded == ("R_100",)
    assert tested.untested() is None and tested.missing() == ()
    elsewhere = run_backtest(setup, SyntheticSource("R_50", 30, seed=1))
    assert elsewhere.untested() == (
        "nothing was tested: synthetic R_50 x30 seed=1 holds ticks of R_50 only; "
        "the strategies trade R_100"
    )
    assert elsewhere.missing() == ("R_100",)
    nothing = run_backtest(setup, SyntheticSource("R_100", 0, seed=1))
    assert nothing.untested() == "nothing was tested: synthetic R_100 x0 seed=1 holds no ticks"


@pytest.mark.parametrize("kind", ["file", "file-parent"])
def test_a_report_path_that_is_a_file_is_refused_before_the_replay(
    config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], kind: str
) -> None:
    existing = tmp_path / "existing.txt"
    existing.write_text("keep me\n")
    target = existing if kind == "file" else existing / "rep"
    assert main(["backtest", str(config), "--count", "50", "--report", str(target)]) == 2
    err = capsys.readouterr().err
    if kind == "file":
        assert err == f"triobot: --report {target}: is a file; give a folder (new or existing)\n"
    else:
        assert err.startswith(f"triobot: --report {target}: cannot create the folder: ")
        assert err.count("\n") == 1
    assert existing.read_text() == "keep me\n"
