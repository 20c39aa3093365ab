"""The summary table that ends ``make bench``: ratios, verdicts, notes, and the runner's use."""

from __future__ import annotations

import importlib
from types import SimpleNamespace

import pytest

import bench.__main__ as runner
from bench._summary import Figure, table


def test_a_ratio_needs_a_reference_measured_in_the_run() -> None:
    assert Figure("a", 300.0, "ticks/s", "b", 150.0).ratio == 2.0
    assert Figure("a", 300.0, "ticks/s", "b", None).ratio is None
    assert Figure("a", 300.0, "ticks/s", "b", 0.0).ratio is None


def test_the_table_shows_value_reference_ratio_goal_and_verdict() -> None:
    rows = table(
        [
            Figure("replay", 1_250_000.0, "ticks/s", "plain loop", 2_500_000.0,
                   goal=">= 1,000,000 ticks/s", met=True),
            Figure("latency p50", 0.31, "ms", "official client", 0.25, goal="<= reference",
                   met=False),
            Figure("peer", 18_000.0, "ticks/s", "backtrader", None, note="not installed: no"),
        ]
    ).splitlines()  # fmt: skip
    assert rows[0].split()[:2] == ["figure", "value"]
    assert "1.25M ticks/s" in rows[2] and "0.50x" in rows[2] and rows[2].endswith("met")
    assert "0.31 ms" in rows[3] and "1.24x" in rows[3] and rows[3].endswith("NOT met")
    assert "18k ticks/s" in rows[4] and "x" not in rows[4].split("backtrader")[1]
    assert rows[5] == "  note, peer / backtrader: not installed: no"


def test_the_runner_ends_with_every_benchmarks_figures(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    figures = {
        "bench.first": [Figure("first figure", 1.0, "ms")],
        "bench.second": None,  # a benchmark that returns nothing adds no row
        "bench.third": [Figure("third figure", 2.0, "ms")],
    }
    monkeypatch.setattr(runner, "available", lambda: ["first", "second", "third"])
    with monkeypatch.context() as patch:
        patch.setattr(
            importlib, "import_module",
            lambda name: SimpleNamespace(main=lambda quick: figures[name]),
        )  # fmt: skip
        assert runner.main([]) == 0
    out = capsys.readouterr().out
    summary = out.split("== summary ==\n")[1].splitlines()
    assert [line.split()[0] + " " + line.split()[1] for line in summary[2:]] == [
        "first figure",
        "third figure",
    ]
