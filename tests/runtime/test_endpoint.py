"""``connect``: the bot config's connection settings reach the connection actor."""

from __future__ import annotations

from pathlib import Path

import pytest
import trio
from trio.testing import MockClock

from framework.config import parse_config
from framework.runtime.endpoint import EMBEDDED_HISTORY_MIN, connect, embedded_history
from framework.simulator.feed import DEFAULT_HISTORY_SECONDS
from tests.runtime.conftest import EVERY


@pytest.mark.parametrize("compression", [True, False])
async def test_the_compression_setting_reaches_the_connection(
    tmp_path: Path, vclock: MockClock, compression: bool
) -> None:
    config = parse_config(
        f"compression: {'true' if compression else 'false'}\n"
        f"journal: {tmp_path / 'journal.sqlite'}\n"
        f"strategies:\n{EVERY}"
    )
    async with trio.open_nursery() as nursery:
        endpoint = await connect(config, nursery)
        assert endpoint.connection.settings.compression is compression
        assert (await endpoint.connection.request("ping")).data == "pong"
        nursery.cancel_scope.cancel()


def _strategy(symbol: str, tick_history: int) -> str:
    duration = "{duration: 1, duration_unit: d}" if symbol.startswith("frx") else "{duration: 3}"
    return f"""\
  - name: s
    plugin: tests.runtime.plugins:Every
    symbols: ["{symbol}"]
    contract: {duration}
    stake: {{scheme: fixed, amount: 1.00}}
    tick_history: {tick_history}
"""


@pytest.mark.parametrize(
    ("symbol", "tick_history", "seconds"),
    [
        ("1HZ100V", 0, EMBEDDED_HISTORY_MIN),  # at least ten minutes
        ("R_100", 1000, 1000 * 2 + 60),  # the look-back of a two-second symbol, and a minute
        ("R_100", 5000, 5000 * 2 + 60),
        ("frxEURUSD", 10, DEFAULT_HISTORY_SECONDS),  # a market that closes keeps the day
    ],
)
def test_the_embedded_simulator_keeps_the_history_the_strategies_declare(
    symbol: str, tick_history: int, seconds: int
) -> None:
    config = parse_config(f"strategies:\n{_strategy(symbol, tick_history)}")
    assert embedded_history(config) == seconds


async def test_a_bot_s_embedded_simulator_starts_its_feeds_with_that_history(
    tmp_path: Path, vclock: MockClock
) -> None:
    config = parse_config(f"journal: {tmp_path / 'journal.sqlite'}\nstrategies:\n{EVERY}")
    async with trio.open_nursery() as nursery:
        endpoint = await connect(config, nursery)
        assert endpoint.simulator is not None
        assert endpoint.simulator.core.config.history_seconds == EMBEDDED_HISTORY_MIN
        nursery.cancel_scope.cancel()
