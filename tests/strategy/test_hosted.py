"""``make_host``'s hosted strategy: market data through the host, errors as themselves."""

from __future__ import annotations

from typing import Any

import pytest

from framework.deriv.models import Transaction
from framework.strategy import (
    Candle,
    CandleSeries,
    MemoryVenue,
    NoParams,
    Strategy,
    Tick,
    make_host,
)


class Log(Strategy[NoParams]):
    Params = NoParams
    candles = (CandleSeries(60, history=2),)
    wants_transactions = True

    def on_start(self) -> None:
        self.seen: list[Any] = [("start", [c.epoch for c in self.ctx.candles(60)])]

    def on_tick(self, tick: Tick) -> None:
        if tick.quote < 0:
            raise ValueError("negative quote")
        self.seen.append(("tick", tick.epoch))

    def on_candle(self, candle: Candle) -> None:
        self.seen.append(("candle", candle.epoch))

    def on_transaction(self, tx: Transaction) -> None:
        self.seen.append(("tx", tx.action))


def bar(minute: int) -> Candle:
    return Candle(60 * minute, 1.0, 1.0, 1.0, 1.0, "R_100", 60)


def test_bars_before_the_start_are_history_after_it_events() -> None:
    host = make_host(Log, NoParams(), MemoryVenue())
    assert host.bars([bar(0), bar(1), bar(2)]) == 3
    host.start()
    assert host.strategy.seen == [("start", [60, 120])]  # type: ignore[attr-defined]
    assert host.bars([bar(2), bar(3)]) == 1  # not newer than the last: skipped, as live
    host.tick(Tick("R_100", 240, 1.0, 2))  # opens the bar of 240 on its open time
    host.tick(Tick("R_100", 300, 1.0, 2))  # which closes before this tick
    assert host.strategy.seen[1:] == [  # type: ignore[attr-defined]
        ("candle", 180),
        ("tick", 240),
        ("candle", 240),
        ("tick", 300),
    ]


def test_a_hook_error_reaches_the_test_and_the_strategy_goes_on() -> None:
    host = make_host(Log, NoParams(), MemoryVenue())
    host.warm_up([Tick("R_100", 60 * m, 1.0, 2) for m in range(4)])
    assert host.slot.state == "created"
    with pytest.raises(ValueError, match="negative quote"):
        host.tick(Tick("R_100", 250, -1.0, 2))  # the first tick starts the strategy
    assert host.state == "running"
    host.tick(Tick("R_100", 260, 1.0, 2))
    strategy = host.strategy
    assert isinstance(strategy, Log)
    assert strategy.seen[0] == ("start", [60, 120])
    assert strategy.seen[-1] == ("tick", 260)
    host.transaction(Transaction("sell", 1.0, 1.0, 1, "USD", 1, 260, "R_100", None, None, {}))
    assert strategy.seen[-1] == ("tx", "sell")
