"""Fixtures for the connection tests: a scripted fake server and a connection to it."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator

import pytest
import trio

from framework.connection import BackoffPolicy, Connection, ConnectionSettings
from tests.connection.fake import FakeDeriv


def settings(**overrides: object) -> ConnectionSettings:
    """Settings for the fake server: fast backoff, one token."""
    values: dict[str, object] = {
        "url": "memory://fake",
        "tokens": ("tok-a-0001",),
        "backoff": BackoffPolicy(initial=0.1, maximum=2.0, max_attempts=50, healthy_after=5.0),
    }
    values.update(overrides)
    return ConnectionSettings(**values)  # type: ignore[arg-type]


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
