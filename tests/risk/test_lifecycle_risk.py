"""Risk over the contract lifecycle: open-ended exposure, realised P&L from sales."""

from __future__ import annotations

from typing import ClassVar

from framework.backtest import (
    BacktestSetup,
    MemorySource,
    StrategySetup,
    SyntheticSource,
    run_backtest,
)
from framework.deriv.models import Tick
from framework.risk import RiskGate, RiskLimits, RiskSnapshot
from framework.sizing import Fixed
from framework.strategy import ClosedContract, ContractTemplate, NoParams, Strategy, TradeIntent

T0 = 1_700_000_000


def intent(n: int, stake: float = 5.0, kind: str = "MULTUP") -> TradeIntent:
    return TradeIntent(
        f"s-{n}", "s", "R_100", kind, None, None, None, stake, "stake", "USD", T0,
        multiplier=200,
    )  # fmt: skip


def sold(i: TradeIntent, sell_price: float, epoch: int = T0 + 60) -> ClosedContract:
    return ClosedContract(
        intent_id=i.intent_id, strategy="s", contract_id=int(i.intent_id[2:]), symbol="R_100",
        contract_type=i.contract_type, currency="USD", buy_price=i.amount, payout=0.0,
        sell_price=sell_price, profit=round(sell_price - i.amount, 2),
        won=sell_price > i.amount, status="sold", entry_epoch=T0, entry_quote=1.0,
        exit_epoch=epoch, exit_quote=1.0, purchase_time=T0, sell_time=epoch, end="sold",
    )  # fmt: skip


def test_sales_at_a_gain_reach_the_session_take_profit() -> None:
    gate = RiskGate(RiskLimits(take_profit=4.0))
    first, second = intent(1), intent(2)
    for i in (first, second):
        assert gate.check(i, RiskSnapshot(T0, 100.0, 0)).allowed
    gate.on_contract_closed(sold(first, 7.5))
    assert gate.trip is None and gate.session_profit == 2.5
    gate.on_contract_closed(sold(second, 6.5))
    assert gate.trip is not None and gate.trip.limit == "take_profit"
    assert gate.exposure == 0.0


def test_a_sale_at_a_loss_counts_on_the_day_of_the_sale() -> None:
    gate = RiskGate(RiskLimits(max_daily_loss=5.0))
    first = intent(1)
    assert gate.check(first, RiskSnapshot(T0, 100.0, 0)).allowed
    # Sold the next UTC day: the loss belongs to that day.
    next_day = (T0 // 86400 + 1) * 86400 + 10
    gate.on_contract_closed(sold(first, 0.0, epoch=next_day))
    assert gate.day == next_day // 86400 and gate.day_profit == -5.0
    assert gate.trip is not None and gate.trip.limit == "max_daily_loss"
    assert gate.trip.until == (next_day // 86400 + 1) * 86400


def test_an_open_multipliers_stake_stays_at_risk_until_it_closes() -> None:
    gate = RiskGate(RiskLimits(max_daily_loss=12.0))
    first, second, third = intent(1), intent(2), intent(3)
    for i in (first, second):
        assert gate.check(i, RiskSnapshot(T0, 100.0, 0)).allowed
        gate.on_bought(i.intent_id, 5.5)  # stake plus the deal cancellation fee
    assert gate.exposure == 11.0
    # Hours later, nothing settled by itself: the two stakes are still at risk.
    later = RiskSnapshot(T0 + 6 * 3600, 100.0, 2)
    decision = gate.check(third, later)
    assert not decision.allowed and decision.limit == "max_daily_loss"
    assert decision.reason.startswith("today's loss 0.00 plus 16.00 at risk")
    gate.on_contract_closed(sold(first, 5.0, epoch=T0 + 6 * 3600))
    assert gate.exposure == 5.5
    assert gate.check(third, later).allowed


class BuysAlways(Strategy[NoParams]):
    """Buys a Multiplier on every tick; never sells."""

    Params = NoParams
    refused: ClassVar[int] = 0

    def on_tick(self, tick: Tick) -> None:
        if self.ctx.buy() is None:
            BuysAlways.refused += 1


def test_a_replay_refuses_trades_while_open_multipliers_hold_the_daily_limit() -> None:
    BuysAlways.refused = 0
    setup = BacktestSetup(
        (
            StrategySetup(
                "m", BuysAlways, NoParams(), ("R_100",),
                contract=ContractTemplate(type="MULTUP", multiplier=40), stake=Fixed(5.0),
            ),
        ),
        risk=RiskLimits(max_daily_loss=10.0),
    )  # fmt: skip
    ticks = [t for c in SyntheticSource("R_100", 200, seed=2).chunks() for t in c]
    result = run_backtest(setup, MemorySource(ticks))
    # Two 5.00 Multipliers take the whole 10.00: every later intent waits for one to close.
    report = result.strategies[0]
    assert (report.intents, result.metrics.trades, len(result.open_at_end)) == (2, 0, 2)
    assert report.refusals == {"max_daily_loss": BuysAlways.refused} and BuysAlways.refused > 100
