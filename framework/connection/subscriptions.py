"""The subscription table: every stream a connection holds, and how an update finds its own.

Theory of operation
-------------------
A :class:`~framework.connection.streams.Subscription` is the logical stream a consumer asked
for; it lives from ``Connection.subscribe`` until the consumer leaves (or the server ends it),
across any number of sessions. The table holds them by key, plus two routes that are only
valid for the current session:

* by server subscription id: every stream update carries one (a ``ticks`` request with
  several symbols gets one id per symbol);
* by the ``req_id`` of the request that opened it: the extra streams of such a ``ticks``
  request first show up with an id nobody has seen, but with the known ``req_id``
  (:meth:`SubscriptionTable.claim`).

When a session ends, :meth:`SubscriptionTable.session_ended` drops both routes and marks the
gap in every opened stream; the subscriptions stay, and the next session re-creates each of
:meth:`SubscriptionTable.live` and binds the new server ids to the same objects, so
consumers keep reading the same :class:`~framework.connection.streams.Stream`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from .streams import Overflow, Subscription

__all__ = ["SubscriptionTable"]


class SubscriptionTable:
    """The subscriptions of one connection and their routes in the current session."""

    __slots__ = ("_by_req_id", "_next_key", "_subscriptions", "by_server_id")

    def __init__(self) -> None:
        self._subscriptions: dict[int, Subscription] = {}
        #: server subscription id -> subscription. Read directly by the reader for every
        #: update (the one hot path); never replaced, only cleared, so a reader may keep it.
        self.by_server_id: dict[str, Subscription] = {}
        self._by_req_id: dict[int, Subscription] = {}
        self._next_key = 1

    def __iter__(self) -> Iterator[Subscription]:
        return iter(list(self._subscriptions.values()))

    def __len__(self) -> int:
        return len(self._subscriptions)

    def add(
        self,
        call: str,
        fields: Mapping[str, Any],
        *,
        policy: Overflow,
        capacity: int,
        description: str,
    ) -> Subscription:
        """Create a subscription (not bound yet) with a new key."""
        sub = Subscription(
            self._next_key,
            call,
            fields,
            policy=policy,
            capacity=capacity,
            description=description,
        )
        self._next_key += 1
        self._subscriptions[sub.key] = sub
        return sub

    def remove(self, sub: Subscription) -> set[str]:
        """Forget ``sub`` (idempotent); return the server ids it was bound to."""
        self._subscriptions.pop(sub.key, None)
        return self.unbind(sub)

    def unbind(self, sub: Subscription) -> set[str]:
        """Drop ``sub``'s routes in this session; return the server ids it was bound to."""
        ids = set(sub.server_ids)
        for server_id in ids:
            self.by_server_id.pop(server_id, None)
        sub.server_ids.clear()
        if sub.req_id is not None:
            self._by_req_id.pop(sub.req_id, None)
            sub.req_id = None
        return ids

    def sent(self, sub: Subscription, req_id: int) -> None:
        """``sub``'s opening request went out with ``req_id``."""
        sub.req_id = req_id
        self._by_req_id[req_id] = sub

    def abandoned(self, req_id: int) -> None:
        """The request ``req_id`` timed out: its answer will not open anything."""
        self._by_req_id.pop(req_id, None)

    def bind(self, sub: Subscription, server_id: str) -> None:
        """Route updates with ``server_id`` to ``sub`` (unless it is closed already)."""
        if not sub.closed:
            sub.server_ids.add(server_id)
            self.by_server_id[server_id] = sub

    def claim(self, server_id: str, req_id: int | None) -> Subscription | None:
        """An update on an unknown ``server_id``: another stream of the request ``req_id``?

        Returns:
            The subscription, now bound to ``server_id``; ``None`` when no open
            subscription made that request.
        """
        sub = self._by_req_id.get(req_id) if req_id is not None else None
        if sub is None or sub.closed:
            return None
        self.bind(sub, server_id)
        return sub

    def live(self) -> list[Subscription]:
        """The subscriptions a new session must re-create (opened once, not closed)."""
        return [sub for sub in self._subscriptions.values() if sub.opened and not sub.closed]

    def session_ended(self, now: float) -> None:
        """Drop every route, and mark the gap in each opened stream from ``now``."""
        self.by_server_id.clear()
        self._by_req_id.clear()
        for sub in self._subscriptions.values():
            sub.server_ids.clear()
            sub.req_id = None
            if sub.opened and sub.gap_since is None:
                sub.gap_since = now
            sub.gap_attempts += 1

    def close_all(self, error: BaseException | None) -> None:
        """End every stream: failed with ``error``, or normally when it is ``None``."""
        for sub in list(self._subscriptions.values()):
            if error is not None:
                sub.fail(error)
            else:
                sub.finish()
