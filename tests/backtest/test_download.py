"""``download`` and ``record`` on the embedded simulator (reached in memory), in virtual time."""

from __future__ import annotations

import itertools
from pathlib import Path

import trio

from framework.backtest import TickWriter, last_tick, open_source
from framework.backtest.download import download_ticks, open_market_client, record_ticks
from framework.client import open_client
from framework.client.results import TickHistory
from framework.connection import ConnectionSettings
from framework.deriv.models import Tick
from framework.simulator import open_simulator
from framework.simulator.memory import memory_connector


def read(path: Path) -> list[Tick]:
    return [t for chunk in open_source(path).chunks() for t in chunk]


async def test_download_pages_in_order_and_resumes(
    tmp_path: Path, autojump_clock: trio.testing.MockClock
) -> None:
    path = tmp_path / "r100.jsonl"
    pages: list[tuple[int, int]] = []
    async with open_market_client(seed=3) as client:
        with TickWriter(path) as writer:
            n = await download_ticks(
                client, "R_100", writer, count=12_345, progress=lambda d, e: pages.append((d, e))
            )
        assert n == 12_345 and pages[-1] == (12_345, 12_345) and len(pages) >= 3
        ticks = read(path)
        assert len(ticks) == 12_345
        epochs = [t.epoch for t in ticks]
        assert all(b - a == 2 for a, b in itertools.pairwise(epochs))  # no gap
        last = last_tick(path)
        assert last is not None
        await trio.sleep(60)  # the market moves on: 30 more R_100 ticks
        with TickWriter(path) as writer:
            more = await download_ticks(client, "R_100", writer, count=0, after=last.epoch)
    assert 29 <= more <= 31
    resumed = read(path)
    assert resumed[:12_345] == ticks
    assert [t.epoch for t in resumed[12_344:]] == list(
        range(last.epoch, last.epoch + 2 * (more + 1), 2)
    )


async def test_a_download_longer_than_a_day_comes_whole_and_once(
    tmp_path: Path, autojump_clock: trio.testing.MockClock
) -> None:
    # The simulator answers ticks_history with the server's window rules (a missing start
    # is a day back, an end before it is now); holding three days of ticks, it must give
    # 2.3 days of R_100 once each, in order, up to its latest tick.
    path = tmp_path / "r100.jsonl"
    async with open_simulator(seed=3, history_seconds=3 * 86_400) as sim:
        settings = ConnectionSettings(url=sim.app_url(), tokens=(sim.token,))
        async with open_client(settings, connector=memory_connector(sim)) as client:
            with TickWriter(path) as writer:
                n = await download_ticks(client, "R_100", writer, count=100_000)
            answer = await client.ticks_history("R_100", count=1)
            assert isinstance(answer, TickHistory)
            latest = answer.times[-1]
    epochs = [t.epoch for t in read(path)]
    assert n == len(epochs) == 100_000
    assert all(b - a == 2 for a, b in itertools.pairwise(epochs))  # no gap, nothing twice
    assert epochs[-1] == latest and latest - epochs[0] > 86_400


async def test_record_appends_live_ticks(
    tmp_path: Path, autojump_clock: trio.testing.MockClock
) -> None:
    path = tmp_path / "live.csv"
    async with open_market_client(seed=3) as client:
        with TickWriter(path) as writer:
            n = await record_ticks(client, ["R_100", "1HZ100V"], writer, count=30)
        with TickWriter(path) as writer, trio.move_on_after(10):
            await record_ticks(client, ["R_100"], writer)
    ticks = read(path)
    assert n == 30 and 30 + 4 <= len(ticks) <= 30 + 6
    assert {t.symbol for t in ticks[:30]} == {"R_100", "1HZ100V"}
