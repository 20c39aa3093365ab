"""Metrics on known trade sequences, and the bounded equity curve."""

from __future__ import annotations

import itertools

import pytest

from framework.backtest import EquityCurve, Metrics
from framework.backtest.metrics import ends_text


def test_known_sequence() -> None:
    m = Metrics(100.0)
    for stake, profit in [(1, 0.95), (1, -1), (2, -2), (4, -4), (8, 7.6), (1, -1)]:
        m.add(stake, profit)
    s = m.summary()
    assert s["trades"] == 6 and s["wins"] == 2 and s["losses"] == 4
    assert s["win_rate"] == pytest.approx(1 / 3, abs=1e-4)
    assert s["net_pnl"] == pytest.approx(0.55)
    assert s["gross_profit"] == pytest.approx(8.55) and s["gross_loss"] == pytest.approx(8.0)
    assert s["profit_factor"] == pytest.approx(8.55 / 8, abs=1e-4)
    assert s["expectancy"] == pytest.approx(0.55 / 6, abs=1e-4)
    # Peak 100.95 after the first trade, trough 93.95 after three losses.
    assert s["max_drawdown"] == pytest.approx(7.0)
    assert s["max_drawdown_pct"] == pytest.approx(100 * 7 / 100.95, abs=0.01)
    assert s["longest_losing_streak"] == 3 and s["longest_winning_streak"] == 1
    assert s["turnover"] == 17 and s["average_stake"] == pytest.approx(17 / 6, abs=0.01)
    assert s["largest_win"] == 7.6 and s["largest_loss"] == -4


def test_no_trades_and_no_losses() -> None:
    assert Metrics(10).summary()["win_rate"] is None
    m = Metrics(0.0)
    m.add(1, 0.95)
    s = m.summary()
    assert s["profit_factor"] is None and s["max_drawdown"] == 0
    assert s["max_drawdown_pct"] is None  # a per-strategy curve (start 0) has no percentage


def test_equity_curve_stays_bounded_and_spans_everything() -> None:
    curve = EquityCurve(capacity=64)
    for i in range(100_000):
        curve.add(i, float(i))
    series = curve.series()
    assert len(series) <= 65
    assert series[0] == (0, 0.0) and series[-1] == (99_999, 99_999.0)
    gaps = {b[0] - a[0] for a, b in itertools.pairwise(series[:-1])}
    assert len(gaps) == 1  # evenly thinned


def test_ends_are_counted_in_order_of_first_occurrence() -> None:
    m = Metrics()
    for end in ("sold", "expired", "sold", "stopped_out"):
        m.add(1, -1, end)
    m.add(1, 0.5)
    assert m.summary()["ends"] == {"sold": 2, "expired": 2, "stopped_out": 1}
    assert ends_text(m.ends) == "sold 2, expired 2, stopped out 1"
