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

from framework.strategy import Strategy, Tick

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
        self._gap = p.cooldown + 1
        up, down = ("CALL", "PUT") if p.direction == "follow" else ("PUT", "CALL")
        self._up, self._down = up, down
        self._symbols: dict[str, _Run] = {}
        self._seen = 0

    def on_tick(self, tick: Tick) -> None:
        self._seen += 1
        state = self._symbols.get(tick.symbol)
        if state is None:
            self._symbols[tick.symbol] = _Run(tick.quote)
            return
        quote, last, run = tick.quote, state.last, state.run
        state.last = quote
        if quote > last:
            run = run + 1 if run > 0 else 1
        elif quote < last:
            run = run - 1 if run < 0 else -1
        else:
            run = 0
        need = self._need
        if -need < run < need:
            state.run = run
            return
        state.run = 0  # one run, one signal: count afresh
        if self._seen < state.quiet_until:
            return
        if len(self.ctx.open_contracts) >= self.params.max_open:
            return
        kind = self._up if run > 0 else self._down
        if self.ctx.buy(kind, symbol=tick.symbol) is not None:
            state.quiet_until = self._seen + self._gap


class _Run:
    """Per-symbol state: the last quote and the signed length of the current run."""

    __slots__ = ("last", "quiet_until", "run")

    def __init__(self, quote: float) -> None:
        self.last = quote
        self.run = 0
        self.quiet_until = 0
