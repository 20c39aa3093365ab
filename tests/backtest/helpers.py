"""Strategies and set-ups shared by the backtest tests."""

from __future__ import annotations

from typing import Any

import attrs

from framework.backtest import BacktestSetup, StrategySetup
from framework.deriv.models import Tick
from framework.risk import RiskLimits
from framework.sizing import Fixed, StakeConfig
from framework.strategy import (
    Candle,
    CandleSeries,
    ClosedContract,
    ContractTemplate,
    ContractUpdate,
    NoParams,
    OrderFailed,
    Strategy,
)


@attrs.frozen
class History:
    """What ``ticks_history`` answers a scripted download: times, prices and the pip size."""

    times: tuple[int, ...]
    prices: tuple[float, ...]
    pip_size: int | None


@attrs.frozen
class EveryParams:
    """Trade every ``every`` ticks, alternating CALL and PUT."""

    every: int = 10


class EveryN(Strategy[EveryParams]):
    """Buys every ``every`` ticks: CALL after an up tick, PUT otherwise."""

    Params = EveryParams

    def on_start(self) -> None:
        self.count = 0
        self.previous: float | None = None
        self.closed: list[ClosedContract] = []

    def on_tick(self, tick: Tick) -> None:
        self.count += 1
        up = self.previous is not None and tick.quote > self.previous
        self.previous = tick.quote
        if self.count % self.params.every == 0:
            self.ctx.buy("CALL" if up else "PUT", symbol=tick.symbol)

    def on_contract_closed(self, result: ClosedContract) -> None:
        self.closed.append(result)


class Reader(Strategy[NoParams]):
    """Only reads ticks."""

    Params = NoParams

    def on_start(self) -> None:
        self.seen: list[Tick] = []

    def on_tick(self, tick: Tick) -> None:
        self.seen.append(tick)


def every_setup(
    every: int = 10,
    *,
    symbols: tuple[str, ...] = ("R_100",),
    stake: StakeConfig | None = None,
    contract: ContractTemplate | None = None,
    risk: RiskLimits | None = None,
    balance: float = 10_000.0,
    **kw: Any,
) -> BacktestSetup:
    """A one-strategy set-up trading every ``every`` ticks."""
    return BacktestSetup(
        (
            StrategySetup(
                "every",
                EveryN,
                EveryParams(every),
                symbols,
                contract if contract is not None else ContractTemplate(duration=5),
                stake if stake is not None else Fixed(1.0),
                **kw,
            ),
        ),
        risk=risk if risk is not None else RiskLimits(),
        balance=balance,
    )


@attrs.frozen
class SellAfterParams:
    """Buy when nothing is open (every ``every``-th tick); sell ``hold`` ticks later."""

    every: int = 1
    hold: int = 3
    min_price: float | None = None


class SellAfter(Strategy[SellAfterParams]):
    """Buys the configured contract and sells it from ``on_tick``, naming it by its intent.

    It never looks at updates: the context knows its contracts all the same.
    """

    Params = SellAfterParams

    def on_start(self) -> None:
        self.count = 0
        self.age = 0
        self.failures: list[OrderFailed] = []

    def on_tick(self, tick: Tick) -> None:
        self.count += 1
        held = next(iter(self.ctx.open_contracts.values()), None)
        if held is None:
            if self.count % self.params.every == 0:
                self.age = 0
                self.ctx.buy(symbol=tick.symbol)
            return
        self.age += 1
        if self.age == self.params.hold:
            self.ctx.sell(held, min_price=self.params.min_price)

    def on_order_failed(self, failure: OrderFailed) -> None:
        self.failures.append(failure)


@attrs.frozen
class ManageParams:
    """Follow each contract: move its take-profit, cancel it, or sell it on a profit.

    Attributes:
        every: buy when nothing is open, every ``every``-th tick.
        retarget_after: updates after which the take-profit becomes ``retarget`` (0: never).
        retarget: the new take-profit (``None`` removes it).
        cancel_after: updates after which a cancellable contract is cancelled (0: never).
        sell_profit: sell once the profit reaches it (``None``: never).
        sell_after: sell after that many updates (0: never).
    """

    every: int = 1
    retarget_after: int = 0
    retarget: float | None = None
    cancel_after: int = 0
    sell_profit: float | None = None
    sell_after: int = 0


class Manage(Strategy[ManageParams]):
    """Trades from ``on_contract_update``, naming contracts by their updates."""

    Params = ManageParams

    def on_start(self) -> None:
        self.count = 0
        self.seen: dict[int, int] = {}
        self.failures: list[OrderFailed] = []

    def on_tick(self, tick: Tick) -> None:
        self.count += 1
        if not self.ctx.open_contracts and self.count % self.params.every == 0:
            self.ctx.buy(symbol=tick.symbol)

    def on_contract_update(self, update: ContractUpdate) -> None:
        p = self.params
        n = self.seen.get(update.contract_id, 0) + 1
        self.seen[update.contract_id] = n
        if n == p.cancel_after and update.is_valid_to_cancel:
            self.ctx.cancel(update)
        elif n == p.retarget_after and update.is_valid_to_update:
            self.ctx.update(update, take_profit=p.retarget)
        elif update.is_valid_to_sell and (
            n == p.sell_after
            or (p.sell_profit is not None and (update.profit or 0.0) >= p.sell_profit)
        ):
            self.ctx.sell(update)

    def on_order_failed(self, failure: OrderFailed) -> None:
        self.failures.append(failure)


@attrs.frozen
class BarParams:
    """Which bars a :class:`OnBars` strategy works on."""

    granularity: int = 60
    history: int = 3


class OnBars(Strategy[BarParams]):
    """A candle strategy: records its bars, buys CALL after an up bar and PUT after a down one."""

    Params = BarParams
    contract_types = ("CALL", "PUT")

    @classmethod
    def candle_series(cls, params: BarParams) -> tuple[CandleSeries, ...]:
        return (CandleSeries(params.granularity, history=params.history),)

    def on_start(self) -> None:
        self.history = list(self.ctx.candles(self.params.granularity))
        self.bars: list[Candle] = []

    def on_candle(self, candle: Candle) -> None:
        self.bars.append(candle)
        if candle.close != candle.open:
            self.ctx.buy("CALL" if candle.close > candle.open else "PUT", symbol=candle.symbol)
