"""The derived per-symbol figures hold on the ticks the market model itself generates.

terms.py derives an Accumulator's barrier and a Multiplier's commission from each symbol's
volatility; these tests check the derivation against the tick generator instead of
restating the formula: the share of ticks that stay inside the barrier is ``1 - g`` and the
commission is one tick's standard deviation.
"""

from __future__ import annotations

import math
from itertools import pairwise

import pytest

from framework.market import TickGenerator, get_symbol
from framework.market.terms import GROWTH_RATES, multiplier_commission, tick_size_barrier

COUNT = 60_000


def returns(symbol: str) -> list[float]:
    spec = get_symbol(symbol)
    gen = TickGenerator(spec, seed="terms", start_epoch=0)
    quotes = [spec.start_quote, *gen.quotes(COUNT)]
    return [b / a - 1.0 for a, b in pairwise(quotes)]


@pytest.mark.parametrize("symbol", ["R_100", "1HZ10V", "R_50"])
def test_a_tick_stays_inside_with_probability_one_minus_g(symbol: str) -> None:
    moves = returns(symbol)
    for g in GROWTH_RATES:
        width = tick_size_barrier(get_symbol(symbol), g)
        inside = sum(1 for r in moves if -width < r < width) / len(moves)
        # Binomial noise (5 standard deviations) plus the quotes' rounding to the pip.
        tolerance = 5 * math.sqrt(g * (1 - g) / len(moves)) + 0.003
        assert abs(inside - (1 - g)) < tolerance, (symbol, g, inside)


@pytest.mark.parametrize("symbol", ["R_100", "1HZ10V", "R_50"])
def test_the_commission_is_one_ticks_standard_deviation(symbol: str) -> None:
    moves = returns(symbol)
    sd = math.sqrt(sum(r * r for r in moves) / len(moves))
    assert sd == pytest.approx(multiplier_commission(get_symbol(symbol)), rel=0.03)
