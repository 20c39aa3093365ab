"""Tick sources: argument checks, progress of merged sources, chunking of merges."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import pytest

from framework.backtest import (
    BacktestError,
    MemorySource,
    MergedSource,
    SyntheticSource,
    TickSource,
)
from framework.backtest.sources import parse_synthetic
from framework.deriv.models import Tick


def ticks(symbol: str, epochs: range) -> list[Tick]:
    return [Tick(symbol, e, 100.0 + e, 2) for e in epochs]


def test_chunk_size_and_count_are_checked() -> None:
    with pytest.raises(ValueError, match="chunk_size must be at least 1"):
        MemorySource([], chunk_size=0)
    with pytest.raises(ValueError, match="chunk_size must be at least 1"):
        SyntheticSource("R_100", 5, chunk_size=0)
    with pytest.raises(BacktestError, match="synthetic ticks: count must be >= 0, got -1"):
        SyntheticSource("R_100", -1)
    with pytest.raises(BacktestError, match="nothing to replay: no tick source given"):
        MergedSource([])


def test_an_unchecked_memory_source_trusts_its_order() -> None:
    backwards = ticks("R_100", range(10, 0, -2))
    with pytest.raises(BacktestError):
        MemorySource(backwards)
    source = MemorySource(backwards, check=False)  # the caller vouches for the order
    assert [t for c in source.chunks() for t in c] == backwards


def test_empty_sources_are_complete() -> None:
    assert MemorySource([]).progress() == 1.0
    assert SyntheticSource("R_100", 0).progress() == 1.0
    assert list(MemorySource([]).chunks()) == []


def test_memory_progress_by_chunk() -> None:
    source = MemorySource(ticks("R_100", range(0, 20, 2)), chunk_size=4)
    seen = []
    for _ in source.chunks():
        seen.append(source.progress())
    assert seen == [0.4, 0.8, 1.0]


class Unknown:
    """A source that cannot tell how far it is."""

    name = "stream"

    def __init__(self, data: list[Tick]) -> None:
        self.data = data

    def chunks(self) -> Iterator[Sequence[Tick]]:
        yield self.data

    def progress(self) -> float | None:
        return None


def test_merged_progress_is_the_slowest_and_unknown_if_any_is() -> None:
    fast = MemorySource(ticks("R_100", range(0, 10, 2)), chunk_size=10, name="fast")
    slow = MemorySource(ticks("R_50", range(1, 40, 2)), chunk_size=5, name="slow")
    merged = MergedSource([fast, slow], chunk_size=3)
    out = [list(chunk) for chunk in merged.chunks()]
    assert [len(c) for c in out] == [3] * 8 + [1]  # 25 ticks in merged chunks of 3
    flat = [t for c in out for t in c]
    assert [t.epoch for t in flat] == sorted(t.epoch for t in flat)
    assert merged.progress() == 1.0
    unknown: TickSource = Unknown(ticks("R_25", range(0, 4)))
    assert MergedSource([fast, unknown]).progress() is None


def test_a_single_merged_source_passes_through() -> None:
    only = MemorySource(ticks("R_100", range(0, 10, 2)), chunk_size=2)
    merged = MergedSource([only], chunk_size=100)
    assert [len(c) for c in merged.chunks()] == [2, 2, 1]  # its own chunks
    assert merged.name == "memory"


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("synthetic:R_100:10:1:x", "COUNT and GENESIS must be integers"),
        ("synthetic:R_100", "expected synthetic:SYMBOL:COUNT[:SEED[:GENESIS]]"),
        ("synthetic:R_100:1:2:3:4", "expected synthetic:SYMBOL:COUNT[:SEED[:GENESIS]]"),
    ],
)
def test_bad_synthetic_specs(spec: str, message: str) -> None:
    with pytest.raises(BacktestError) as raised:
        parse_synthetic(spec)
    assert str(raised.value) == f"bad synthetic source {spec!r}: {message}"


def test_synthetic_spec_with_genesis_and_underscores() -> None:
    source = parse_synthetic("synthetic:R_100:1_000:7:1700000000")
    assert (source.count, source.seed, source.genesis) == (1000, 7, 1_700_000_000)
    first = next(iter(source.chunks()))[0]
    assert first.epoch == 1_700_000_000 + 2  # one R_100 tick interval after genesis
