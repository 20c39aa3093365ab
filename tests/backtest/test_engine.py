"""The replay engine: fill model, settlement through the market model, risk, sizing, errors."""

from __future__ import annotations

import itertools
from typing import Any, ClassVar

import pytest

from framework.backtest import (
    Backtest,
    BacktestError,
    BacktestSetup,
    MemorySource,
    StrategyFailed,
    StrategySetup,
    SyntheticSource,
    TradeCollector,
    run_backtest,
)
from framework.deriv.models import Tick, Transaction
from framework.market import ContractSpec, open_position, price
from framework.risk import RiskLimits
from framework.sizing import Fixed, Martingale
from framework.strategy import (
    ClosedContract,
    ContractUpdate,
    NoParams,
    Strategy,
)

from .helpers import Reader, every_setup


def replay(setup: BacktestSetup, source: Any) -> tuple[Any, list[Any]]:
    collector = TradeCollector()
    result = run_backtest(setup, source, sinks=[collector])
    return result, collector.trades


def ticks(n: int, symbol: str = "R_100", seed: int = 5) -> list[Tick]:
    return [t for c in SyntheticSource(symbol, n, seed=seed).chunks() for t in c]


def test_same_inputs_same_trades() -> None:
    setup = every_setup(7, stake=Martingale(base=1.0, factor=2.0, max_steps=4))
    first, trades1 = replay(setup, SyntheticSource("R_100", 5000, seed=3))
    second, trades2 = replay(setup, MemorySource(ticks(5000, seed=3), chunk_size=333))
    assert [t.row() for t in trades1] == [t.row() for t in trades2]
    assert {**first.summary(), "source": ""} == {**second.summary(), "source": ""}
    assert first.metrics.trades > 500


def test_fill_model_and_settlement_are_the_market_models() -> None:
    data = ticks(400)
    result, trades = replay(every_setup(10), MemorySource(data))
    assert result.metrics.trades == len(trades) == 40 - result.summary()["open_at_end"]
    by_epoch = {t.epoch: i for i, t in enumerate(data)}
    for trade in trades:
        c = trade.closed
        i = by_epoch[c.purchase_time]
        assert (i + 1) % 10 == 0  # bought at the tick whose on_tick emitted it
        spec = ContractSpec(c.contract_type, "R_100", amount=1.0, duration=5)
        quote = price(spec, data[i].quote, date_start=c.purchase_time)
        pos = open_position(spec, quote, c.purchase_time)
        settlement = None
        for t in data[i + 1 :]:
            settlement = pos.on_tick(t.epoch, t.quote)
            if settlement is not None:
                break
        assert settlement is not None
        # Entry = first tick strictly after the purchase, exit = 5 ticks after the entry.
        assert c.entry_epoch == data[i + 1].epoch
        assert c.exit_epoch == data[i + 6].epoch == c.sell_time
        assert (c.buy_price, c.payout, c.profit, c.status) == (
            settlement.buy_price,
            settlement.payout,
            settlement.profit,
            settlement.status,
        )
    open_stakes = sum(o.buy_price for o in result.open_at_end)
    assert result.final_balance == pytest.approx(10_000 + result.metrics.net - open_stakes)


class Recorder(Strategy[NoParams]):
    """Logs the order of hooks and buys again from on_contract_closed."""

    Params = NoParams
    events: ClassVar[list[tuple[str, int]]] = []

    def on_tick(self, tick: Tick) -> None:
        self.events.append(("tick", tick.epoch))
        if tick.epoch == 1_700_000_002:
            self.ctx.buy("CALL", duration=1)

    def on_contract_closed(self, result: ClosedContract) -> None:
        self.events.append(("closed", result.sell_time))
        if len(self.events) < 12:
            self.ctx.buy("PUT", duration=1)


def test_tick_before_settlement_and_rebuys_at_the_settling_tick() -> None:
    Recorder.events = []
    setup = BacktestSetup((StrategySetup("r", Recorder, NoParams(), ("R_100",)),))
    _, trades = replay(setup, SyntheticSource("R_100", 20, seed=1))
    e = 1_700_000_000
    # A 1-tick CALL bought at E+2: entry E+4, exit E+6; the tick hook runs first.
    assert Recorder.events[:5] == [
        ("tick", e + 2),
        ("tick", e + 4),
        ("tick", e + 6),
        ("closed", e + 6),
        ("tick", e + 8),
    ]
    assert [t.closed.purchase_time for t in trades[:2]] == [e + 2, e + 6]
    assert trades[1].closed.contract_type == "PUT"
    assert trades[1].closed.entry_epoch == e + 8


def test_risk_gate_refuses_and_counts() -> None:
    setup = every_setup(2, risk=RiskLimits(max_open_contracts=1, max_trades=30))
    result, trades = replay(setup, SyntheticSource("R_100", 2000, seed=2))
    report = result.strategies[0]
    assert report.refusals["max_open_contracts"] > 0
    assert report.intents == 30 == len(trades)
    assert report.refusals["max_trades"] > 0
    assert "max_trades" in {trip.limit for trip in result.trips}
    # Never two contracts open at once.
    spans = sorted((t.closed.purchase_time, t.closed.sell_time) for t in trades)
    assert all(a[1] <= b[0] for a, b in itertools.pairwise(spans))


def test_martingale_sizing_follows_results() -> None:
    setup = every_setup(10, stake=Martingale(base=1.0, factor=2.0, max_steps=5))
    _, trades = replay(setup, SyntheticSource("R_100", 3000, seed=4))
    expected = 1.0
    for trade in trades:  # one contract at a time: each settles before the next buy
        assert trade.closed.buy_price == expected
        expected = 1.0 if trade.closed.won else min(expected * 2, 32.0)
        if not trade.closed.won and trade.closed.buy_price == 32.0:
            expected = 1.0  # on_max_steps: reset


def test_insufficient_balance_is_a_rejection_not_a_crash() -> None:
    setup = every_setup(10, balance=2.5, risk=RiskLimits())
    result, _ = replay(setup, SyntheticSource("R_100", 2000, seed=9))
    report = result.strategies[0]
    assert report.rejections.get("InsufficientBalance", 0) > 0
    assert result.rejections[0].code == "InsufficientBalance"
    assert "insufficient to buy this contract (USD1.00)" in result.rejections[0].message
    assert result.final_balance >= 0


def test_price_limits_of_the_market_model_reject_the_buy() -> None:
    # A valid stake whose payout would pass the maximum: refused by pricing, like the server.
    setup = every_setup(10, stake=Fixed(30_000.0), balance=1e9)
    result, trades = replay(setup, SyntheticSource("R_100", 100, seed=9))
    assert trades == []
    assert result.strategies[0].rejections == {"ContractBuyValidationError": 10}
    assert "maximum payout of 50000.00" in result.rejections[0].message
    assert result.final_balance == 1e9


class Boom(Strategy[NoParams]):
    Params = NoParams
    starts: ClassVar[int] = 0

    def on_start(self) -> None:
        Boom.starts += 1
        self.n = 0

    def on_tick(self, tick: Tick) -> None:
        self.n += 1
        if self.n == 5:
            raise RuntimeError("bug")


def boom_setup(policy: Any) -> BacktestSetup:
    return BacktestSetup(
        (
            StrategySetup("boom", Boom, NoParams(), ("R_100",), on_error=policy, max_restarts=3),
            StrategySetup("reader", Reader, NoParams(), ("R_100",)),
        )
    )


def test_on_error_raise_stops_the_replay() -> None:
    with pytest.raises(StrategyFailed, match="'boom' raised at epoch 1700000010: RuntimeError"):
        run_backtest(boom_setup("raise"), SyntheticSource("R_100", 100, seed=1))


def test_on_error_restart_then_disable() -> None:
    Boom.starts = 0
    result = run_backtest(boom_setup("restart"), SyntheticSource("R_100", 100, seed=1))
    boom = result.strategies[0]
    assert boom.errors == 4 and boom.restarts == 3
    assert boom.disabled and Boom.starts == 4
    assert result.strategies[1].errors == 0


def test_on_error_disable_keeps_the_others_running() -> None:
    captured: list[Reader] = []

    class Spy(Reader):
        def on_start(self) -> None:
            super().on_start()
            captured.append(self)

    setup = BacktestSetup(
        (
            StrategySetup("boom", Boom, NoParams(), ("R_100",), on_error="disable"),
            StrategySetup("spy", Spy, NoParams(), ("R_100",)),
        )
    )
    result = run_backtest(setup, SyntheticSource("R_100", 100, seed=1))
    assert result.strategies[0].disabled and result.strategies[0].errors == 1
    # The tick that made boom fail still reached the next strategy.
    assert len(captured[0].seen) == 100


def test_strategies_see_only_their_symbols_in_time_order() -> None:
    seen: dict[str, list[Tick]] = {}

    class Named(Reader):
        def on_stop(self) -> None:
            seen[self.ctx.name] = self.seen

    setup = BacktestSetup(
        (
            StrategySetup("fast", Named, NoParams(), ("1HZ100V",)),
            StrategySetup("both", Named, NoParams(), ("R_100", "1HZ100V")),
        )
    )
    from framework.backtest import MergedSource

    source = MergedSource(
        [SyntheticSource("R_100", 50, seed=1), SyntheticSource("1HZ100V", 100, seed=1)]
    )
    result = run_backtest(setup, source)
    assert result.ticks == 150
    assert {t.symbol for t in seen["fast"]} == {"1HZ100V"} and len(seen["fast"]) == 100
    assert len(seen["both"]) == 150
    assert [t.epoch for t in seen["both"]] == sorted(t.epoch for t in seen["both"])


def test_contracts_open_at_the_end_are_reported_not_settled() -> None:
    result, trades = replay(every_setup(10), SyntheticSource("R_100", 102, seed=1))
    # Bought at ticks 10, 20, ... 100: the one bought at tick 100 needs 6 more ticks.
    assert len(result.open_at_end) == 1
    assert result.open_at_end[0].purchase_time == 1_700_000_200
    assert len(trades) == 9
    summary = result.summary()
    assert summary["open_at_end"] == 1 and summary["open_stakes"] == 1.0
    assert result.final_balance == pytest.approx(10_000 + result.metrics.net - 1.0)


class Watcher(Strategy[NoParams]):
    Params = NoParams
    wants_transactions = True
    log: ClassVar[list[Any]] = []

    def on_tick(self, tick: Tick) -> None:
        if tick.epoch == 1_700_000_002:
            self.ctx.buy("CALL", duration=2)

    def on_transaction(self, tx: Transaction) -> None:
        self.log.append(("tx", tx.action, tx.amount, tx.transaction_time))

    def on_contract_update(self, update: ContractUpdate) -> None:
        self.log.append(("update", update.spot_epoch))

    def on_contract_closed(self, result: ClosedContract) -> None:
        self.log.append(("closed", result.sell_time))


def test_transactions_and_updates_are_delivered() -> None:
    Watcher.log = []
    setup = BacktestSetup((StrategySetup("w", Watcher, NoParams(), ("R_100",)),))
    run_backtest(setup, SyntheticSource("R_100", 10, seed=1))
    e = 1_700_000_000
    assert Watcher.log == [
        ("tx", "buy", -1.0, e + 2),
        ("update", None),
        ("update", e + 4),
        ("update", e + 6),
        ("tx", "sell", Watcher.log[4][2], e + 8),
        ("closed", e + 8),
    ]


class StartBuyer(Strategy[NoParams]):
    Params = NoParams

    def on_start(self) -> None:
        self.ctx.buy("CALL")


def test_a_buy_before_any_tick_is_rejected_for_lack_of_spot() -> None:
    setup = BacktestSetup((StrategySetup("s", StartBuyer, NoParams(), ("R_100",)),))
    result = run_backtest(setup, SyntheticSource("R_100", 10, seed=1))
    assert result.strategies[0].rejections == {"NoSpot": 1}


def test_an_empty_source_replays_nothing() -> None:
    result = run_backtest(every_setup(), MemorySource([]))
    assert result.ticks == 0 and result.first_epoch is None and result.metrics.trades == 0


class BuyOnR50(Strategy[NoParams]):
    Params = NoParams

    def on_tick(self, tick: Tick) -> None:
        if tick.symbol == "R_50" and tick.epoch == 100:
            self.ctx.buy("CALL", symbol="R_50", duration=1)


def test_the_clock_never_goes_back_when_streams_interleave() -> None:
    # Live streams of two symbols can arrive a second out of order; the simulator's clock is
    # then already at the later second, and so is the replay's.
    data = [
        Tick("R_100", 101, 1000.0, 2),
        Tick("R_50", 100, 200.0, 4),
        Tick("R_50", 101, 200.1, 4),
        Tick("R_50", 102, 200.2, 4),
        Tick("R_50", 103, 200.3, 4),
    ]
    setup = BacktestSetup((StrategySetup("s", BuyOnR50, NoParams(), ("R_100", "R_50")),))
    _, trades = replay(setup, MemorySource(data))
    (trade,) = trades
    assert trade.closed.purchase_time == 101  # not 100: the clock had reached 101
    assert trade.closed.entry_epoch == 102 and trade.closed.exit_epoch == 103


def test_a_replay_needs_strategies_with_unique_names() -> None:
    with pytest.raises(BacktestError, match="no strategy configured"):
        Backtest(BacktestSetup(()))
    twice = StrategySetup("r", Reader, NoParams(), ("R_100",))
    with pytest.raises(BacktestError, match=r"unique; repeated: \['r'\]"):
        Backtest(BacktestSetup((twice, twice)))


class PayoutBuyer(Strategy[NoParams]):
    """Buys a payout-basis contract on every 10th tick."""

    Params = NoParams

    def on_start(self) -> None:
        self.n = 0

    def on_tick(self, tick: Tick) -> None:
        self.n += 1
        if self.n % 10 == 0:
            self.ctx.buy("CALL", basis="payout", stake=20.0)


def test_a_payout_basis_price_above_max_stake_is_refused_by_the_gate() -> None:
    setup = BacktestSetup(
        (StrategySetup("p", PayoutBuyer, NoParams(), ("R_100",)),),
        risk=RiskLimits(max_stake=5.0),
    )
    result, trades = replay(setup, SyntheticSource("R_100", 100, seed=9))
    assert trades == [] and result.strategies[0].rejections == {"max_stake": 10}
    assert result.final_balance == 10_000
