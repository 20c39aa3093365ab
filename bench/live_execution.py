"""The live bot's start-up and execution on the embedded simulator, at speed 1, real time.

Run with ``python -m bench live_execution`` (``--quick`` for short windows). Three figures,
each beside a reference measured in the same run:

1. **Start-up vs number of symbols**: seconds from the start of the symbols' subscriptions
   to every symbol's first tick (the phase :func:`framework.runtime.startup.start_markets`
   runs), for 1 to 16 one-second symbols; the reference starts the same symbols one after
   another, as the bot did before. Goal: 16 symbols in under 1 s.
2. **Buys per minute vs number of strategies**: strategies on one one-second symbol, each
   buying a one-tick Rise whenever it has nothing open, with the simulator's published
   budgets enforced; buys counted over whole simulated minutes, after a first minute of
   warm-up. Printed beside the server's advertised budget that bounds them: each buy is
   followed by a ``proposal_open_contract`` subscription (pricing budget), and a quoted buy
   also costs a ``proposal`` (pricing too). Both pricing modes are measured: ``quote:
   auto`` (one round trip, no proposal) and ``quote: always``. The budgets are per minute,
   so the windows are minutes long: they run on a virtual clock (Trio's ``MockClock``, the
   simulator's clock too, so still speed 1 in simulated time), and the wall time each took
   is printed beside them: below the simulated time, the same bot keeps that pace in real
   time.
3. **Tick to trade**: from the tick on which a strategy asked for a trade to the buy's
   answer, p50 and p99, with ``quote: auto`` (one round trip) and ``quote: always`` (a
   proposal, then the buy); rate limits off and the simulator without its state file
   (whose synced commits would dominate), so the bot's own path and round trips count,
   the journal's writes before each buy included.

Every run is a whole :class:`~framework.runtime.Bot` in this process (simulator, connection,
execution actor, strategies), as ``triobot run`` assembles it.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Literal

import attrs
import trio
from trio.testing import MockClock

from bench._summary import Figure
from framework.config import load_config
from framework.deriv.ratelimits import BUDGETS
from framework.execution.live import ClientBroker
from framework.runtime import Bot, supervisor
from framework.runtime.endpoint import embedded_history
from framework.runtime.startup import start_markets
from framework.simulator import SimulatorConfig
from framework.simulator.ratelimit import RateLimits
from framework.strategy import NoParams, Strategy, Tick

SYMBOLS = (
    "1HZ10V", "1HZ25V", "1HZ50V", "1HZ75V", "1HZ100V", "1HZ15V", "1HZ30V", "1HZ90V",
    "1HZ150V", "1HZ250V", "JD10", "JD25", "JD50", "JD75", "JD100", "stpRNG",
)  # fmt: skip
TRADED = "1HZ100V"
Quote = Literal["auto", "always"]


class Idle(Strategy[NoParams]):
    """Trades nothing: start-up only."""

    Params = NoParams


class Eager(Strategy[NoParams]):
    """Buys whenever it has nothing open; notes when each intent's tick arrived."""

    Params = NoParams
    #: intent id -> ``perf_counter`` at the tick it was made on.
    asked: dict[str, float] = {}  # shared by every instance, on purpose

    def on_tick(self, tick: Tick) -> None:
        if not self.ctx.open_contracts:
            intent = self.ctx.buy("CALL")
            if intent is not None:
                Eager.asked[intent.intent_id] = time.perf_counter()


def _config(folder: Path, plugin: str, symbols: Sequence[str], quote: Quote) -> Any:
    strategies = "".join(
        f"""\
  - name: s{n:02d}
    plugin: bench.live_execution:{plugin}
    symbols: ["{symbol}"]
    contract: {{type: CALL, duration: 1, duration_unit: t}}
    stake: {{scheme: fixed, amount: 1.00}}
"""
        for n, symbol in enumerate(symbols)
    )
    path = folder / "bot.yaml"
    path.write_text(
        f"""\
endpoint: embedded
simulator: {{seed: 7, speed: 1.0, balance: 1000000}}
journal: {folder / "journal.sqlite"}
state_dir: {folder / "state"}
status_interval: 3600
execution: {{quote: {quote}, max_in_flight: 8, max_waiting: 100}}
strategies:
{strategies}""",
        encoding="utf-8",
    )
    return load_config(path)


def _bot(
    folder: Path,
    plugin: str,
    symbols: Sequence[str],
    *,
    quote: Quote = "auto",
    rate_limits: bool = True,
    speed: float = 1.0,
    persist: bool = True,
) -> Bot:
    config = _config(folder, plugin, symbols, quote)
    sim = SimulatorConfig(
        seed=7,
        speed=speed,
        balance=1_000_000,
        state=folder / "sim.sqlite" if persist else None,
        rate_limits=RateLimits(enabled=rate_limits),
        # What ``triobot run`` gives its embedded simulator (the bench sets rate limits too).
        history_seconds=embedded_history(config),
    )
    overrides = {} if rate_limits else {"rate_limit": False}
    return Bot(config, simulator_config=sim, connection_settings=overrides)


async def _serial(nursery: trio.Nursery, markets: Sequence[Any], budgets: Any) -> None:
    """The reference: one symbol after another, each waiting for its own first tick."""
    for market in markets:
        await nursery.start(market.run)


async def _startup_once(count: int, starter: Callable[..., Any]) -> float:
    took: list[float] = []

    async def timed(nursery: trio.Nursery, markets: Sequence[Any], budgets: Any) -> None:
        began = time.perf_counter()
        await starter(nursery, markets, budgets)
        took.append(time.perf_counter() - began)

    # The bot calls the start-up through its supervisor module: time that one call.
    original = vars(supervisor)["start_markets"]
    setattr(supervisor, "start_markets", timed)  # noqa: B010 - a module attribute, patched
    try:
        with tempfile.TemporaryDirectory() as folder:
            bot = _bot(Path(folder), "Idle", SYMBOLS[:count])
            async with trio.open_nursery() as nursery:
                await nursery.start(bot.run)
                bot.stop.request("bench")
    finally:
        setattr(supervisor, "start_markets", original)  # noqa: B010
    return took[0]


def startup(counts: Sequence[int], rounds: int) -> dict[int, tuple[float, float]]:
    """Print start-up seconds per number of symbols, at once and one after another.

    Returns:
        Per number of symbols, the medians at once and in turn.
    """
    found: dict[int, tuple[float, float]] = {}
    print(f"start-up: subscriptions to every first tick, median of {rounds}, speed 1")
    print(f"{'symbols':>7} {'at once s':>10} {'in turn s':>10} {'ratio':>6}")
    for count in counts:
        together = statistics.median(
            trio.run(_startup_once, count, start_markets) for _ in range(rounds)
        )
        serial = statistics.median(trio.run(_startup_once, count, _serial) for _ in range(rounds))
        print(f"{count:>7} {together:>10.2f} {serial:>10.2f} {serial / together:>5.1f}x")
        found[count] = (together, serial)
    return found


@attrs.frozen
class BuyRate:
    """One buys-per-minute run."""

    strategies: int
    quote: Quote
    per_minute: float
    busy: int
    #: ``RateLimit`` answers from the server (retried by the client).
    rate_limited: int
    #: real seconds the run took (start-up, warm-up and window).
    wall: float


async def _buy_rate(strategies: int, quote: Quote, warmup: float, window: float) -> BuyRate:
    began = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder:
        bot = _bot(Path(folder), "Eager", [TRADED] * strategies, quote=quote)
        async with trio.open_nursery() as nursery:
            await nursery.start(bot.run)
            assert bot.actor is not None and bot.connection is not None
            await trio.sleep(warmup)
            before = bot.actor.stats.bought
            await trio.sleep(window)
            bought = bot.actor.stats.bought - before
            rate = BuyRate(
                strategies,
                quote,
                bought * 60.0 / window,
                bot.actor.stats.busy,
                bot.connection.stats.rate_limited,
                time.perf_counter() - began,
            )
            bot.abort()
    return rate


def buy_rates(counts: Sequence[int], warmup: float, window: float) -> list[BuyRate]:
    """Print buys per minute per number of strategies, both pricing modes."""
    rates: list[BuyRate] = []
    pricing = BUDGETS["pricing"].minutely
    print(
        f"buys per minute, one-tick contracts on {TRADED}, speed 1 (virtual clock), "
        f"{warmup:.0f} s warm-up then {window:.0f} s; server's pricing budget {pricing}/min "
        "(a buy's follow takes one, a quote one more)"
    )
    print(
        f"{'strategies':>10} {'quote':>6} {'buys/min':>9} {'bound/min':>10} {'of bound':>9} "
        f"{'busy':>5} {'RateLimit':>9} {'sim s':>6} {'wall s':>6}"
    )
    assert pricing is not None
    for count in counts:
        quotes: tuple[Quote, ...] = ("auto", "always")
        for quote in quotes:
            clock = MockClock(autojump_threshold=0.003)  # see tests/conftest.py's vclock
            rate = trio.run(_buy_rate, count, quote, warmup, window, clock=clock)
            bound = pricing if quote == "auto" else pricing / 2
            print(
                f"{count:>10} {quote:>6} {rate.per_minute:>9.1f} {bound:>10.0f} "
                f"{rate.per_minute / bound:>8.0%} {rate.busy:>5} {rate.rate_limited:>9} "
                f"{warmup + window:>6.0f} {rate.wall:>6.1f}"
            )
            rates.append(rate)
    return rates


async def _latencies(quote: Quote, rounds: int) -> list[float]:
    answered: dict[str, float] = {}
    enough = trio.Event()
    real_buy = ClientBroker.buy

    async def timed_buy(self: ClientBroker, intent: Any, proposal: Any, **kw: Any) -> Any:
        outcome = await real_buy(self, intent, proposal, **kw)
        answered[intent.intent_id] = time.perf_counter()
        if len(answered) >= rounds:
            enough.set()
        return outcome

    Eager.asked.clear()
    ClientBroker.buy = timed_buy  # type: ignore[method-assign]
    try:
        with tempfile.TemporaryDirectory() as folder:
            # Speed 10: ten ticks (and trades) a second; the round trips are real time.
            # No simulator state file: its commits (one per buy and settlement, each synced
            # to disk) would be most of what is timed, and they are the server's, not ours.
            bot = _bot(
                Path(folder),
                "Eager",
                [TRADED],
                quote=quote,
                rate_limits=False,
                speed=10.0,
                persist=False,
            )
            async with trio.open_nursery() as nursery:
                await nursery.start(bot.run)
                await enough.wait()
                bot.abort()
    finally:
        ClientBroker.buy = real_buy  # type: ignore[method-assign]
    return [(answered[i] - Eager.asked[i]) * 1000 for i in answered if i in Eager.asked]


def _percentiles(values: list[float]) -> tuple[float, float]:
    ordered = sorted(values)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


def tick_to_trade(rounds: int, repeats: int = 3) -> dict[str, tuple[float, float]]:
    """Print tick-to-trade p50/p99 with and without a quote; return them by mode.

    The two modes take turns, ``repeats`` runs of ``rounds`` trades each, so that a machine
    whose speed drifts weighs on both alike.
    """
    print(
        f"tick to trade: the tick a strategy traded on to the buy's answer, {repeats} x "
        f"{rounds} trades per mode taking turns, simulator at speed 10, no rate limits, "
        "no simulator state file"
    )
    print(f"{'quote':>6} {'round trips':>11} {'p50 ms':>7} {'p99 ms':>7}")
    modes: tuple[tuple[Quote, int], ...] = (("always", 2), ("auto", 1))
    latencies: dict[str, list[float]] = {quote: [] for quote, _ in modes}
    for _ in range(repeats):
        for quote, _trips in modes:
            latencies[quote] += trio.run(_latencies, quote, rounds)
    figures: dict[str, tuple[float, float]] = {}
    for quote, trips in modes:
        figures[quote] = p50, p99 = _percentiles(latencies[quote])
        print(f"{quote:>6} {trips:>11} {p50:>7.2f} {p99:>7.2f}")
    print(f"auto/always p50: {figures['auto'][0] / figures['always'][0]:.0%}")
    return figures


def main(quick: bool = False) -> list[Figure]:
    """Print the three figures, each beside its reference; return them for the summary.

    Args:
        quick: fewer sizes and shorter windows, for a smoke run.
    """
    starts = startup((1, 16) if quick else (1, 4, 10, 16), 1 if quick else 3)
    rates = buy_rates((50,) if quick else (1, 10, 50), 60.0, 120.0 if quick else 300.0)
    latency = tick_to_trade(20 if quick else 100, 1 if quick else 3)
    together, serial = starts[16]
    pricing = BUDGETS["pricing"].minutely
    assert pricing is not None
    (busiest,) = [r for r in rates if r.strategies == 50 and r.quote == "auto"]
    return [
        Figure(
            "live start-up, 16 symbols to their first ticks",
            together,
            "s",
            reference="one symbol after another",
            reference_value=serial,
            goal="< 1 s",
            met=together < 1.0,
        ),
        Figure(
            "live buys per minute, 50 strategies, speed 1",
            busiest.per_minute,
            "buys/min",
            reference="server's advertised pricing budget",
            reference_value=float(pricing),
            goal="the server's advertised budget",
            met=busiest.per_minute >= pricing,
            note=(
                "each buy's contract is followed by a proposal_open_contract subscription "
                "(pricing budget); the connection's limiter paces at 90 % of each budget"
            ),
        ),
        Figure(
            "live tick to trade p50, buy without a quote",
            latency["auto"][0],
            "ms",
            reference="quoted (proposal, then buy)",
            reference_value=latency["always"][0],
        ),
        Figure(
            "live tick to trade p99, buy without a quote",
            latency["auto"][1],
            "ms",
            reference="quoted (proposal, then buy)",
            reference_value=latency["always"][1],
        ),
    ]


if __name__ == "__main__":
    main()
