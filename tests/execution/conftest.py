"""Fixtures: virtual time for the execution stack on the embedded simulator."""

from __future__ import annotations

import pytest
from trio.testing import MockClock


@pytest.fixture
def vclock() -> MockClock:
    """Virtual time that jumps when everything waits.

    The threshold is a few real milliseconds rather than 0: these tests use real loopback
    sockets, and with 0 the clock could jump while a frame is in flight in the kernel.
    """
    return MockClock(autojump_threshold=0.002)
