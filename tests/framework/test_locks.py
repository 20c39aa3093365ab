"""The eager lock: no scheduler pass when free, waits in turn when held, honours a cancel."""

from __future__ import annotations

import pytest
import trio
import trio.testing

from framework.locks import EagerLock


async def test_a_free_lock_is_taken_without_letting_another_task_run() -> None:
    lock = EagerLock()
    ran: list[str] = []

    async def other() -> None:
        ran.append("other")

    async with trio.open_nursery() as nursery:
        nursery.start_soon(other)  # runnable, waiting for a scheduler pass
        async with lock:
            assert lock.locked()
            assert ran == []
        assert not lock.locked()
    assert ran == ["other"]


async def test_a_cancelled_task_does_not_take_a_free_lock() -> None:
    lock = EagerLock()
    with trio.CancelScope() as scope:
        scope.cancel()
        async with lock:
            pytest.fail("taken despite the cancel")  # pragma: no cover - the defect
    assert scope.cancelled_caught and not lock.locked()


async def test_waiters_take_it_in_turn_and_are_not_overtaken() -> None:
    lock = EagerLock()
    order: list[int] = []

    async def take(n: int) -> None:
        async with lock:
            order.append(n)
            await trio.lowlevel.checkpoint()

    async with trio.open_nursery() as nursery:
        await lock.acquire()
        for n in (1, 2):  # 1 queues first, then 2
            nursery.start_soon(take, n)
            await trio.testing.wait_all_tasks_blocked()
        lock.release()  # handed to 1 at once; 3, arriving now, waits behind 2
        nursery.start_soon(take, 3)
    assert order == [1, 2, 3]
