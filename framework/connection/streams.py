"""Subscriptions: the actor's routing state and the consumer's stream.

A :class:`Subscription` is the *logical* stream a consumer asked for (``ticks R_100``). It
outlives connections: after a reconnect the actor re-sends the original request and binds the
new server subscription ids to the same object, so the consumer keeps its :class:`Stream`.

Delivery is one bounded trio memory channel per subscription. The reader task only ever calls
:meth:`Subscription.offer`, which never waits; what happens when the consumer falls behind is
the subscription's declared :class:`Overflow` policy:

* ``Overflow.CONFLATE`` (market data: ticks, candles, proposals, balance): the oldest buffered
  update is discarded so the consumer always gets the newest; :attr:`Subscription.dropped`
  counts them.
* ``Overflow.FAIL`` (transactions, contract updates): nothing is ever dropped silently; the
  stream is closed and the consumer's next read, after the buffered updates, raises
  :class:`StreamOverflow`.

Connection events inside a stream: after an outage, the first thing a consumer reads before
the first new update is exactly one :class:`ConnectionRestored` (with the downtime of that
stream). Consumers iterate ``T | ConnectionRestored`` and can tell exactly where the gap is.

An update whose payload the parser's model refuses (:class:`~framework.deriv.errors.PayloadError`)
is logged and counted once (:mod:`.unreadable`); a conflating stream skips it, a lossless one
returns an :class:`~framework.connection.unreadable.Unreadable` in its place, never drops it
silently (the client types those streams ``Stream[Model | Unreadable]``).
"""

from __future__ import annotations

import contextlib
import enum
from collections.abc import Callable, Mapping
from typing import Any, Generic, TypeVar

import attrs
import trio

from ..deriv.errors import PayloadError
from ..deriv.protocol import StreamUpdate
from .errors import StreamOverflow
from .stats import ConnectionStats
from .unreadable import unreadable

__all__ = [
    "SKIP",
    "ConnectionRestored",
    "Disconnected",
    "Overflow",
    "Stream",
    "Subscription",
    "ack_only",
]

T = TypeVar("T")

# A consumer reading buffered updates yields to the scheduler at least this often.
_YIELD_EVERY = 16


class Overflow(enum.Enum):
    """What a stream does when its consumer falls behind its buffer."""

    CONFLATE = "conflate"
    FAIL = "fail"


@attrs.frozen
class ConnectionRestored:
    """The connection came back after an outage.

    On a stream it comes right before the first update received after the outage; on the
    connection's event channel, once per outage after resubscribing.

    Attributes:
        downtime: seconds from the loss of the connection to this point.
        attempts: connection attempts it took.
    """

    downtime: float
    attempts: int = 1


@attrs.frozen
class Disconnected:
    """The connection was lost (connection event channel only).

    Attributes:
        reason: what happened, as text (close code and reason, keepalive timeout...).
    """

    reason: str


class _Skip:
    __slots__ = ()


#: Returned by a parser for an update the consumer must not see (acknowledgements, replays).
SKIP: Any = _Skip()


def ack_only(data: Any) -> bool:
    """Whether a payload only acknowledges a subscription (``{}`` or ``{"id": ...}``)."""
    return not data or (isinstance(data, Mapping) and len(data) == 1 and "id" in data)


Parser = Callable[[StreamUpdate], Any]


def raw_parser(update: StreamUpdate) -> Any:
    """The default parser: the payload mapping as the server sent it."""
    return SKIP if ack_only(update.data) else update.data


class Subscription:
    """One logical subscription, as the connection actor sees it.

    Args:
        key: a number unique within the connection.
        call: the call that opens it (``ticks``, ``transaction``...).
        fields: the request fields (``subscribe`` included), re-sent after a reconnect.
        policy: what to do when the consumer falls behind.
        capacity: buffer size.
        description: a short label for logs and errors (never contains secrets).
    """

    def __init__(
        self,
        key: int,
        call: str,
        fields: Mapping[str, Any],
        *,
        policy: Overflow,
        capacity: int,
        description: str,
    ) -> None:
        self.key = key
        self.call = call
        self.fields = dict(fields)
        self.policy = policy
        self.capacity = capacity
        self.description = description
        self._send, self.receive_channel = trio.open_memory_channel[Any](capacity)
        #: server subscription ids currently bound (several for ``ticks`` with a list).
        self.server_ids: set[str] = set()
        #: the req_id of the request that opened it on the current connection.
        self.req_id: int | None = None
        #: opened successfully at least once: a reconnect must re-create it.
        self.opened = False
        #: set while the connection is down: when the outage started.
        self.gap_since: float | None = None
        self.gap_attempts = 0
        self.received = 0
        self.dropped = 0
        self.error: BaseException | None = None
        self.closed = False

    def offer(self, item: Any) -> None:
        """Hand an update to the consumer without ever waiting (reader task only)."""
        self.received += 1
        try:
            self._send.send_nowait(item)
        except trio.WouldBlock:
            self._overflow(item)
        except (trio.ClosedResourceError, trio.BrokenResourceError):
            pass  # closed or consumer gone: the subscription is being torn down

    def _overflow(self, item: Any) -> None:
        if self.policy is Overflow.CONFLATE:
            with contextlib.suppress(trio.WouldBlock, trio.EndOfChannel, trio.ClosedResourceError):
                self.receive_channel.receive_nowait()
            self.dropped += 1
            try:
                self._send.send_nowait(item)
            except (trio.WouldBlock, trio.ClosedResourceError, trio.BrokenResourceError):
                self.dropped += 1
            return
        self.fail(StreamOverflow(self.description, self.capacity))

    def restored(self, now: float) -> None:
        """Put the :class:`ConnectionRestored` marker in front of the next update."""
        if self.gap_since is not None:
            since, attempts = self.gap_since, self.gap_attempts
            self.gap_since = None
            self.gap_attempts = 0
            self.received -= 1  # the marker is not an update
            self.offer(ConnectionRestored(downtime=now - since, attempts=attempts))

    def fail(self, error: BaseException) -> None:
        """End the stream: the consumer reads what is buffered, then ``error`` is raised."""
        if not self.closed:
            self.error = error
            self.finish()

    def finish(self) -> None:
        """End the stream normally (the server closed it, e.g. a sold contract)."""
        if not self.closed:
            self.closed = True
            self._send.close()


class Stream(Generic[T]):
    """What a consumer reads: typed updates and :class:`ConnectionRestored` markers.

    ``async for item in stream`` ends when the stream ends (the server closed it, the
    connection stopped); it raises when the stream failed (:class:`StreamOverflow`, the
    connection's fatal error, an error the server sent on resubscription). An error the server
    sends *as one update* (a proposal that cannot be priced on this tick) is raised by that
    read only; the stream stays usable.
    """

    def __init__(self, subscription: Subscription, parse: Parser, stats: ConnectionStats) -> None:
        self._sub = subscription
        self._parse = parse
        self._stats = stats
        self._unyielded = 0

    @property
    def subscription(self) -> Subscription:
        """The actor-side state (counters, bound server ids)."""
        return self._sub

    @property
    def dropped(self) -> int:
        """Updates discarded because the consumer fell behind (market data only)."""
        return self._sub.dropped

    @property
    def server_ids(self) -> frozenset[str]:
        """The server subscription ids currently bound."""
        return frozenset(self._sub.server_ids)

    @property
    def restoring(self) -> bool:
        """The connection was lost and this stream is not re-created yet: its
        :class:`ConnectionRestored` marker is still to come."""
        return self._sub.gap_since is not None

    async def receive(self) -> T | ConnectionRestored:
        """Return the next update (or marker).

        Raises:
            trio.EndOfChannel: the stream ended normally.
            APIError: the server sent an error as this update.
            StreamOverflow: the consumer fell behind a lossless stream.
        """
        channel = self._sub.receive_channel
        parse = self._parse
        while True:
            # Fast path: an update is already buffered. Taking it without a trip through the
            # scheduler lets a consumer drain a burst in one go (roughly doubles throughput);
            # it still yields every _YIELD_EVERY updates so that it cannot starve other tasks,
            # and honours cancellation on every call.
            try:
                item = channel.receive_nowait()
            except trio.WouldBlock:
                try:
                    item = await channel.receive()
                except trio.EndOfChannel:
                    if self._sub.error is not None:
                        raise self._sub.error from None
                    raise
                self._unyielded = 0
            except trio.EndOfChannel:
                await trio.lowlevel.checkpoint()
                if self._sub.error is not None:
                    raise self._sub.error from None
                raise
            else:
                self._unyielded += 1
                if self._unyielded >= _YIELD_EVERY:
                    self._unyielded = 0
                    await trio.lowlevel.checkpoint()
                else:
                    await trio.lowlevel.checkpoint_if_cancelled()
            if type(item) is StreamUpdate:
                if item.error is not None:
                    raise item.error
                try:
                    value = parse(item)
                except PayloadError as exc:
                    value = self._unreadable(item, exc)
                if value is SKIP:
                    continue
                return value  # type: ignore[no-any-return]
            return item  # type: ignore[no-any-return]

    def _unreadable(self, update: StreamUpdate, error: PayloadError) -> Any:
        """Log and count an update the parser refused; what the consumer gets instead."""
        event = unreadable(self._stats, self._sub.call, error, update.data)
        # Market data is replaced by the next update; a lossless stream never loses one
        # silently: its consumer asks the server again for what this update was about.
        return event if self._sub.policy is Overflow.FAIL else SKIP

    def receive_nowait(self) -> T | ConnectionRestored:
        """Like :meth:`receive` but raise ``trio.WouldBlock`` instead of waiting.

        Lets a consumer drain a burst in one go (one checkpoint per batch, not per update).
        """
        channel = self._sub.receive_channel
        while True:
            try:
                item = channel.receive_nowait()
            except trio.EndOfChannel:
                if self._sub.error is not None:
                    raise self._sub.error from None
                raise
            if type(item) is StreamUpdate:
                if item.error is not None:
                    raise item.error
                try:
                    value = self._parse(item)
                except PayloadError as exc:
                    value = self._unreadable(item, exc)
                if value is SKIP:
                    continue
                return value  # type: ignore[no-any-return]
            return item  # type: ignore[no-any-return]

    def __aiter__(self) -> Stream[T]:
        return self

    async def __anext__(self) -> T | ConnectionRestored:
        try:
            return await self.receive()
        except trio.EndOfChannel:
            raise StopAsyncIteration from None
