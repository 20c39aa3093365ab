"""The tick generator as an iterator gives the same ticks as ``take``."""

from __future__ import annotations

import itertools

from framework.market.symbols import get_symbol
from framework.market.ticks import TickGenerator


def test_iterating_equals_taking() -> None:
    spec = get_symbol("R_100")
    taken = TickGenerator(spec, 42, 1_700_000_000).take(25)
    generator = TickGenerator(spec, 42, 1_700_000_000)
    assert iter(generator) is generator
    assert list(itertools.islice(generator, 25)) == taken
    assert [epoch for epoch, _ in taken] == list(range(1_700_000_002, 1_700_000_052, 2))
