"""Fixtures: a simulator on loopback in virtual time (the suite's ``vclock``), and raw clients."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from trio.testing import MockClock

from framework.simulator import Simulator, open_simulator
from tests.simulator.client import RawClient, connect

#: A fixed start so epochs (and with the seed, every tick) are the same on every run.
START = 1_700_000_000


def sim_options(**overrides: Any) -> dict[str, Any]:
    """The tests' default simulator options."""
    return {"seed": 7, "start_epoch": START, "history_seconds": 3600, **overrides}


@pytest.fixture
async def sim(vclock: MockClock) -> AsyncIterator[Simulator]:
    """A running simulator (seed 7, fixed start, virtual time)."""
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
