"""Parity: a strategy traded on the simulator's own trading desk == its backtest on the ticks.

The "live" half here drives the embedded simulator's market feed and trading desk in virtual
time (Trio's autojump clock), with the strategy host on a venue that buys from the desk the
moment a tick is published, carries out sell / update / cancel orders once the desk has
settled that tick (as the server serves a request that arrives after a tick), records every
tick it delivers to a JSON-lines file, and learns updates and settlements from the desk's
contract watchers. The backtest half replays that recording. The two trade lists must be
identical (contract type, entry and exit ticks, stake, payout, profit, how it ended):
pricing, purchase epochs, sales and settlement come from the same market model, and the
engine's per-tick order is the simulator's publish order.

The cases: fixed-expiry contracts with martingale stakes; time contracts sold early from
``on_tick``; Accumulators with a take-profit, sold from ``on_contract_update``; Multipliers
with stop-loss and take-profit, the take-profit moved and the contract sold on a profit;
Multipliers with deal cancellation, cancelled.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import attrs
import pytest
import trio

from framework.backtest import (
    BacktestSetup,
    StrategySetup,
    TickWriter,
    TradeCollector,
    open_source,
    run_backtest,
)
from framework.deriv.models import Tick
from framework.market.errors import MarketError
from framework.market.pricing import PricingConfig
from framework.market.selling import KEEP
from framework.risk import RiskGate, RiskLimits
from framework.simulator.accounts import Bank
from framework.simulator.clock import SimClock
from framework.simulator.envelope import SimError
from framework.simulator.feed import MarketFeeds
from framework.simulator.trading import Contract, TradingDesk
from framework.sizing import Fixed, Martingale
from framework.strategy import (
    ClosedContract,
    ContractOrder,
    ContractTemplate,
    ContractUpdate,
    MemoryStateStore,
    OrderFailed,
    TradeIntent,
)
from framework.strategy._host import Slot, StrategyHost

from .helpers import (
    EveryN,
    EveryParams,
    Manage,
    ManageParams,
    SellAfter,
    SellAfterParams,
)

START = 1_700_000_000
SEED = 11


def parity_rows(closed: list[ClosedContract]) -> list[tuple[Any, ...]]:
    """What must match between live and backtest, one row per contract."""
    return [
        (
            c.intent_id, c.symbol, c.contract_type, c.purchase_time, c.entry_epoch,
            c.entry_quote, c.exit_epoch, c.exit_quote, c.buy_price, c.payout, c.sell_price,
            c.profit, c.status, c.end,
        )
        for c in closed
    ]  # fmt: skip


class DeskVenue:
    """A venue on the simulator's desk (the live execution stand-in).

    Buys synchronously (the moment the tick is published); orders wait for the desk to
    settle the tick (:meth:`carry_out`, a settlement hook after the desk's); updates and
    closes come from the desk's watcher, as the live runtime's come from
    ``proposal_open_contract``.
    """

    def __init__(self, desk: TradingDesk, clock: SimClock, account: Any) -> None:
        self.desk = desk
        self.clock = clock
        self.account = account
        self.currency = account.currency
        self.host: StrategyHost | None = None
        self.slot: Slot | None = None
        self.by_contract: dict[int, TradeIntent] = {}
        self.closed: list[ClosedContract] = []
        self.failures: list[OrderFailed] = []
        self.rejected: list[str] = []
        self._orders: list[ContractOrder] = []
        desk.watch(account.loginid, self._watch)

    @property
    def now(self) -> int:
        return self.clock.epoch()

    @property
    def balance(self) -> float:
        return float(self.account.balance)

    @property
    def open_contracts(self) -> int:
        return sum(1 for _ in self.desk.open_contracts())

    def submit(self, intent: TradeIntent) -> None:
        assert self.slot is not None
        try:
            contract = self.desk.buy(
                self.account, intent.to_contract_spec(), float("inf"), app_id=None
            )
        except Exception as exc:  # MarketError, BankError: the server's refusal
            self.rejected.append(f"{intent.intent_id}: {exc}")
            self.slot.intent_rejected(intent)
            return
        self.by_contract[contract.contract_id] = intent
        # Live, the contract's first update (right after the buy) tells the host.
        self.slot.contract_opened(
            intent.intent_id, contract.contract_id, contract.position.buy_price
        )

    def order(self, order: ContractOrder) -> None:
        self._orders.append(order)

    def carry_out(self, tick: Tick) -> None:
        """Send the orders given while ``tick`` was handled, after the desk settled it."""
        assert self.host is not None and self.slot is not None
        while self._orders:
            batch, self._orders = self._orders, []
            for order in batch:
                try:
                    if order.kind == "sell":
                        self.desk.sell(self.account, order.contract_id, order.min_price or 0.0)
                    elif order.kind == "cancel":
                        self.desk.cancel(self.account, order.contract_id)
                    else:
                        self.desk.update(
                            self.account,
                            order.contract_id,
                            take_profit=order.take_profit if order.set_take_profit else KEEP,
                            stop_loss=order.stop_loss if order.set_stop_loss else KEEP,
                        )
                except (MarketError, SimError) as exc:
                    failure = OrderFailed(order, exc.code, exc.message, self.now)
                    self.failures.append(failure)
                    self.host.order_failed(self.slot, failure)

    def _watch(self, contract: Contract) -> None:
        intent = self.by_contract.get(contract.contract_id)
        if intent is None:
            return  # the purchase itself: submit() books it
        assert self.host is not None and self.slot is not None
        settlement = contract.settlement
        if settlement is None:
            update = ContractUpdate.from_position(contract.position, intent, self.now)
            self.host.contract_update(self.slot, update)
            return
        del self.by_contract[contract.contract_id]
        result = ClosedContract.from_settlement(
            settlement, intent, contract.position.purchase_epoch
        )
        self.closed.append(result)
        self.host.contract_closed(self.slot, result)


@attrs.frozen
class Case:
    """One parity scenario: a strategy, its risk limits, how long it trades."""

    strategy: StrategySetup
    risk: RiskLimits
    seconds: int


EVERY = Case(
    StrategySetup(
        name="every",
        cls=EveryN,
        params=EveryParams(every=3),
        symbols=("R_100", "1HZ100V"),
        contract=ContractTemplate(duration=3),
        stake=Martingale(base=1.0, factor=2.0, max_steps=4),
    ),
    RiskLimits(max_open_contracts=3, max_consecutive_losses=50),
    1200,
)
SELLS_EARLY = Case(
    StrategySetup(
        name="early",
        cls=SellAfter,
        params=SellAfterParams(every=2, hold=5),
        symbols=("R_100", "1HZ100V"),
        contract=ContractTemplate(type="CALL", duration=2, duration_unit="m"),
        stake=Martingale(base=1.0, factor=2.0, max_steps=3),
    ),
    RiskLimits(max_consecutive_losses=50),
    1200,
)
ACCUMULATES = Case(
    StrategySetup(
        name="accu",
        cls=Manage,
        params=ManageParams(every=2, sell_after=4),
        symbols=("R_100", "1HZ100V"),
        contract=ContractTemplate(type="ACCU", growth_rate=0.03, take_profit=0.25),
        stake=Fixed(2.0),
    ),
    RiskLimits(),
    1200,
)
ACCUMULATES_TO_TARGET = Case(
    StrategySetup(
        name="target",
        cls=Manage,
        params=ManageParams(every=2),
        symbols=("R_100", "1HZ100V"),
        contract=ContractTemplate(type="ACCU", growth_rate=0.05, take_profit=0.5),
        stake=Fixed(2.0),
    ),
    RiskLimits(),
    1200,
)
MULTIPLIES = Case(
    StrategySetup(
        name="mult",
        cls=Manage,
        params=ManageParams(every=3, retarget_after=3, retarget=1.5, sell_after=30),
        symbols=("R_100", "1HZ100V"),
        contract=ContractTemplate(type="MULTUP", multiplier=200, take_profit=3.0, stop_loss=2.0),
        stake=Fixed(5.0),
    ),
    RiskLimits(),
    1800,
)
CANCELS = Case(
    StrategySetup(
        name="cancel",
        cls=Manage,
        params=ManageParams(every=5, cancel_after=4),
        symbols=("R_100",),
        contract=ContractTemplate(type="MULTUP", multiplier=200, cancellation="5m"),
        stake=Fixed(5.0),
    ),
    RiskLimits(),
    1800,
)


async def live_on_the_desk(
    case: Case, recording: Path
) -> tuple[list[ClosedContract], int, DeskVenue]:
    """Trade on the simulator's desk for the case's simulated time, recording ticks."""
    async with trio.open_nursery() as nursery:
        clock = SimClock(start_epoch=START)
        bank = Bank()
        feeds = MarketFeeds(nursery, clock, seed=SEED, genesis=START - 3600)
        desk = TradingDesk(bank, feeds, clock, PricingConfig())
        account = bank.open_account(virtual=True, balance=1000.0, now=START)
        venue = DeskVenue(desk, clock, account)
        # The host the live runtime and the replay engine share, on the desk's venue.
        host = StrategyHost(RiskGate(case.risk))
        venue.host = host
        venue.slot = host.add(case.strategy, venue=venue, state=MemoryStateStore())
        host.start_all()
        with TickWriter(recording, append=False) as writer:

            def on_tick(tick: Tick) -> None:
                writer.write(tick)
                host.tick(tick)

            for symbol in case.strategy.symbols:
                feed = feeds.get(symbol)  # the desk hooks the feed first
                feed.add_listener(on_tick)
                feed.add_settlement_hook(venue.carry_out)
            await clock.sleep_until(START + case.seconds)
            nursery.cancel_scope.cancel()
        host.stop_all()
    assert not venue.rejected, venue.rejected
    return venue.closed, len(venue.by_contract), venue


def replay(case: Case, recording: Path) -> tuple[list[ClosedContract], Any]:
    collector = TradeCollector()
    setup = BacktestSetup((case.strategy,), risk=case.risk, balance=1000.0)
    result = run_backtest(setup, open_source(recording), sinks=[collector])
    return [t.closed for t in collector.trades], result


async def test_backtest_of_the_recording_trades_like_the_simulator(
    tmp_path: Path, autojump_clock: trio.testing.MockClock
) -> None:
    recording = tmp_path / "ticks.jsonl"
    live, still_open, _ = await live_on_the_desk(EVERY, recording)
    assert len(live) > 200  # enough contracts, on both symbols, with martingale stakes
    assert {c.symbol for c in live} == {"R_100", "1HZ100V"}
    assert len({c.buy_price for c in live}) > 2

    replayed, result = replay(EVERY, recording)
    assert parity_rows(replayed) == parity_rows(live)
    assert len(result.open_at_end) == still_open
    assert result.strategies[0].refusals  # the gate worked in both halves alike


@pytest.mark.parametrize(
    ("case", "ends"),
    [
        (SELLS_EARLY, {"sold"}),
        (ACCUMULATES, {"sold", "knocked_out"}),
        (ACCUMULATES_TO_TARGET, {"take_profit", "knocked_out"}),
        (MULTIPLIES, {"sold", "take_profit", "stop_loss"}),
        (CANCELS, {"cancelled"}),
    ],
    ids=["sells-early", "accumulator", "accumulator-take-profit", "multiplier", "cancellation"],
)
async def test_the_contract_lifecycle_replays_like_the_simulator(
    case: Case, ends: set[str], tmp_path: Path, autojump_clock: trio.testing.MockClock
) -> None:
    recording = tmp_path / "ticks.jsonl"
    live, still_open, venue = await live_on_the_desk(case, recording)
    assert len(live) > 20
    assert {c.end for c in live} >= ends, {c.end for c in live}
    replayed, result = replay(case, recording)
    assert parity_rows(replayed) == parity_rows(live)
    assert len(result.open_at_end) == still_open
    report = result.strategies[0]
    live_failures: dict[str, int] = {}
    for failure in venue.failures:
        live_failures[failure.code] = live_failures.get(failure.code, 0) + 1
    assert report.order_failures == live_failures
    assert venue.slot is not None and report.orders == venue.slot.ctx.order_counts


def test_parity_rows_see_a_difference() -> None:
    base = ClosedContract(
        intent_id="s-1", strategy="s", contract_id=1, symbol="R_100", contract_type="CALL",
        currency="USD", buy_price=1.0, payout=1.95, sell_price=1.95, profit=0.95, won=True,
        status="won", entry_epoch=2, entry_quote=1.0, exit_epoch=4, exit_quote=1.1,
        purchase_time=1, sell_time=4,
    )  # fmt: skip
    assert parity_rows([base]) != parity_rows([attrs.evolve(base, exit_epoch=6)])
    assert parity_rows([base]) != parity_rows([attrs.evolve(base, end="sold")])
    # The contract id is the server's business, not part of parity.
    assert parity_rows([base]) == parity_rows([attrs.evolve(base, contract_id=99)])
