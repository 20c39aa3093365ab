"""Candle files: OHLC bars as a replay source for candle strategies, coarser than ticks.

A candle file holds closed bars, one per row:

* **CSV** (``.csv``, optionally ``.gz``): a header naming ``epoch`` (the bar's open time),
  ``open``, ``high``, ``low``, ``close`` and ``symbol`` in any order, and optionally
  ``granularity`` (seconds) and ``pip_size``;
* **Parquet** (``.parquet``, ``.pq``, needs ``pyarrow``): the same columns.

Without a ``granularity`` column a symbol's granularity is the smallest step between its
bars (it must be one Deriv offers). ``pip_size`` may be left out for known symbols, as in tick
files. A file is read whole (bars are few: a year of 1-minute bars is half a million rows) and
checked at once; a problem raises :class:`~framework.backtest.errors.TickFileError` naming
``file:line`` (for Parquet, ``file:row``): each bar must open on its granularity
(``epoch % granularity == 0``), hold ``low <= open, close <= high``, and come after the
previous bar of its symbol.

**Coarser than ticks.** A replay runs on ticks, so :class:`CandleSource` replays each bar as
at most four ticks inside its interval: the open at the bar's open time, then the low and the
high (the high first when the bar closed below its open), at one and two thirds of the
interval, and the close in its last second; a tick equal to the one before it is left out. The
one candle rule (:mod:`framework.market.candles`) then rebuilds exactly the file's bars, at the
file's granularity and at every multiple of it, so ``on_candle``, ``ctx.candles`` and
indicators see the file's numbers. Everything that reads single ticks sees these made-up
ones: ``on_tick``, ``ctx.ticks``, contracts counted in ticks, the path a barrier or a
stop-out is checked on. A series finer than the file cannot be built from it and is refused
(:func:`check_candle_setup`). The last bar of a file never closes: no later tick arrives.

:class:`CandleWriter` writes the CSV form (``triobot download --granularity``).
"""

from __future__ import annotations

import csv
import gzip
import heapq
import itertools
import math
import os
from collections.abc import Iterator, Sequence
from typing import Any, Final

import attrs

from framework.deriv.models import Candle, Tick
from framework.market.candles import GRANULARITIES, OFFERED, open_time
from framework.market.digits import format_quote

from .errors import BacktestError, TickFileError
from .files import (
    LineWriter,
    _check_columns,
    _Checker,
    _pip,
    _whole,
    file_format,
    parquet_module,
)
from .sources import DEFAULT_CHUNK, MergedSource, TickSource

__all__ = [
    "CANDLE_NOTE",
    "CandleInput",
    "CandleSource",
    "CandleWriter",
    "bar_ticks",
    "candle_inputs",
    "candle_replay_warnings",
    "check_candle_setup",
    "read_candles",
]

CANDLE_NOTE: Final = "each replayed as up to 4 ticks inside it (coarser than ticks)"
"""What a replay from candles is, said the same way on the console and in the report."""

_COLUMNS: Final = ("epoch", "open", "high", "low", "close", "symbol")
_KINDS: Final = "candle files are .csv (optionally .gz) or .parquet"


@attrs.frozen
class CandleInput:
    """The bars of one symbol a replay was fed from a candle file.

    Attributes:
        symbol: the symbol.
        granularity: seconds per bar.
        bars: how many bars.
        file: the file's name.
    """

    symbol: str
    granularity: int
    bars: int
    file: str

    def as_dict(self) -> dict[str, Any]:
        """The JSON-ready form (``summary.json``)."""
        return attrs.asdict(self)

    def text(self) -> str:
        """One line for the console and the report."""
        return f"{self.bars:,} {self.granularity}-second bars of {self.symbol} from {self.file}"


@attrs.frozen
class _Row:
    line: int
    symbol: str
    epoch: int
    open: float
    high: float
    low: float
    close: float
    granularity: int | None
    pip: int | None


def read_candles(path: str | os.PathLike[str]) -> dict[str, tuple[list[Candle], int]]:
    """Read and check a whole candle file (see the module docstring for the format).

    Args:
        path: the file.

    Returns:
        Per symbol, in the order they first appear: its bars (oldest first, named with the
        symbol and granularity) and its pip size.

    Raises:
        TickFileError: an unknown kind of file, or a bad row (naming ``file:line``).
    """
    text = os.fspath(path)
    try:
        fmt, _ = file_format(text)
    except TickFileError:
        raise TickFileError(text, None, f"unknown candle file type; {_KINDS}") from None
    if fmt == "jsonl":
        raise TickFileError(text, None, f"not a candle file; {_KINDS}")
    if not os.path.isfile(text):
        raise TickFileError(text, None, "no such candle file")
    rows = _parquet_rows(text) if fmt == "parquet" else _csv_rows(text)
    return _bars(text, rows)


def _csv_rows(path: str) -> list[_Row]:
    opener: Any = gzip.open if path.lower().endswith(".gz") else open
    try:
        with opener(path, "rt", encoding="utf-8", newline="") as f:
            records = list(csv.reader(f))
    except (OSError, EOFError, UnicodeDecodeError, csv.Error) as exc:
        raise TickFileError(path, None, f"cannot read: {exc}") from None
    if not records:
        return []
    names = [h.strip().lower() for h in records[0]]
    _check_columns(path, 1, names, _COLUMNS)
    index = [names.index(c) for c in _COLUMNS]
    ig = names.index("granularity") if "granularity" in names else None
    ip = names.index("pip_size") if "pip_size" in names else None
    width = len(names)
    out = []
    # Line numbers are the file's when no field spans lines (numbers never do).
    for number, row in enumerate(records[1:], 2):
        if not row:
            continue
        if len(row) != width:
            raise TickFileError(path, number, f"expected {width} fields, got {len(row)}")
        values = [row[i] for i in index]
        extra = (
            None if ig is None or not row[ig].strip() else row[ig],
            None if ip is None or not row[ip].strip() else row[ip],
        )
        out.append(_row(path, number, values, *extra))
    return out


def _parquet_rows(path: str) -> list[_Row]:
    pq = parquet_module(path)
    try:
        table = pq.read_table(path)
    except Exception as exc:  # pyarrow raises its own ArrowInvalid and friends
        raise TickFileError(path, None, f"cannot read: {exc}") from None
    names = [str(n).lower() for n in table.column_names]
    _check_columns(path, None, names, _COLUMNS)
    columns = [table.column(table.column_names[names.index(c)]).to_pylist() for c in _COLUMNS]
    n = len(columns[0])
    optional = [
        table.column(table.column_names[names.index(c)]).to_pylist() if c in names else [None] * n
        for c in ("granularity", "pip_size")
    ]
    return [
        _row(path, i + 1, [col[i] for col in columns], optional[0][i], optional[1][i])
        for i in range(n)
    ]


def _row(path: str, number: int, values: list[Any], granularity: Any, pip: Any) -> _Row:
    epoch_v, open_v, high_v, low_v, close_v, symbol_v = values
    symbol = str(symbol_v).strip() if symbol_v is not None else ""
    if not symbol:
        raise TickFileError(path, number, "symbol: empty")
    epoch = _whole(epoch_v)
    if epoch is None:
        raise TickFileError(path, number, f"epoch: expected an integer, got {epoch_v!r}")
    prices = []
    for name, value in zip(
        ("open", "high", "low", "close"), (open_v, high_v, low_v, close_v), strict=True
    ):
        try:
            number_v = float(value)
        except (TypeError, ValueError):
            raise TickFileError(path, number, f"{name}: expected a number, got {value!r}") from None
        if not math.isfinite(number_v):
            raise TickFileError(path, number, f"{name}: not a finite number: {value!r}")
        prices.append(number_v)
    o, h, low, c = prices
    if not low <= min(o, c) or not max(o, c) <= h:
        raise TickFileError(
            path, number, f"not a bar: low {low:g} <= open {o:g}, close {c:g} <= high {h:g} fails"
        )
    g = None
    if granularity is not None:
        g = _whole(granularity)
        if g not in GRANULARITIES:
            raise TickFileError(
                path, number, f"granularity: {granularity!r} is not one of {OFFERED}"
            )
    p = None if pip is None else _pip(path, number, _whole(pip), pip)
    return _Row(number, symbol, epoch, o, h, low, c, g, p)


def _bars(path: str, rows: list[_Row]) -> dict[str, tuple[list[Candle], int]]:
    by_symbol: dict[str, list[_Row]] = {}
    for row in rows:
        by_symbol.setdefault(row.symbol, []).append(row)
    checker = _Checker(path)
    out: dict[str, tuple[list[Candle], int]] = {}
    for symbol, mine in by_symbol.items():
        g = _granularity(path, symbol, mine)
        previous: _Row | None = None
        for row in mine:
            if row.granularity is not None and row.granularity != g:
                raise TickFileError(
                    path,
                    row.line,
                    f"granularity {row.granularity} of {symbol}; its first bar says {g}",
                )
            if open_time(row.epoch, g) != row.epoch:
                raise TickFileError(
                    path,
                    row.line,
                    f"epoch {row.epoch} of {symbol} is not the open time of a {g}-second bar",
                )
            if previous is not None and row.epoch <= previous.epoch:
                raise TickFileError(
                    path,
                    row.line,
                    f"epoch {row.epoch} of {symbol} is not after its previous bar "
                    f"(line {previous.line})",
                )
            previous = row
        first = mine[0]
        pip = first.pip if first.pip is not None else checker.pip_size(symbol, first.line)
        bars = [Candle(r.epoch, r.open, r.high, r.low, r.close, symbol, g) for r in mine]
        out[symbol] = (bars, pip)
    return out


def _granularity(path: str, symbol: str, rows: list[_Row]) -> int:
    """The granularity the rows say, or the smallest step between them."""
    said = rows[0].granularity
    if said is not None:
        return said
    steps = [b.epoch - a.epoch for a, b in itertools.pairwise(rows) if b.epoch > a.epoch]
    if not steps:
        raise TickFileError(
            path,
            rows[0].line,
            f"one bar of {symbol} and no granularity column: add one to say its length",
        )
    step = min(steps)
    if step not in GRANULARITIES:
        raise TickFileError(
            path,
            rows[0].line,
            f"the bars of {symbol} are {step} seconds apart, not one of {OFFERED}; "
            "add a granularity column",
        )
    return step


def bar_ticks(bar: Candle, pip_size: int) -> list[Tick]:
    """The ticks one bar is replayed as (see the module docstring).

    Args:
        bar: a bar with its symbol and granularity.
        pip_size: decimals of the symbol's quotes.

    Returns:
        One to four ticks inside the bar's interval whose aggregation is the bar.
    """
    return list(_path(bar.symbol, (bar,), bar.granularity, pip_size))


def _path(symbol: str, bars: Sequence[Candle], g: int, pip: int) -> Iterator[Tick]:
    first, second, last = g // 3, 2 * g // 3, g - 1
    for bar in bars:
        epoch = bar.epoch
        quote = bar.open
        yield Tick(symbol, epoch, quote, pip)
        # A bar that closed up most likely went down first; one that closed down, up first.
        a, b = (bar.low, bar.high) if bar.close >= quote else (bar.high, bar.low)
        if a != quote:
            quote = a
            yield Tick(symbol, epoch + first, quote, pip)
        if b != quote:
            quote = b
            yield Tick(symbol, epoch + second, quote, pip)
        if bar.close != quote:
            yield Tick(symbol, epoch + last, bar.close, pip)


class CandleSource:
    """Ticks replayed from the bars of candle files (see the module docstring).

    Attributes:
        inputs: the bars replayed, per symbol.
        name: description.
    """

    def __init__(
        self, paths: Sequence[str | os.PathLike[str]], *, chunk_size: int = DEFAULT_CHUNK
    ) -> None:
        """Read the files whole and check them.

        Args:
            paths: candle files; a symbol may be in one of them only.
            chunk_size: ticks per chunk.

        Raises:
            TickFileError: a bad file.
            BacktestError: no file, or a symbol in two of them.
        """
        if not paths:
            raise BacktestError("nothing to replay: no candle file given")
        self._series: list[tuple[str, list[Candle], int, int]] = []
        owner: dict[str, str] = {}
        inputs = []
        for path in paths:
            text = os.fspath(path)
            name = os.path.basename(text)
            for symbol, (bars, pip) in read_candles(text).items():
                if symbol in owner:
                    raise BacktestError(
                        f"{symbol} appears in two candle files ({owner[symbol]} and {name}); "
                        "merge them into one file first"
                    )
                owner[symbol] = name
                g = bars[0].granularity
                self._series.append((symbol, bars, g, pip))
                inputs.append(CandleInput(symbol, g, len(bars), name))
        self.inputs = tuple(inputs)
        self._ticks = sum(_tick_count(bars) for _, bars, _, _ in self._series)
        self._chunk = chunk_size
        self._done = 0
        self.name = " + ".join(os.path.basename(os.fspath(p)) for p in paths)

    def chunks(self) -> Iterator[Sequence[Tick]]:
        """Yield the replayed ticks, merged by epoch across symbols (ties in file order)."""
        if not self._series:
            return
        paths = [_path(symbol, bars, g, pip) for symbol, bars, g, pip in self._series]
        ticks = paths[0] if len(paths) == 1 else heapq.merge(*paths, key=_epoch)
        size = self._chunk
        out: list[Tick] = []
        self._done = 0
        for tick in ticks:
            out.append(tick)
            if len(out) >= size:
                self._done += len(out)
                yield out
                out = []
        if out:
            self._done += len(out)
            yield out

    def progress(self) -> float | None:
        """Fraction of the ticks replayed."""
        return self._done / self._ticks if self._ticks else 1.0

    def __len__(self) -> int:
        """Ticks the bars are replayed as."""
        return self._ticks


def _epoch(tick: Tick) -> int:
    return tick[1]


def _tick_count(bars: Sequence[Candle]) -> int:
    """How many ticks :func:`_path` makes of ``bars`` (without making them)."""
    n = 0
    for bar in bars:
        o = bar.open
        a, b = (bar.low, bar.high) if bar.close >= o else (bar.high, bar.low)
        n += 1 + (a != o) + (b != a) + (bar.close != b)
    return n


def candle_inputs(source: TickSource) -> tuple[CandleInput, ...]:
    """The candle bars a source replays (through merges), or ``()`` for ticks only."""
    if isinstance(source, CandleSource):
        return source.inputs
    if isinstance(source, MergedSource):
        return tuple(i for s in source.sources for i in candle_inputs(s))
    return ()


def check_candle_setup(setup: Any, inputs: Sequence[CandleInput]) -> None:
    """Refuse a candle series that cannot be built from the candle files.

    A series builds from the replayed ticks only at a multiple of the file's granularity (a
    5-minute bar holds whole 1-minute bars; a 1-minute bar cannot be cut out of a 5-minute
    one).

    Args:
        setup: the replay's :class:`~framework.backtest.engine.BacktestSetup`.
        inputs: the candle bars replayed.

    Raises:
        BacktestError: naming the strategy, the series and the file.
    """
    for item in inputs:
        for strategy in setup.strategies:
            if item.symbol not in strategy.symbols:
                continue
            for series in strategy.candle_series():
                if series.for_symbol(item.symbol) and series.granularity % item.granularity:
                    raise BacktestError(
                        f"strategy {strategy.name} wants {series.granularity}-second candles "
                        f"of {item.symbol}, but {item.file} holds {item.granularity}-second "
                        f"bars: a replay builds only multiples of the file's granularity"
                    )


def candle_replay_warnings(setup: Any, inputs: Sequence[CandleInput]) -> list[str]:
    """What a strategy replayed on candles sees that is made up, one line each.

    Args:
        setup: the replay's :class:`~framework.backtest.engine.BacktestSetup`.
        inputs: the candle bars replayed.

    Returns:
        A warning per strategy that trades a symbol from candles without a candle series
        of it (it decides on the made-up ticks), and per strategy whose contracts are
        counted in ticks there.
    """
    from_candles = {i.symbol: i for i in inputs}
    out = []
    for strategy in setup.strategies:
        symbols = [s for s in strategy.symbols if s in from_candles]
        if not symbols:
            continue
        bare = [s for s in symbols if not any(x.for_symbol(s) for x in strategy.candle_series())]
        if bare:
            out.append(
                f"strategy {strategy.name} declares no candle series of {', '.join(bare)}: "
                "from candle files it sees only the up to 4 ticks replayed per bar"
            )
        if strategy.contract.duration_unit == "t":
            out.append(
                f"strategy {strategy.name}'s contracts last {strategy.contract.duration} "
                "ticks: from candle files these are the replayed ticks (up to 4 per bar), "
                "not the market's"
            )
    return out


class CandleWriter(LineWriter):
    """Appends bars to a CSV candle file (``triobot download --granularity``).

    Quotes are printed with ``pip_size`` decimals. A new file gets the header
    ``epoch,open,high,low,close,symbol,granularity,pip_size``; an existing one must have it.
    The file is created with the first bar. Use as a context manager.
    """

    HEADER = "epoch,open,high,low,close,symbol,granularity,pip_size"

    def __init__(self, path: str | os.PathLike[str]) -> None:
        """Check ``path`` for appending.

        Args:
            path: a ``.csv`` file, optionally ``.gz``.

        Raises:
            TickFileError: another kind of file, or an existing file with another header.
        """
        text = os.fspath(path)
        try:
            fmt, gz = file_format(text)
        except TickFileError:
            fmt = "jsonl"
        if fmt != "csv":
            raise TickFileError(text, None, "candles are written as .csv (optionally .gz)")
        super().__init__(text, gz, header=True)

    def write(self, bar: Candle, pip_size: int) -> None:
        """Append one closed bar (with its symbol and granularity)."""
        prices = ",".join(
            format_quote(q, pip_size) for q in (bar.open, bar.high, bar.low, bar.close)
        )
        self._line(f"{bar.epoch},{prices},{bar.symbol},{bar.granularity},{pip_size}\n")
