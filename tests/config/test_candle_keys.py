"""A strategy's ``candles:`` and ``tick_history:``: structured, merged with the class's, shown."""

from __future__ import annotations

from pathlib import Path

import pytest

from bots.cli import main
from framework.config import ConfigError, parse_config
from framework.config.model import CandleSection
from framework.strategy import CandleSeries

CONFIG = """
strategies:
  - name: rb
    plugin: candles
    symbols: [R_100, R_75]
    stake: {scheme: fixed, amount: 1}
    contract: {duration: 5, duration_unit: m}
    candles:
      - 300
      - {granularity: 60, history: 50}
      - {granularity: 900, history: 4, forming: true, symbols: [R_75]}
    tick_history: 120
"""


def test_the_keys_reach_the_strategy_setup_beside_the_class_declarations() -> None:
    [item] = parse_config(CONFIG).strategies
    assert item.candles == (
        CandleSection(300),
        CandleSection(60, history=50),
        CandleSection(900, history=4, forming=True, symbols=("R_75",)),
    )
    setup = item.setup()
    assert setup.tick_history == 120 and setup.look_back() == 120
    # The class declares 60-second bars with 20 of history: the config's longer one wins.
    assert setup.candle_series() == (
        CandleSeries(60, history=50),
        CandleSeries(300),
        CandleSeries(900, history=4, forming=True, symbols=("R_75",)),
    )


def test_check_shows_the_history_each_strategy_gets(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "rb.yaml"
    path.write_text(CONFIG, encoding="utf-8")
    assert main(["check", str(path)]) == 0
    assert (
        "    history: 60s candles (50 before start); 300s candles; "
        "900s candles (4 before start, forming updates, R_75 only); 120 ticks before start\n"
    ) in capsys.readouterr().out


def test_a_declaration_that_raises_is_reported_at_the_params() -> None:
    text = """
strategies:
  - name: x
    plugin: tests.config.check_plugins:BadHistory
    symbols: [R_100]
    stake: {scheme: fixed, amount: 1}
"""
    with pytest.raises(ConfigError) as info:
        parse_config(text, source="x.yaml")
    assert (
        "strategies[0].params: tests.config.check_plugins:BadHistory cannot declare its "
        "history: no history today (x.yaml:3)"
    ) in str(info.value)
