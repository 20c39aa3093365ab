"""configs/accumulators.yaml, multipliers.yaml and candles.yaml: they check, backtest, trade.

The backtests replay the synthetic market of each config (the simulator's own ticks) through
the real replay engine and market model, and look at how each contract ended; the run
drives the Multiplier bot against the embedded simulator in virtual time.
"""

from __future__ import annotations

import json
import shutil
from collections import Counter
from pathlib import Path

import attrs
import pytest
import trio
from trio.testing import MockClock

from bots.cli import main
from bots.commands.backtest import synthetic_source
from framework.backtest import Backtest, TradeCollector
from framework.backtest.setup import setup_from_config
from framework.backtest.trades import Trade
from framework.config import BotConfig, load_config
from framework.journal import Journal
from framework.runtime import Bot
from strategies.accumulators import CalmAccumulator
from strategies.candles import RsiBands
from strategies.multipliers import TrendMultiplier

CONFIGS = Path(__file__).resolve().parents[2] / "configs"


def replay(name: str, count: int) -> tuple[list[Trade], dict[str, dict[str, int]]]:
    """Backtest a shipped config on ``count`` synthetic ticks per symbol.

    Returns:
        The trades, and each strategy's orders by kind.
    """
    config = load_config(CONFIGS / f"{name}.yaml", environ={})
    trades = TradeCollector()
    backtest = Backtest(setup_from_config(config), sinks=[trades])
    result = backtest.run(synthetic_source(config, count, None))
    assert result.ticks == count * len({s for st in config.strategies for s in st.symbols})
    orders = {name: dict(slot.ctx.order_counts) for name, slot in backtest.host.slots.items()}
    return trades.trades, orders


@pytest.mark.parametrize(
    ("name", "cls"),
    [("accumulators", CalmAccumulator), ("multipliers", TrendMultiplier), ("candles", RsiBands)],
)
def test_the_config_checks(name: str, cls: type, capsys: pytest.CaptureFixture[str]) -> None:
    config = load_config(CONFIGS / f"{name}.yaml", environ={})
    assert config.is_embedded and config.warnings == ()
    assert all(item.strategy_class is cls for item in config.strategies)
    assert main(["check", str(CONFIGS / f"{name}.yaml")]) == 0
    assert f"{name}.yaml: OK" in capsys.readouterr().out


def test_accumulators_take_profit_sell_early_and_get_knocked_out() -> None:
    trades, orders = replay("accumulators", 20_000)
    ends = Counter(t.closed.end for t in trades)
    assert ends["take_profit"] and ends["sold"] and ends["knocked_out"], ends
    assert set(ends) <= {"take_profit", "sold", "knocked_out", "expired"}
    assert orders["calm-accu"]["sell"] >= ends["sold"]
    for trade in trades:
        closed, intent = trade.closed, trade.intent
        assert (intent.contract_type, intent.growth_rate, intent.take_profit) == ("ACCU", 0.03, 2)
        assert intent.duration is None
        if closed.end == "knocked_out":
            assert closed.profit == -closed.buy_price and not closed.won
        elif closed.end == "take_profit":
            assert closed.profit >= 2.0 and closed.won
        if closed.end == "sold":
            assert closed.status == "sold"
            assert closed.exit_epoch is not None and closed.entry_epoch is not None
            assert closed.exit_epoch > closed.entry_epoch  # never on the entry tick


def test_multipliers_trail_sell_on_reversals_and_cancel_losers() -> None:
    trades, orders = replay("multipliers", 20_000)
    by_strategy = {
        name: Counter(t.closed.end for t in trades if t.closed.strategy == name)
        for name in ("trend-mult", "cancel-mult")
    }
    trend, cancel = by_strategy["trend-mult"], by_strategy["cancel-mult"]
    assert trend["sold"] and (trend["take_profit"] or trend["stop_loss"]), trend
    assert set(trend) <= {"sold", "take_profit", "stop_loss", "stopped_out"}
    assert orders["trend-mult"]["update"] > 0  # the trailing stop moved
    assert cancel["cancelled"] and cancel["sold"], cancel
    assert set(cancel) <= {"sold", "take_profit", "stopped_out", "cancelled"}
    for trade in trades:
        closed, intent = trade.closed, trade.intent
        assert intent.contract_type in ("MULTUP", "MULTDOWN") and intent.duration is None
        if closed.end == "cancelled":
            # The stake comes back; the cancellation fee, part of the price, does not.
            assert closed.sell_price == intent.amount < closed.buy_price
            assert closed.status == "cancelled" and not closed.won


@pytest.mark.parametrize(
    ("name", "ends"),
    [
        ("accumulators", {"take_profit", "sold", "knocked_out"}),
        ("multipliers", {"take_profit", "stop_loss", "sold", "cancelled"}),
    ],
)
def test_the_backtest_command_reports_how_each_contract_ended(
    name: str, ends: set[str], capsys: pytest.CaptureFixture[str]
) -> None:
    config = str(CONFIGS / f"{name}.yaml")
    assert main(["backtest", config, "--count", "20000"]) == 0
    assert "ended" in capsys.readouterr().out  # the panel's line of end reasons
    assert main(["backtest", config, "--count", "20000", "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["trades"] == sum(summary["ends"].values()) > 0
    assert ends <= set(summary["ends"]), summary["ends"]


async def test_the_multiplier_bot_trades_on_the_embedded_simulator(
    tmp_path: Path, vclock: MockClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copy(CONFIGS / "multipliers.yaml", tmp_path)
    monkeypatch.chdir(tmp_path)  # the config's journal and state are relative paths
    config: BotConfig = load_config(tmp_path / "multipliers.yaml", environ={})
    # The config's own simulator (seed, speed, balance), from a fixed start: the same ticks.
    sim = attrs.evolve(config.simulator, start_epoch=1_700_000_000)
    bot = Bot(config, simulator_config=sim)
    async with trio.open_nursery() as nursery:
        await nursery.start(bot.run)
        await trio.sleep(40)
        bot.stop.request("test")
    summary = bot.summary
    assert summary is not None and summary.bought >= 1
    with Journal(tmp_path / "triobot-multipliers.sqlite") as journal:
        contracts = journal.contracts()
    assert contracts and {c.contract_type for c in contracts} <= {"MULTUP", "MULTDOWN"}
    ends = {c.end for c in contracts if c.status != "open"}
    assert ends and ends <= {"sold", "take_profit", "stop_loss", "stopped_out", "cancelled"}
    trend = next(row for row in summary.strategies if row["strategy"] == "trend-mult")
    assert trend["orders"], trend  # it sold, or moved its stop-loss, live


def test_the_candle_backtest_warms_up_then_trades_rise_fall_on_bar_closes(
    capsys: pytest.CaptureFixture[str],
) -> None:
    config = str(CONFIGS / "candles.yaml")
    assert main(["check", config]) == 0
    assert "history: 60s candles (20 before start)" in capsys.readouterr().out
    assert main(["backtest", config, "--count", "20000", "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    # 20 closed 1-minute bars of 2-second ticks (the partial first bar is not one of them).
    assert 20 * 30 <= summary["warmup_ticks"] <= 22 * 30
    assert summary["ticks"] + summary["warmup_ticks"] == 20_000
    assert summary["trades"] == summary["ends"]["expired"] > 0


async def test_the_candle_bot_trades_on_the_embedded_simulator(
    tmp_path: Path, vclock: MockClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copy(CONFIGS / "candles.yaml", tmp_path)
    monkeypatch.chdir(tmp_path)
    config: BotConfig = load_config(tmp_path / "candles.yaml", environ={})
    # Short indicators and loose thresholds: a trade within a few bars, so few ticks cross
    # the loopback (the config's own parameters trade in the backtest test above).
    [item] = config.strategies
    quick = attrs.evolve(item.params, rsi=3, bands=3, oversold=49, overbought=51, width=0.5)
    config = attrs.evolve(config, strategies=(attrs.evolve(item, params=quick),))
    sim = attrs.evolve(config.simulator, start_epoch=1_700_000_000)
    bot = Bot(config, simulator_config=sim)
    async with trio.open_nursery() as nursery:
        await nursery.start(bot.run)
        await trio.sleep(3)  # 15 simulated minutes
        bot.stop.request("test")
    summary = bot.summary
    assert summary is not None and summary.bought >= 1
    with Journal(tmp_path / "triobot-candles.sqlite") as journal:
        contracts = journal.contracts()
    assert contracts and {c.contract_type for c in contracts} <= {"CALL", "PUT"}
    # Decided on bar closes: each bought on the first tick of a minute (ticks come every
    # 2 seconds), at most a few seconds before the purchase.
    for contract in contracts:
        assert contract.purchase_time % 60 < 10, contract
