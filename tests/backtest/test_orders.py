"""Orders in a replay: sales, updates and cancellations through the market's positions."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any, ClassVar

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from framework.backtest import (
    BacktestSetup,
    MemorySource,
    StrategySetup,
    SyntheticSource,
    TradeCollector,
    TradesCsvWriter,
    run_backtest,
)
from framework.backtest.report import write_report
from framework.deriv.models import Tick
from framework.market import ContractSpec, open_position, price
from framework.sizing import Fixed
from framework.strategy import (
    ClosedContract,
    ContractTemplate,
    ContractUpdate,
    OrderFailed,
    Strategy,
    TradeIntent,
)

from .helpers import Manage, ManageParams, SellAfter, SellAfterParams

START = 1_700_000_000


@attrs.frozen
class SellParams:
    """Buy when nothing is open; sell ``hold`` ticks later (at ``min_price``, if set)."""

    hold: int = 3
    min_price: float | None = None
    sell_at_expiry: bool = False


class SellsEarly(Strategy[SellParams]):
    """Buys the configured contract and sells it from ``on_tick`` by its intent."""

    Params = SellParams
    failures: ClassVar[list[OrderFailed]] = []
    closed: ClassVar[list[ClosedContract]] = []
    given: ClassVar[list[tuple[int, int]]] = []

    def on_start(self) -> None:
        self.bought: TradeIntent | None = None
        self.age = 0

    def on_tick(self, tick: Tick) -> None:
        if self.bought is None:
            self.bought = self.ctx.buy()
            self.age = 0
            return
        self.age += 1
        if self.age == self.params.hold:
            order = self.ctx.sell(self.bought, min_price=self.params.min_price)
            assert order is not None
            SellsEarly.given.append((order.contract_id, tick.epoch))

    def on_contract_closed(self, result: ClosedContract) -> None:
        SellsEarly.closed.append(result)
        self.bought = None

    def on_order_failed(self, failure: OrderFailed) -> None:
        SellsEarly.failures.append(failure)


@pytest.fixture(autouse=True)
def _fresh() -> None:
    SellsEarly.failures, SellsEarly.closed, SellsEarly.given = [], [], []


def setup_for(contract: ContractTemplate, params: SellParams, **kw: Any) -> BacktestSetup:
    return BacktestSetup(
        (StrategySetup("seller", SellsEarly, params, ("R_100",), contract=contract),), **kw
    )


def ticks(n: int, seed: int = 3) -> list[Tick]:
    return [t for c in SyntheticSource("R_100", n, seed=seed).chunks() for t in c]


TWO_MINUTES = ContractTemplate(type="CALL", duration=2, duration_unit="m")


def test_a_sale_sells_at_the_bid_of_the_tick_it_was_given_on() -> None:
    data = ticks(300)
    collector = TradeCollector()
    result = run_backtest(
        setup_for(TWO_MINUTES, SellParams(hold=4)), MemorySource(data), sinks=[collector]
    )
    trades = [t.closed for t in collector.trades]
    assert len(trades) > 20 and not SellsEarly.failures
    assert {(c.status, c.end) for c in trades} == {("sold", "sold")}
    by_epoch = {t.epoch: i for i, t in enumerate(data)}
    given = dict(SellsEarly.given)
    for c in trades:
        # The reference: the market model's position fed the same ticks, sold at that tick.
        i = by_epoch[c.purchase_time]
        spec = ContractSpec("CALL", "R_100", amount=1.0, duration=2, duration_unit="m")
        position = open_position(spec, price(spec, data[i].quote, date_start=i), c.purchase_time)
        j = by_epoch[given[c.contract_id]]
        for t in data[i + 1 : j + 1]:
            assert position.on_tick(t.epoch, t.quote) is None
        expected = position.sell(data[j].epoch)
        assert (c.exit_epoch, c.sell_time) == (data[j].epoch, data[j].epoch)
        assert (c.sell_price, c.profit, c.exit_quote) == (
            expected.sell_price,
            expected.profit,
            expected.exit_quote,
        )
    assert result.summary()["ends"] == {"sold": len(trades)}
    assert result.summary()["strategies"][0]["ends"] == {"sold": len(trades)}
    open_stakes = sum(o.buy_price for o in result.open_at_end)
    assert result.final_balance == pytest.approx(10_000 + result.metrics.net - open_stakes)


def test_a_tick_contract_cannot_be_resold_and_expires_once() -> None:
    contract = ContractTemplate(type="CALL", duration=5)
    result = run_backtest(setup_for(contract, SellParams(hold=2)), MemorySource(ticks(60)))
    assert SellsEarly.failures and all(
        (f.code, f.message) == ("ResaleNotOffered", "Resale of this contract is not offered.")
        for f in SellsEarly.failures
    )
    assert {c.end for c in SellsEarly.closed} == {"expired"}
    ids = [c.contract_id for c in SellsEarly.closed]
    assert len(ids) == len(set(ids)) == result.metrics.trades
    report = result.strategies[0]
    assert report.order_failures == {"ResaleNotOffered": len(SellsEarly.failures)}


def test_a_sale_given_on_the_tick_that_settles_the_contract_fails_after_the_close() -> None:
    # R_100 ticks every 2 s: a 15 s CALL bought at E expires at E+15 and settles on the
    # first tick after that, the 8th after the purchase; the sale given at that tick
    # reaches a contract the tick already settled.
    contract = ContractTemplate(type="CALL", duration=15, duration_unit="s")
    data = ticks(80)
    run_backtest(setup_for(contract, SellParams(hold=8)), MemorySource(data))
    assert SellsEarly.closed and {c.end for c in SellsEarly.closed} == {"expired"}
    assert SellsEarly.failures
    for failure in SellsEarly.failures:
        closed = next(c for c in SellsEarly.closed if c.contract_id == failure.order.contract_id)
        assert closed.sell_time == failure.epoch  # closed on that tick, then refused


def test_a_minimum_price_above_the_bid_is_refused_with_price_moved() -> None:
    result = run_backtest(
        setup_for(TWO_MINUTES, SellParams(hold=3, min_price=50.0)), MemorySource(ticks(200))
    )
    assert SellsEarly.failures
    assert {f.code for f in SellsEarly.failures} == {"PriceMoved"}
    assert all(f.order.min_price == 50.0 for f in SellsEarly.failures)
    assert {c.end for c in SellsEarly.closed} == {"expired"}
    assert result.strategies[0].orders == {"sell": len(SellsEarly.failures)}


def test_the_trade_csv_says_how_each_contract_ended(tmp_path: Path) -> None:
    path = tmp_path / "trades.csv"
    with TradesCsvWriter(path) as writer:
        run_backtest(
            setup_for(TWO_MINUTES, SellParams(hold=4)), MemorySource(ticks(100)), sinks=[writer]
        )
    rows = list(csv.DictReader(path.open(encoding="utf-8")))
    assert rows and {(r["status"], r["end"]) for r in rows} == {("sold", "sold")}


class UpdateWatcher(Strategy[SellParams]):
    """Sells from ``on_contract_update`` once the contract can be sold, by the update."""

    Params = SellParams
    seen: ClassVar[list[ContractUpdate]] = []

    def on_tick(self, tick: Tick) -> None:
        if not self.ctx.open_contracts:
            self.ctx.buy()

    def on_contract_update(self, update: ContractUpdate) -> None:
        UpdateWatcher.seen.append(update)
        if update.is_valid_to_sell:
            self.ctx.sell(update)


def test_updates_carry_the_live_state_and_a_sale_from_one_closes_on_its_tick() -> None:
    UpdateWatcher.seen = []
    setup = BacktestSetup(
        (StrategySetup("w", UpdateWatcher, SellParams(), ("R_100",), contract=TWO_MINUTES),)
    )
    collector = TradeCollector()
    run_backtest(setup, MemorySource(ticks(50)), sinks=[collector])
    first = UpdateWatcher.seen[0]
    assert first.entry_epoch is None and not first.is_valid_to_sell  # bought, not entered
    entered = UpdateWatcher.seen[1]
    assert entered.is_valid_to_sell and entered.barrier == entered.entry_quote
    closed = collector.trades[0].closed
    assert closed.end == "sold" and closed.exit_epoch == entered.spot_epoch


def manage(contract: ContractTemplate, params: ManageParams, n: int = 400, **kw: Any) -> Any:
    collector = TradeCollector()
    setup = BacktestSetup(
        (StrategySetup("m", Manage, params, ("R_100",), contract=contract, stake=Fixed(5.0)),),
        **kw,
    )
    result = run_backtest(setup, MemorySource(ticks(n)), sinks=[collector])
    assert all(t.intent.duration is None is t.intent.duration_unit for t in collector.trades)
    return result, [t.closed for t in collector.trades]


MULTUP = ContractTemplate(type="MULTUP", multiplier=200, take_profit=3.0, stop_loss=2.0)


def test_a_multiplier_has_no_duration_and_its_limits_close_it() -> None:
    result, closed = manage(MULTUP, ManageParams(), n=2000)
    assert closed and {c.end for c in closed} <= {"take_profit", "stop_loss", "stopped_out"}
    assert {"take_profit", "stop_loss"} <= {c.end for c in closed}
    for c in closed:
        assert c.contract_type == "MULTUP" and c.payout == 0.0
        assert c.entry_epoch == c.purchase_time  # a Multiplier enters at its purchase spot
    assert result.summary()["ends"] == {
        end: sum(1 for c in closed if c.end == end) for end in result.summary()["ends"]
    }


def test_an_update_moves_the_take_profit_and_the_next_update_shows_it() -> None:
    seen: list[ContractUpdate] = []

    class Watch(Manage):
        def on_contract_update(self, update: ContractUpdate) -> None:
            seen.append(update)
            super().on_contract_update(update)

    setup = BacktestSetup(
        (
            StrategySetup(
                "w",
                Watch,
                ManageParams(retarget_after=2, retarget=None),
                ("R_100",),
                contract=MULTUP,
                stake=Fixed(5.0),
            ),
        )
    )
    result = run_backtest(setup, MemorySource(ticks(400)))
    first = [u for u in seen if u.contract_id == seen[0].contract_id]
    assert first[0].take_profit == 3.0 and first[0].stop_loss == 2.0
    assert first[0].stop_out == -5.0 and first[0].is_valid_to_update
    # The third update is the one after the change: the take-profit is gone.
    assert first[2].take_profit is None and first[2].stop_loss == 2.0
    assert result.strategies[0].orders["update"] >= 1


def test_an_update_the_market_refuses_reaches_on_order_failed() -> None:
    result, _ = manage(MULTUP, ManageParams(retarget_after=1, retarget=0.01), n=100)
    report = result.strategies[0]
    assert report.orders["update"] >= 1
    assert set(report.order_failures) == {"TakeProfitTooLow"}


def test_deal_cancellation_returns_the_stake_less_the_fee() -> None:
    contract = ContractTemplate(type="MULTUP", multiplier=200, cancellation="5m")
    result, closed = manage(contract, ManageParams(cancel_after=2), n=300)
    assert closed and {(c.status, c.end) for c in closed} == {("cancelled", "cancelled")}
    for c in closed:
        assert c.sell_price == 5.0 and c.profit == round(5.0 - c.buy_price, 2) < 0
    assert result.strategies[0].orders["cancel"] == len(closed)


@pytest.mark.parametrize(
    ("hold", "failures", "end"), [(1, True, "knocked_out"), (2, False, "sold")]
)
def test_an_accumulator_cannot_be_sold_on_its_entry_tick(
    hold: int, failures: bool, end: str
) -> None:
    contract = ContractTemplate(type="ACCU", growth_rate=0.01)
    setup = BacktestSetup(
        (StrategySetup("a", SellAfter, SellAfterParams(hold=hold), ("R_100",), contract=contract),)
    )
    collector = TradeCollector()
    result = run_backtest(setup, MemorySource(ticks(300)), sinks=[collector])
    report = result.strategies[0]
    closed = [t.closed for t in collector.trades]
    assert closed and {c.end for c in closed} == {end}
    assert set(report.order_failures) == ({"SellAtEntryTick"} if failures else set())
    if not failures:
        # Sold at the tick after the entry tick, for one tick's growth less the spread.
        assert all(c.exit_epoch == (c.entry_epoch or 0) + 2 for c in closed)


def test_an_accumulator_with_a_take_profit_closes_itself() -> None:
    contract = ContractTemplate(type="ACCU", growth_rate=0.05, take_profit=0.5)
    _, closed = manage(contract, ManageParams(), n=600)
    assert {"take_profit", "knocked_out"} <= {c.end for c in closed}
    for c in closed:
        if c.end == "take_profit":
            assert c.profit >= 0.5
        else:
            assert c.end == "knocked_out" and c.profit == -5.0


def test_the_report_files_say_how_contracts_ended(tmp_path: Path) -> None:
    result = run_backtest(setup_for(TWO_MINUTES, SellParams(hold=4)), MemorySource(ticks(100)))
    sold = result.metrics.trades
    assert write_report(result, tmp_path, title="sells") == []
    summary = json.loads((tmp_path / "summary.json").read_text(encoding="utf-8"))
    assert summary["ends"] == {"sold": sold} == summary["strategies"][0]["ends"]
    assert summary["strategies"][0]["orders"]["sell"] >= sold
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert f"<td>How contracts ended</td><td>sold: {sold}</td>" in page


@attrs.frozen
class RandomParams:
    """Per tick, one action drawn from ``script`` (cycled): buy, sell, update, cancel, wait."""

    script: tuple[str, ...] = ("buy",)


class Randomly(Strategy[RandomParams]):
    """Buys and orders on its open contracts by a script, whatever their state."""

    Params = RandomParams
    closed: ClassVar[list[ClosedContract]] = []
    failed: ClassVar[list[OrderFailed]] = []

    def on_start(self) -> None:
        self.n = 0

    def on_tick(self, tick: Tick) -> None:
        action = self.params.script[self.n % len(self.params.script)]
        self.n += 1
        held = list(self.ctx.open_contracts.values())
        if action == "buy" or not held:
            self.ctx.buy()
        elif action == "sell":
            self.ctx.sell(held[0])
        elif action == "update":
            self.ctx.update(held[-1], take_profit=None if self.n % 2 else 2.0, stop_loss=1.0)
        elif action == "cancel":
            self.ctx.cancel(held[0])

    def on_contract_closed(self, result: ClosedContract) -> None:
        Randomly.closed.append(result)

    def on_order_failed(self, failure: OrderFailed) -> None:
        Randomly.failed.append(failure)


@settings(max_examples=30, deadline=None)
@given(
    script=st.lists(
        st.sampled_from(("buy", "sell", "update", "cancel", "wait")), min_size=1, max_size=12
    ),
    cancellation=st.booleans(),
    seed=st.integers(0, 50),
)
def test_every_contract_closes_once_whatever_is_ordered(
    script: list[str], cancellation: bool, seed: int
) -> None:
    Randomly.closed, Randomly.failed = [], []
    contract = ContractTemplate(
        type="MULTUP", multiplier=200, cancellation="5m" if cancellation else None
    )
    setup = BacktestSetup(
        (
            StrategySetup(
                "r",
                Randomly,
                RandomParams(tuple(script)),
                ("R_100",),
                contract=contract,
                stake=Fixed(5.0),
            ),
        ),
        balance=1000.0,
    )
    collector = TradeCollector()
    result = run_backtest(setup, MemorySource(ticks(120, seed=seed)), sinks=[collector])
    ids = [c.contract_id for c in Randomly.closed]
    assert len(ids) == len(set(ids)) == result.metrics.trades == len(collector.trades)
    assert not {o.contract_id for o in result.open_at_end} & set(ids)
    open_stakes = sum(o.buy_price for o in result.open_at_end)
    assert result.final_balance == pytest.approx(1000.0 + result.metrics.net - open_stakes)
    assert {c.end for c in Randomly.closed} <= {
        "sold",
        "cancelled",
        "stopped_out",
        "take_profit",
        "stop_loss",
    }
    report = result.strategies[0]
    bought = result.metrics.trades + len(result.open_at_end)
    assert report.intents == bought + sum(report.rejections.values())
    assert sum(report.order_failures.values()) == len(Randomly.failed)


class BuysThenRaises(Strategy[SellParams]):
    """Buys, then raises in the same hook: its policy disables it."""

    Params = SellParams
    updates: ClassVar[int] = 0

    def on_tick(self, tick: Tick) -> None:
        self.ctx.buy()
        raise RuntimeError("after the buy")

    def on_contract_update(self, update: ContractUpdate) -> None:
        BuysThenRaises.updates += 1


def test_a_disabled_strategy_gets_no_update_of_what_it_bought_but_its_money_counts() -> None:
    BuysThenRaises.updates = 0
    setup = BacktestSetup(
        (
            StrategySetup(
                "x", BuysThenRaises, SellParams(), ("R_100",), contract=TWO_MINUTES,
                on_error="disable",
            ),
        )
    )  # fmt: skip
    result = run_backtest(setup, MemorySource(ticks(100)))
    report = result.strategies[0]
    assert (report.disabled, report.errors, report.intents) == (True, 1, 1)
    assert BuysThenRaises.updates == 0
    assert result.metrics.trades == 1  # followed to its end all the same
