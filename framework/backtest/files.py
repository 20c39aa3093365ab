"""Tick files: the recording format shared by ``record``, ``download`` and the replay.

Two text formats (optionally gzip-compressed, ``.gz``) and Parquet for reading:

* **JSON lines** (``.jsonl``, ``.ndjson``): one object per line,
  ``{"symbol": "R_100", "epoch": 1700000002, "quote": 1234.50, "pip_size": 2}``.
* **CSV** (``.csv``): a header naming ``epoch``, ``quote`` and ``symbol`` in any order, and
  optionally ``pip_size``.
* **Parquet** (``.parquet``, read only, needs ``pyarrow``): the same columns.

``pip_size`` may be left out for known symbols (the market model knows it); it matters because
digit contracts settle on the last digit of the quote *printed with pip_size decimals*. Writers
always print quotes with exactly ``pip_size`` decimals so the file shows what the server
showed.

A file is read as a stream (one chunk of ticks in memory at a time) and checked as it goes:
each symbol's epochs strictly increase and every field has the right type. The file's order is
the replay's order: a live recording keeps the order in which the bot received the ticks, even
where two symbols' streams interleave a second out of order.
A problem raises :class:`~framework.backtest.errors.TickFileError` naming ``file:line``.

The text readers parse a block of lines at a time: each column goes through one C-level
``map`` and is checked as a whole (types, pip sizes, order). A block that any check refuses
is read again line by line, by the same rules as a single line is, so a bad line is named
by its number with the same message either way, and what the fast path cannot vouch for
(a blank line, a float epoch, a CSV field across lines) is read the slow way.
"""

from __future__ import annotations

import csv
import gzip
import importlib
import io
import json
import math
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import chain, islice, repeat
from operator import itemgetter, lt
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Final, Literal, Self, cast

from framework.deriv.models import Tick
from framework.market.digits import format_quote
from framework.market.symbols import SYMBOLS

from .errors import BacktestError, TickFileError
from .sources import (
    DEFAULT_CHUNK,
    MergedSource,
    TickSource,
    collector_paused,
    parse_synthetic,
    tick_chunk,
)

__all__ = [
    "CsvSource",
    "Format",
    "JsonLinesSource",
    "LineWriter",
    "ParquetSource",
    "TickWriter",
    "file_format",
    "last_tick",
    "open_source",
    "open_sources",
    "parquet_module",
]

Format = Literal["jsonl", "csv", "parquet"]

_SUFFIXES: Final[dict[str, Format]] = {
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "jsonl",
    ".csv": "csv",
    ".parquet": "parquet",
    ".pq": "parquet",
}
_COLUMNS: Final = ("epoch", "quote", "symbol")


def file_format(path: str | os.PathLike[str], *, writing: bool = False) -> tuple[Format, bool]:
    """Tell a tick file's format and compression from its name.

    Args:
        path: the file name (``ticks.jsonl``, ``ticks.csv.gz``, ``ticks.parquet``).
        writing: the file is to be written (``record``, ``download``): Parquet is read only.

    Returns:
        ``(format, gzipped)``.

    Raises:
        TickFileError: an unknown suffix (or Parquet, when ``writing``); the message lists
            only the kinds that can be used.
    """
    p = Path(path)
    suffixes = [s.lower() for s in p.suffixes]
    gz = bool(suffixes) and suffixes[-1] == ".gz"
    if gz:
        suffixes = suffixes[:-1]
    fmt = _SUFFIXES.get(suffixes[-1]) if suffixes else None
    if writing and fmt == "parquet":
        raise TickFileError(
            str(path),
            None,
            "Parquet tick files are read only; write .jsonl or .csv (optionally .gz)",
        )
    if fmt is None or (gz and fmt == "parquet"):
        kinds = (
            ".jsonl or .csv (optionally .gz)"
            if writing
            else ".jsonl, .csv (optionally .gz) or .parquet"
        )
        raise TickFileError(str(path), None, f"unknown tick file type; use {kinds}")
    return fmt, gz


class _Checker:
    """The per-file order and pip-size bookkeeping shared by the readers."""

    __slots__ = ("last_by_symbol", "path", "pips")

    def __init__(self, path: str) -> None:
        self.path = path
        self.last_by_symbol: dict[str, int] = {}
        self.pips: dict[str, int] = {}

    def pip_size(self, symbol: str, line: int) -> int:
        pip = self.pips.get(symbol)
        if pip is None:
            spec = SYMBOLS.get(symbol)
            if spec is None:
                raise TickFileError(
                    self.path, line, f"unknown symbol {symbol!r} and no pip_size given"
                )
            pip = self.pips[symbol] = spec.pip_size
        return pip

    def block(
        self, symbols: list[str], epochs: list[int], quotes: list[float], pips: list[Any] | None
    ) -> list[Tick] | None:
        """Check and build a block of ticks at once, or return None to read it line by line.

        Args:
            symbols: each tick's symbol (non-empty strings).
            epochs: each tick's epoch (integers).
            quotes: each tick's quote (floats).
            pips: each tick's pip size as given (``None``: none of them is given).

        Returns:
            The ticks; None when any of them needs the line-by-line reading (a pip size to
            look up or check, an epoch out of order), which then names the line.
        """
        names = set(symbols)
        # A price is finite and above zero; the line-by-line reading names one that is not.
        if not all(map(math.isfinite, quotes)) or min(quotes) <= 0:
            return None
        if pips is None:
            pip_of = {}
            for symbol in names:
                pip = self.pips.get(symbol)
                if pip is None:
                    spec = SYMBOLS.get(symbol)
                    if spec is None:
                        return None
                    pip = self.pips[symbol] = spec.pip_size
                pip_of[symbol] = pip
            pips = list(map(pip_of.__getitem__, symbols))
        elif set(map(type, pips)) != {int} or min(pips) < 0 or max(pips) > 10:
            return None
        last = self.last_by_symbol
        if len(names) == 1:
            previous = last.get(symbols[0])
            if previous is not None and epochs[0] <= previous:
                return None
            if not all(map(lt, epochs, islice(epochs, 1, None))):
                return None
            last[symbols[0]] = epochs[-1]
        else:
            seen = dict(last)
            for symbol, epoch in zip(symbols, epochs, strict=True):
                previous = seen.get(symbol)
                if previous is not None and epoch <= previous:
                    return None
                seen[symbol] = epoch
            last.update(seen)
        return tick_chunk(symbols, epochs, quotes, pips)

    def check(self, symbol: str, epoch: int, line: int) -> None:
        previous = self.last_by_symbol.get(symbol)
        if previous is not None and epoch <= previous:
            raise TickFileError(
                self.path, line, f"epoch {epoch} of {symbol} is not after its previous tick"
            )
        self.last_by_symbol[symbol] = epoch


def _quote(path: str, line: int, value: Any) -> float:
    """A tick's quote as a float: a finite number above zero, or the line's error."""
    try:
        quote = float(value)
    except OverflowError:  # an integer beyond any float
        raise TickFileError(
            path, line, f"quote: out of range: a {len(str(value))}-digit integer"
        ) from None
    except (TypeError, ValueError):
        raise TickFileError(path, line, f"quote: expected a number, got {value!r}") from None
    if not math.isfinite(quote):
        raise TickFileError(path, line, f"quote: not a finite number: {value!r}")
    if quote <= 0:
        raise TickFileError(path, line, f"quote: a price must be above zero, got {value!r}")
    return quote


def _int(value: Any) -> int | None:
    if type(value) is int:
        return value
    if type(value) is float and value.is_integer():
        return int(value)
    return None


def _whole(value: Any) -> int | None:
    """:func:`_int`, or the integer a text field spells (CSV)."""
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            return None
    return _int(value)


def _pip(path: str, line: int, pip: int | None, value: Any) -> int:
    """Check the pip size a row gives: ``pip``, as read from the field's ``value``."""
    if pip is None or not 0 <= pip <= 10:
        raise TickFileError(path, line, f"pip_size: expected 0-10, got {value!r}")
    return pip


def _check_columns(
    path: str, line: int | None, names: Sequence[str], wanted: Sequence[str]
) -> None:
    """Refuse a header (``line``: the CSV's, None: Parquet's) that lacks a wanted column."""
    missing = [c for c in wanted if c not in names]
    if missing:
        lacks = "header lacks" if line is not None else "lacks"
        found = ", ".join(names)
        raise TickFileError(path, line, f"{lacks} column(s) {', '.join(missing)} (found {found})")


_BLOCK_LINES: Final = 1024
"""Lines parsed at a time: what a block makes and drops stays in the CPU's caches (measured:
blocks of 64k lines take twice as long a line)."""

_SCAN: Final[Callable[[str, int], tuple[Any, int]]] = json.JSONDecoder().scan_once  # type: ignore[attr-defined]
"""The json module's C scanner: ``(text, index) -> (value, end)``, what ``json.loads`` runs."""

_JSON_BLANKS: Final = " \t\n\r"
"""What JSON allows after a value (``str.rstrip()`` alone would take more)."""


class _CsvColumns:
    """Where a CSV file's columns are (from its header) and its rows parsed a block at once."""

    __slots__ = ("epoch", "indexes", "pip", "quote", "symbol", "width")

    def __init__(self, names: list[str]) -> None:
        ie, iq, isym = (names.index(c) for c in _COLUMNS)
        ip = names.index("pip_size") if "pip_size" in names else None
        self.indexes = (ie, iq, isym, ip)
        self.width = len(names)
        self.epoch = itemgetter(ie)
        self.quote = itemgetter(iq)
        self.symbol = itemgetter(isym)
        self.pip = None if ip is None else itemgetter(ip)

    def fast(self, rows: list[list[str]], checker: _Checker) -> list[Tick] | None:
        """Parse rows of well-formed ticks at once (None: read them row by row)."""
        if set(map(len, rows)) != {self.width}:  # also a blank line: []
            return None
        symbols = list(map(str.strip, map(self.symbol, rows)))
        if "" in symbols:
            return None
        try:
            epochs = list(map(int, map(self.epoch, rows)))
            quotes = list(map(float, map(self.quote, rows)))
            # int() strips blanks as the row's check does; an empty pip_size (look it
            # up) is a ValueError here and is read row by row.
            pips = None if self.pip is None else list(map(int, map(self.pip, rows)))
        except ValueError:
            return None
        if not math.isfinite(sum(quotes)):  # a nan or inf (or a sum too big: row by row)
            return None
        return checker.block(symbols, epochs, quotes, pips)


class _FileSource:
    """Shared plumbing of the text readers: opening, gzip, progress by bytes."""

    def __init__(self, path: str | os.PathLike[str], *, chunk_size: int = DEFAULT_CHUNK) -> None:
        self.path = str(path)
        if not os.path.isfile(self.path):
            raise TickFileError(self.path, None, "no such tick file")
        _, self._gz = file_format(self.path)
        self._size = os.path.getsize(self.path)
        self._raw: IO[bytes] | None = None
        self._chunk = chunk_size
        self.name = os.path.basename(self.path)

    def _open_binary(self) -> IO[bytes]:
        raw = open(self.path, "rb")  # noqa: SIM115 - closed by the reader's finally
        self._raw = raw
        if self._gz:
            return cast(IO[bytes], gzip.GzipFile(fileobj=raw, mode="rb"))
        return raw

    def progress(self) -> float | None:
        """Fraction of the file's bytes read (compressed bytes for ``.gz``)."""
        raw = self._raw
        if raw is None or self._size == 0:
            return 0.0 if raw is None else 1.0
        try:
            return min(raw.tell() / self._size, 1.0)
        except (ValueError, OSError):  # closed: the replay is over
            return 1.0


class JsonLinesSource(_FileSource):
    """Ticks from a JSON-lines file (see the module docstring for the format)."""

    def chunks(self) -> Iterator[Sequence[Tick]]:
        """Read the file a chunk at a time."""
        checker = _Checker(self.path)
        size = self._chunk
        out: list[Tick] = []
        before = 0  # lines read before the block
        f = self._open_binary()
        try:
            while lines := list(islice(f, _BLOCK_LINES)):
                out += self._block(lines, before, checker)
                before += len(lines)
                while len(out) >= size:
                    yield out[:size] if len(out) > size else out
                    out = out[size:]
        except (OSError, EOFError) as exc:  # gzip: truncated or corrupt stream
            raise TickFileError(self.path, None, f"cannot read: {exc}") from None
        finally:
            f.close()
            if self._raw is not None:
                self._raw.close()
        if out:
            yield out

    def _block(self, lines: list[bytes], before: int, checker: _Checker) -> list[Tick]:
        """The ticks of a block of lines (``before``: how many lines precede it)."""
        with collector_paused():
            ticks = self._fast(lines, checker)
        if ticks is not None:
            return ticks
        ticks = []
        for number, line in enumerate(lines, before + 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except ValueError as exc:
                raise TickFileError(self.path, number, f"not JSON: {exc}") from None
            ticks.append(self._tick(obj, checker, number))
        return ticks

    @staticmethod
    def _fast(lines: list[bytes], checker: _Checker) -> list[Tick] | None:
        """Parse a block of well-formed tick lines at once (None: read it line by line)."""
        try:
            texts = list(map(bytes.decode, lines))
            # The decoder's C scanner reads one value from the start of each line; a line
            # it stops in (two values, leading blanks, a blank line) ends the map early
            # or leaves text after the value: either way the block goes line by line.
            found = list(map(_SCAN, texts, repeat(0)))
        except ValueError:  # not UTF-8, not JSON
            return None
        if len(found) != len(texts) or list(map(itemgetter(1), found)) != list(
            map(len, map(str.rstrip, texts, repeat(_JSON_BLANKS)))
        ):
            return None
        objs = list(map(itemgetter(0), found))
        if set(map(type, objs)) != {dict}:
            return None
        try:
            symbols = list(map(itemgetter("symbol"), objs))
            epochs = list(map(itemgetter("epoch"), objs))
            quotes = list(map(itemgetter("quote"), objs))
        except KeyError:
            return None
        given = list(map(dict.get, objs, repeat("pip_size")))
        kinds = set(map(type, quotes))
        if (
            set(map(type, symbols)) != {str}
            or "" in symbols
            or set(map(type, epochs)) != {int}
            or not kinds <= {float, int}
        ):
            return None
        if int in kinds:
            try:
                quotes = list(map(float, quotes))
            except OverflowError:  # an integer beyond any float: the line names it
                return None
        pips = None if set(map(type, given)) == {type(None)} else given
        return checker.block(symbols, epochs, quotes, pips)

    def _tick(self, obj: Any, checker: _Checker, number: int) -> Tick:
        if not isinstance(obj, dict):
            raise TickFileError(self.path, number, "expected a JSON object per line")
        try:
            symbol = obj["symbol"]
            epoch = obj["epoch"]
            quote = obj["quote"]
        except KeyError as exc:
            raise TickFileError(self.path, number, f"missing field {exc.args[0]!r}") from None
        if type(symbol) is not str or not symbol:
            raise TickFileError(self.path, number, f"symbol: expected a string, got {symbol!r}")
        if type(epoch) is not int:
            fixed = _int(epoch)
            if fixed is None:
                raise TickFileError(self.path, number, f"epoch: expected an integer, got {epoch!r}")
            epoch = fixed
        if type(quote) not in (float, int):
            raise TickFileError(self.path, number, f"quote: expected a number, got {quote!r}")
        quote = _quote(self.path, number, quote)
        given = obj.get("pip_size")
        if given is None:
            pip = checker.pip_size(symbol, number)
        else:
            pip = _pip(self.path, number, _int(given), given)
        checker.check(symbol, epoch, number)
        return Tick(symbol, epoch, quote, pip)


class CsvSource(_FileSource):
    """Ticks from a CSV file with a header (``epoch,quote,symbol[,pip_size]``)."""

    def chunks(self) -> Iterator[Sequence[Tick]]:
        """Read the file a chunk at a time."""
        checker = _Checker(self.path)
        size = self._chunk
        out: list[Tick] = []
        binary = self._open_binary()
        text = io.TextIOWrapper(binary, encoding="utf-8", newline="")
        try:
            reader = csv.reader(text)
            header = next(reader, None)
            if header is None:
                return
            names = [h.strip().lower() for h in header]
            _check_columns(self.path, 1, names, _COLUMNS)
            columns = _CsvColumns(names)
            before = reader.line_num  # lines read before the block
            while lines := list(islice(text, _BLOCK_LINES)):
                block = self._block(lines, before, columns, checker)
                if block is None:
                    # A quoted field runs across lines (or the CSV is off): the rest of
                    # the file is read as one stream, row by row, as it always could be.
                    for ticks in self._rows(chain(lines, text), before, columns, checker):
                        out += ticks
                        while len(out) >= size:
                            yield out[:size]
                            out = out[size:]
                    break
                out += block
                before += len(lines)
                while len(out) >= size:
                    yield out[:size] if len(out) > size else out
                    out = out[size:]
        except (OSError, EOFError, UnicodeDecodeError, csv.Error) as exc:
            raise TickFileError(self.path, None, f"cannot read: {exc}") from None
        finally:
            text.close()
            if self._raw is not None:
                self._raw.close()
        if out:
            yield out

    def _block(
        self, lines: list[str], before: int, columns: _CsvColumns, checker: _Checker
    ) -> list[Tick] | None:
        """The ticks of a block of lines (``before``: how many lines precede it), or None
        when they are not one row a line."""
        # The rows die before the collector runs again: it would only walk them.
        with collector_paused():
            try:
                rows = list(csv.reader(lines, strict=True))
            except csv.Error:
                return None
            if len(rows) != len(lines):
                return None
            ticks = columns.fast(rows, checker)
            if ticks is not None:
                return ticks
            ticks = []
            for number, row in enumerate(rows, before + 1):
                if row:
                    ticks.append(self._row(row, columns, checker, number))
            return ticks

    def _rows(
        self, lines: Iterable[str], before: int, columns: _CsvColumns, checker: _Checker
    ) -> Iterator[list[Tick]]:
        """Read ``lines`` row by row, in lists of ticks (``before``: lines preceding)."""
        reader = csv.reader(lines)
        ticks: list[Tick] = []
        for row in reader:
            if row:
                ticks.append(self._row(row, columns, checker, before + reader.line_num))
            if len(ticks) >= self._chunk:
                yield ticks
                ticks = []
        yield ticks

    def _row(self, row: list[str], columns: _CsvColumns, checker: _Checker, number: int) -> Tick:
        if len(row) != columns.width:
            raise TickFileError(
                self.path, number, f"expected {columns.width} fields, got {len(row)}"
            )
        return self._tick(row, *columns.indexes, checker, number)

    def _tick(
        self,
        row: list[str],
        ie: int,
        iq: int,
        isym: int,
        ip: int | None,
        checker: _Checker,
        number: int,
    ) -> Tick:
        symbol = row[isym].strip()
        if not symbol:
            raise TickFileError(self.path, number, "symbol: empty")
        try:
            epoch = int(row[ie])
        except ValueError:
            raise TickFileError(
                self.path, number, f"epoch: expected an integer, got {row[ie]!r}"
            ) from None
        quote = _quote(self.path, number, row[iq])
        if ip is not None and row[ip].strip():
            pip = _pip(self.path, number, _whole(row[ip]), row[ip])
        else:
            pip = checker.pip_size(symbol, number)
        checker.check(symbol, epoch, number)
        return Tick(symbol, epoch, quote, pip)


def parquet_module(path: str) -> Any:
    """Import ``pyarrow.parquet`` to read ``path``, or say in one line that it is missing.

    Raises:
        TickFileError: pyarrow is not installed.
    """
    try:
        # Imported by name: pyarrow is optional and ships no type information.
        return importlib.import_module("pyarrow.parquet")
    except ImportError:
        raise TickFileError(
            path, None, "reading Parquet needs pyarrow (pip install pyarrow)"
        ) from None


class ParquetSource:
    """Ticks from a Parquet file (columns ``epoch``, ``quote``, ``symbol``, ``pip_size``?).

    Needs ``pyarrow``; read a record batch at a time, checked as a whole like a block of a
    text file (a batch any check refuses is read row by row).
    """

    def __init__(self, path: str | os.PathLike[str], *, chunk_size: int = DEFAULT_CHUNK) -> None:
        """Open the file's metadata.

        Args:
            path: the file.
            chunk_size: rows per batch.

        Raises:
            TickFileError: pyarrow missing, no such file, or missing columns.
        """
        self.path = str(path)
        pq = parquet_module(self.path)
        if not os.path.isfile(self.path):
            raise TickFileError(self.path, None, "no such tick file")
        try:
            self._file = pq.ParquetFile(self.path)
        except Exception as exc:  # pyarrow raises its own ArrowInvalid and friends
            raise TickFileError(self.path, None, f"cannot read: {exc}") from None
        names = set(self._file.schema_arrow.names)
        missing = [c for c in _COLUMNS if c not in names]
        if missing:
            raise TickFileError(self.path, None, f"missing column(s) {', '.join(missing)}")
        self._columns = [*_COLUMNS, "pip_size"] if "pip_size" in names else list(_COLUMNS)
        self._rows = int(self._file.metadata.num_rows)
        self._done = 0
        self._chunk = chunk_size
        self.name = os.path.basename(self.path)

    def chunks(self) -> Iterator[Sequence[Tick]]:
        """Read a record batch at a time."""
        checker = _Checker(self.path)
        row = 0
        for batch in self._file.iter_batches(batch_size=self._chunk, columns=self._columns):
            cols = [batch.column(name).to_pylist() for name in self._columns]
            with collector_paused():
                out = self._fast(cols, checker)
            if out is None:
                out = self._row_by_row(cols, row, checker)
            row += len(cols[0])
            self._done = row
            if out:
                yield out

    @staticmethod
    def _fast(cols: list[list[Any]], checker: _Checker) -> list[Tick] | None:
        """A batch's ticks at once (None: row by row, which names the row)."""
        epochs = cols[0]
        # A float epoch column goes row by row: only a whole number is an epoch.
        if set(map(type, epochs)) != {int}:
            return None
        try:
            quotes = list(map(float, cols[1]))
        except (TypeError, ValueError, OverflowError):
            return None
        pips = cols[3] if len(cols) == 4 else None
        if pips is not None and None in pips:
            if pips.count(None) != len(pips):
                return None
            pips = None
        return checker.block(cols[2], epochs, quotes, pips)

    @staticmethod
    def _row_by_row(cols: list[list[Any]], before: int, checker: _Checker) -> list[Tick]:
        """A batch's ticks row by row (``before``: rows preceding the batch)."""
        pips = cols[3] if len(cols) == 4 else [None] * len(cols[0])
        out: list[Tick] = []
        row = before
        for epoch, quote, symbol, pip in zip(cols[0], cols[1], cols[2], pips, strict=True):
            row += 1
            whole = _int(epoch)
            if whole is None:
                raise TickFileError(checker.path, row, f"epoch: expected an integer, got {epoch!r}")
            price = _quote(checker.path, row, quote)
            if pip is None:
                pip = checker.pip_size(symbol, row)
            checker.check(symbol, whole, row)
            out.append(Tick(symbol, whole, price, int(pip)))
        return out

    def progress(self) -> float | None:
        """Fraction of the rows read."""
        return self._done / self._rows if self._rows else 1.0


def open_source(spec: str | os.PathLike[str], *, chunk_size: int = DEFAULT_CHUNK) -> TickSource:
    """Open a tick source from a file path or a ``synthetic:SYMBOL:COUNT[:SEED]`` spec.

    Args:
        spec: the path or synthetic spec.
        chunk_size: ticks per chunk.

    Returns:
        The source.

    Raises:
        TickFileError: an unreadable or unknown kind of file.
        BacktestError: a malformed synthetic spec.
    """
    text = os.fspath(spec)
    if text.startswith("synthetic:"):
        return parse_synthetic(text)
    fmt, _ = file_format(text)
    if fmt == "csv":
        return CsvSource(text, chunk_size=chunk_size)
    if fmt == "parquet":
        return ParquetSource(text, chunk_size=chunk_size)
    return JsonLinesSource(text, chunk_size=chunk_size)


def open_sources(
    specs: Sequence[str | os.PathLike[str]], candles: Sequence[str | os.PathLike[str]] = ()
) -> TickSource:
    """Open several sources and merge them by time (one source passes through).

    Args:
        specs: paths or synthetic specs.
        candles: candle files (:mod:`~framework.backtest.candlefiles`), replayed as ticks.

    Returns:
        The merged source.

    Raises:
        BacktestError: nothing given.
    """
    sources = [open_source(s) for s in specs]
    if candles:
        from .candlefiles import CandleSource  # it builds on this module

        sources.append(CandleSource(candles))
    if not sources:
        raise BacktestError("nothing to replay: no tick or candle file given")
    return sources[0] if len(sources) == 1 else MergedSource(sources)


class LineWriter:
    """What the tick and candle writers share: one line per record, appended to a text file.

    The file is opened (and created) with the first line, so a download or recording that
    fails before it leaves no empty file behind; a CSV file starts with :attr:`HEADER`, and
    one to append to must already have it. Use as a context manager.
    """

    HEADER: str = ""
    """The CSV header of a new file (empty: none)."""

    def __init__(self, path: str, gz: bool, *, header: bool, append: bool = True) -> None:
        """Check ``path`` for appending (or truncating, when ``append`` is false).

        Args:
            path: the file.
            gz: gzip-compressed.
            header: the file has a CSV header (:attr:`HEADER`).
            append: keep what is already there.

        Raises:
            TickFileError: an existing file to append to with another header.
        """
        self.path = path
        self._gz = gz
        exists = os.path.isfile(self.path) and os.path.getsize(self.path) > 0
        if header and exists and append:
            self._check_header()
        self._append = append
        self._header = header and not (exists and append)
        self._file: IO[bytes] | None = None
        self.written = 0

    def _check_header(self) -> None:
        opener: Any = gzip.open if self._gz else open
        with opener(self.path, "rt", encoding="utf-8") as f:
            first = f.readline().strip()
        if first.replace(" ", "").lower() != self.HEADER:
            raise TickFileError(
                self.path, 1, f"cannot append: header is {first!r}, expected {self.HEADER!r}"
            )

    def _open(self) -> IO[bytes]:
        mode = "ab" if self._append else "wb"
        Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        f: IO[bytes] = (
            cast(IO[bytes], gzip.open(self.path, mode)) if self._gz else open(self.path, mode)  # noqa: SIM115 - closed by close()
        )
        if self._header:
            f.write((self.HEADER + "\n").encode())
        self._file = f
        return f

    def _line(self, line: str) -> None:
        f = self._file if self._file is not None else self._open()
        f.write(line.encode())
        self.written += 1

    def flush(self) -> None:
        """Push written lines to the operating system (after each batch or page)."""
        if self._file is not None:
            self._file.flush()

    def close(self) -> None:
        """Flush and close (a writer that wrote nothing has created nothing)."""
        if self._file is not None:
            self._file.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class TickWriter(LineWriter):
    """Appends ticks to a JSON-lines or CSV file (``record``, ``download``).

    Quotes are printed with exactly ``pip_size`` decimals. A new CSV file gets a header; an
    existing one must have the writer's header. The file is opened (and created) with the
    first tick, so a download or recording that fails before its first tick leaves no empty
    file behind. Use as a context manager.
    """

    HEADER = "epoch,quote,symbol,pip_size"

    def __init__(self, path: str | os.PathLike[str], *, append: bool = True) -> None:
        """Check ``path`` for appending (or truncating, when ``append`` is false).

        Args:
            path: a ``.jsonl``/``.csv`` file, optionally ``.gz``.
            append: keep what is already there.

        Raises:
            TickFileError: not a writable kind of tick file, or an incompatible CSV header.
        """
        fmt, gz = file_format(path, writing=True)
        super().__init__(str(path), gz, header=fmt == "csv", append=append)
        self._fmt = fmt

    def write(self, tick: Tick) -> None:
        """Append one tick."""
        symbol, epoch, quote, pip = tick
        text = format_quote(quote, pip)
        if self._fmt == "csv":
            self._line(f"{epoch},{text},{symbol},{pip}\n")
        else:
            name = json.dumps(symbol)
            self._line(f'{{"symbol":{name},"epoch":{epoch},"quote":{text},"pip_size":{pip}}}\n')

    def write_many(self, ticks: Sequence[Tick]) -> None:
        """Append ticks in order."""
        for tick in ticks:
            self.write(tick)


def last_tick(path: str | os.PathLike[str]) -> Tick | None:
    """Return the last tick of a file, or None when it has none (resuming a download).

    Plain files are read from the end; compressed ones are scanned.

    Args:
        path: a tick file.

    Returns:
        Its last tick.

    Raises:
        TickFileError: an unreadable file.
    """
    text = os.fspath(path)
    if not os.path.isfile(text) or os.path.getsize(text) == 0:
        return None
    fmt, gz = file_format(text)
    if fmt == "jsonl" and not gz:
        with open(text, "rb") as f:
            size = f.seek(0, os.SEEK_END)
            block = 4096
            while True:
                start = max(0, size - block)
                f.seek(start)
                data = f.read(size - start)
                lines = [ln for ln in data.splitlines() if ln.strip()]
                # A complete last line is one preceded by a newline (or the file start).
                if len(lines) >= 2 or start == 0:
                    break
                block *= 4
        if not lines:
            return None
        try:
            obj = json.loads(lines[-1])
        except ValueError:
            raise TickFileError(
                text, None, "the last line is incomplete (an interrupted write?); remove it"
            ) from None
        return JsonLinesSource(text)._tick(obj, _Checker(text), 0)
    last: Tick | None = None
    for chunk in open_source(text).chunks():
        last = chunk[-1]
    return last
