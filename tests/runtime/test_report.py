"""``triobot report`` and ``triobot run`` on the command line (no bot runs here)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bots.cli import main
from framework.journal import Journal
from framework.runtime.report import journal_report
from framework.strategy.events import TradeIntent


def _trade(
    journal: Journal,
    n: int,
    strategy: str,
    profit: float,
    *,
    settle: bool = True,
    end: str = "expired",
) -> None:
    intent = TradeIntent(
        intent_id=f"{strategy}-{n}",
        strategy=strategy,
        symbol="R_100",
        contract_type="CALL",
        duration=5,
        duration_unit="t",
        barrier=None,
        amount=1.0,
        basis="stake",
        currency="USD",
        created_epoch=1_700_000_000 + 10 * n,
    )
    journal.record_intent(intent)
    journal.mark_sending(intent.intent_id, intent.to_proposal())
    journal.record_bought(
        intent.intent_id,
        contract_id=n,
        buy_price=1.0,
        payout=1.95,
        purchase_time=intent.created_epoch,
        transaction_id=100 + n,
    )
    if settle:
        journal.record_settlement(
            n,
            status="sold" if end == "sold" else "won" if profit > 0 else "lost",
            sell_price=round(1.0 + profit, 2),
            profit=profit,
            entry_epoch=None,
            entry_quote=None,
            exit_epoch=None,
            exit_quote=None,
            settled_at=intent.created_epoch + 6,
            end=end,
        )


@pytest.fixture
def journal_path(tmp_path: Path) -> Path:
    path = tmp_path / "j.sqlite"
    with Journal(path) as journal:
        _trade(journal, 1, "a", 0.95)
        _trade(journal, 2, "b", -1.0)
        _trade(journal, 3, "a", -1.0)
        _trade(journal, 4, "a", 0.35, end="sold")
        _trade(journal, 5, "b", 0.0, settle=False)
        refused = TradeIntent("a-6", "a", "R_100", "CALL", 5, "t", None, 1.0, "stake", "USD", 0)
        journal.record_intent(refused)
        journal.record_rejected("a-6", "max_open_contracts: 2 contracts open")
    return path


def test_figures_follow_the_settled_contracts(journal_path: Path) -> None:
    with Journal(journal_path) as journal:
        report = journal_report(journal)
    total = report.total
    assert (total.trades, total.wins) == (4, 2)
    assert round(total.net, 2) == -0.7
    # Equity 0.95, -0.05, -1.05, -0.70: the fall from the 0.95 peak is 2.00.
    assert round(total.max_drawdown, 2) == 2.0
    assert {k: (m.trades, round(m.net, 2)) for k, m in report.strategies.items()} == {
        "a": (3, 0.3),
        "b": (1, -1.0),
    }
    assert total.ends == {"expired": 3, "sold": 1}
    assert report.strategies["a"].ends == {"expired": 2, "sold": 1}
    assert report.open == 1
    assert report.not_bought == {"max_open_contracts": 1}


def test_report_command_text_and_json(
    journal_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["report", str(journal_path)]) == 0
    text = capsys.readouterr().out
    assert "total" in text and "-0.70" in text and "open contracts 1" in text
    assert "ended expired 3, sold 1" in text
    assert main(["report", str(journal_path), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["trades"] == 4 and data["win_rate"] == 0.5
    assert [row["strategy"] for row in data["strategies"]] == ["a", "b"]
    assert data["ends"] == {"expired": 3, "sold": 1}
    assert data["strategies"][1]["ends"] == {"expired": 1}


def test_report_on_a_missing_journal_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["report", str(tmp_path / "none.sqlite")]) == 2
    assert "no such journal file" in capsys.readouterr().err


def test_run_on_a_bad_config_exits_2_with_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "endpoint: embedded\n"
        "strategies:\n"
        "  - name: m\n"
        "    plugin: momentum\n"
        "    symbols: [R_100]\n"
        "    stake: {scheme: fixed, amount: -1}\n",
        encoding="utf-8",
    )
    assert main(["run", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "strategies[0].stake.amount" in err
    assert "Traceback" not in err
    assert not (tmp_path / "triobot-journal.sqlite").exists()  # nothing started


def test_run_rejects_a_bad_duration(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["run", "configs/demo.yaml", "--duration", "-3"])
    assert caught.value.code == 2
    assert "must be > 0" in capsys.readouterr().err
