"""Fixtures shared by the whole suite."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import structlog

from tests.schemas import require_schemas


@pytest.fixture
def schema_dir() -> Path:
    """The official schema folder; skips the test when ``../shared`` is absent."""
    return require_schemas()


@pytest.fixture(autouse=True)
def _fresh_structlog() -> Iterator[None]:
    """Undo any ``configure_logging`` a test (or a CLI it ran) made: it is process-global,
    and a level filter or stream left behind would hide later tests' log captures."""
    yield
    structlog.reset_defaults()
    structlog.contextvars.clear_contextvars()
