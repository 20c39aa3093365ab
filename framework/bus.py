"""The bot's event bus: what happened, for whoever watches (dashboard, notifications, metrics).

The live components publish the moments a watcher cares about (the bot started, a contract
was bought or settled, a risk limit tripped or cleared, the connection was lost or
restored, a strategy changed state, a control action was taken) as :class:`BotEvent`
values. Publishing is synchronous and never blocks nor fails: the execution actor publishes
from its money paths, so a slow watcher must not be able to hold a trade up. Each
subscriber has its own bounded channel; when it is full, the event is dropped *for that
subscriber* and counted (:attr:`Subscription.dropped`), the others still get it.

The bus carries no figure of its own: the counts and balances stay with the components that
own them (the status board reads them); an event says what changed, with enough detail to
show or send it.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any, Literal

import attrs
import trio

__all__ = ["EVENT_KINDS", "BotEvent", "EventBus", "EventKind", "Subscription"]

EventKind = Literal[
    "started",
    "stopped",
    "bought",
    "settled",
    "trip",
    "connection_lost",
    "connection_restored",
    "strategy",
    "control",
]

#: Every kind of event, for config checks (``notify.events``).
EVENT_KINDS: tuple[str, ...] = EventKind.__args__  # type: ignore[attr-defined]


@attrs.frozen(slots=True)
class BotEvent:
    """One thing that happened.

    Attributes:
        kind: what happened (see :data:`EventKind`).
        at: wall-clock time it was published (Unix seconds).
        data: its details, JSON-ready (plain numbers, strings, lists and mappings).
    """

    kind: EventKind
    at: float
    data: Mapping[str, Any]

    def as_dict(self) -> dict[str, Any]:
        """The event as one JSON-ready mapping: ``kind``, ``at`` and the details."""
        return {"kind": self.kind, "at": self.at, **self.data}


class Subscription:
    """A subscriber's bounded queue of events (iterate it, or ``receive()`` one).

    Attributes:
        dropped: events lost to this subscriber because its queue was full.
    """

    def __init__(self, bus: EventBus, capacity: int) -> None:
        self._bus = bus
        self._send, self._receive = trio.open_memory_channel[BotEvent](capacity)
        self.dropped = 0

    def _offer(self, event: BotEvent) -> None:
        try:
            self._send.send_nowait(event)
        except trio.WouldBlock:
            self.dropped += 1
        except trio.BrokenResourceError:  # the subscriber went away without closing
            self._bus._forget(self)

    async def receive(self) -> BotEvent:
        """The next event (waits for one)."""
        return await self._receive.receive()

    def receive_nowait(self) -> BotEvent:
        """The next event already queued.

        Raises:
            trio.WouldBlock: none is queued.
        """
        return self._receive.receive_nowait()

    def __aiter__(self) -> Subscription:
        return self

    async def __anext__(self) -> BotEvent:
        try:
            return await self._receive.receive()
        except trio.EndOfChannel:
            raise StopAsyncIteration from None

    def close(self) -> None:
        """Stop receiving (idempotent); an iteration in progress ends."""
        self._bus._forget(self)
        self._send.close()
        self._receive.close()

    def __enter__(self) -> Subscription:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class EventBus:
    """Fans events out to subscribers; see the module docstring.

    Attributes:
        published: events published so far, by kind.
    """

    def __init__(self, *, clock: Any = time.time) -> None:
        """Create a bus.

        Args:
            clock: gives the wall-clock time of an event (tests pass their own).
        """
        self._clock = clock
        self._subscribers: list[Subscription] = []
        self.published: dict[str, int] = {}

    def publish(self, kind: EventKind, **data: Any) -> BotEvent:
        """Give an event to every subscriber now; never blocks.

        Args:
            kind: what happened.
            **data: its details (JSON-ready values).

        Returns:
            The event as published.
        """
        event = BotEvent(kind, self._clock(), data)
        self.published[kind] = self.published.get(kind, 0) + 1
        for subscriber in tuple(self._subscribers):
            subscriber._offer(event)
        return event

    def subscribe(self, capacity: int = 256) -> Subscription:
        """A new subscriber that gets every event published from now on.

        Args:
            capacity: events it may hold before the next ones are dropped for it.
        """
        subscription = Subscription(self, capacity)
        self._subscribers.append(subscription)
        return subscription

    @property
    def subscribers(self) -> int:
        """How many subscribers there are now."""
        return len(self._subscribers)

    def _forget(self, subscription: Subscription) -> None:
        if subscription in self._subscribers:
            self._subscribers.remove(subscription)
