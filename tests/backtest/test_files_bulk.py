"""Tick files parsed a block at a time read exactly as line by line: ticks, errors, lines."""

from __future__ import annotations

import gzip
import importlib
from pathlib import Path
from typing import Any

import pytest

from framework.backtest import TickFileError, TickWriter, open_source
from framework.backtest import files as files_module
from framework.backtest.sources import SyntheticSource
from framework.deriv.models import Tick

CHUNK = 4  # lines per block too: the cases below cross block boundaries

Outcome = tuple[str, object]


def outcome(path: Path) -> Outcome:
    try:
        chunks = [list(c) for c in open_source(path, chunk_size=CHUNK).chunks()]
    except TickFileError as exc:
        return "error", str(exc)
    assert all(len(c) == CHUNK for c in chunks[:-1])
    ticks = [t for c in chunks for t in c]
    assert all(type(t) is Tick and type(t.pip_size) is int for t in ticks)
    return "ticks", [tuple(t) for t in ticks]


def line_by_line(path: Path, monkeypatch: pytest.MonkeyPatch) -> Outcome:
    with monkeypatch.context() as m:
        m.setattr(files_module.JsonLinesSource, "_fast", staticmethod(lambda lines, c: None))
        m.setattr(files_module._CsvColumns, "fast", lambda self, rows, c: None)
        return outcome(path)


def tick(symbol: str, epoch: object, quote: object, pip: object = 2) -> str:
    return f'{{"symbol":"{symbol}","epoch":{epoch},"quote":{quote},"pip_size":{pip}}}'


GOOD = [tick("R_100", 10 + i, f"{100 + i}.25") for i in range(9)]

JSON_CASES = {
    "canonical": GOOD,
    "two symbols": [tick("R_100" if i % 2 else "R_50", 10 + i // 2, "1.5") for i in range(9)],
    "blank lines": [*GOOD[:5], "", "   ", *GOOD[5:], tick("R_100", 1, "1.0")],
    "leading blanks": [*GOOD[:5], "  " + GOOD[5], *GOOD[6:]],
    "spaced like json.dumps": [t.replace(":", ": ").replace(",", ", ") for t in GOOD],
    "two values on a line": [*GOOD[:6], GOOD[6] + " " + GOOD[7]],
    "a comma after": [*GOOD[:6], GOOD[6] + ","],
    "a vertical tab after": [*GOOD[:6], GOOD[6] + "\x0b"],
    "float epoch": [*GOOD[:6], tick("R_100", "16.0", "1.0"), tick("R_100", 17, "1.0")],
    "int quote": [*GOOD[:6], tick("R_100", 16, 7)],
    "bool quote": [*GOOD[:6], tick("R_100", 16, "true")],
    "nan quote": [*GOOD[:6], tick("R_100", 16, "NaN")],
    "pip size left out": [t.replace(',"pip_size":2', "") for t in GOOD],
    "pip size null": [t.replace('"pip_size":2', '"pip_size":null') for t in GOOD],
    "some pip sizes left out": [*GOOD[:5], *(t.replace(',"pip_size":2', "") for t in GOOD[5:])],
    "unknown symbol, no pip size": [*GOOD[:6], '{"symbol":"XX","epoch":1,"quote":1.0}'],
    "pip size 11": [*GOOD[:6], tick("R_100", 16, "1.0", 11)],
    "pip size 2.0": [*GOOD[:6], tick("R_100", 16, "1.0", "2.0")],
    "pip size true": [*GOOD[:6], tick("R_100", 16, "1.0", "true")],
    "out of order in the second block": [*GOOD[:6], tick("R_100", 12, "1.0")],
    "out of order across blocks": [*GOOD[:4], tick("R_100", 13, "1.0")],
    "one symbol out of order among two": [
        tick("R_50", 5, "1.0"),
        *GOOD[:5],
        tick("R_50", 5, "1.0"),
    ],
    "missing quote": [*GOOD[:6], '{"symbol":"R_100","epoch":16}'],
    "empty symbol": [*GOOD[:6], tick("", 16, "1.0")],
    "an array": [*GOOD[:6], "[1, 2]"],
    "a value split over two lines": [
        *GOOD[:4],
        '{"symbol":"R_100","epoch":20,"quote":1.0,"pip_size":2,"x":[{"b":1}',
        '{"c":2}]}',
        GOOD[0] + "," + GOOD[1],
    ],
}


def write(path: Path, lines: list[str], *, raw: bytes = b"") -> Path:
    data = raw or "".join(line + "\n" for line in lines).encode()
    if path.name.endswith(".gz"):
        data = gzip.compress(data)
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("case", sorted(JSON_CASES))
@pytest.mark.parametrize("suffix", [".jsonl", ".jsonl.gz"])
def test_json_lines_read_as_line_by_line(
    case: str, suffix: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path / f"ticks{suffix}", JSON_CASES[case])
    assert outcome(path) == line_by_line(path, monkeypatch)


def test_not_utf8_is_named_by_its_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    raw = ("\n".join(GOOD[:6]) + "\n").encode() + b'{"symbol":"R_\xff"}\n'
    path = write(tmp_path / "ticks.jsonl", [], raw=raw)
    kind, message = outcome(path)
    assert (kind, message) == line_by_line(path, monkeypatch)
    assert kind == "error" and str(message).startswith(f"{path}:7: not JSON"), message


HEADER = "epoch,quote,symbol,pip_size"
ROWS = [f"{10 + i},{100 + i}.25,R_100,2" for i in range(9)]

CSV_CASES = {
    "canonical": [HEADER, *ROWS],
    "any order, no pip size": ["symbol,quote,epoch", *(f"R_100,1.5,{i}" for i in range(9))],
    "blank pip sizes": [HEADER, *ROWS[:5], "16,1.0,R_100,", "17,1.0,R_100, "],
    "blank lines": [HEADER, *ROWS[:5], "", *ROWS[5:], "1,1.0,R_100,2"],
    "too few fields": [HEADER, *ROWS[:6], "16,1.0,R_100"],
    "bad epoch": [HEADER, *ROWS[:6], "1.5,1.0,R_100,2"],
    "spaced fields": [HEADER, *(r.replace(",", ", ") for r in ROWS)],
    "nan quote": [HEADER, *ROWS[:6], "16,nan,R_100,2"],
    "huge quotes": [HEADER, *(f"{i},1e308,R_100,2" for i in range(9))],
    "pip size 11": [HEADER, *ROWS[:6], "16,1.0,R_100,11"],
    "unknown symbol": ["epoch,quote,symbol", "1,1.0,R_100", "2,1.0,XX"],
    "out of order": [HEADER, *ROWS[:6], "12,1.0,R_100,2"],
    "two symbols out of order": [HEADER, "5,1.0,R_50,2", *ROWS[:5], "5,1.0,R_50,2"],
    "empty symbol": [HEADER, *ROWS[:6], "16,1.0, ,2"],
    "a quote mark inside a field": [HEADER, *ROWS[:6], '16,1.0,"R_100"x,2'],
    "a field across lines in a block": [
        "epoch,quote,symbol,note",
        "1,1.0,R_100,a",
        '2,1.0,R_100,"two',
        'lines"',
        "3,1.0,R_100,c",
        "4,1.0,R_100,d",
        "5,1.0,R_100,e",
        "5,1.0,R_100,f",
    ],
    "a field across blocks": [
        "epoch,quote,symbol,note",
        *(f"{i},1.0,R_100,n" for i in range(1, 4)),
        '4,1.0,R_100,"runs',
        "on",
        'and on"',
        *(f"{i},1.0,R_100,n" for i in range(5, 12)),
        "x,1.0,R_100,n",
    ],
}


@pytest.mark.parametrize("case", sorted(CSV_CASES))
@pytest.mark.parametrize("suffix", [".csv", ".csv.gz"])
def test_csv_reads_as_row_by_row(
    case: str, suffix: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path / f"ticks{suffix}", CSV_CASES[case])
    assert outcome(path) == line_by_line(path, monkeypatch)


@pytest.mark.parametrize(
    ("case", "where"),
    [
        ("out of order", 8),
        ("a field across blocks", 15),
        ("a field across lines in a block", 8),
        ("blank pip sizes", None),
    ],
)
def test_csv_names_the_bad_line(tmp_path: Path, case: str, where: int | None) -> None:
    path = write(tmp_path / "ticks.csv", CSV_CASES[case])
    kind, message = outcome(path)
    if where is None:
        assert kind == "ticks"
    else:
        assert kind == "error" and str(message).startswith(f"{path}:{where}: "), message


@pytest.mark.parametrize(
    ("case", "where"),
    [
        ("out of order in the second block", 7),
        ("out of order across blocks", 5),
        ("blank lines", 12),
        ("a value split over two lines", 5),
        ("unknown symbol, no pip size", 7),
    ],
)
def test_json_lines_name_the_bad_line(tmp_path: Path, case: str, where: int) -> None:
    path = write(tmp_path / "ticks.jsonl", JSON_CASES[case])
    kind, message = outcome(path)
    assert kind == "error" and str(message).startswith(f"{path}:{where}: "), message


@pytest.mark.parametrize("name", ["t.jsonl", "t.csv", "t.jsonl.gz", "t.csv.gz"])
def test_written_files_take_the_block_path(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What TickWriter writes is read a block at a time, never line by line."""
    ticks = [t for c in SyntheticSource("R_100", 3000, seed=2).chunks() for t in c]
    ticks += [Tick("R_50", t.epoch, t.quote, 4) for t in ticks[:50]]
    ticks.sort(key=lambda t: t.epoch)
    with TickWriter(tmp_path / name) as writer:
        writer.write_many(ticks)
    monkeypatch.setattr(files_module.JsonLinesSource, "_tick", None)
    monkeypatch.setattr(files_module.CsvSource, "_tick", None)
    read = [t for c in open_source(tmp_path / name, chunk_size=1000).chunks() for t in c]
    assert read == [Tick(t.symbol, t.epoch, round(t.quote, t.pip_size), t.pip_size) for t in ticks]


PARQUET_CASES: dict[str, dict[str, list[object]]] = {
    "canonical": {"epoch": [1, 2, 3, 4, 5], "quote": [1.5] * 5, "symbol": ["R_100"] * 5},
    "pip sizes": {
        "epoch": [1, 2, 3, 4, 5],
        "quote": [1.5] * 5,
        "symbol": ["R_100", "R_50", "R_100", "R_50", "R_100"],
        "pip_size": [2, 4, 2, 4, 2],
    },
    "some pip sizes null": {
        "epoch": [1, 2, 3, 4, 5],
        "quote": [1.5] * 5,
        "symbol": ["R_100"] * 5,
        "pip_size": [2, None, 2, None, 2],
    },
    "all pip sizes null": {
        "epoch": [1, 2, 3, 4, 5],
        "quote": [1.5] * 5,
        "symbol": ["R_100"] * 5,
        "pip_size": [None] * 5,
    },
    "pip size 11": {
        "epoch": [1, 2],
        "quote": [1.5] * 2,
        "symbol": ["R_100"] * 2,
        "pip_size": [11, 11],
    },
    "float epochs": {
        "epoch": [1.0, 2.5, 3.0, 4.0, 5.0],
        "quote": [1.5] * 5,
        "symbol": ["R_100"] * 5,
    },
    "int quotes": {"epoch": [1, 2, 3, 4, 5], "quote": [1, 2, 3, 4, 5], "symbol": ["R_100"] * 5},
    "out of order in the second batch": {
        "epoch": [1, 2, 3, 4, 5, 6, 4],
        "quote": [1.5] * 7,
        "symbol": ["R_100"] * 7,
    },
    "unknown symbol": {
        "epoch": [1, 2, 3, 4, 5, 6],
        "quote": [1.5] * 6,
        "symbol": [*["R_100"] * 5, "XX"],
    },
}


@pytest.mark.parametrize("case", sorted(PARQUET_CASES))
def test_parquet_reads_as_row_by_row(
    case: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pa: Any = pytest.importorskip("pyarrow", reason="Parquet support needs pyarrow")
    pq: Any = importlib.import_module("pyarrow.parquet")
    path = tmp_path / "ticks.parquet"
    pq.write_table(pa.table(PARQUET_CASES[case]), path)
    fast = outcome(path)
    with monkeypatch.context() as m:
        m.setattr(files_module.ParquetSource, "_fast", staticmethod(lambda cols, c: None))
        assert fast == outcome(path)
    if case == "out of order in the second batch":
        assert fast == ("error", f"{path}:7: epoch 4 of R_100 is not after its previous tick")
    if case in ("canonical", "pip sizes", "all pip sizes null"):
        monkeypatch.setattr(files_module.ParquetSource, "_row_by_row", None)
        assert outcome(path) == fast  # read a batch at a time
