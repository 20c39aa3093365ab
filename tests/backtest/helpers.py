"""Strategies and set-ups shared by the backtest tests."""

from __future__ import annotations

from typing import Any

import attrs

from framework.backtest import BacktestSetup, StrategySetup
from framework.deriv.models import Tick
from framework.risk import RiskLimits
from framework.sizing import Fixed, StakeConfig
from framework.strategy import ClosedContract, ContractTemplate, NoParams, Strategy


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
