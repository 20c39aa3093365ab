"""A lock that is taken without a trip through the scheduler when it is free.

Trio makes every ``acquire`` a full checkpoint: ``async with trio.Lock()`` yields to the
scheduler even when nobody holds the lock. On the way from a tick to the buy it causes three
locks are taken (the client's buy turn, the rate limiter's queue for the budget, the
WebSocket's write lock), and each yield there is a scheduler pass before the frame leaves.
:class:`EagerLock` still checks for cancellation first, as ``acquire`` does (a cancelled buy
must not reach its shielded write), and waits only when the lock is held; it is as fair as
Trio's: a free lock with tasks still waiting for it (just released to the first of them) is
not taken over.
"""

from __future__ import annotations

from typing import final

import trio

__all__ = ["EagerLock"]


@final
class EagerLock:
    """A FIFO lock for ``async with``, taken at once when free (one owner at a time)."""

    __slots__ = ("_lock",)

    def __init__(self) -> None:
        self._lock = trio.StrictFIFOLock()

    def locked(self) -> bool:
        """Whether a task holds the lock."""
        return self._lock.locked()

    async def acquire(self) -> None:
        """Take the lock: at once when it is free, else in turn after those waiting."""
        await trio.lowlevel.checkpoint_if_cancelled()
        try:
            self._lock.acquire_nowait()
        except trio.WouldBlock:
            await self._lock.acquire()

    def release(self) -> None:
        """Give the lock up (to the first task waiting, if any)."""
        self._lock.release()

    async def __aenter__(self) -> None:
        await self.acquire()

    async def __aexit__(self, *exc_info: object) -> None:
        self.release()
