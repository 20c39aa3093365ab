"""Seeded, deterministic tick generation for synthetic indices.

Deriv's generator (reference notes section 6) draws each new spot as
``S * exp((r - q - sigma^2/2) * dt + sigma * sqrt(dt) * Z)`` with ``dt`` the tick interval
in years (365-day year) and ``r = q = 0`` for the volatility indices; quotes are published
rounded to ``pip_size``. We do the same, feeding the *published* (rounded) quote back in as
the next ``S``, so a generator is fully described by its last tick and its RNG.

The same ``(seed, symbol)`` always produces the same quotes: the per-symbol RNG seed is
derived with SHA-256 (never ``hash()``, which is salted per process), so symbols are
independent of each other and of the order in which generators are created. The start
epoch only shifts the epochs (except on a Daily Reset index, whose day it is).

The models (``SymbolSpec.model``), each drawn tick by tick from one RNG in a fixed order:

* ``gbm``: the Volatility indices, as above.
* ``jump``: GBM plus, with probability ``jump_probability`` a tick, a jump of
  ``jump_scale`` ticks' sigma up or down with equal chance.
* ``step``: plus or minus ``step_size`` (one pip by default) with equal chance.
* ``spike`` (Boom/Crash): the diffusion plus, with probability ``p = jump_probability``, a
  spike of ``J = jump_scale`` diffusion ticks in ``jump_direction``; every tick also drifts
  ``-direction * p * J`` the other way. The rule: a tick's expected log return is zero, so
  the drift between spikes takes back on average what the spikes add and the index has no
  long-run trend.
* ``range`` (Range Break): a walk with normal moves of ``step_size`` inside a range of
  ``range_width`` (centred on the start quote at first). A tick that would reach or cross
  a boundary is a *touch*: with probability ``breakout_probability`` it breaks out (the
  range moves one width that way and the tick stands), otherwise it is reflected back
  inside. So the quote is always inside its range, and breaks come once per
  ``1 / breakout_probability`` touches on average.
* ``daily`` (Daily Reset): a GBM with drift ``drift`` whose first tick at or after each
  00:00 UTC is exactly ``start_quote``. Each UTC day is its own walk, on an RNG seeded by
  ``(seed, symbol, day)``: the market at an epoch depends on its day only, so a generator
  started mid-day first walks that day from its reset (the ``start_quote`` argument is
  ignored), and the past is regenerated day by day (:func:`walk_back`).

:func:`walk_back` draws the market *before* a start: the model's time reversal walked
back from the start quote (see there).

:meth:`TickGenerator.quotes` is the fast path for backtests: the ``gbm``, ``jump``, ``spike``
and ``step`` models (Volatility, Jump, Boom, Crash and Step indices) are generated a chunk at a time
with numpy, the very doubles of their tick-by-tick loops (the uniforms from a numpy MT19937
in the state of Python's seeded ``random.Random``, the rounding feedback settled by
:func:`_compound`); the others run their loops.
:meth:`TickGenerator.next`, :meth:`TickGenerator.take` and iteration return ``(epoch, quote)``
pairs and draw from the same stream, so mixing them is safe.
"""

from __future__ import annotations

import hashlib
import math
import random
from collections.abc import Callable, Iterable, Iterator
from typing import Any, Final, Protocol

import attrs
import numpy as np

from .symbols import YEAR_SECONDS, SymbolSpec

__all__ = [
    "DAY_SECONDS",
    "YEAR_SECONDS",
    "PastWalk",
    "TickGenerator",
    "derive_seed",
    "time_reversed",
    "walk_back",
]

DAY_SECONDS: Final = 86_400
"""Seconds in a UTC day (a Daily Reset index restarts at each multiple)."""


_TAU: Final = 2.0 * math.pi

_BULK_MODELS: Final = frozenset({"gbm", "jump", "spike", "step"})
"""The models generated a chunk at a time in numpy (the others keep their loops)."""

_BULK: Final = 64
"""From this many ticks a GBM call is generated a chunk at a time (below, numpy's cost per
call outweighs what it saves)."""

_MARGIN: Final = 2.0**-36
"""How close (relative) to a half pip :func:`_compound` redoes a tick exactly: the products
and numpy's functions are good to a few ulps (2**-50), so thousands of times that."""

_WINDOW: Final = 8192
"""Ticks :func:`_compound` settles at a time (measured: shorter windows pay numpy's cost per
call, longer ones more passes before every rounding agrees)."""


def derive_seed(seed: int | str, symbol: str) -> int:
    """Derive the RNG seed of one symbol from a run seed.

    Args:
        seed: the run seed.
        symbol: the symbol code.

    Returns:
        A 256-bit integer, stable across processes and Python versions.
    """
    digest = hashlib.sha256(f"triobot.market.ticks|{seed}|{symbol}".encode()).digest()
    return int.from_bytes(digest, "big")


def _same_stream(rng: random.Random) -> np.random.RandomState:
    """Return a numpy MT19937 in ``rng``'s state: ``random_sample`` then draws the very
    doubles ``rng.random()`` would (the same 53-bit construction from two 32-bit words)."""
    _version, internal, _gauss = rng.getstate()
    twin = np.random.RandomState(0)
    twin.set_state(("MT19937", np.array(internal[:-1], dtype=np.uint32), internal[-1], 0, 0.0))
    return twin


def _box_muller(u1: float, u2: float) -> tuple[float, float]:
    """Two standard normals from two uniforms (the pair the loops and chunks share)."""
    r = math.sqrt(-2.0 * math.log(1.0 - u1))
    t = _TAU * u2
    return r * math.cos(t), r * math.sin(t)


def _compound(
    start: float, growth: np.ndarray, pip_size: int, exact: Callable[[int], float]
) -> np.ndarray:
    """Return the quotes ``q[k] = round(q[k - 1] * growth[k], pip_size)`` from ``q[-1] = start``.

    The loop's very doubles, without its Python call per tick. A published quote is a
    whole number of pips ``N`` (the double nearest ``N / 10**p``: what ``round`` returns),
    and a step's move in pips hardly depends on where it starts (a pip more changes it by
    ``growth - 1``, about 1e-4). So from a guess of the pips the moves are nearly all
    right and their running sum a better guess; a few passes settle a window. Once every
    move agrees with the sum, the sum is the loop's sequence (the recurrence has one
    solution), and each pass extends the settled prefix by at least a tick, so it ends.

    ``rint(q * g * 10**p)`` rounds as ``round`` does unless the product lies within
    :data:`_MARGIN` of a half pip, where the error of ``growth`` (numpy's functions) and
    of the products could decide it: there the tick is redone with ``exact(k)``, the factor
    the loop computes, and ``round`` itself (about one tick in a million).

    Args:
        start: the (positive) quote before the first step, rounded to ``pip_size``.
        growth: each step's factor, close to the loop's.
        pip_size: decimals of a quote.
        exact: the loop's factor of step ``k``.

    Returns:
        The quotes, one per step.
    """
    scale = 10.0**pip_size
    n = len(growth)
    pips = np.empty(n + 1)
    pips[0] = round(start * scale)
    # The first guess: the walk without rounding.
    np.multiply(np.cumprod(growth), start * scale, out=pips[1:])
    np.rint(pips[1:], out=pips[1:])
    done = 0  # pips[: done + 1] are the loop's
    while done < n:
        stop = min(n, done + _WINDOW)
        before = pips[done:stop] / scale
        if done == 0:
            before[0] = start
        scaled = before * growth[done:stop]
        scaled *= scale
        nearest = np.rint(scaled)
        close = np.abs(scaled - nearest) >= 0.5 - float(scaled.max()) * _MARGIN
        for i in np.flatnonzero(close).tolist():
            quote = round(float(before[i]) * exact(done + i), pip_size)
            nearest[i] = round(quote * scale)
        moves = nearest - pips[done:stop]
        summed = np.cumsum(moves)
        summed += pips[done]
        agree = summed == pips[done + 1 : stop + 1]
        wrong = int(agree.argmin())
        if agree[wrong]:
            done = stop
            continue
        pips[done + 1 : stop + 1] = summed
        done += wrong + 1
    quotes = pips[1:]
    quotes /= scale
    return quotes


def _stepped(start: float, moves: np.ndarray, pip_size: int) -> list[float] | None:
    """Return the quotes ``q[k] = round(q[k - 1] + moves[k], pip_size)``, or None.

    A step of whole pips lands within ulps of a whole pip, so the quotes are the running
    sum of the steps in pips: checked, every tick at once, to be what ``round`` makes of
    each sum (None when any is not, or could be decided by the sum's own rounding).
    """
    scale = 10.0**pip_size
    pips = np.cumsum(np.rint(moves * scale))
    pips += round(start * scale)
    quotes = pips / scale
    before = np.empty_like(quotes)
    before[0] = start
    before[1:] = quotes[:-1]
    scaled = (before + moves) * scale
    nearest = np.rint(scaled)
    margin = 0.5 - float(np.abs(scaled).max()) * _MARGIN
    if not (nearest == pips).all() or (np.abs(scaled - nearest) >= margin).any():
        return None
    result: list[float] = quotes.tolist()
    return result


class TickGenerator:
    """An endless, reproducible tick stream for one symbol.

    The generator starts *at* ``(start_epoch, start_quote)`` (that tick is not emitted);
    each step advances the epoch by the symbol's ``tick_interval``.

    Attributes:
        spec: the symbol.
        seed: the run seed given at construction.
        epoch: epoch of the last tick produced (``start_epoch`` before the first).
        quote: quote of the last tick produced (the start quote before the first).
        touches: Range Break: how many ticks so far touched a boundary of their range.
        breakouts: Range Break: how many of those touches broke out of the range.
    """

    __slots__ = (
        "_break_p",
        "_day",
        "_drift",
        "_hi",
        "_interval",
        "_jump",
        "_jump_p",
        "_lo",
        "_mt",
        "_pip",
        "_pip_size",
        "_rng",
        "_spare",
        "_step",
        "_vol",
        "_width",
        "breakouts",
        "epoch",
        "quote",
        "seed",
        "spec",
        "touches",
    )

    def __init__(
        self,
        spec: SymbolSpec,
        seed: int | str,
        start_epoch: int,
        start_quote: float | None = None,
    ) -> None:
        """Create a generator.

        Args:
            spec: the symbol to generate.
            seed: run seed; the symbol's own seed is :func:`derive_seed` of it.
            start_epoch: epoch of the (not emitted) starting tick.
            start_quote: quote of the starting tick; defaults to ``spec.start_quote``.
                Ignored on a Daily Reset index: its quote at an epoch is its day's walk.
        """
        self.spec = spec
        self.seed = seed
        self.epoch = start_epoch
        self.quote = round(spec.start_quote if start_quote is None else start_quote, spec.pip_size)
        self._rng = random.Random(derive_seed(seed, spec.symbol))
        # These models draw their uniforms in bulk from numpy, seeded with this very state.
        self._mt = _same_stream(self._rng) if spec.model in _BULK_MODELS else None
        self._spare: float | None = None
        self._interval = spec.tick_interval
        self._pip_size = spec.pip_size
        self._pip = spec.pip
        dt = spec.tick_interval / YEAR_SECONDS
        sigma = spec.volatility if spec.diffusion is None else spec.diffusion
        self._drift = -0.5 * sigma * sigma * dt
        self._vol = sigma * math.sqrt(dt)
        self._jump_p = spec.jump_probability
        self._jump = spec.jump_scale * self._vol
        self._step = spec.step_size or spec.pip
        self._width = spec.range_width
        self._break_p = spec.breakout_probability
        half = round(spec.range_width / 2, spec.pip_size)
        self._lo = round(self.quote - half, spec.pip_size)
        self._hi = round(self.quote + half, spec.pip_size)
        self._day = -1
        self.touches = 0
        self.breakouts = 0
        if spec.model == "spike":
            self._jump *= spec.jump_direction
            # Zero expected log return a tick: the drift offsets the spikes on average.
            self._drift = -self._jump_p * self._jump
        elif spec.model == "daily":
            self._drift += spec.drift * dt
            self._start_day(start_epoch)

    def quotes(self, n: int) -> list[float]:
        """Generate the next ``n`` quotes (fast path; epochs are implicit).

        The k-th returned quote (0-based) has epoch ``epoch_before + (k + 1) * tick_interval``
        where ``epoch_before`` is :attr:`epoch` before the call.

        Args:
            n: how many ticks to generate.

        Returns:
            The quotes, rounded to the symbol's pip size.
        """
        model = self.spec.model
        if model == "gbm":
            out = self._gbm(n)
        elif model == "step":
            out = self._steps(n)
        elif model == "jump":
            out = self._jumps(n)
        elif model == "spike":
            out = self._spikes(n)
        elif model == "range":
            out = self._ranges(n)
        else:
            out = self._daily(n)
        if out:
            self.quote = out[-1]
            self.epoch += n * self._interval
        return out

    # Normals come from our own Box-Muller (two per pair of uniforms) rather than
    # random.gauss, which is pure Python and halves the throughput. A tick uses the spare
    # normal left by the previous pair if there is one, otherwise draws a new pair and keeps
    # the second half as the spare; every loop below honours that order, so the stream does
    # not depend on how calls are chunked (take(2) == take(1) + take(1)). Every normal
    # enters a step as ``drift + vol * z``, the spare's and the pair's alike, so that holds
    # to the last bit.

    def _pair(self) -> tuple[float, float]:
        rnd = self._rng.random
        return _box_muller(rnd(), rnd())

    def _normal(self) -> float:
        z = self._spare
        if z is not None:
            self._spare = None
            return z
        z, self._spare = self._pair()
        return z

    def _draw(self, n: int, *, extra: bool, bulk: bool) -> tuple[Any, Any, Callable[[int], float]]:
        """Draw ``n`` ticks' normals (and, with ``extra``, a uniform each) in the loops' order.

        A tick without a spare draws a pair of uniforms, keeps the second normal as the
        spare, then its extra uniform; the next tick takes the spare and draws only its
        extra. So after a leading spare tick the uniforms come four (or two) per two ticks.

        Returns:
            ``(normals, uniforms, exact)``: numpy arrays when ``bulk`` (the normals from
            numpy's functions, within ulps of the loop's), lists of the loop's very values
            otherwise; ``uniforms`` is None without ``extra``; ``exact(k)`` is the loop's
            normal of tick ``k``.
        """
        assert self._mt is not None  # every model drawn in bulk has its numpy twin
        spare = self._spare
        first = 1 if spare is not None and n > 0 else 0
        pairs, odd = divmod(n - first, 2)
        stride, tail = (4, 3) if extra else (2, 2)
        head = first if extra else 0
        draws = self._mt.random_sample(head + stride * pairs + tail * odd)
        body = draws[head : head + stride * pairs]
        end = first + 2 * pairs
        last = 0.0
        if first:
            self._spare = None
        if odd:
            last, self._spare = _box_muller(float(draws[-tail]), float(draws[1 - tail]))

        def exact(k: int) -> float:
            if k < first:
                return spare  # type: ignore[return-value]  # first: there was a spare
            if k >= end:
                return last
            pair, second = divmod(k - first, 2)
            z1, z2 = _box_muller(float(body[stride * pair]), float(body[stride * pair + 1]))
            return z2 if second else z1

        uniforms: Any = None
        if extra:
            uniforms = np.empty(n)
            uniforms[:first] = draws[:first]
            uniforms[first:end:2] = body[2::4]
            uniforms[first + 1 : end : 2] = body[3::4]
            uniforms[end:] = draws[len(draws) - odd :]
        if not bulk:
            return (
                [exact(k) for k in range(n)],
                None if uniforms is None else uniforms.tolist(),
                exact,
            )
        normals = np.empty(n)
        normals[:first] = spare
        radius = np.sqrt(-2.0 * np.log(1.0 - body[::stride]))
        angle = _TAU * body[1::stride]
        normals[first:end:2] = radius * np.cos(angle)
        normals[first + 1 : end : 2] = radius * np.sin(angle)
        normals[end:] = last
        return normals, uniforms, exact

    def _walk(self, growth: Iterable[float]) -> list[float]:
        """The quotes of a few ticks, one ``round`` each (below :data:`_BULK`)."""
        p = self._pip_size
        q = self.quote
        return [q := round(q * g, p) for g in growth]

    def _compounded(self, growth: np.ndarray, exact: Callable[[int], float]) -> list[float]:
        """The quotes of many ticks, by :func:`_compound` (``exact``: a tick's loop factor)."""
        quotes: list[float] = _compound(self.quote, growth, self._pip_size, exact).tolist()
        return quotes

    # GBM, Jump and Spike ticks are drawn in bulk, then stepped one by one (a few ticks)
    # or a chunk at a time in numpy: the same arithmetic in the same order. numpy's exp,
    # log, cos and sin may differ from CPython's (libm's) by an ulp or so, which only
    # matters where a product lands next to a half pip: _compound finds those few ticks
    # and redoes them with ``exact``, the loop's own calls.

    def _gbm(self, n: int) -> list[float]:
        drift = self._drift
        vol = self._vol
        exp = math.exp
        if n < _BULK:
            normals, _, _ = self._draw(n, extra=False, bulk=False)
            return self._walk([exp(drift + vol * z) for z in normals])
        normals, _, normal = self._draw(n, extra=False, bulk=True)
        return self._compounded(
            np.exp(drift + vol * normals), lambda k: exp(drift + vol * normal(k))
        )

    def _jumps(self, n: int) -> list[float]:
        drift = self._drift
        vol = self._vol
        jump_p = self._jump_p
        jump = self._jump

        def exponent(z: float, u: float) -> float:
            x = drift + vol * z
            if u < jump_p:
                # Reuse u for the direction: below jump_p/2 is down, above is up, which
                # keeps one uniform draw per tick and the two directions equally likely.
                x += jump if u >= jump_p * 0.5 else -jump
            return x

        if n < _BULK:
            normals, uniforms, _ = self._draw(n, extra=True, bulk=False)
            return self._walk(map(math.exp, map(exponent, normals, uniforms)))
        normals, uniforms, normal = self._draw(n, extra=True, bulk=True)
        x = drift + vol * normals
        x += np.where(uniforms < jump_p, np.where(uniforms >= jump_p * 0.5, jump, -jump), 0.0)
        return self._compounded(
            np.exp(x), lambda k: math.exp(exponent(normal(k), float(uniforms[k])))
        )

    def _spikes(self, n: int) -> list[float]:
        drift = self._drift
        vol = self._vol
        spike_p = self._jump_p
        spike = self._jump  # signed: up on a Boom, down on a Crash

        def exponent(z: float, u: float) -> float:
            x = drift + vol * z
            if u < spike_p:
                x += spike
            return x

        if n < _BULK:
            normals, uniforms, _ = self._draw(n, extra=True, bulk=False)
            return self._walk(map(math.exp, map(exponent, normals, uniforms)))
        normals, uniforms, normal = self._draw(n, extra=True, bulk=True)
        x = drift + vol * normals
        x += np.where(uniforms < spike_p, spike, 0.0)
        return self._compounded(
            np.exp(x), lambda k: math.exp(exponent(normal(k), float(uniforms[k])))
        )

    def _steps(self, n: int) -> list[float]:
        assert self._mt is not None
        # getrandbits(1) is the top bit of one 32-bit word, which randint hands out raw.
        ups = self._mt.randint(0, 2**32, size=n, dtype=np.uint32) >> 31
        step = self._step
        p = self._pip_size
        q = self.quote
        if n >= _BULK:
            quotes = _stepped(q, np.where(ups, step, -step), p)
            if quotes is not None:
                return quotes
        return [q := round(q + (step if up else -step), p) for up in ups.tolist()]

    def _ranges(self, n: int) -> list[float]:
        normal = self._normal
        uniform = self._rng.random
        step = self._step
        width = self._width
        break_p = self._break_p
        p = self._pip_size
        lo, hi = self._lo, self._hi
        q = self.quote
        touches = breakouts = 0
        out: list[float] = []
        append = out.append
        for _ in range(n):
            y = q + step * normal()
            u = uniform()  # drawn on every tick, touch or not: the stream stays aligned
            if y >= hi:
                touches += 1
                if u < break_p:
                    breakouts += 1
                    lo, hi = hi, round(hi + width, p)
                else:
                    y = hi - (y - hi)
            elif y <= lo:
                touches += 1
                if u < break_p:
                    breakouts += 1
                    lo, hi = round(lo - width, p), lo
                else:
                    y = lo + (lo - y)
            q = round(y, p)
            append(q)
        self._lo, self._hi = lo, hi
        self.touches += touches
        self.breakouts += breakouts
        return out

    @property
    def range_bounds(self) -> tuple[float, float]:
        """Range Break: the current range ``(low, high)``; the last quote is inside it."""
        return self._lo, self._hi

    def _start_day(self, epoch: int) -> None:
        """Place a Daily Reset generator at ``epoch``: walk its day from the reset to it."""
        day = epoch // DAY_SECONDS
        interval = self._interval
        # The day's first tick is the first on this generator's grid at or after midnight.
        ticks_into_day = (epoch - day * DAY_SECONDS) // interval
        self._enter_day(day)
        self._day = day
        self.epoch = epoch - ticks_into_day * interval
        if ticks_into_day:
            self.quote = self._daily(ticks_into_day)[-1]
        self.epoch = epoch

    def _enter_day(self, day: int) -> None:
        self._rng = random.Random(derive_seed(self.seed, f"{self.spec.symbol}|day{day}"))
        self._spare = None
        self.quote = round(self.spec.start_quote, self._pip_size)

    def _daily(self, n: int) -> list[float]:
        normal = self._normal
        exp = math.exp
        drift = self._drift
        vol = self._vol
        p = self._pip_size
        interval = self._interval
        epoch = self.epoch
        day = self._day
        q = self.quote
        out: list[float] = []
        append = out.append
        for _ in range(n):
            epoch += interval
            if epoch // DAY_SECONDS != day:
                day = epoch // DAY_SECONDS
                self._enter_day(day)  # a new RNG: ``normal`` reads it afresh
                q = self.quote
            else:
                q = round(q * exp(drift + vol * normal()), p)
            append(q)
        self._day = day
        return out

    def next(self) -> tuple[int, float]:
        """Generate one tick.

        Returns:
            ``(epoch, quote)`` of the new tick.
        """
        quote = self.quotes(1)[0]
        return self.epoch, quote

    def take(self, n: int) -> list[tuple[int, float]]:
        """Generate the next ``n`` ticks with their epochs.

        Args:
            n: how many ticks to generate.

        Returns:
            ``(epoch, quote)`` pairs in order.
        """
        start = self.epoch
        step = self._interval
        qs = self.quotes(n)
        return [(start + (i + 1) * step, q) for i, q in enumerate(qs)]

    def __iter__(self) -> Iterator[tuple[int, float]]:
        return self

    def __next__(self) -> tuple[int, float]:
        return self.next()


class PastWalk(Protocol):
    """The market before a start, read backwards."""

    def quotes(self, n: int) -> list[float]:
        """The next ``n`` earlier quotes: the k-th returned (0-based) is ``k + 1`` ticks
        before the previous call's last (the first call: before the start)."""


def time_reversed(spec: SymbolSpec) -> SymbolSpec:
    """Return the model whose ticks, read backwards, are ``spec``'s ticks read forwards.

    GBM, Jump, Step and Range Break are symmetric walks and their own reversal (a range's
    breaks happen at touches either way); a Boom read backwards falls in rare spikes and
    rises in between: a Crash with the same parameters, and a Crash's reversal a Boom.
    A Daily Reset index has none: see :func:`walk_back`.

    Args:
        spec: the symbol.

    Returns:
        The reversed spec (the same code, so the same seed derivation).
    """
    if spec.model == "spike":
        return attrs.evolve(spec, jump_direction=-spec.jump_direction)
    return spec


def walk_back(spec: SymbolSpec, seed: int | str, epoch: int) -> PastWalk:
    """Draw the market before ``epoch`` for a market that did not run then.

    The one rule: the past is the model's time reversal walked back from the start quote
    (:func:`time_reversed`), on a seed of its own derived from ``seed``, so that it reads
    forwards as the model itself. A Daily Reset index forgets everything at each midnight:
    its reversal is its own earlier days, regenerated forwards from their resets with the
    run seed (the past that a generator started earlier would have produced exactly).

    Args:
        spec: the symbol.
        seed: the run seed.
        epoch: the start (its quote is ``spec.start_quote``, or the day's walk for Daily
            Reset).

    Returns:
        A walk whose ``quotes(n)`` go back from ``epoch`` a tick interval at a time.
    """
    if spec.model == "daily":
        return _DailyPast(spec, seed, epoch)
    return TickGenerator(time_reversed(spec), f"{seed}|before-genesis", epoch)


class _DailyPast:
    """A Daily Reset index's earlier days, handed out backwards a tick at a time."""

    __slots__ = ("_due", "_kept", "_seed", "_spec")

    def __init__(self, spec: SymbolSpec, seed: int | str, epoch: int) -> None:
        self._spec = spec
        self._seed = seed
        self._due = epoch - spec.tick_interval  # the next tick to hand out
        self._kept: list[float] = []  # the current day's ticks up to ``_due``, oldest first

    def quotes(self, n: int) -> list[float]:
        out: list[float] = []
        interval = self._spec.tick_interval
        while len(out) < n:
            if not self._kept:
                due = self._due
                ticks_into_day = (due % DAY_SECONDS) // interval
                first = due - ticks_into_day * interval
                walk = TickGenerator(self._spec, self._seed, first)
                self._kept = [walk.quote, *walk.quotes(ticks_into_day)]
                self._due = first - interval
            take = min(n - len(out), len(self._kept))
            out.extend(reversed(self._kept[-take:]))
            del self._kept[-take:]
        return out
