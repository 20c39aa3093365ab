"""Ticks generated a chunk at a time (GBM, Jump, Spike, Step) are the very doubles of the loop."""

from __future__ import annotations

import random
from collections.abc import Callable

import numpy as np
import pytest

from framework.market import SYMBOLS, TickGenerator, derive_seed, get_symbol
from framework.market import ticks as ticks_module

BULK_SYMBOLS = sorted(s for s in SYMBOLS if get_symbol(s).model in ticks_module._BULK_MODELS)


@pytest.mark.parametrize("seed", [0, 1, 2**32 - 1, 2**32, derive_seed(5, "R_100")])
def test_the_numpy_twin_draws_the_doubles_of_python_random(seed: int) -> None:
    rng = random.Random(seed)
    twin = ticks_module._same_stream(rng)
    assert twin.random_sample(5000).tolist() == [rng.random() for _ in range(5000)]


@pytest.mark.parametrize("symbol", BULK_SYMBOLS)
def test_a_chunk_is_the_loop_tick_for_tick(symbol: str) -> None:
    spec = get_symbol(symbol)
    loop = TickGenerator(spec, 11, 1_700_000_000)
    bulk = TickGenerator(spec, 11, 1_700_000_000)
    expected = [q for _ in range(3001) for q in loop.quotes(1)]
    assert ticks_module._BULK <= 3001
    assert bulk.quotes(3001) == expected
    assert (bulk.epoch, bulk.quote) == (loop.epoch, loop.quote)
    # The spare normal left by the odd chunk carries on exactly like the loop's.
    assert bulk.quotes(500) == [q for _ in range(500) for q in loop.quotes(1)]


@pytest.mark.parametrize("symbol", ["1HZ100V", "JD25", "BOOM500"])
def test_chunks_of_every_size_agree(symbol: str) -> None:
    spec = get_symbol(symbol)
    sizes = (1, ticks_module._BULK, 3, 9_999, ticks_module._BULK - 1, 2, 30_000, 1, 1)
    whole = TickGenerator(spec, "chunks", 0).quotes(sum(sizes))
    g = TickGenerator(spec, "chunks", 0)
    parts: list[float] = []
    for size in sizes:
        parts += g.quotes(size)
    assert parts == whole


@pytest.mark.parametrize("symbol", ["R_100", "1HZ15V", "1HZ250V", "JD10", "BOOM1000", "CRASH500"])
def test_ticks_next_to_a_half_pip_are_redone_exactly(
    symbol: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A wide margin sends many ticks down the exact path: still the loop's quotes."""
    spec = get_symbol(symbol)
    loop = TickGenerator(spec, 4, 0)
    expected = [q for _ in range(20_001) for q in loop.quotes(1)]
    calls: list[int] = []
    real = ticks_module._compound

    def counting(
        start: float, growth: np.ndarray, pip_size: int, exact: Callable[[int], float]
    ) -> np.ndarray:
        def counted(k: int) -> float:
            calls.append(k)
            return exact(k)

        return real(start, growth, pip_size, counted)

    monkeypatch.setattr(ticks_module, "_MARGIN", 2.0**-4)
    monkeypatch.setattr(ticks_module, "_compound", counting)
    bulk = TickGenerator(spec, 4, 0)
    # The first tick leaves a spare, which the chunk starts with; its odd end leaves one.
    assert bulk.quotes(1) + bulk.quotes(20_000) == expected
    assert len(set(calls)) > 1000


def test_a_float_product_on_the_wrong_side_of_the_half_is_rounded_as_round_does() -> None:
    # 0.0105 is just above 0.0105 in binary: round() says 0.011, rint(0.0105 * 1000) 10.
    assert float(np.rint(0.0105 * 1000.0)) == 10.0
    quotes = ticks_module._compound(1.0, np.array([0.0105]), 3, lambda k: 0.0105)
    assert quotes.tolist() == [round(0.0105, 3)] == [0.011]


def test_compound_settles_a_long_walk_exactly() -> None:
    rng = random.Random(8)
    growth = [1.0 + rng.gauss(0.0, 3e-4) for _ in range(50_000)]
    expected: list[float] = []
    q = 1234.56
    for g in growth:
        q = round(q * g, 2)
        expected.append(q)
    quotes = ticks_module._compound(1234.56, np.array(growth), 2, growth.__getitem__)
    assert quotes.tolist() == expected


def test_the_twin_hands_out_getrandbits_words() -> None:
    rng = random.Random(derive_seed(3, "stpRNG"))
    twin = ticks_module._same_stream(rng)
    words = twin.randint(0, 2**32, size=3000, dtype=np.uint32) >> 31
    assert words.tolist() == [rng.getrandbits(1) for _ in range(3000)]


def test_steps_the_sum_cannot_vouch_for_are_walked(monkeypatch: pytest.MonkeyPatch) -> None:
    spec = get_symbol("stpRNG3")
    loop = TickGenerator(spec, 6, 0)
    expected = [q for _ in range(5000) for q in loop.quotes(1)]
    assert TickGenerator(spec, 6, 0).quotes(5000) == expected
    assert ticks_module._stepped(8000.0, np.array([0.1, 0.1]), 1) == [8000.1, 8000.2]
    monkeypatch.setattr(ticks_module, "_MARGIN", 1.0)  # every sum is "next to a half"
    assert ticks_module._stepped(8000.0, np.array([0.1, 0.1]), 1) is None
    assert TickGenerator(spec, 6, 0).quotes(5000) == expected
