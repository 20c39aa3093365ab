"""Fixtures for the connection tests: a scripted fake server and a connection to it."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from typing import Any

import attrs
import pytest
import trio

from framework.connection import BackoffPolicy, Connection, ConnectionSettings
from framework.market import tick_intervals
from tests.connection.fake import FakeDeriv

# Fast backoff, one token, and the market model's tick intervals (as the runtime fills them).
_SETTINGS = ConnectionSettings(
    url="memory://fake",
    tokens=("tok-a-0001",),
    backoff=BackoffPolicy(initial=0.1, maximum=2.0, max_attempts=50, healthy_after=5.0),
    tick_intervals=tick_intervals(),
)


def settings(**overrides: Any) -> ConnectionSettings:
    """Settings for the fake server, with ``overrides`` (fields of ConnectionSettings)."""
    return attrs.evolve(_SETTINGS, **overrides)


@pytest.fixture
async def fake() -> AsyncIterator[FakeDeriv]:
    server = FakeDeriv()
    async with server.running():
        yield server


@pytest.fixture
async def conn(fake: FakeDeriv, nursery: trio.Nursery) -> Connection:
    connection = Connection(settings(), connector=fake.connector, rng=random.Random(1))
    started: Connection = await nursery.start(connection.run)
    return started
