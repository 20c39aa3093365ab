"""What one tick costs an open position of each family.

The replay and the simulator call ``on_tick`` for every open position on every tick, so this
cost is paid ``ticks x open positions`` times. Each family is fed the same quotes, chosen so
that no contract closes (a time binary, a Multiplier with take-profit and stop-loss far away,
an Accumulator whose quotes alternate inside its barriers), beside the tick generator's own
cost per tick as the reference: the price of producing the tick being reacted to.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from framework.market import ContractSpec, TickGenerator, get_symbol, open_position, price

P = 1_000_000
SYMBOL = "R_100"
SPECS = {
    "CALL 3d (binary)": ContractSpec("CALL", SYMBOL, 10, duration=3, duration_unit="d"),
    "MULTUP x200 with tp/sl": ContractSpec(
        "MULTUP",
        SYMBOL,
        10,
        duration=None,
        duration_unit=None,
        multiplier=200,
        take_profit=50,
        stop_loss=5,
    ),
    "ACCU 1 %": ContractSpec(
        "ACCU", SYMBOL, 10, duration=None, duration_unit=None, growth_rate=0.01
    ),
}


def _ns_per_tick(spec: ContractSpec, quotes: Sequence[float]) -> float:
    """Best of 5 runs of feeding ``quotes``, in nanoseconds per tick."""
    best = float("inf")
    for _ in range(5):
        pos = open_position(spec, price(spec, 1000.0, date_start=P), P)
        on_tick = pos.on_tick
        started = time.perf_counter()
        epoch = P
        for quote in quotes:
            epoch += 1
            on_tick(epoch, quote)
        best = min(best, (time.perf_counter() - started) / len(quotes) * 1e9)
        assert pos.settlement is None, f"{spec.contract_type} closed during the run"
    return best


def main(quick: bool = False) -> None:
    """Print ns per tick for each family and for the tick generator."""
    count = 20_000 if quick else 200_000
    quotes = [1000.0 + 0.01 * (i % 2) for i in range(count)]
    gen = TickGenerator(get_symbol(SYMBOL), seed=1, start_epoch=0)
    started = time.perf_counter()
    gen.quotes(count)
    reference = (time.perf_counter() - started) / count * 1e9
    print(f"{'tick generator (reference)':28s} {reference:6.0f} ns/tick")
    for name, spec in SPECS.items():
        # An Accumulator closes itself at its maximum ticks: feed it fewer than that.
        fed = quotes[:200] if spec.contract_type == "ACCU" else quotes
        print(f"{name:28s} {_ns_per_tick(spec, fed):6.0f} ns/tick")
