"""The serial executor behaves like a pool's futures; the default worker count."""

from __future__ import annotations

import os

import pytest

from framework.backtest.executors import SerialExecutor, default_workers


def half(n: int) -> int:
    if n % 2:
        raise ValueError(f"{n} is odd")
    return n // 2


def test_a_failing_job_is_a_failed_future_not_a_crash() -> None:
    with SerialExecutor() as executor:
        ok = executor.submit(half, 4)
        failed = executor.submit(half, 3)
    assert ok.result() == 2
    with pytest.raises(ValueError, match="3 is odd"):
        failed.result()
    assert isinstance(failed.exception(), ValueError)


def test_map_is_lazy_and_ordered() -> None:
    calls: list[int] = []

    def record(n: int) -> int:
        calls.append(n)
        return n * 10

    results = SerialExecutor().map(record, [1, 2, 3])
    assert calls == []  # nothing runs until asked
    assert list(results) == [10, 20, 30] and calls == [1, 2, 3]


def test_default_workers_follow_the_cpu_affinity(monkeypatch: pytest.MonkeyPatch) -> None:
    assert default_workers() == max(1, len(os.sched_getaffinity(0)))
    monkeypatch.delattr(os, "sched_getaffinity")  # as on macOS and Windows
    monkeypatch.setattr(os, "cpu_count", lambda: None)
    assert default_workers() == 1
    monkeypatch.setattr(os, "cpu_count", lambda: 6)
    assert default_workers() == 6
