"""Fixtures shared by the whole suite."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
import structlog
import trio
from trio.testing import MockClock

from tests.schemas import require_schemas


@pytest.fixture
def schema_dir() -> Path:
    """The official schema folder; skips the test when ``../shared`` is absent."""
    return require_schemas()


@pytest.fixture
def vclock() -> MockClock:
    """Virtual time for tests that talk over real loopback sockets.

    The clock jumps once every task has waited a few real milliseconds, not at once as
    pytest-trio's ``autojump_clock`` does: bytes in flight in the kernel are invisible to
    Trio's scheduler, so with a threshold of 0 the clock could jump while a frame is still on
    its way and fire timeouts that did not happen (trio's "false alarm" caveat). Tests with no
    socket use ``autojump_clock``. pytest-trio only runs a test under a clock the test itself
    takes, so each test that needs this one names ``vclock`` in its arguments.
    """
    return MockClock(autojump_threshold=0.003)


T = TypeVar("T")


@pytest.fixture
def cli_virtual_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every ``trio.run`` a command makes in this process runs on an autojumping clock.

    For commands driven through ``bots.cli.main`` in-process, whose own ``trio.run`` no
    pytest-trio clock reaches. ``COLUMNS`` is widened so rich never wraps a one-line message.
    """
    real_run = trio.run

    def run(afn: Callable[..., Awaitable[T]], *args: Any) -> T:
        return real_run(afn, *args, clock=MockClock(autojump_threshold=0))

    monkeypatch.setattr(trio, "run", run)
    monkeypatch.setenv("COLUMNS", "400")


@pytest.fixture(autouse=True)
def _fresh_structlog() -> Iterator[None]:
    """Undo any ``configure_logging`` a test (or a CLI it ran) made: it is process-global,
    and a level filter or stream left behind would hide later tests' log captures."""
    yield
    structlog.reset_defaults()
    structlog.contextvars.clear_contextvars()
