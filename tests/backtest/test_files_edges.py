"""Tick files: every malformed value names the file and line; progress; Parquet; last tick."""

from __future__ import annotations

import gzip
import importlib
import re
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, Protocol

import pytest

from framework.backtest import TickFileError, TickWriter, last_tick, open_source
from framework.deriv.models import Tick

R100 = '"symbol":"R_100"'


class Chunked(Protocol):
    def chunks(self) -> Iterable[Sequence[Tick]]: ...


def ticks_of(source: Chunked) -> list[Tick]:
    return [t for chunk in source.chunks() for t in chunk]


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("a.jsonl", '{"symbol":5,"epoch":1,"quote":1}\n', "a.jsonl:1: symbol: expected a string"),
        ("b.jsonl", '{"symbol":"","epoch":1,"quote":1}\n', "b.jsonl:1: symbol: expected"),
        ("c.jsonl", "{" + R100 + ',"epoch":1.5,"quote":1}\n', "c.jsonl:1: epoch: expected an"),
        ("d.jsonl", "{" + R100 + ',"epoch":1,"quote":"1"}\n', "d.jsonl:1: quote: expected a"),
        ("e.jsonl", "{" + R100 + ',"epoch":1,"quote":1,"pip_size":11}\n', "e.jsonl:1: pip_size"),
        ("f.jsonl", "{" + R100 + ',"epoch":1,"quote":1,"pip_size":"2"}\n', "f.jsonl:1: pip_size"),
        ("g.csv", "epoch,quote,symbol\n1,2, \n", "g.csv:2: symbol: empty"),
        ("h.csv", "epoch,quote,symbol\n1.5,2,R_100\n", "h.csv:2: epoch: expected an integer"),
        ("i.csv", "epoch,quote,symbol\n1,nan,R_100\n", "i.csv:2: quote: not a finite number"),
        ("j.csv", "epoch,quote,symbol\n1,-inf,R_100\n", "j.csv:2: quote: not a finite number"),
        ("k.csv", "epoch,quote,symbol,pip_size\n1,2,R_100,x\n", "k.csv:2: pip_size: expected"),
        ("l.csv", "epoch,quote,symbol,pip_size\n1,2,R_100,11\n", "l.csv:2: pip_size: expected"),
        ("m.csv", "epoch,quote,symbol\n1,0,R_100\n", "m.csv:2: quote: a price must be above"),
        ("n.jsonl", "{" + R100 + ',"epoch":1,"quote":-2.5}\n', "n.jsonl:1: quote: a price must"),
        ("o.jsonl", "{" + R100 + ',"epoch":1,"quote":1e999}\n', "o.jsonl:1: quote: not a finite"),
        (
            "p.jsonl",
            "{" + R100 + ',"epoch":1,"quote":' + "9" * 400 + "}\n",
            "p.jsonl:1: quote: out",
        ),
    ],
)
def test_bad_values_name_file_and_line(tmp_path: Path, name: str, text: str, message: str) -> None:
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(TickFileError, match=re.escape(message)):
        ticks_of(open_source(path))


def test_whole_float_epochs_blank_lines_and_an_empty_pip_cell_are_accepted(
    tmp_path: Path,
) -> None:
    jsonl = tmp_path / "t.jsonl"
    jsonl.write_text(
        "{" + R100 + ',"epoch":2.0,"quote":1}\n\n   \n{' + R100 + ',"epoch":4,"quote":2}\n'
    )
    assert [(t.epoch, t.pip_size) for t in ticks_of(open_source(jsonl))] == [(2, 2), (4, 2)]
    csv = tmp_path / "t.csv"
    csv.write_text("epoch,quote,symbol,pip_size\n2,1.5,R_100,\n\n4,2.5,R_100,3\n")
    assert [(t.epoch, t.pip_size) for t in ticks_of(open_source(csv))] == [(2, 2), (4, 3)]


def test_an_empty_csv_has_no_ticks(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("")
    source = open_source(path)
    assert source.progress() == 0.0  # not started
    assert ticks_of(source) == []


def test_csv_that_is_not_utf8_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes(b"epoch,quote,symbol\n1,2,R_\xff\xfe100\n")
    with pytest.raises(TickFileError, match=r"t\.csv: cannot read: .*utf-8"):
        ticks_of(open_source(path))


@pytest.mark.parametrize("name", ["t.jsonl", "t.csv"])
def test_progress_follows_the_bytes_read(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    with TickWriter(path) as writer:
        for i in range(30):
            writer.write(Tick("R_100", 1000 + 2 * i, 100.0 + i, 2))
    source = open_source(path, chunk_size=10)
    assert source.progress() == 0.0
    seen = []
    for chunk in source.chunks():
        assert len(chunk) == 10
        fraction = source.progress()
        assert fraction is not None
        seen.append(fraction)
    assert seen == sorted(seen) and 0.0 < seen[0] <= 1.0
    assert source.progress() == 1.0  # the file is closed: the replay is over


def test_last_tick_reads_back_past_a_long_line_and_skips_blank_tails(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    long_note = "x" * 20_000
    path.write_text(
        "{" + R100 + ',"epoch":1,"quote":1}\n'
        "{" + R100 + f',"epoch":3,"quote":2.5,"note":"{long_note}"}}\n'
    )
    assert last_tick(path) == Tick("R_100", 3, 2.5, 2)
    blank = tmp_path / "blank.jsonl"
    blank.write_text("\n\n  \n")
    assert last_tick(blank) is None


def test_last_tick_of_compressed_and_csv_files_scans_them(tmp_path: Path) -> None:
    for name in ("t.jsonl.gz", "t.csv"):
        path = tmp_path / name
        with TickWriter(path) as writer:
            writer.write_many([Tick("R_100", 10, 1.0, 2), Tick("R_100", 12, 1.5, 2)])
        assert last_tick(path) == Tick("R_100", 12, 1.5, 2)
    assert gzip.decompress((tmp_path / "t.jsonl.gz").read_bytes()).count(b"\n") == 2


def test_parquet_cannot_be_written(tmp_path: Path) -> None:
    with pytest.raises(TickFileError, match=r"read only; write \.jsonl or \.csv \(optionally"):
        TickWriter(tmp_path / "t.parquet")


def test_a_writer_does_not_offer_parquet(tmp_path: Path) -> None:
    # What a writer refuses, it must not suggest: the list names only writable kinds.
    with pytest.raises(TickFileError) as raised:
        TickWriter(tmp_path / "t.txt")
    assert str(raised.value).endswith("unknown tick file type; use .jsonl or .csv (optionally .gz)")
    with pytest.raises(TickFileError, match=r"or \.parquet$"):
        open_source(tmp_path / "t.txt")  # a reader does read Parquet


def test_a_writer_creates_its_file_with_the_first_tick(tmp_path: Path) -> None:
    for name in ("t.jsonl", "t.csv", "t.csv.gz", "sub/t.jsonl"):
        path = tmp_path / name
        with TickWriter(path) as writer:
            writer.flush()
        assert not path.exists()  # nothing written, nothing left behind
        with TickWriter(path) as writer:
            writer.write(Tick("R_100", 10, 1.0, 2))
        assert last_tick(path) == Tick("R_100", 10, 1.0, 2)


def test_overwriting_a_csv_starts_a_new_header(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("something else\n")
    with TickWriter(path, append=False) as writer:
        writer.write(Tick("R_100", 10, 1.0, 2))
    assert path.read_text() == "epoch,quote,symbol,pip_size\n10,1.00,R_100,2\n"


class TestParquet:
    """Parquet sources (pyarrow is optional)."""

    @pytest.fixture(autouse=True)
    def pyarrow(self) -> Any:
        return pytest.importorskip("pyarrow", reason="Parquet support needs pyarrow")

    def write(self, path: Path, columns: dict[str, list[Any]]) -> None:
        pa: Any = importlib.import_module("pyarrow")
        pq: Any = importlib.import_module("pyarrow.parquet")
        pq.write_table(pa.table(columns), path)

    def test_missing_file_column_and_garbage_are_clear_errors(self, tmp_path: Path) -> None:
        with pytest.raises(TickFileError, match="no such tick file"):
            open_source(tmp_path / "none.parquet")
        path = tmp_path / "cols.parquet"
        self.write(path, {"epoch": [1], "quote": [1.0]})
        with pytest.raises(TickFileError, match=r"cols\.parquet: missing column\(s\) symbol"):
            open_source(path)
        garbage = tmp_path / "garbage.parquet"
        garbage.write_bytes(b"not parquet at all")
        with pytest.raises(TickFileError, match=r"garbage\.parquet: cannot read: "):
            open_source(garbage)

    def test_pip_size_column_with_gaps_and_progress(self, tmp_path: Path) -> None:
        path = tmp_path / "t.parquet"
        self.write(
            path,
            {
                "epoch": [1, 3, 5],
                "quote": [1.0, 2.0, 3.0],
                "symbol": ["R_100"] * 3,
                "pip_size": [4, None, 4],
            },
        )
        source = open_source(path, chunk_size=2)
        assert source.progress() == 0.0
        got = ticks_of(source)
        assert [t.pip_size for t in got] == [4, 2, 4]  # a gap takes the symbol's own
        assert source.progress() == 1.0

    def test_an_empty_table_is_done_at_once(self, tmp_path: Path) -> None:
        path = tmp_path / "empty.parquet"
        self.write(path, {"epoch": [], "quote": [], "symbol": []})
        source = open_source(path)
        assert ticks_of(source) == [] and source.progress() == 1.0

    def test_parquet_out_of_order_names_the_row(self, tmp_path: Path) -> None:
        path = tmp_path / "t.parquet"
        self.write(path, {"epoch": [5, 5], "quote": [1.0, 2.0], "symbol": ["R_100"] * 2})
        with pytest.raises(TickFileError, match=r"t\.parquet:2: epoch 5 of R_100 is not after"):
            ticks_of(open_source(path))


def test_parquet_without_pyarrow_says_how_to_get_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "t.parquet"
    path.write_bytes(b"PAR1")
    monkeypatch.setitem(sys.modules, "pyarrow.parquet", None)  # import -> ImportError
    with pytest.raises(TickFileError) as raised:
        open_source(path)
    assert str(raised.value).endswith("reading Parquet needs pyarrow (pip install pyarrow)")


def test_a_bad_parquet_value_names_its_row(tmp_path: Path) -> None:
    pa: Any = pytest.importorskip("pyarrow", reason="Parquet support needs pyarrow")
    pq: Any = importlib.import_module("pyarrow.parquet")
    for n, (epochs, quotes, message) in enumerate(
        [
            ([1, 2], [100.0, -1.0], ":2: quote: a price must be above zero"),
            ([1, None], [100.0, 101.0], ":2: epoch: expected an integer, got None"),
        ]
    ):
        path = tmp_path / f"bad{n}.parquet"
        table = pa.table({"epoch": epochs, "quote": quotes, "symbol": ["R_100", "R_100"]})
        pq.write_table(table, path)
        with pytest.raises(TickFileError, match=re.escape(message)):
            ticks_of(open_source(path))
