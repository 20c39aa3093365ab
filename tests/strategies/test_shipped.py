"""The shipped strategies emit the intents they should on synthetic ticks."""

from __future__ import annotations

import math
import random
import statistics
from collections.abc import Sequence
from typing import Any

import pytest

from framework.strategy import (
    ContractTemplate,
    HostedStrategy,
    MemoryStateStore,
    MemoryVenue,
    Strategy,
    Tick,
    TradeIntent,
    make_host,
)
from strategies.digit_stats import DigitStats, DigitStatsParams, DigitWindow
from strategies.mean_reversion import Band, MeanReversion, MeanReversionParams
from strategies.momentum import MomentumParams, TickMomentum


def feed(host: HostedStrategy, venue: MemoryVenue, quotes: Sequence[float], symbol: str = "R_100",
         pip: int = 2, start: int = 1000) -> list[tuple[int, str]]:  # fmt: skip
    """Deliver quotes as ticks; return ``(tick index, contract type)`` of each new intent."""
    out: list[tuple[int, str]] = []
    for i, quote in enumerate(quotes):
        venue.now = start + i
        before = len(venue.intents)
        host.tick(Tick(symbol, start + i, quote, pip))
        out.extend((i, intent.contract_type) for intent in venue.intents[before:])
    return out


def settle_all(host: HostedStrategy, venue: MemoryVenue) -> None:
    for intent in list(venue.open.values()):
        host.contract_closed(venue.settle(intent, won=True))


# --- momentum -------------------------------------------------------------------------


def momentum(**params: Any) -> tuple[HostedStrategy, MemoryVenue]:
    venue = MemoryVenue()
    host = make_host(TickMomentum, MomentumParams(**params), venue, name="mom")
    host.start()
    return host, venue


def test_momentum_buys_call_after_n_up_ticks_and_put_after_n_down() -> None:
    host, venue = momentum(ticks=3, max_open=5)
    quotes = [100, 101, 102, 103, 103, 102, 101, 100]
    # up run reaches 3 at index 3; the equal tick resets; down run reaches 3 at index 7.
    assert feed(host, venue, quotes) == [(3, "CALL"), (7, "PUT")]
    assert [i.intent_id for i in venue.intents] == ["mom-1", "mom-2"]
    assert venue.intents[0].duration == 5 and venue.intents[0].duration_unit == "t"


def test_momentum_one_run_one_trade_then_counts_afresh() -> None:
    host, venue = momentum(ticks=2, max_open=10)
    quotes = [100, 101, 102, 103, 104, 105]
    assert feed(host, venue, quotes) == [(2, "CALL"), (4, "CALL")]


def test_momentum_reverse_fades_the_run() -> None:
    host, venue = momentum(ticks=2, direction="reverse", max_open=5)
    assert feed(host, venue, [100, 99, 98]) == [(2, "CALL")]


def test_momentum_respects_max_open_and_cooldown() -> None:
    host, venue = momentum(ticks=2, max_open=1, cooldown=3)
    rising = [100.0 + i for i in range(12)]
    signals = feed(host, venue, rising[:6])
    assert signals == [(2, "CALL")]  # index 4 is a signal but one contract is open
    settle_all(host, venue)
    # Cooldown: no trade until 3 ticks after the trade at index 2 (index 6 onwards).
    assert feed(host, venue, rising[6:], start=1006) == [(0, "CALL")]


def test_momentum_tracks_symbols_separately() -> None:
    venue = MemoryVenue()
    host = make_host(TickMomentum, MomentumParams(ticks=2, max_open=5), venue,
                     symbols=("R_100", "R_50"))  # fmt: skip
    host.start()
    ticks = [("R_100", 100), ("R_50", 50), ("R_100", 101), ("R_50", 49), ("R_100", 102),
             ("R_50", 48)]  # fmt: skip
    for n, (symbol, quote) in enumerate(ticks):
        host.tick(Tick(symbol, 1000 + n, quote, 2))
    assert [(i.symbol, i.contract_type) for i in venue.intents] == [
        ("R_100", "CALL"),
        ("R_50", "PUT"),
    ]


# --- mean reversion -------------------------------------------------------------------


def test_band_matches_a_recomputed_window() -> None:
    rng = random.Random(4)
    band = Band(25, origin=50_000.0)
    values: list[float] = []
    for _ in range(2000):
        value = round(50_000 + rng.gauss(0, 30), 4)
        band.push(value)
        values.append(value)
        window = values[-25:]
        mean, std = band.bounds()
        assert mean == pytest.approx(statistics.fmean(window), abs=1e-6)
        assert std == pytest.approx(statistics.pstdev(window), abs=1e-6)


def test_mean_reversion_fades_a_quote_outside_the_band() -> None:
    venue = MemoryVenue()
    params = MeanReversionParams(window=5, width=2.0, cooldown=0, max_open=5)
    host = make_host(MeanReversion, params, venue)
    host.start()
    base = [100.0, 100.2, 99.8, 100.1, 99.9]  # mean 100, std ~0.14
    quotes = [*base, 100.05, 101.0, 99.0]
    # 100.05 inside; 101.0 far above -> PUT; 99.0 far below the (now wider) band -> CALL.
    assert feed(host, venue, quotes) == [(6, "PUT"), (7, "CALL")]


def test_mean_reversion_breakout_follows_and_waits_for_a_full_window() -> None:
    venue = MemoryVenue()
    params = MeanReversionParams(window=5, direction="breakout", cooldown=0, max_open=5)
    host = make_host(MeanReversion, params, venue)
    host.start()
    assert feed(host, venue, [100.0, 100.1, 120.0, 100.0, 99.9, 100.05, 130.0]) == [(6, "CALL")]


def test_mean_reversion_flat_prices_never_trade() -> None:
    venue = MemoryVenue()
    host = make_host(MeanReversion, MeanReversionParams(window=5), venue)
    host.start()
    assert feed(host, venue, [100.0] * 50) == []


# --- digit statistics -----------------------------------------------------------------


def quotes_with_digits(digits: list[int]) -> list[float]:
    """R_100 quotes (2 decimals) whose last digits are ``digits``."""
    return [1000 + n + d / 100 for n, d in enumerate(digits)]


def digit_host(params: DigitStatsParams, state: MemoryStateStore | None = None
               ) -> tuple[HostedStrategy, MemoryVenue]:  # fmt: skip
    venue = MemoryVenue()
    host = make_host(DigitStats, params, venue, contract=ContractTemplate(duration=1), state=state)
    host.start()
    return host, venue


def test_digit_window_counts() -> None:
    window = DigitWindow(3)
    for digit in (1, 2, 3, 4):
        window.push(digit)
    assert window.digits() == [2, 3, 4]
    assert window.counts == [0, 0, 1, 1, 1, 0, 0, 0, 0, 0]


def test_even_odd_hot_buys_the_side_seen_more_often() -> None:
    params = DigitStatsParams(window=10, edge=0.2, cooldown=100, max_open=5)
    host, venue = digit_host(params)
    # 7 even of 10 (0.7 >= 0.5 + 0.2) once the window is full at index 9.
    digits = [2, 4, 6, 8, 0, 2, 4, 1, 3, 5]
    assert feed(host, venue, quotes_with_digits(digits)) == [(9, "DIGITEVEN")]
    assert venue.intents[0].barrier is None


def test_even_odd_cold_buys_the_other_side() -> None:
    params = DigitStatsParams(window=10, edge=0.2, bet="cold", cooldown=100)
    host, venue = digit_host(params)
    digits = [1, 3, 5, 7, 9, 1, 3, 2, 4, 6]
    assert feed(host, venue, quotes_with_digits(digits)) == [(9, "DIGITEVEN")]


def test_balanced_digits_do_not_trade() -> None:
    host, venue = digit_host(DigitStatsParams(window=10, edge=0.1))
    assert feed(host, venue, quotes_with_digits([0, 1, 2, 3, 4, 5, 6, 7, 8, 9] * 5)) == []


def test_over_under_uses_the_barrier_and_fair_shares() -> None:
    # barrier 4: over wins on 5-9 (fair 0.5), under on 0-3 (fair 0.4).
    params = DigitStatsParams(mode="over_under", barrier=4, window=10, edge=0.15, cooldown=100)
    host, venue = digit_host(params)
    digits = [0, 1, 2, 3, 0, 1, 2, 4, 9, 4]  # under side 7/10 = 0.7 >= 0.4 + 0.15
    assert feed(host, venue, quotes_with_digits(digits)) == [(9, "DIGITUNDER")]
    assert venue.intents[0].barrier == "4"


def test_digits_use_the_pip_size_with_trailing_zeros() -> None:
    # 1234.5 with pip size 2 prints 1234.50: its last digit is 0 (even), not 5.
    params = DigitStatsParams(window=10, edge=0.4, cooldown=100)
    host, venue = digit_host(params)
    assert feed(host, venue, [1234.5] * 10) == [(9, "DIGITEVEN")]


def test_digit_window_survives_a_restart_through_the_state_store() -> None:
    state = MemoryStateStore()
    params = DigitStatsParams(window=10, edge=0.2, cooldown=0)
    host, venue = digit_host(params, state)
    feed(host, venue, quotes_with_digits([2, 4, 6, 8, 0, 2, 4, 1, 3]))  # 9 digits: not full
    host.stop()
    assert state["digits:R_100"] == [2, 4, 6, 8, 0, 2, 4, 1, 3]
    host2, venue2 = digit_host(params, state)
    assert feed(host2, venue2, quotes_with_digits([5])) == [(0, "DIGITEVEN")]


def test_planned_contracts_carry_the_barrier() -> None:
    planned = DigitStats.planned_contracts(
        DigitStatsParams(mode="over_under", barrier=3), ContractTemplate(duration=1)
    )
    assert [(t.type, t.barrier) for t in planned] == [("DIGITOVER", "3"), ("DIGITUNDER", "3")]


# --- all of them ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cls", "params"),
    [
        (TickMomentum, MomentumParams()),
        (MeanReversion, MeanReversionParams()),
        (DigitStats, DigitStatsParams(window=20)),
        (DigitStats, DigitStatsParams(mode="over_under", window=20, barrier=2)),
    ],
)
def test_every_intent_on_a_random_walk_is_a_valid_contract(
    cls: type[Strategy[Any]], params: object
) -> None:
    """A long GBM-like walk: intents only of the declared types, all valid, ids in order."""
    venue = MemoryVenue(balance=1e9)
    host = make_host(cls, params, venue, contract=ContractTemplate(duration=5))
    host.start()
    rng = random.Random(1)
    quote = 1000.0
    for n in range(5000):
        quote = round(quote * math.exp(rng.gauss(0, 0.0005)), 2)
        venue.now = 1000 + n
        host.tick(Tick("R_100", 1000 + n, quote, 2))
        if len(venue.open) and n % 7 == 0:
            settle_all(host, venue)
    kinds = {i.contract_type for i in venue.intents}
    assert venue.intents, "a 5000-tick walk should give some signals"
    assert kinds <= set(cls.contract_types)
    assert [i.intent_id for i in venue.intents] == [
        f"test-{n}" for n in range(1, len(venue.intents) + 1)
    ]
    assert all(isinstance(i, TradeIntent) and i.amount == 1.0 for i in venue.intents)


def test_fast_last_digit_equals_the_market_model_on_generated_ticks() -> None:
    from framework.market.digits import last_digit
    from framework.market.symbols import symbols
    from framework.market.ticks import TickGenerator
    from strategies.digit_stats import fast_last_digit

    for spec in symbols():
        for quote in TickGenerator(spec, seed=5, start_epoch=0).quotes(20_000):
            assert fast_last_digit(quote, spec.pip_size) == last_digit(quote, spec.pip_size)
