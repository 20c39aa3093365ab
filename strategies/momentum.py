"""Tick momentum on Rise/Fall: after N ticks in a row in one direction, buy that direction.

The strategy counts consecutive up ticks (a positive run) and down ticks (a negative run)
per symbol; a tick equal to the previous one ends the run. When a run reaches ``ticks``,
it buys CALL after an up run and PUT after a down run (``direction: follow``), or the
opposite (``direction: reverse``), then starts counting afresh, so one run gives one trade.

On a driftless synthetic index consecutive moves are independent and this has no edge: the
expected result of every trade is minus the house margin. It is a clear, testable example
of a signal, and a template for a real one.

Config::

    plugin: momentum
    contract: {duration: 5, duration_unit: t}
    params: {ticks: 3, direction: follow, cooldown: 0, max_open: 1}

Per tick the work is a comparison and an integer update: O(1), no allocation.
"""

from __future__ import annotations

from typing import Literal

import attrs
from attrs import validators as v

from framework.deriv.models import Tick
from framework.strategy import Strategy

__all__ = ["MomentumParams", "TickMomentum"]


@attrs.frozen
class MomentumParams:
    """Parameters of :class:`TickMomentum`.

    Attributes:
        ticks: consecutive moves in one direction that make a signal (2-50).
        direction: ``follow`` the run or bet on its ``reverse``.
        cooldown: ticks to wait after a trade before counting again.
        max_open: most of this strategy's contracts open at once.
    """

    ticks: int = attrs.field(default=3, validator=[v.ge(2), v.le(50)])
    direction: Literal["follow", "reverse"] = "follow"
    cooldown: int = attrs.field(default=0, validator=[v.ge(0), v.le(100_000)])
    max_open: int = attrs.field(default=1, validator=[v.ge(1), v.le(100)])


class TickMomentum(Strategy[MomentumParams]):
    """Buy Rise (CALL) after N up ticks and Fall (PUT) after N down ticks."""

    Params = MomentumParams
    contract_types = ("CALL", "PUT")

    def on_start(self) -> None:
        p = self.params
        self._need = p.ticks
        up, down = ("CALL", "PUT") if p.direction == "follow" else ("PUT", "CALL")
        self._up, self._down = up, down
        self._last: dict[str, float] = {}
        self._run: dict[str, int] = {}
        self._quiet_until: dict[str, int] = {}
        self._seen = 0

    def on_tick(self, tick: Tick) -> None:
        symbol, quote = tick.symbol, tick.quote
        self._seen += 1
        last = self._last.get(symbol)
        self._last[symbol] = quote
        if last is None:
            return
        run = self._run.get(symbol, 0)
        if quote > last:
            run = run + 1 if run > 0 else 1
        elif quote < last:
            run = run - 1 if run < 0 else -1
        else:
            run = 0
        if run >= self._need or -run >= self._need:
            self._run[symbol] = 0
            if self._seen >= self._quiet_until.get(symbol, 0) and self._can_open():
                kind = self._up if run > 0 else self._down
                if self.ctx.buy(kind, symbol=symbol) is not None:
                    self._quiet_until[symbol] = self._seen + self.params.cooldown + 1
            return
        self._run[symbol] = run

    def _can_open(self) -> bool:
        return len(self.ctx.open_contracts) < self.params.max_open
