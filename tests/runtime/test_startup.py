"""Every symbol starts at once, in waves the server's budgets allow.

A symbol is ready at its first tick; started in turn, each waited for its own. The bot
tests count tick subscriptions open but not answered yet: all of them at once with the
published budgets, as many as one wave holds with tight ones. Nothing here measures a time
(the start-up time is a benchmark: ``bench/live_execution.py``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any

import attrs
import pytest
import trio
from trio.testing import MockClock

from framework.client import Client
from framework.deriv.ratelimits import BUDGETS
from framework.runtime import Bot, StartupError
from framework.runtime.startup import STARTUP_SHARE, WAVE_INTERVAL, start_markets, wave_size
from framework.simulator import SimulatorConfig
from framework.simulator.ratelimit import RateLimits
from tests.runtime.conftest import START, write_config

SYMBOLS = (
    "1HZ10V", "1HZ25V", "1HZ50V", "1HZ75V", "1HZ100V", "1HZ15V", "1HZ30V", "1HZ90V",
    "1HZ150V", "1HZ250V", "JD10", "JD25", "JD50", "JD75", "JD100", "stpRNG",
)  # fmt: skip


def _strategies(symbols: Sequence[str]) -> str:
    return "".join(
        f"""\
  - name: s{n:02d}
    plugin: tests.runtime.plugins:Every
    symbols: ["{symbol}"]
    contract: {{type: CALL, duration: 3, duration_unit: t}}
    stake: {{scheme: fixed, amount: 1.00}}
    params: {{every: 1000000}}
"""
        for n, symbol in enumerate(symbols)
    )


class _Opening:
    """Tick subscriptions sent and not answered yet: now, and the most at once."""

    def __init__(self) -> None:
        self.now = 0
        self.most = 0
        self.answered = 0


def _watch_ticks(monkeypatch: pytest.MonkeyPatch) -> _Opening:
    opening = _Opening()
    real = Client.ticks

    def ticks(self: Client, symbols: Any) -> AbstractAsyncContextManager[Any]:
        @asynccontextmanager
        async def watched() -> AsyncIterator[Any]:
            opening.now += 1
            opening.most = max(opening.most, opening.now)
            waiting = True
            try:
                async with real(self, symbols) as stream:
                    opening.now -= 1
                    opening.answered += 1
                    waiting = False
                    yield stream
            finally:
                if waiting:
                    opening.now -= 1

        return watched()

    monkeypatch.setattr(Client, "ticks", ticks)
    return opening


def _bot(tmp_path: Path, rate_limits: RateLimits | None = None) -> Bot:
    config = write_config(tmp_path, _strategies(SYMBOLS))
    sim = SimulatorConfig(
        seed=config.simulator.seed,
        start_epoch=START,
        state=config.journal.with_name("sim.sqlite"),
        rate_limits=rate_limits or RateLimits(),
    )
    return Bot(config, simulator_config=sim)


async def test_sixteen_symbols_wait_for_their_first_ticks_together(
    tmp_path: Path, vclock: MockClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    opening = _watch_ticks(monkeypatch)
    bot = _bot(tmp_path)
    async with trio.open_nursery() as nursery:
        await nursery.start(bot.run)
        assert bot.runner is not None
        assert set(bot.runner.last_epoch) == set(SYMBOLS)  # every first tick came
        bot.stop.request("test")
    assert opening.most == len(SYMBOLS)
    assert opening.answered == len(SYMBOLS)


async def test_tight_budgets_start_the_symbols_in_waves(
    tmp_path: Path, vclock: MockClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    opening = _watch_ticks(monkeypatch)
    # 16 general requests a minute: a wave takes half of them, 8 tick subscriptions.
    bot = _bot(tmp_path, RateLimits().per_minute(general=16))
    async with trio.open_nursery() as nursery:
        await nursery.start(bot.run)
        assert bot.runner is not None and bot.connection is not None
        assert set(bot.runner.last_epoch) == set(SYMBOLS)
        # Never refused by the server, never held by the client's pacing.
        assert bot.connection.stats.rate_limited == 0
        bot.stop.request("test")
    assert opening.most == 8
    assert opening.answered == len(SYMBOLS)


def test_a_wave_holds_half_of_the_tightest_budget_its_calls_count_against() -> None:
    general = BUDGETS["general"].minutely
    assert general is not None
    assert wave_size({"ticks": 1, "ticks_history": 0}, BUDGETS) == int(general * STARTUP_SHARE)
    assert wave_size({"ticks": 1, "ticks_history": 2}, BUDGETS) == int(general * STARTUP_SHARE) // 3
    tight = {**BUDGETS, "general": attrs.evolve(BUDGETS["general"], minutely=1)}
    assert wave_size({"ticks": 1}, tight) == 1  # never less than one symbol
    unlimited = {**BUDGETS, "general": attrs.evolve(BUDGETS["general"], minutely=None)}
    assert wave_size({"ticks": 1, "ticks_history": 1}, unlimited) is None
    assert wave_size({"time": 3}, BUDGETS) is None  # exempt calls take no budget


class _FakeMarket:
    """A symbol feed that reports started at once (or fails), recording when."""

    def __init__(self, name: str, log: list[tuple[str, float]], fail: bool = False) -> None:
        self.name = name
        self._log = log
        self._fail = fail

    def start_requests(self) -> dict[str, int]:
        return {"ticks": 1}

    async def run(self, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        self._log.append((self.name, trio.current_time()))
        await trio.sleep(0.5 if self._fail else 1.0)  # the first tick's wait
        if self._fail:
            raise StartupError(f"ticks of {self.name!r} refused")
        task_status.started()
        await trio.sleep_forever()


async def test_waves_begin_a_minute_apart(autojump_clock: MockClock) -> None:
    log: list[tuple[str, float]] = []
    budgets = {**BUDGETS, "general": attrs.evolve(BUDGETS["general"], minutely=4)}
    markets: list[Any] = [_FakeMarket(f"m{i}", log) for i in range(5)]
    async with trio.open_nursery() as nursery:
        began = trio.current_time()
        await start_markets(nursery, markets, budgets)
        nursery.cancel_scope.cancel()
    starts = [round(at - began) for _, at in log]
    gap = round(WAVE_INTERVAL)
    assert starts == [0, 0, gap, gap, 2 * gap]


async def test_the_first_failed_start_stops_the_others_and_is_the_error(
    autojump_clock: MockClock,
) -> None:
    log: list[tuple[str, float]] = []
    markets: list[Any] = [_FakeMarket("bad", log, fail=True)]
    markets += [_FakeMarket(f"m{i}", log) for i in range(3)]
    async with trio.open_nursery() as nursery:
        with pytest.raises(StartupError, match="ticks of 'bad' refused"):
            await start_markets(nursery, markets, BUDGETS)
        # Nothing was left running in the bot's nursery: the others were cancelled.
        assert nursery.child_tasks == frozenset()
    assert len(log) == 4  # all had started together
