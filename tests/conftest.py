"""Fixtures shared by the whole suite."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.schemas import require_schemas


@pytest.fixture
def schema_dir() -> Path:
    """The official schema folder; skips the test when ``../shared`` is absent."""
    return require_schemas()
