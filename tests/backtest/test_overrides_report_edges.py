"""``--set``/``--grid`` paths and values, and the report without trades or without a plot."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

from bots.cli import main
from framework.backtest import SyntheticSource, run_backtest
from framework.backtest.report import render_html, write_report
from framework.backtest.setup import (
    apply_overrides,
    config_with_overrides,
    parse_assignment,
    parse_grid,
)
from framework.errors import ConfigError, UserError
from framework.risk import RiskLimits

from .helpers import every_setup
from .test_report_cli import CONFIG


def data() -> dict[str, Any]:
    return {
        "risk": {"max_stake": 5},
        "strategies": [{"name": "a", "params": None}, {"name": "b"}],
        "x": 3,
    }


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("strategies[0].params.ticks=4", {"name": "a", "params": {"ticks": 4}}),
        ("strategies[a].params.n=2", {"name": "a", "params": {"n": 2}}),
        ("strategies[-2].stake={base: 1}", {"name": "a", "params": None, "stake": {"base": 1}}),
        ("strategies[0]={name: c}", {"name": "c"}),
    ],
)
def test_paths_reach_list_items_by_index_or_name(text: str, expected: dict[str, Any]) -> None:
    changed = apply_overrides(data(), [parse_assignment(text)])
    assert changed["strategies"][0] == expected
    assert data()["strategies"][0] == {"name": "a", "params": None}  # the input is untouched


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("bad path=1", "bad path 'bad path': expected keys like strategies[0].params.window"),
        ("a..b=1", "bad path 'a..b'"),
        ("=3", "bad override '=3': expected PATH=VALUE"),
        ("strategies[5].x=1", "cannot set strategies[5].x (at 5): no item [5] there"),
        ("strategies[a]=1", "cannot set strategies[a]: replace a named item's keys, not the item"),
        ("strategies[zz].x=1", "cannot set strategies[zz].x (at 'zz'): no single item named 'zz'"),
        ("x.y=1", "cannot set x.y: not a mapping there"),
        ("risk.max_stake={a: 1, a: 2}", "bad value '{a: 1, a: 2}': duplicate key"),
        ("risk.max_stake=[1,", "bad value '[1,': expected the node content"),
    ],
)
def test_bad_overrides_are_one_line_naming_the_path(text: str, message: str) -> None:
    with pytest.raises(UserError) as raised:
        apply_overrides(data(), [parse_assignment(text)])
    assert message in str(raised.value)
    assert "\n" not in str(raised.value)


def test_an_empty_path_is_refused_even_without_the_parser() -> None:
    with pytest.raises(UserError, match="bad path '': empty"):
        apply_overrides(data(), [("", 1)])


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a=", "bad grid 'a=': no values"),
        ("a=,", "bad grid 'a=,': no values"),
        ("a=1,,2", "bad grid 'a=1,,2': an empty value between commas"),
        ("=1,2", "bad grid '=1,2': expected PATH=V1,V2,..."),
    ],
)
def test_bad_grids(text: str, message: str) -> None:
    with pytest.raises(UserError, match=message.replace("[", r"\[").replace(".", r"\.")):
        parse_grid(text)


def test_overrides_on_a_document_that_is_not_a_mapping_give_the_usual_error() -> None:
    with pytest.raises(ConfigError, match=r"bot\.yaml: expected a mapping at the top, got a list"):
        config_with_overrides("- a\n- b\n", "bot.yaml", [("risk.max_stake", 5)])


def test_report_of_an_empty_replay_has_dashes_for_times(tmp_path: Path) -> None:
    result = run_backtest(every_setup(10), SyntheticSource("R_100", 0, seed=1))
    assert write_report(result, tmp_path / "rep", title="<empty & run>") == []
    page = (tmp_path / "rep" / "report.html").read_text()
    assert "0 ticks from - to - UTC." in page
    assert "<h1>&lt;empty &amp; run&gt;</h1>" in page  # the title is escaped
    assert "Last " not in page and "First rejected buys" not in page
    assert json.loads((tmp_path / "rep" / "summary.json").read_text())["ticks"] == 0


def test_report_lists_tripped_limits_and_rejections() -> None:
    tripped = run_backtest(
        every_setup(10, risk=RiskLimits(max_trades=3)), SyntheticSource("R_100", 100, seed=1)
    )
    page = render_html(tripped, png=None, note="triobot backtest bot.yaml")
    assert "<h2>Risk limits tripped</h2>" in page and "<td>max_trades</td>" in page
    assert "<p class='note'>triobot backtest bot.yaml</p>" in page
    assert "No plot: matplotlib is not installed." in page
    poor = run_backtest(every_setup(10, balance=2.5), SyntheticSource("R_100", 2000, seed=9))
    page = render_html(poor, png=b"\x89PNG")
    assert "<h2>First rejected buys</h2>" in page and "InsufficientBalance" in page
    assert "src='data:image/png;base64,iVBORw==" in page


def test_without_matplotlib_the_report_warns_and_the_command_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib -> ImportError
    config = tmp_path / "bot.yaml"
    config.write_text(CONFIG)
    report = tmp_path / "rep"
    assert main(["backtest", str(config), "--count", "300", "--report", str(report), "--json"]) == 0
    err = capsys.readouterr().err
    assert "triobot: warning: equity.png skipped: matplotlib is not installed" in err
    assert not (report / "equity.png").exists()
    assert "No plot: matplotlib is not installed." in (report / "report.html").read_text()
