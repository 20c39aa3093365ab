"""Fixtures: a simulator in virtual time, and raw clients that reach it in memory.

A test on its loopback listener (``connect_tcp``, trio-websocket itself) takes the suite's
``vclock``; one in memory takes pytest-trio's ``autojump_clock``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from framework.simulator import Simulator, open_simulator
from tests.simulator.client import RawClient, connect

#: A fixed start so epochs (and with the seed, every tick) are the same on every run.
START = 1_700_000_000


def sim_options(**overrides: Any) -> dict[str, Any]:
    """The tests' default simulator options."""
    return {"seed": 7, "start_epoch": START, "history_seconds": 3600, **overrides}


@pytest.fixture
async def sim() -> AsyncIterator[Simulator]:
    """A running simulator (seed 7, fixed start), on the test's clock."""
    async with open_simulator(**sim_options()) as running:
        yield running


@pytest.fixture
async def client(sim: Simulator) -> AsyncIterator[RawClient]:
    """A raw client connected to :func:`sim`, not yet authorized."""
    async with connect(sim) as raw:
        yield raw


@pytest.fixture
async def trader(sim: Simulator) -> AsyncIterator[RawClient]:
    """A raw client authorized with the demo token."""
    async with connect(sim) as raw:
        await raw.authorize(sim.token)
        yield raw
