"""The replay benchmark's strategies, as a plugin a config names (``bench/configs/``).

The workload is described in :mod:`bench._workload`; these are its triobot side, run by
``triobot backtest bench/configs/replay-*.yaml`` (the bench puts the repository on
``PYTHONPATH``) and by the engine on an in-memory list (``bench/_peer_triobot.py``).
"""

from __future__ import annotations

import attrs
from attrs import validators as v

from framework.strategy import NoParams, Strategy, Tick

__all__ = ["ReadOnly", "TradeEvery", "TradeEveryParams"]


class ReadOnly(Strategy[NoParams]):
    """Read every tick: keep a count and the last quote."""

    Params = NoParams

    def on_start(self) -> None:
        self.count = 0
        self.last = 0.0

    def on_tick(self, tick: Tick) -> None:
        self.count += 1
        self.last = tick.quote


@attrs.frozen
class TradeEveryParams:
    """Parameters of :class:`TradeEvery`.

    Attributes:
        every: buy on every N-th tick (1: every tick).
    """

    every: int = attrs.field(default=10, validator=v.ge(1))


class TradeEvery(Strategy[TradeEveryParams]):
    """Every N-th tick, buy Rise (CALL) after an up tick and Fall (PUT) otherwise."""

    Params = TradeEveryParams
    contract_types = ("CALL", "PUT")

    def on_start(self) -> None:
        self.every = self.params.every
        self.n = 0
        self.last = 0.0

    def on_tick(self, tick: Tick) -> None:
        n = self.n + 1
        quote = tick.quote
        if n == self.every:
            n = 0
            self.ctx.buy("CALL" if quote > self.last else "PUT")
        self.n = n
        self.last = quote
