"""Tick sources and files: formats, streaming, order checks, clear errors."""

from __future__ import annotations

import gc
import gzip
import importlib
import re
from pathlib import Path
from typing import Any

import pytest

from framework.backtest import (
    BacktestError,
    MemorySource,
    MergedSource,
    SyntheticSource,
    TickFileError,
    TickWriter,
    last_tick,
    open_source,
    open_sources,
)
from framework.backtest.sources import TickSource, parse_synthetic, tick_chunk
from framework.deriv.models import Tick
from framework.market.symbols import get_symbol
from framework.market.ticks import TickGenerator


def ticks_of(source: TickSource) -> list[Tick]:
    return [t for chunk in source.chunks() for t in chunk]


def test_synthetic_source_is_the_market_generator() -> None:
    source = SyntheticSource("R_100", 1000, seed=7, genesis=1_000_000, chunk_size=97)
    ticks = ticks_of(source)
    gen = TickGenerator(get_symbol("R_100"), 7, 1_000_000)
    assert [(t.epoch, t.quote) for t in ticks] == gen.take(1000)
    assert {t.pip_size for t in ticks} == {2}
    assert all(len(c) <= 97 for c in source.chunks())
    assert source.progress() == 1.0
    # Chunking does not change the stream and a second pass starts again.
    assert ticks_of(SyntheticSource("R_100", 1000, seed=7, genesis=1_000_000)) == ticks
    assert ticks_of(source) == ticks


def test_synthetic_spec_parsing() -> None:
    source = parse_synthetic("synthetic:1HZ100V:50:abc:2000")
    ticks = ticks_of(source)
    assert len(ticks) == 50 and ticks[0].epoch == 2001 and ticks[-1].epoch == 2050
    with pytest.raises(BacktestError, match="expected synthetic:SYMBOL:COUNT"):
        parse_synthetic("synthetic:R_100")
    with pytest.raises(BacktestError, match="unknown symbol"):
        parse_synthetic("synthetic:NOPE:10")


@pytest.mark.parametrize("name", ["t.jsonl", "t.csv", "t.jsonl.gz", "t.csv.gz"])
def test_written_files_read_back_exactly(tmp_path: Path, name: str) -> None:
    last = Tick("R_100", 1_800_000_000, 1234.5, 2)
    ticks = [*ticks_of(SyntheticSource("R_50", 300, seed=1)), last]
    path = tmp_path / name
    with TickWriter(path, append=False) as writer:
        writer.write_many(ticks[:100])
    with TickWriter(path) as writer:  # append resumes
        writer.write_many(ticks[100:])
    source = open_source(path)
    assert ticks_of(source) == ticks
    assert source.progress() == 1.0
    assert last_tick(path) == ticks[-1]


def test_quotes_keep_their_pip_size_decimals(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    with TickWriter(path) as writer:
        writer.write(Tick("R_100", 10, 1234.5, 2))
    assert '"quote":1234.50' in path.read_text()


def test_csv_columns_in_any_order_and_pip_size_from_the_registry(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("symbol,quote,epoch\nR_10,6000.123,10\nR_10,6000.2,12\n")
    assert ticks_of(open_source(path)) == [
        Tick("R_10", 10, 6000.123, 3),
        Tick("R_10", 12, 6000.2, 3),
    ]


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("a.jsonl", '{"symbol":"R_100","epoch":1,"quote":1}\nnot json\n', "a.jsonl:2: not JSON"),
        ("b.jsonl", '{"symbol":"R_100","quote":1}\n', "b.jsonl:1: missing field 'epoch'"),
        ("c.jsonl", '{"symbol":"R_100","epoch":"x","quote":1}\n', "c.jsonl:1: epoch: expected"),
        ("d.jsonl", '{"symbol":"XX","epoch":1,"quote":1}\n', "d.jsonl:1: unknown symbol 'XX'"),
        (
            "f.jsonl",
            '{"symbol":"R_100","epoch":5,"quote":1}\n{"symbol":"R_100","epoch":5,"quote":2}\n',
            "f.jsonl:2: epoch 5 of R_100 is not after",
        ),
        ("g.csv", "epoch,quote\n1,2\n", "g.csv:1: header lacks column(s) symbol"),
        ("h.csv", "epoch,quote,symbol\n1,abc,R_100\n", "h.csv:2: quote: expected a number"),
        ("i.csv", "epoch,quote,symbol\n1,2\n", "i.csv:2: expected 3 fields, got 2"),
        ("j.jsonl", "[1, 2]\n", "j.jsonl:1: expected a JSON object"),
    ],
)
def test_bad_files_name_file_and_line(tmp_path: Path, name: str, text: str, message: str) -> None:
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(TickFileError, match=re.escape(message)):
        ticks_of(open_source(path))


def test_unknown_suffix_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(TickFileError, match="unknown tick file type"):
        open_source(tmp_path / "ticks.txt")
    with pytest.raises(TickFileError, match="no such tick file"):
        open_source(tmp_path / "nope.jsonl")


def test_corrupt_gzip_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl.gz"
    lines = "".join(f'{{"symbol":"R_100","epoch":{i},"quote":{i + 1}}}\n' for i in range(5000))
    data = gzip.compress(lines.encode())
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(TickFileError, match="cannot read"):
        ticks_of(open_source(path))


def test_csv_append_refuses_a_foreign_header(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("a,b,c\n")
    with pytest.raises(TickFileError, match="cannot append"):
        TickWriter(path)


def test_files_stream_in_chunks(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    with TickWriter(path) as writer:
        writer.write_many(ticks_of(SyntheticSource("R_100", 1000, seed=3)))
    source = open_source(path, chunk_size=100)
    sizes = []
    fractions: list[float] = []
    for chunk in source.chunks():
        sizes.append(len(chunk))
        fraction = source.progress()
        assert fraction is not None
        fractions.append(fraction)
    assert sizes == [100] * 10
    assert fractions == sorted(fractions) and fractions[-1] == 1.0


def test_merge_by_time_is_stable_and_complete() -> None:
    a = SyntheticSource("R_100", 100, seed=1, genesis=1000)  # every 2 s
    b = SyntheticSource("1HZ100V", 200, seed=1, genesis=1000)  # every 1 s
    merged = ticks_of(MergedSource([a, b], chunk_size=33))
    assert len(merged) == 300
    assert [t.epoch for t in merged] == sorted(t.epoch for t in merged)
    # Ties keep the order the sources were given in.
    ties = [t.symbol for t in merged if t.epoch == 1002]
    assert ties == ["R_100", "1HZ100V"]
    assert sorted(merged, key=lambda t: (t.symbol, t.epoch)) == sorted(
        ticks_of(a) + ticks_of(b), key=lambda t: (t.symbol, t.epoch)
    )


def test_merge_refuses_a_symbol_in_two_sources() -> None:
    a = SyntheticSource("R_100", 10, seed=1)
    b = SyntheticSource("R_100", 10, seed=2)
    with pytest.raises(BacktestError, match="appears in two sources"):
        ticks_of(MergedSource([a, b]))


def test_open_sources_merges_paths(tmp_path: Path) -> None:
    p = tmp_path / "a.jsonl"
    with TickWriter(p) as writer:
        writer.write_many(ticks_of(SyntheticSource("R_100", 10, seed=1)))
    merged = open_sources([p, "synthetic:R_50:10:1"])
    assert len(ticks_of(merged)) == 20


def test_memory_source_checks_order() -> None:
    with pytest.raises(BacktestError, match="repeats or precedes epoch 2 of R_100"):
        MemorySource([Tick("R_100", 2, 1.0, 2), Tick("R_100", 2, 1.0, 2)])
    # Two symbols' streams may interleave a little out of order (live recordings).
    assert len(MemorySource([Tick("R_100", 2, 1.0, 2), Tick("R_50", 1, 1.0, 2)])) == 2


def test_last_tick_of_empty_and_torn_files(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    assert last_tick(path) is None
    path.write_text('{"symbol":"R_100","epoch":1,"quote":1}\n{"symbol":"R_100","ep')
    with pytest.raises(TickFileError, match="incomplete"):
        last_tick(path)


def test_parquet_source(tmp_path: Path) -> None:
    pa: Any = pytest.importorskip("pyarrow", reason="Parquet support needs pyarrow")
    pq: Any = importlib.import_module("pyarrow.parquet")

    ticks = ticks_of(SyntheticSource("R_100", 50, seed=1))
    table = pa.table(
        {
            "epoch": [t.epoch for t in ticks],
            "quote": [t.quote for t in ticks],
            "symbol": [t.symbol for t in ticks],
        }
    )
    path = tmp_path / "t.parquet"
    pq.write_table(table, path)
    assert ticks_of(open_source(path, chunk_size=7)) == ticks


@pytest.mark.parametrize("collecting", [True, False])
def test_a_tick_chunk_is_ticks_and_leaves_the_collector_as_it_was(collecting: bool) -> None:
    was = gc.isenabled()
    (gc.enable if collecting else gc.disable)()
    try:
        chunk = tick_chunk(["R_100", "R_50"], [1, 2], [10.5, 20.25], [2, 4])
        assert gc.isenabled() is collecting
        with pytest.raises(ValueError):
            tick_chunk(["R_100"], [1, 2], [10.5, 20.25], [2, 4])
        assert gc.isenabled() is collecting
    finally:
        (gc.enable if was else gc.disable)()
    assert chunk == [Tick("R_100", 1, 10.5, 2), Tick("R_50", 2, 20.25, 4)]
    assert all(type(t) is Tick for t in chunk)
    assert chunk[1].pip_size == 4


def test_a_long_synthetic_run_is_the_simulators_stream_chunk_for_chunk() -> None:
    """Chunks of 65536 take the numpy path, the simulator a tick at a time the loop."""
    ticks = ticks_of(SyntheticSource("1HZ100V", 70_000, seed=3, genesis=1_000_000))
    gen = TickGenerator(get_symbol("1HZ100V"), 3, 1_000_000)
    assert [(t.epoch, t.quote) for t in ticks] == [gen.next() for _ in range(70_000)]
