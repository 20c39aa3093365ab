"""Who may touch the account's records at a time: buys together, a reconciliation alone.

A reconciliation reads the account's buys and attributes one of them to a lost buy. It must
never see a contract whose own answer is still on its way: it could take that contract for
the lost one, and the buy it belongs to would then find it claimed. Buys do not disturb each
other (each answer names its own contract), so they may be on the wire together.

Rules of :class:`RecordsTurn`:

1. Any number of buys hold it at once (:meth:`RecordsTurn.buying`), each from before it is
   sent until its contract is claimed.
2. A reconciliation holds it alone (:meth:`RecordsTurn.alone`): it waits until no buy holds
   it, and no buy starts while a reconciliation waits or holds it (so a stream of buys
   cannot keep a reconciliation waiting forever).
3. Waiting reconciliations go in the order of their buys: a buy takes a number when it
   takes the turn, right before it is handed to the connection, and a lost buy asks for
   the turn with that number (others take a new one). The server executes the requests of
   one connection in order, so when several buys lost in one outage asked for the same
   kind of contract, the earliest contract goes to the earliest buy
   (:func:`~framework.client.reconcile.pick` takes the earliest purchase). Two buys given
   at the same moment may still reach the socket in the other order (the connection has a
   checkpoint on the way); then two contracts of the same type, symbol and price may go to
   each other's intents. Neither is bought twice nor lost: every contract is claimed once.
4. A lost buy asks for its reconciliation *before* it lets go of its buying hold (no
   checkpoint between the two), so no buy can start in between.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import trio

__all__ = ["RecordsTurn"]


class RecordsTurn:
    """Buys share it; a reconciliation of the account's records holds it alone."""

    def __init__(self) -> None:
        self._numbers = itertools.count(1)
        self._buys = 0
        self._reading = False
        # The numbers of the reconciliations waiting (a heap: the lowest goes first).
        self._waiting: list[int] = []
        self._changed = trio.Event()

    @property
    def reading(self) -> bool:
        """A reconciliation holds the turn."""
        return self._reading

    def number(self) -> int:
        """A new place in line (for a buy, or a reconciliation not of a buy of this run)."""
        return next(self._numbers)

    def _wake(self) -> None:
        self._changed.set()
        self._changed = trio.Event()

    @asynccontextmanager
    async def buying(self) -> AsyncIterator[int]:
        """Hold the turn with other buys; yields the buy's number (see :meth:`alone`).

        Taken at once when no reconciliation holds or waits for it: no scheduler pass
        between a tick and the buy it causes (:mod:`framework.locks`); cancellation is still
        checked first, as a lock's ``acquire`` does (a cancelled buy must not reach its
        shielded write).
        """
        await trio.lowlevel.checkpoint_if_cancelled()
        while self._reading or self._waiting:
            await self._changed.wait()
        number = self.number()
        self._buys += 1
        try:
            yield number
        finally:
            self._buys -= 1
            self._wake()

    @asynccontextmanager
    async def alone(self, number: int | None = None) -> AsyncIterator[None]:
        """Hold the turn alone, once no buy holds it and no earlier number waits.

        Args:
            number: the lost buy's number (from :meth:`buying`); a new one when omitted.
        """
        await trio.lowlevel.checkpoint_if_cancelled()
        place = self.number() if number is None else number
        heapq.heappush(self._waiting, place)
        try:
            while self._reading or self._buys or self._waiting[0] != place:
                await self._changed.wait()
        except BaseException:  # cancelled while waiting: give up the place in line
            self._waiting.remove(place)
            heapq.heapify(self._waiting)
            self._wake()
            raise
        heapq.heappop(self._waiting)
        self._reading = True
        try:
            yield
        finally:
            self._reading = False
            self._wake()
