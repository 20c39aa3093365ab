"""The seeded tick generator: determinism, independence, rounding and epochs."""

from __future__ import annotations

import itertools
import math
import statistics

import pytest

from framework.market import SYMBOLS, TickGenerator, derive_seed, get_symbol

PINNED_SEED = 906831


@pytest.mark.parametrize("symbol", sorted(SYMBOLS))
def test_same_seed_same_ticks(symbol: str) -> None:
    spec = get_symbol(symbol)
    a = TickGenerator(spec, 42, 1_700_000_000).take(500)
    b = TickGenerator(spec, 42, 1_700_000_000).take(500)
    assert a == b


@pytest.mark.parametrize("symbol", sorted(SYMBOLS))
def test_chunking_does_not_change_the_stream(symbol: str) -> None:
    spec = get_symbol(symbol)
    whole = TickGenerator(spec, 7, 0).take(41)
    g = TickGenerator(spec, 7, 0)
    parts = g.take(1) + g.take(4) + [g.next()] + g.take(3) + [next(g) for _ in range(5)]
    before = g.epoch
    parts += [(before + (i + 1) * spec.tick_interval, q) for i, q in enumerate(g.quotes(27))]
    assert parts == whole


def test_different_seed_different_ticks() -> None:
    spec = get_symbol("R_100")
    assert TickGenerator(spec, 1, 0).quotes(50) != TickGenerator(spec, 2, 0).quotes(50)


def test_symbols_are_independent() -> None:
    """A symbol's stream depends only on (seed, symbol), not on other generators."""
    r100 = get_symbol("R_100")
    fast = get_symbol("1HZ100V")
    alone = TickGenerator(r100, 9, 0).quotes(100)
    other = TickGenerator(fast, 9, 0)
    other.quotes(1000)
    mixed = TickGenerator(r100, 9, 0)
    assert mixed.quotes(100) == alone
    # Same seed, same volatility, same start quote: the normals still differ per symbol.
    twin = TickGenerator(fast, 9, 0, start_quote=r100.start_quote).quotes(100)
    assert twin != alone


def test_derive_seed_is_stable() -> None:
    # A pinned value guards against anyone swapping in the per-process salted hash().
    assert derive_seed(42, "R_100") % 1_000_003 == PINNED_SEED
    assert derive_seed(42, "R_100") != derive_seed(42, "R_50")


def test_epochs_and_rounding() -> None:
    spec = get_symbol("R_50")
    g = TickGenerator(spec, 3, 1000, start_quote=123.456789)
    assert g.quote == 123.4568
    ticks = g.take(10)
    assert [e for e, _ in ticks] == list(range(1002, 1022, 2))
    for _, q in ticks:
        assert q == round(q, spec.pip_size)
    assert (g.epoch, g.quote) == ticks[-1]
    fast = TickGenerator(get_symbol("1HZ10V"), 3, 5).take(3)
    assert [e for e, _ in fast] == [6, 7, 8]


def test_step_index_moves_one_pip() -> None:
    spec = get_symbol("stpRNG")
    g = TickGenerator(spec, 5, 0)
    prev = g.quote
    for q in g.quotes(200):
        assert round(abs(q - prev), 1) == 0.1
        prev = q


def test_gbm_volatility_is_about_right() -> None:
    spec = get_symbol("R_100")
    g = TickGenerator(spec, 11, 0, start_quote=100000.0)
    qs = [g.quote, *g.quotes(20000)]
    rets = [math.log(b / a) for a, b in itertools.pairwise(qs)]
    annual = statistics.pstdev(rets) * math.sqrt(365 * 24 * 3600 / spec.tick_interval)
    assert annual == pytest.approx(1.0, rel=0.05)


def test_golden_stream() -> None:
    """Pinned output: a change here silently changes every seeded backtest."""
    assert TickGenerator(get_symbol("R_100"), 42, 0).take(4) == [
        (2, 1000.22),
        (4, 1000.17),
        (6, 1000.01),
        (8, 1000.21),
    ]
