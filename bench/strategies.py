"""Per-tick cost of the shipped strategies, against a do-nothing strategy in the same run.

Feeds each strategy a seeded GBM tick stream through its :class:`StrategyHost` with an
in-memory venue (contracts settle every few ticks), and prints ticks per second. The
reference is a strategy whose ``on_tick`` does nothing: the difference is the strategy's own
work, which must leave room for the backtest's >= 1M ticks/s target.
"""

from __future__ import annotations

import time
from typing import Any

from framework.deriv.models import Tick
from framework.market.symbols import get_symbol
from framework.market.ticks import TickGenerator
from framework.strategy import ContractTemplate, NoParams, Strategy
from framework.strategy.testing import MemoryVenue, make_host
from strategies.digit_stats import DigitStats, DigitStatsParams
from strategies.mean_reversion import MeanReversion, MeanReversionParams
from strategies.momentum import MomentumParams, TickMomentum


class Idle(Strategy[NoParams]):
    """The reference: receives ticks, does nothing."""

    Params = NoParams


def _ticks(n: int) -> list[Tick]:
    spec = get_symbol("R_100")
    gen = TickGenerator(spec, seed=1, start_epoch=1_700_000_000)
    start = gen.epoch
    return [
        Tick("R_100", start + (i + 1) * 2, q, spec.pip_size) for i, q in enumerate(gen.quotes(n))
    ]


def _run(cls: type[Strategy[Any]], params: Any, ticks: list[Tick]) -> tuple[float, int]:
    venue = MemoryVenue(balance=1e12)
    host = make_host(cls, params, venue, contract=ContractTemplate(duration=5))
    host.start()
    on_tick = host.strategy.on_tick
    settle, close = venue.settle, host.contract_closed
    began = time.perf_counter()
    for n, tick in enumerate(ticks):
        venue.now = tick.epoch
        on_tick(tick)
        if venue.open and n % 5 == 0:
            for intent in list(venue.open.values()):
                close(settle(intent, won=n % 2 == 0))
    return time.perf_counter() - began, len(venue.intents)


def main(quick: bool = False) -> None:
    """Print ticks/s of each shipped strategy and of the idle reference."""
    n = 100_000 if quick else 1_000_000
    ticks = _ticks(n)
    cases: list[tuple[str, type[Strategy[Any]], Any]] = [
        ("idle (reference)", Idle, NoParams()),
        ("momentum", TickMomentum, MomentumParams(ticks=3)),
        ("mean_reversion", MeanReversion, MeanReversionParams(window=20)),
        ("digit_stats even_odd", DigitStats, DigitStatsParams(window=100)),
        ("digit_stats over_under", DigitStats, DigitStatsParams(mode="over_under", window=100)),
    ]
    reference = None
    for name, cls, params in cases:
        seconds, trades = _run(cls, params, ticks)
        rate = n / seconds
        reference = reference or seconds
        print(
            f"{name:24s} {rate / 1e6:6.2f} M ticks/s  {seconds / n * 1e9:6.0f} ns/tick  "
            f"(+{(seconds - reference) / n * 1e9:5.0f} ns over idle)  {trades} trades"
        )


if __name__ == "__main__":
    main()
