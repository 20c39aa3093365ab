"""Strategies used by the runtime tests (referenced from configs as ``tests.runtime.plugins:X``)."""

from __future__ import annotations

from typing import Any, ClassVar

import attrs

from framework.deriv.models import Tick
from framework.strategy import Candle, CandleSeries, ClosedContract, Strategy


@attrs.frozen
class EveryParams:
    """Buy ``kind`` every ``every`` ticks while fewer than ``max_open`` are open.

    ``offset`` shifts the ticks it buys on, so that several instances can take turns;
    ``crash_at`` makes it raise at that tick (0: never).
    """

    every: int = 3
    kind: str = "CALL"
    max_open: int = 1
    offset: int = 0
    crash_at: int = 0


class Every(Strategy[EveryParams]):
    """Buys on a fixed tick count: predictable trades for runtime tests."""

    Params = EveryParams
    contract_types = ("CALL", "PUT")
    closed: ClassVar[list[ClosedContract]] = []

    def on_start(self) -> None:
        self._n = 0

    def on_tick(self, tick: Tick) -> None:
        self._n += 1
        if self._n == self.params.crash_at:
            raise RuntimeError("crash")
        due = (self._n + self.params.offset) % self.params.every == 0
        if due and len(self.ctx.open_contracts) < self.params.max_open:
            self.ctx.buy(self.params.kind)

    def on_contract_closed(self, result: ClosedContract) -> None:
        Every.closed.append(result)


@attrs.frozen
class CrashParams:
    """Raise on the ``at``-th tick of each instance."""

    at: int = 2


class Crasher(Strategy[CrashParams]):
    """Raises from ``on_tick``; counts its starts."""

    Params = CrashParams
    contract_types = ("CALL",)
    starts: ClassVar[int] = 0

    def on_start(self) -> None:
        Crasher.starts += 1
        self._n = 0

    def on_tick(self, tick: Tick) -> None:
        self._n += 1
        if self._n == self.params.at:
            raise RuntimeError("boom")


@attrs.frozen
class NoParams:
    """No parameters."""


class Recorder(Strategy[NoParams]):
    """Records every tick it is given (the live half of the parity test)."""

    Params = NoParams
    contract_types = ("CALL",)
    ticks: ClassVar[list[Tick]] = []

    def on_tick(self, tick: Tick) -> None:
        Recorder.ticks.append(tick)


@attrs.frozen
class WatchParams:
    """Watch 60- and 120-second candles with ``history`` bars of look-back; ``buy`` on each
    1-minute close."""

    history: int = 3
    buy: bool = True


class CandleWatcher(Strategy[WatchParams]):
    """Records what it sees at the start, then every candle and tick in order; buys Rise or
    Fall after a bar that rose or fell (the candle tests' strategy, live and in replay).

    Each instance appends one run to :attr:`runs`: ``start`` (the closed 1-minute bars, the
    forming one, the ticks and the 2-minute bars ``on_start`` saw) and ``events``
    (``("tick", epoch)`` and ``("candle", candle)``, in delivery order).
    """

    Params = WatchParams
    contract_types = ("CALL", "PUT")
    tick_history = 5
    runs: ClassVar[list[dict[str, Any]]] = []

    @classmethod
    def candle_series(cls, params: WatchParams) -> tuple[CandleSeries, ...]:
        return (CandleSeries(60, history=params.history), CandleSeries(120, history=2))

    def on_start(self) -> None:
        ctx = self.ctx
        self._events: list[tuple[str, Any]] = []
        start = (tuple(ctx.candles(60)), ctx.forming(60), tuple(ctx.ticks()), ctx.candles(120))
        CandleWatcher.runs.append({"start": start, "events": self._events})

    def on_candle(self, candle: Candle) -> None:
        self._events.append(("candle", candle))
        if candle.granularity == 60 and self.params.buy and not self.ctx.open_contracts:
            self.ctx.buy("CALL" if candle.close >= candle.open else "PUT")

    def on_tick(self, tick: Tick) -> None:
        self._events.append(("tick", tick.epoch))
