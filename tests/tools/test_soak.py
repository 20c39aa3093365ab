"""The fault soak (``tools/soak.py``): a short run of the real thing, and its reckoning.

The short run is the soak itself, with real ``triobot sim --state`` and ``triobot run``
processes killed with SIGKILL at random moments, at speed 20 for twelve real seconds
(four simulated minutes). ``make soak`` runs the same for five real minutes.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest

from framework.journal import Journal
from framework.simulator import parse_faults
from tests.framework.test_journal import Intent
from tools import soak


def test_a_short_soak_ends_with_the_journal_equal_to_the_statement(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["--minutes", "0.2", "--speed", "20", "--seed", "11", "--dir", str(tmp_path)]
    code = soak.main([*argv, "--quiet"])
    verdict = capsys.readouterr().out
    assert code == 0, verdict
    assert verdict.startswith("soak PASS: ")
    assert "0 lost, 0 duplicated, 0 mismatched payouts, 0 phantom" in verdict
    assert "0 unsettled, 0 unresolved" in verdict
    assert "bot kills" in verdict and (tmp_path / "journal.sqlite").is_file()


@pytest.mark.parametrize("seed", range(20))
def test_every_fault_set_is_one_the_simulator_takes(seed: int) -> None:
    import random

    spec = soak.random_faults(random.Random(seed))
    faults = parse_faults(spec)
    assert len(faults.rules) + (faults.send_budget is not None) == len(
        [item for item in spec.split(",") if item]
    )


def _buy(journal: Journal, n: int, contract_id: int, *, settle: float | None = 1.95) -> None:
    journal.record_intent(Intent(f"m-{n}"))
    journal.mark_sending(f"m-{n}", {})
    journal.record_bought(
        f"m-{n}",
        contract_id=contract_id,
        buy_price=1.0,
        payout=1.95,
        purchase_time=100 + n,
        transaction_id=None,
    )
    if settle is not None:
        journal.record_settlement(
            contract_id,
            status="won",
            sell_price=settle,
            profit=settle - 1.0,
            entry_epoch=None,
            entry_quote=None,
            exit_epoch=None,
            exit_quote=None,
            settled_at=110 + n,
            end="expired",
        )


def _buy_row(contract_id: int, price: float = 1.0, payout: float = 1.95) -> dict[str, Any]:
    return {"action_type": "buy", "contract_id": contract_id, "amount": -price, "payout": payout}


def _sale(contract_id: int, sell_price: float = 1.95) -> dict[str, Any]:
    return {"contract_id": contract_id, "sell_price": sell_price}


def test_the_reckoning_names_every_kind_of_difference(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite"
    with Journal(path) as journal:
        _buy(journal, 1, 11)  # as on the server
        _buy(journal, 2, 12)  # bought at another price
        _buy(journal, 3, 13)  # another payout
        _buy(journal, 4, 14, settle=0.0)  # sold for another amount
        _buy(journal, 5, 15, settle=None)  # still open here
        _buy(journal, 6, 16)  # the server never sold it
        _buy(journal, 7, 17)
        journal.record_intent(Intent("m-8"))  # never resolved
    with sqlite3.connect(path) as db:  # two intents on one contract: what the journal refuses
        db.execute("UPDATE intents SET contract_id=17 WHERE intent_id='m-6'")
    statement = [
        _buy_row(11),
        _buy_row(12, price=2.0),
        _buy_row(13, payout=3.9),
        _buy_row(14),
        _buy_row(15),
        _buy_row(17),
        _buy_row(19),  # not in the journal
        {"action_type": "sell", "contract_id": 11, "amount": 1.95, "payout": 1.95},
    ]
    sales = [_sale(11), _sale(12), _sale(13), _sale(14), _sale(15), _sale(17)]
    with Journal(path, readonly=True) as journal:
        found = soak.compare(journal, statement, sales)
    assert (found.server_buys, found.journal_contracts) == (7, 7)
    assert found.lost == [19] and found.phantom == [16] and found.duplicated == [17]
    assert found.mismatched == [
        "12: price 1.0 vs 2.0",
        "13: payout 1.95 vs 3.9",
        "14: sold 0.0 vs 1.95",
    ]
    assert found.unsettled == [15] and found.unresolved == ["m-8"]
    assert not found.clean
    assert found.counts() == (
        "1 lost, 1 duplicated, 3 mismatched payouts, 1 phantom, 1 unsettled, 1 unresolved"
    )


def test_nothing_traded_is_no_pass(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite"
    Journal(path).close()
    with Journal(path, readonly=True) as journal:
        found = soak.compare(journal, [], [])
    assert found.counts().startswith("0 lost") and not found.clean
