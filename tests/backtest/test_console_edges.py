"""The replay's terminal output: the summary screen, the progress bar, the command's default."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from rich.console import Console

from bots.cli import main
from framework.backtest import SyntheticSource, run_backtest
from framework.backtest.console import ReplayProgress, summary_panel
from framework.risk import RiskLimits

from .helpers import every_setup
from .test_report_cli import CONFIG


def render(renderable: object) -> str:
    """Plain text of a rich renderable, wide enough for one line per row."""
    out = io.StringIO()
    Console(file=out, width=140, color_system=None).print(renderable)
    return out.getvalue()


def test_summary_names_open_contracts_and_tripped_limits() -> None:
    result = run_backtest(
        every_setup(10, risk=RiskLimits(max_trades=3)), SyntheticSource("R_100", 33, seed=1)
    )
    assert result.open_at_end and "max_trades" in {t.limit for t in result.trips}
    text = render(summary_panel(result))
    assert "backtest: synthetic R_100 x33 seed=1" in text
    assert "1 contract(s) still open when the ticks ran out (stakes 1.00, not in the P&L)" in text
    (trip,) = result.trips
    assert trip.ended is None  # session-long: held to the end of the replay
    assert f"risk limit max_trades tripped {trip.span()}: 3 trades, max_trades is 3" in text
    row = next(line for line in text.splitlines() if " every " in line)
    trades = result.summary()["strategies"][0]["trades"]
    assert row.split()[1:3] == ["every", str(trades)]


def test_summary_of_nothing_shows_dashes_not_zeros() -> None:
    result = run_backtest(every_setup(10), SyntheticSource("R_100", 0, seed=1))
    text = render(summary_panel(result))
    win_line = next(line for line in text.splitlines() if "win rate" in line)
    assert win_line.rstrip(" │").endswith("-")  # no trades: no win rate, not 0 %
    factor_line = next(line for line in text.splitlines() if "profit factor" in line)
    assert factor_line.split()[3] == "-"
    assert "still open" not in text and "tripped" not in text


def test_progress_bar_completes_only_on_success() -> None:
    out = io.StringIO()
    terminal = Console(file=out, width=120, force_terminal=True)
    with ReplayProgress("ticks.csv", console=terminal) as bar:
        bar.update(10, 0.5)
        bar.update(20, None)  # a source that cannot tell its progress
    task = bar._progress.tasks[0]
    assert task.completed == 1000 and task.fields["ticks"] == 20
    assert "ticks.csv" in out.getvalue()

    with (
        pytest.raises(RuntimeError),
        ReplayProgress("ticks.csv", console=Console(file=io.StringIO())) as failed,
    ):
        failed.update(5, 0.25)
        raise RuntimeError("the replay failed")
    assert failed._progress.tasks[0].completed == 250  # the bar does not claim the end


def test_progress_bar_draws_nothing_off_a_terminal() -> None:
    out = io.StringIO()  # a pipe or a file: a bar there is only leftover lines
    with ReplayProgress("ticks.csv", console=Console(file=out, width=120)) as bar:
        bar.update(10, 0.5)
    assert bar._progress.tasks[0].completed == 1000  # counted all the same
    assert out.getvalue() == ""


def test_backtest_command_prints_the_screen_and_the_report_path(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "bot.yaml"
    config.write_text(CONFIG)
    report = tmp_path / "rep"
    assert main(["backtest", str(config), "--count", "500", "--report", str(report)]) == 0
    captured = capsys.readouterr()
    assert "backtest: synthetic R_100 x500 seed=3" in captured.out
    assert f"report: {report / 'report.html'}" in captured.out.replace("\n", "")
    assert (report / "report.html").is_file()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--count", "-1"], "--count must be at least 1, got -1"),
        (["--count", "0"], "--count must be at least 1, got 0"),
        (["--balance", "-10"], "--balance must be a positive amount, got -10"),
        (["--balance", "0"], "--balance must be a positive amount, got 0"),
        (["--balance", "nan"], "--balance must be a positive amount, got nan"),
        (
            ["--ticks", "synthetic:R_100"],
            "bad synthetic source 'synthetic:R_100': expected synthetic:SYMBOL:COUNT",
        ),
        (["--ticks", "synthetic:NOPE:5"], "synthetic ticks: unknown symbol 'NOPE'"),
    ],
)
def test_backtest_usage_errors_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    config = tmp_path / "bot.yaml"
    config.write_text(CONFIG)
    assert main(["backtest", str(config), "--quiet", *argv]) == 2
    err = capsys.readouterr().err
    assert err.startswith("triobot: ") and message in err and "Traceback" not in err


CRASHING = """\
endpoint: embedded
strategies:
  - name: boom
    plugin: tests.runtime.plugins:Crasher
    symbols: [R_100]
    contract: {duration: 5, duration_unit: t}
    stake: {scheme: fixed, amount: 1}
    on_error: raise
    params: {at: 3}
"""


def test_a_strategy_raising_under_on_error_raise_is_one_line_and_exit_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "bot.yaml"
    config.write_text(CRASHING)
    assert main(["backtest", str(config), "--count", "50"]) == 1
    err = capsys.readouterr().err
    last = err.splitlines()[-1]
    assert last.startswith("triobot: strategy 'boom' raised at epoch ")
    assert last.endswith(": RuntimeError: boom") and "Traceback" not in err


def test_summary_says_how_the_contracts_ended() -> None:
    result = run_backtest(every_setup(10), SyntheticSource("R_100", 100, seed=1))
    line = next(line for line in render(summary_panel(result)).splitlines() if "ended" in line)
    assert f"expired {result.metrics.trades}" in line
