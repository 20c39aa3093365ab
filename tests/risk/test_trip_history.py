"""Every risk trip stays on record, with when it started and ended: gate, journal, reports."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
import structlog
from rich.console import Console
from structlog.testing import capture_logs

from bots.cli import main
from framework.backtest import SyntheticSource, run_backtest
from framework.backtest.console import summary_panel
from framework.backtest.report import render_html
from framework.backtest.sweep import SweepJob, run_job
from framework.journal import Journal
from framework.risk import DAY, STOPPING, RiskGate, RiskLimits, RiskSnapshot, Trip
from framework.runtime.gate import JournalingGate
from framework.runtime.report import journal_report
from tests.backtest.helpers import every_setup
from tests.backtest.test_report_cli import CONFIG
from tests.risk.test_gate import T0, Book

#: One loss pauses trading for 30 s of tick time: a replay trips and clears several times.
PAUSING = RiskLimits(max_consecutive_losses=1, loss_cooldown=30)


def test_a_daily_loss_pause_that_cleared_is_still_in_the_history() -> None:
    book = Book(RiskLimits(max_daily_loss=2))
    book.trade(False, stake=2.0, epoch=T0)
    assert book.try_buy(epoch=T0 + 10) == "max_daily_loss"
    tomorrow = (T0 // DAY + 1) * DAY
    assert book.try_buy(epoch=tomorrow + 5) is None  # the pause is over...
    assert book.gate.trips == {}
    # ...and on record, with its start and the tick time it cleared.
    (trip,) = book.gate.history
    assert (trip.limit, trip.epoch, trip.until, trip.ended) == (
        "max_daily_loss",
        T0,
        tomorrow,
        tomorrow + 5,
    )
    assert trip.as_dict() == {
        "limit": "max_daily_loss",
        "reason": "lost 2.00 today, max_daily_loss is 2.00",
        "started": T0,
        "until": tomorrow,
        "ended": tomorrow + 5,
    }


def test_the_same_pause_tripped_twice_is_one_trip_from_its_first_start() -> None:
    book = Book(RiskLimits(max_daily_loss=1))
    assert book.try_buy(epoch=T0) is None  # two open at once: the second is not refused,
    book.gate.limits = RiskLimits(max_daily_loss=3)  # as nothing is lost yet
    assert book.try_buy(epoch=T0) is None
    book.gate.limits = RiskLimits(max_daily_loss=1)
    book.close(False, epoch=T0 + 5)  # 1.00 lost: trips until midnight
    book.close(False, epoch=T0 + 6)  # 2.00 lost the same day: the same pause, trips again
    (trip,) = book.gate.history
    assert trip.limit == "max_daily_loss" and trip.epoch == T0 + 5
    assert trip.reason == "lost 2.00 today, max_daily_loss is 1.00"
    assert book.gate.trips == {"max_daily_loss": trip}


def test_a_max_trades_trip_undone_by_a_rejected_buy_ends_where_it_began() -> None:
    gate = RiskGate(RiskLimits(max_trades=1))
    intent = Book(RiskLimits()).intent(epoch=T0)
    assert gate.check(intent, RiskSnapshot(T0, 1000.0, 0)).allowed
    gate.on_rejected(intent)  # the buy was refused: the limit was never reached
    assert gate.trips == {}
    (trip,) = gate.history
    assert trip.limit == "max_trades" and trip.ended == trip.epoch == T0


def test_a_stop_refuses_without_a_trip_and_without_a_warning() -> None:
    book = Book(RiskLimits(kill_file=Path("never-there")))
    gate = book.gate = RiskGate(book.gate.limits, log=structlog.get_logger())
    with capture_logs() as logs:
        gate.stop("duration 15s elapsed")
        decision = gate.check(book.intent(epoch=T0), RiskSnapshot(T0, 1000.0, 0))
    assert (decision.allowed, decision.limit, decision.reason) == (
        False,
        STOPPING,
        "duration 15s elapsed",
    )
    assert gate.trip is None and gate.history == []
    assert logs == []  # the runtime logs the stop once, at info


def test_spans_read_in_utc_long_and_short() -> None:
    midnight = (T0 // DAY + 1) * DAY
    held = Trip("take_profit", "ahead", T0)
    cleared = Trip("max_daily_loss", "lost", T0, midnight, midnight + 90)
    assert held.span() == "2023-11-14 22:13:20 UTC .. end of session"
    assert cleared.span() == "2023-11-14 22:13:20 UTC .. 2023-11-15 00:01:30 UTC"
    assert held.span(short=True) == "11-14 22:13..end"
    assert cleared.span(short=True) == "11-14 22:13..11-15 00:01"


def test_a_replay_keeps_every_pause_in_summary_panel_and_html() -> None:
    result = run_backtest(every_setup(3, risk=PAUSING), SyntheticSource("R_100", 600, seed=1))
    assert len(result.trips) >= 2
    assert all(t.limit == "max_consecutive_losses" for t in result.trips)
    assert all(t.ended is not None for t in result.trips[:-1])  # each but the last cleared
    summary = result.summary()
    assert summary["trips"] == [t.as_dict() for t in result.trips]
    out = io.StringIO()
    Console(file=out, width=200, color_system=None).print(summary_panel(result))
    text = out.getvalue()
    for trip in result.trips:
        assert f"risk limit max_consecutive_losses tripped {trip.span()}" in text
    page = render_html(result, png=None)
    assert "<th>started (UTC)</th><th>ended (UTC)</th>" in page
    assert page.count("<td>max_consecutive_losses</td>") == len(result.trips)


def test_a_sweep_row_lists_every_trip_with_its_span() -> None:
    config = CONFIG.replace(
        "risk: {max_stake: 20}", "risk: {max_consecutive_losses: 1, loss_cooldown: 30}"
    )
    assert config != CONFIG
    row = run_job(SweepJob(0, config, "bot.yaml", (), count=1500))
    assert row["error"] == ""
    assert row["trips"].count("max_consecutive_losses ") >= 2
    assert all(".." in part for part in row["trips"].split("; "))


def test_the_live_gate_journals_each_trip_and_report_lists_it(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite"
    with Journal(path) as journal:
        gate = JournalingGate(RiskLimits(max_daily_loss=2), journal)
        book = Book(RiskLimits())
        book.gate = gate
        book.trade(False, stake=2.0, epoch=T0)
        tomorrow = (T0 // DAY + 1) * DAY
        assert book.try_buy(epoch=tomorrow + 1) is None
        assert len(journal.events(kind="trip")) == 2  # started, then ended
        (trip,) = journal.trips()
        assert trip["ended"] == tomorrow + 1
        report = journal_report(journal)
    assert report.trips == tuple(gate.history)
    assert report.as_dict()["trips"] == [gate.history[0].as_dict()]
    line = f"risk limit max_daily_loss tripped {gate.history[0].span()}: lost 2.00 today"
    assert any(text.startswith(line) for text in report.lines())


def test_report_command_shows_the_trips(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "j.sqlite"
    with Journal(path) as journal:
        journal.record_trip(Trip("take_profit", "ahead 25.00", T0).as_dict())
    assert main(["report", str(path), "--json"]) == 0
    held = {"limit": "take_profit", "reason": "ahead 25.00", "started": T0}
    assert json.loads(capsys.readouterr().out)["trips"] == [{**held, "until": None, "ended": None}]
    assert main(["report", str(path)]) == 0
    assert "risk limit take_profit tripped 2023-11-14 22:13:20 UTC .. end of session: ahead" in (
        capsys.readouterr().out
    )
