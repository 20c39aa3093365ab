"""Tick sources: where a replay's ticks come from, streamed in chunks, never loaded whole.

A :class:`TickSource` yields ticks in *chunks* (sequences of :class:`~framework.deriv.models.Tick`)
rather than one by one: the replay loop then iterates a plain list, which is the cheapest
thing CPython can do per tick, and a source only ever holds one chunk in memory.

Sources here are the ones that need no file: :class:`MemorySource` (ticks already in memory),
:class:`SyntheticSource` (the market model's seeded generator, the very ticks the embedded
simulator would publish for the same seed and genesis) and :class:`MergedSource` (several
sources merged by epoch). File sources live in :mod:`framework.backtest.files`;
:func:`open_source` picks one from a path or a ``synthetic:`` spec.

Every source guarantees what the replay relies on: epochs never go backwards, and each
symbol's ticks are strictly increasing in epoch.
"""

from __future__ import annotations

import gc
import heapq
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from itertools import repeat
from typing import Final, Protocol, runtime_checkable

from framework.deriv.models import Tick
from framework.market.errors import MarketError
from framework.market.open_ticks import OpenTicks
from framework.market.symbols import get_symbol

from .errors import BacktestError

__all__ = [
    "DEFAULT_CHUNK",
    "DEFAULT_GENESIS",
    "MemorySource",
    "MergedSource",
    "SyntheticSource",
    "TickSource",
    "check_order",
    "collector_paused",
    "parse_synthetic",
    "tick_chunk",
]

_NEW_TUPLE: Final = tuple.__new__

DEFAULT_CHUNK: Final = 65_536
"""Ticks per chunk: big enough to amortise the per-chunk cost, small enough to stay flat."""

DEFAULT_GENESIS: Final = 1_700_000_000
"""Default start epoch of synthetic ticks (2023-11-14T22:13:20Z), fixed for reproducibility."""


@runtime_checkable
class TickSource(Protocol):
    """Anything a replay can read ticks from.

    Attributes:
        name: a short description for progress bars and reports.
    """

    name: str

    def chunks(self) -> Iterator[Sequence[Tick]]:
        """Yield the ticks in time order, a chunk at a time (each chunk non-empty)."""
        ...

    def progress(self) -> float | None:
        """Return the fraction of the source read so far (0-1), or None when unknown."""
        ...


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a chunk of ticks is made (never across a
    ``yield``): tens of thousands of new tuples, dicts and lists would set it off dozens of
    times, most of the cost, and it could find nothing (parsed values make no cycles)."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


def tick_chunk(
    symbols: Iterable[str], epochs: Iterable[int], quotes: Iterable[float], pips: Iterable[int]
) -> list[Tick]:
    """Build a chunk of ticks from its columns (the sources' one way of making ticks).

    ``tuple.__new__`` over the zipped columns makes each named tuple without a Python call
    (``Tick(...)`` runs a Python-level ``__new__``), with the collector paused
    (:func:`collector_paused`).

    Args:
        symbols: each tick's symbol.
        epochs: each tick's epoch.
        quotes: each tick's quote.
        pips: each tick's pip size.

    Returns:
        The ticks.

    Raises:
        ValueError: the columns are not as long as each other.
    """
    with collector_paused():
        columns = zip(symbols, epochs, quotes, pips, strict=True)
        return list(map(_NEW_TUPLE, repeat(Tick), columns))


def check_order(ticks: Iterable[Tick], name: str) -> None:
    """Check that each symbol's ticks strictly increase in epoch.

    Args:
        ticks: the ticks, in the order a replay would see them.
        name: the source name for the message.

    Raises:
        BacktestError: naming the first offending tick.
    """
    last_by_symbol: dict[str, int] = {}
    for index, tick in enumerate(ticks):
        epoch = tick.epoch
        previous = last_by_symbol.get(tick.symbol)
        if previous is not None and epoch <= previous:
            raise BacktestError(
                f"{name}: tick {index} repeats or precedes epoch {previous} of {tick.symbol} "
                f"(each symbol's ticks must strictly increase)"
            )
        last_by_symbol[tick.symbol] = epoch


class MemorySource:
    """Ticks already in memory, handed out in chunks (tests, benchmarks, small recordings).

    Attributes:
        name: description.
    """

    def __init__(
        self,
        ticks: Sequence[Tick],
        *,
        chunk_size: int = DEFAULT_CHUNK,
        name: str = "memory",
        check: bool = True,
    ) -> None:
        """Wrap a sequence of ticks.

        Args:
            ticks: the ticks, in time order.
            chunk_size: ticks per chunk.
            name: description.
            check: verify the order once now (skip only for ticks known to be ordered).

        Raises:
            BacktestError: when ``check`` and the ticks are out of order.
        """
        if chunk_size < 1:
            raise ValueError("chunk_size must be at least 1")
        if check:
            check_order(ticks, name)
        self._ticks = ticks
        self._chunk = chunk_size
        self._done = 0
        self.name = name

    def chunks(self) -> Iterator[Sequence[Tick]]:
        """Yield slices of the ticks."""
        ticks = self._ticks
        size = self._chunk
        if isinstance(ticks, list) and len(ticks) <= size:
            self._done = len(ticks)
            if ticks:
                yield ticks
            return
        for start in range(0, len(ticks), size):
            chunk = ticks[start : start + size]
            self._done = start + len(chunk)
            yield chunk

    def progress(self) -> float | None:
        """Fraction of the ticks handed out."""
        return self._done / len(self._ticks) if self._ticks else 1.0

    def __len__(self) -> int:
        return len(self._ticks)


class SyntheticSource:
    """Seeded synthetic ticks of one symbol from :class:`~framework.market.ticks.TickGenerator`.

    With the same ``seed`` and ``genesis``, these are exactly the ticks the embedded simulator
    publishes for the symbol (it runs the same generator from its genesis epoch), so a
    synthetic backtest replays the simulator's market without recording it. A market that
    closes (forex) has the simulator's gaps too: ``count`` ticks seen while it is open
    (:class:`~framework.market.open_ticks.OpenTicks`).

    Attributes:
        symbol: the symbol.
        count: how many ticks.
        seed: the run seed.
        genesis: epoch of the (not emitted) starting tick; the first tick is one tick
            interval later.
        name: description.
    """

    def __init__(
        self,
        symbol: str,
        count: int,
        *,
        seed: int | str = 0,
        genesis: int = DEFAULT_GENESIS,
        chunk_size: int = DEFAULT_CHUNK,
    ) -> None:
        """Describe the ticks to generate (nothing is generated until iterated).

        Args:
            symbol: a known symbol code.
            count: number of ticks (>= 0).
            seed: run seed.
            genesis: start epoch.
            chunk_size: ticks per chunk.

        Raises:
            BacktestError: unknown symbol or a negative count.
        """
        try:
            self._spec = get_symbol(symbol)
        except MarketError:
            raise BacktestError(f"synthetic ticks: unknown symbol {symbol!r}") from None
        if count < 0:
            raise BacktestError(f"synthetic ticks: count must be >= 0, got {count}")
        if chunk_size < 1:
            raise ValueError("chunk_size must be at least 1")
        self.symbol = symbol
        self.count = count
        self.seed = seed
        self.genesis = genesis
        self._chunk = chunk_size
        self._done = 0
        self.name = f"synthetic {symbol} x{count} seed={seed}"

    def chunks(self) -> Iterator[Sequence[Tick]]:
        """Generate the ticks a chunk at a time (each call starts from genesis again)."""
        spec = self._spec
        symbol, pip = spec.symbol, spec.pip_size
        left = self.count
        self._done = 0
        # The simulator's own rule: a market that closes (forex) ticks only while open.
        stream = OpenTicks(spec, self.seed, self.genesis)
        while left > 0:
            n = min(left, self._chunk)
            epochs, quotes = stream.take(n)
            # tuple.__new__ over zipped columns builds the named tuples without a Python
            # call per tick (Tick(...) itself is a Python-level __new__).
            yield tick_chunk(repeat(symbol, n), epochs, quotes, repeat(pip, n))
            left -= n
            self._done += n

    def progress(self) -> float | None:
        """Fraction of the ticks generated."""
        return self._done / self.count if self.count else 1.0


class MergedSource:
    """Several sources merged by epoch (ties keep the order the sources were given in).

    Attributes:
        sources: the merged sources.
        name: description.
    """

    def __init__(self, sources: Sequence[TickSource], *, chunk_size: int = DEFAULT_CHUNK) -> None:
        """Merge ``sources``.

        Args:
            sources: at least one source.
            chunk_size: ticks per merged chunk.

        Raises:
            BacktestError: when no source is given.
        """
        if not sources:
            raise BacktestError("nothing to replay: no tick source given")
        self.sources = tuple(sources)
        self._chunk = chunk_size
        self.name = " + ".join(s.name for s in self.sources)

    def chunks(self) -> Iterator[Sequence[Tick]]:
        """Yield merged chunks; a single source passes straight through."""
        if len(self.sources) == 1:
            yield from self.sources[0].chunks()
            return
        # Keys (epoch, source index) make the merge stable and deterministic across sources;
        # the per-symbol check still holds because a symbol lives in one source only
        # (verified as ticks flow).
        streams = [_keyed(source, i) for i, source in enumerate(self.sources)]
        owner: dict[str, int] = {}
        out: list[Tick] = []
        size = self._chunk
        for _epoch, index, tick in heapq.merge(*streams):
            seen = owner.setdefault(tick.symbol, index)
            if seen != index:
                raise BacktestError(
                    f"{tick.symbol} appears in two sources ({self.sources[seen].name} and "
                    f"{self.sources[index].name}); merge them into one file first"
                )
            out.append(tick)
            if len(out) >= size:
                yield out
                out = []
        if out:
            yield out

    def progress(self) -> float | None:
        """The least advanced source's progress (None if any is unknown)."""
        values = [s.progress() for s in self.sources]
        if any(v is None for v in values):
            return None
        return min(v for v in values if v is not None)


def _keyed(source: TickSource, index: int) -> Iterator[tuple[int, int, Tick]]:
    for chunk in source.chunks():
        for tick in chunk:
            yield tick[1], index, tick


def parse_synthetic(spec: str) -> SyntheticSource:
    """Build a synthetic source from ``synthetic:SYMBOL:COUNT[:SEED[:GENESIS]]``.

    Args:
        spec: the text, e.g. ``"synthetic:R_100:100000:7"``.

    Returns:
        The source.

    Raises:
        BacktestError: a malformed spec, naming the expected form.
    """
    parts = spec.split(":")
    if parts[0] != "synthetic" or not 3 <= len(parts) <= 5:
        raise BacktestError(
            f"bad synthetic source {spec!r}: expected synthetic:SYMBOL:COUNT[:SEED[:GENESIS]]"
        )
    symbol = parts[1]
    try:
        count = int(parts[2].replace("_", ""))
        genesis = int(parts[4]) if len(parts) == 5 else DEFAULT_GENESIS
    except ValueError:
        raise BacktestError(
            f"bad synthetic source {spec!r}: COUNT and GENESIS must be integers"
        ) from None
    seed: int | str = parts[3] if len(parts) >= 4 else 0
    if isinstance(seed, str) and seed.lstrip("-").isdigit():
        seed = int(seed)
    return SyntheticSource(symbol, count, seed=seed, genesis=genesis)
