"""The connection actor: the I/O shell around the sans-IO protocol core.

One :class:`Connection` owns one logical connection to the Deriv API for as long as it runs,
across any number of physical WebSocket connections ("sessions"):

* ``await nursery.start(conn.run)`` returns once the first session is connected and
  authorized. From then on ``run`` reconnects on its own, with exponential backoff and
  jitter, and only returns by cancellation or raises :class:`ReconnectExhausted` /
  :class:`AuthorizationFailed`. It never gives up silently.
* One reader task per session decodes each frame, routes it and hands it over with
  ``send_nowait``: it never waits on a consumer (a slow strategy cannot stall pings).
  Replies go to the waiting request by ``req_id``; stream updates go to their
  :class:`Subscription` by subscription id (or by ``req_id`` for the extra streams of a
  ``ticks`` request with several symbols). Frames that are not Deriv messages, and answers
  that match nothing, are counted and logged, never fatal.
* Each session starts with ``website_status`` (rate limits), ``authorize`` (all tokens)
  and the re-creation of every live subscription; only then are user requests let through.
* Requests: idempotent calls wait for a connection, are re-sent after a reconnect and retried
  with backoff on ``RateLimit``. Non-idempotent ones (buy, sell, transfers) never wait for a
  reconnection (:class:`NotConnected`) and are never re-sent: if the answer is lost they raise
  :class:`OutcomeUnknown`, which the client turns into a reconciliation.

Connection events: each stream gets one :class:`ConnectionRestored` marker before its first
update after an outage; :meth:`Connection.events` gives a channel of :class:`Disconnected`
and :class:`ConnectionRestored` for the whole connection (the latter once per outage, after
every stream was re-created).
"""

from __future__ import annotations

import random
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from functools import partial
from typing import Any

import trio

from ..deriv.calls import get_call
from ..deriv.errors import APIError, RateLimit, RemoteProtocolError
from ..deriv.models import Authorize
from ..deriv.protocol import DerivProtocol, ErrorReply, Reply, StreamUpdate, Unsolicited
from ..deriv.ratelimits import limits_from_website_status
from ..logs import get_logger
from ..transport import Connector, Transport, TransportError, open_websocket_transport
from . import keepalive as keepalive_mod
from .backoff import Backoff
from .errors import (
    AuthorizationFailed,
    ConnectionClosed,
    ConnectionLost,
    HandshakeTimeout,
    KeepaliveTimeout,
    NotConnected,
    OutcomeUnknown,
    ReconnectExhausted,
    RequestTimeout,
    StaleStream,
)
from .policy import is_idempotent, overflow_policy
from .ratelimit import RateLimiter
from .settings import ConnectionSettings
from .streams import (
    ConnectionRestored,
    Disconnected,
    Overflow,
    Parser,
    Stream,
    Subscription,
    ack_only,
    raw_parser,
)

__all__ = ["Connection", "ConnectionStats"]

log = get_logger("triobot.connection")

# Answers to non-idempotent calls that prove the request did nothing: safe to report as is.
_SEND_STALL = "send did not complete"


class ConnectionStats:
    """Counters for monitoring (cheap to keep, read them any time)."""

    __slots__ = (
        "connects",
        "frames",
        "malformed",
        "rate_limited",
        "reconnects",
        "resubscribed",
        "unmatched",
    )

    def __init__(self) -> None:
        self.frames = 0
        self.malformed = 0
        self.unmatched = 0
        self.connects = 0
        self.reconnects = 0
        self.resubscribed = 0
        self.rate_limited = 0


class _Pending:
    """A request waiting for its first answer."""

    __slots__ = ("call", "done", "result", "sub")

    def __init__(self, call: str, sub: Subscription | None) -> None:
        self.call = call
        self.sub = sub
        self.done = trio.Event()
        # Reply | ErrorReply | TransportError (the connection was lost before the answer)
        self.result: Reply | ErrorReply | TransportError | None = None


class _NotSent:
    """The request never reached the wire (the connection went down first)."""


_NOT_SENT = _NotSent()


def _describe(call: str, fields: Mapping[str, Any]) -> str:
    value = fields.get(call)
    if value in (None, 1):
        return call
    return f"{call} {value}"


class Connection:
    """One logical, self-healing connection to the Deriv API.

    Args:
        settings: endpoint, tokens, timeouts, backoff.
        connector: opens a transport; defaults to trio-websocket on ``settings.url``.
        rng: random source for backoff jitter (seed it for repeatable tests).
    """

    def __init__(
        self,
        settings: ConnectionSettings,
        *,
        connector: Connector | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.settings = settings
        self._connector: Connector = connector or partial(
            open_websocket_transport, settings.url, connect_timeout=settings.connect_timeout
        )
        self._backoff = Backoff(settings.backoff, rng)
        self._protocol = DerivProtocol()
        self._pending: dict[int, _Pending] = {}
        self._subscriptions: dict[int, Subscription] = {}
        self._by_server_id: dict[str, Subscription] = {}
        self._by_req_id: dict[int, Subscription] = {}
        self._next_key = 1
        self._transport: Transport | None = None
        self._session_scope: trio.CancelScope | None = None
        self._failure: BaseException | None = None
        self._ready = trio.Event()
        self._closed: BaseException | None = None
        self._outage_since: float | None = None
        self._limiter = RateLimiter()
        self._event_channels: list[trio.MemorySendChannel[Disconnected | ConnectionRestored]] = []
        self.stats = ConnectionStats()
        #: the last ``authorize`` answer (the first account when several tokens are used).
        self.authorization: Authorize | None = None
        #: the last ``website_status`` payload.
        self.website_status: Mapping[str, Any] | None = None

    # ------------------------------------------------------------------ public surface

    @property
    def connected(self) -> bool:
        """Whether requests go out right now."""
        return self._ready.is_set() and self._closed is None

    async def wait_connected(self) -> None:
        """Wait until the connection is up (or raise if it stopped for good).

        Raises:
            ConnectionClosed: the actor has stopped.
        """
        while True:
            if self._closed is not None:
                raise ConnectionClosed(f"connection stopped: {self._closed!r}")
            if self._ready.is_set():
                return
            await self._ready.wait()

    def events(self, capacity: int = 64) -> trio.MemoryReceiveChannel[Any]:
        """A new channel of connection events (:class:`Disconnected`, :class:`ConnectionRestored`).

        A consumer that does not read loses the oldest events beyond ``capacity``.
        """
        send, receive = trio.open_memory_channel[Disconnected | ConnectionRestored](capacity)
        self._event_channels.append(send)
        return receive

    def reconnect(self, reason: str = "requested") -> None:
        """Drop the current session now; ``run`` reconnects as after any loss."""
        self._fail_session(ConnectionLost(1000, reason))

    async def run(
        self, *, task_status: trio.TaskStatus[Connection] = trio.TASK_STATUS_IGNORED
    ) -> None:
        """Connect, authorize, and keep the connection alive until cancelled.

        Reports started (with ``self``) once the first session is ready.

        Raises:
            ReconnectExhausted: the backoff budget ran out (before or after the first start).
            AuthorizationFailed: the server refused a token.
        """
        started = False

        def ready() -> None:
            nonlocal started
            if not started:
                started = True
                task_status.started(self)

        try:
            while True:
                began = trio.current_time()
                try:
                    await self._session(ready)
                    failure: BaseException = self._failure or ConnectionLost(1000, "closed")
                except TransportError as exc:
                    failure = exc
                lasted = trio.current_time() - began
                self._lost(failure)
                if lasted >= self.settings.backoff.healthy_after:
                    self._backoff.reset()
                delay = self._backoff.next_delay()
                if delay is None:
                    log.error(
                        "giving up reconnecting",
                        attempts=self._backoff.attempts,
                        error=str(failure),
                    )
                    raise ReconnectExhausted(self._backoff.attempts, failure) from failure
                log.warning(
                    "connection lost; reconnecting",
                    error=str(failure),
                    attempt=self._backoff.attempts,
                    delay=round(delay, 3),
                )
                await trio.sleep(delay)
        except BaseException as exc:
            self._shutdown(exc)
            raise

    async def request(
        self,
        call: str,
        fields: Mapping[str, Any] | None = None,
        *,
        passthrough: Mapping[str, Any] | None = None,
        # Not a cancel scope the caller could apply: whether the request was already sent
        # when time ran out decides between RequestTimeout and OutcomeUnknown.
        timeout: float | None = None,  # noqa: ASYNC109
    ) -> Reply:
        """Send one request and return its answer.

        Args:
            call: the call name.
            fields: request fields (``req_id`` is allocated here).
            passthrough: echoed back by the server.
            timeout: seconds, waiting for a reconnection included (default from settings).

        Raises:
            LocalProtocolError: the request is invalid; nothing was sent.
            APIError: the server answered with an error (typed by code).
            RequestTimeout: no answer in time (idempotent calls, or nothing was sent).
            OutcomeUnknown: a non-idempotent request was sent and its answer lost.
            NotConnected: a non-idempotent request found the connection down.
            ConnectionClosed: the actor has stopped.
        """
        get_call(call)  # unknown call: LocalProtocolError before anything else
        idempotent = is_idempotent(call)
        limit = self.settings.request_timeout if timeout is None else timeout
        deadline = trio.current_time() + limit
        retry_delay = 0.5
        while True:
            outcome, req_id, sent_at = await self._roundtrip(
                call, fields, passthrough, deadline, wait=idempotent, sub=None
            )
            if type(outcome) is Reply:
                return outcome
            if type(outcome) is ErrorReply:
                error = outcome.error
                if isinstance(error, RateLimit) and idempotent:
                    self.stats.rate_limited += 1
                    delay = min(retry_delay, deadline - trio.current_time())
                    if delay > 0:
                        log.warning("rate limited; retrying", call=call, delay=delay)
                        await trio.sleep(delay)
                        retry_delay = min(retry_delay * 2, 30.0)
                        continue
                raise error
            if outcome is _NOT_SENT:
                if not idempotent:
                    raise NotConnected(call)
                continue
            if isinstance(outcome, TransportError):
                if idempotent:
                    log.info("answer lost to a disconnect; re-sending", call=call)
                    continue
                raise OutcomeUnknown(call, req_id, sent_at, outcome)
            # timed out
            if req_id and not idempotent:
                raise OutcomeUnknown(call, req_id, sent_at, RequestTimeout(call, limit))
            raise RequestTimeout(call, limit, sent=bool(req_id))

    @asynccontextmanager
    async def subscribe(
        self,
        call: str,
        fields: Mapping[str, Any] | None = None,
        *,
        parse: Parser = raw_parser,
        policy: Overflow | None = None,
        capacity: int | None = None,
        timeout: float | None = None,  # noqa: ASYNC109 - bounds the first answer only
    ) -> AsyncIterator[Stream[Any]]:
        """Open a stream; re-created after every reconnect; forgotten on exit.

        Args:
            call: a subscribable call (``ticks``, ``proposal``, ``transaction``...).
            fields: request fields; ``subscribe: 1`` is added when the call takes it.
            parse: turns each update into what the consumer reads.
            policy: overflow policy (default by call: lossless for transactions and contract
                updates, conflating for market data).
            capacity: buffer size (default from settings, by policy).
            timeout: seconds to wait for the first answer.

        Raises:
            APIError: the server refused the subscription.
            RequestTimeout: no first answer in time.
        """
        spec = get_call(call)
        request = dict(fields or {})
        if spec.subscribable and "subscribe" in spec.fields:
            request.setdefault("subscribe", 1)
        chosen = policy or overflow_policy(call)
        size = capacity or (
            self.settings.lossless_buffer
            if chosen is Overflow.FAIL
            else self.settings.market_buffer
        )
        sub = Subscription(
            self._next_key,
            call,
            request,
            policy=chosen,
            capacity=size,
            description=_describe(call, request),
        )
        self._next_key += 1
        self._subscriptions[sub.key] = sub
        try:
            await self._open(sub, timeout)
            yield Stream(sub, parse)
        finally:
            self._subscriptions.pop(sub.key, None)
            ids = self._unbind(sub)
            sub.finish()
            if ids and self.connected:
                with trio.move_on_after(self.settings.forget_timeout, shield=True):
                    for server_id in ids:
                        await self._forget_quietly(server_id)

    # ------------------------------------------------------------------ requests

    async def _roundtrip(
        self,
        call: str,
        fields: Mapping[str, Any] | None,
        passthrough: Mapping[str, Any] | None,
        deadline: float,
        *,
        wait: bool,
        sub: Subscription | None,
        session: bool = False,
    ) -> tuple[Any, int, float]:
        """Send once and wait for the first answer.

        Returns ``(outcome, req_id, sent_at)`` where outcome is a Reply, an ErrorReply, the
        TransportError that lost the answer, ``_NOT_SENT``, or ``None`` on timeout
        (``req_id`` is 0 when nothing was sent).
        """
        req_id = 0
        sent_at = 0.0
        pending: _Pending | None = None
        with trio.move_on_at(deadline):
            if not session:
                if wait:
                    await self.wait_connected()
                elif not self.connected:
                    if self._closed is not None:
                        raise ConnectionClosed(f"connection stopped: {self._closed!r}")
                    return _NOT_SENT, 0, 0.0
                if self.settings.rate_limit:
                    await self._limiter.acquire(call)
                if not self.connected:
                    return _NOT_SENT, 0, 0.0
            transport = self._transport
            if transport is None:
                return _NOT_SENT, 0, 0.0
            request = self._protocol.request(call, fields, passthrough=passthrough)
            req_id = request.req_id
            pending = _Pending(call, sub)
            self._pending[req_id] = pending
            if sub is not None:
                sub.req_id = req_id
                self._by_req_id[req_id] = sub
            sent_at = trio.current_time()
            await self._send(transport, request.text)
            await pending.done.wait()
        if pending is None:
            return None, 0, 0.0
        if not pending.done.is_set():
            # Timed out: a late answer becomes Unsolicited and is logged.
            self._pending.pop(req_id, None)
            self._protocol.abandon(req_id)
            if sub is not None:
                self._by_req_id.pop(req_id, None)
            return None, req_id, sent_at
        return pending.result, req_id, sent_at

    async def _send(self, transport: Transport, text: str) -> None:
        # A frame cut in half by a cancellation would corrupt the connection, so the write is
        # shielded; it is bounded instead, and a write that cannot finish means a dead peer.
        with (
            trio.CancelScope(shield=True),
            trio.move_on_after(self.settings.keepalive.timeout) as cs,
        ):
            try:
                await transport.send(text)
            except TransportError as exc:
                self._fail_session(exc)
        if cs.cancelled_caught:
            self._fail_session(ConnectionLost(1006, _SEND_STALL))

    async def _forget_quietly(self, server_id: str) -> None:
        try:
            await self._exchange_in_session("forget", {"forget": server_id}, limit=None)
        except (APIError, TransportError, RequestTimeout) as exc:
            log.debug("forget failed", subscription=server_id, error=str(exc))

    async def _exchange_in_session(
        self, call: str, fields: Mapping[str, Any], *, limit: float | None
    ) -> Reply:
        """A request made by the actor itself during a session (handshake, forget)."""
        limit = self.settings.request_timeout if limit is None else limit
        outcome, _, _ = await self._roundtrip(
            call, fields, None, trio.current_time() + limit, wait=False, sub=None, session=True
        )
        return self._unwrap(call, outcome, limit)

    @staticmethod
    def _unwrap(call: str, outcome: Any, limit: float) -> Reply:
        if type(outcome) is Reply:
            return outcome
        if type(outcome) is ErrorReply:
            raise outcome.error
        if isinstance(outcome, TransportError):
            raise outcome
        if outcome is _NOT_SENT:
            raise ConnectionLost(1006, f"{call}: not sent, the session ended")
        raise RequestTimeout(call, limit)

    # ------------------------------------------------------------------ subscriptions

    async def _open(self, sub: Subscription, limit: float | None) -> None:
        limit = self.settings.request_timeout if limit is None else limit
        deadline = trio.current_time() + limit
        while True:
            outcome, _, _ = await self._roundtrip(
                sub.call, sub.fields, None, deadline, wait=True, sub=sub
            )
            if isinstance(outcome, TransportError) or outcome is _NOT_SENT:
                continue  # reconnecting; try again on the next session
            if type(outcome) is ErrorReply and isinstance(outcome.error, RateLimit):
                self.stats.rate_limited += 1
                await trio.sleep(min(1.0, max(0.0, deadline - trio.current_time())))
                continue
            self._unwrap(sub.call, outcome, limit)
            sub.opened = True
            return

    async def _resubscribe(self, sub: Subscription, limit: float | None = None) -> None:
        """Re-create ``sub`` on the current session (after a reconnect or when stale).

        Raises:
            HandshakeTimeout: no first answer within ``limit`` (default: handshake timeout).
        """
        for server_id in self._unbind(sub):
            await self._forget_quietly(server_id)
        limit = self.settings.handshake_timeout if limit is None else limit
        outcome, _, _ = await self._roundtrip(
            sub.call,
            sub.fields,
            None,
            trio.current_time() + limit,
            wait=False,
            sub=sub,
            session=True,
        )
        if type(outcome) is ErrorReply:
            log.error(
                "stream could not be re-created", stream=sub.description, error=str(outcome.error)
            )
            self._subscriptions.pop(sub.key, None)
            sub.fail(outcome.error)
            return
        try:
            self._unwrap(sub.call, outcome, limit)
        except RequestTimeout:
            raise HandshakeTimeout(f"{sub.description}: not re-created in time") from None
        self.stats.resubscribed += 1

    async def _resubscribe_stale(self, sub: Subscription) -> None:
        """The watchdog's remedy: resubscribe, and give up on the connection if still silent."""
        limit = self._stale_after(sub) or self.settings.handshake_timeout
        try:
            await self._resubscribe(sub, limit)
        except HandshakeTimeout:
            # A tick stream's first answer is its first tick: no answer means still silent.
            log.error("stream still silent after resubscribing", stream=sub.description)
            raise StaleStream(sub.description, limit) from None

    def _unbind(self, sub: Subscription) -> set[str]:
        ids = set(sub.server_ids)
        for server_id in ids:
            self._by_server_id.pop(server_id, None)
        sub.server_ids.clear()
        if sub.req_id is not None:
            self._by_req_id.pop(sub.req_id, None)
            sub.req_id = None
        return ids

    def _stale_after(self, sub: Subscription) -> float | None:
        settings = self.settings
        return keepalive_mod.stale_after(
            sub, settings.keepalive.stale_ticks, settings.tick_intervals
        )

    # ------------------------------------------------------------------ sessions

    async def _session(self, ready: Callable[[], None]) -> None:
        self._failure = None
        self.stats.connects += 1
        fatal: AuthorizationFailed | None = None
        async with self._connector() as transport, trio.open_nursery() as nursery:
            self._transport = transport
            self._session_scope = nursery.cancel_scope
            nursery.start_soon(self._guard, self._reader, transport)
            try:
                with trio.fail_after(self.settings.handshake_timeout):
                    await self._handshake()
            except trio.TooSlowError:
                self._fail_session(HandshakeTimeout("authorize/resubscribe took too long"))
            except TransportError as exc:
                self._fail_session(exc)
            except AuthorizationFailed as exc:
                # Raised outside the nursery so that it reaches the caller unwrapped.
                fatal = exc
                nursery.cancel_scope.cancel()
            else:
                self._ready.set()
                ready()
                self._restored()
                nursery.start_soon(
                    self._guard,
                    partial(
                        keepalive_mod.keepalive,
                        self._ping,
                        interval=self.settings.keepalive.interval,
                        timeout=self.settings.keepalive.timeout,
                    ),
                )
                nursery.start_soon(
                    self._guard,
                    partial(
                        keepalive_mod.watch_staleness,
                        lambda: self._subscriptions.values(),
                        self._stale_after,
                        self._resubscribe_stale,
                    ),
                )
        if fatal is not None:
            log.error("authorization refused; not retrying", code=fatal.code)
            raise fatal

    async def _guard(self, task: Callable[..., Any], *args: Any) -> None:
        """Run a session task; a transport failure ends the session instead of crashing it."""
        try:
            await task(*args)
        except TransportError as exc:
            self._fail_session(exc)

    def _fail_session(self, exc: BaseException) -> None:
        if self._failure is None:
            self._failure = exc
        self._ready = trio.Event() if self._ready.is_set() else self._ready
        if self._session_scope is not None:
            self._session_scope.cancel()

    async def _ping(self) -> None:
        try:
            timeout = self.settings.keepalive.timeout
            await self._exchange_in_session("ping", {"ping": 1}, limit=timeout)
        except RequestTimeout:
            raise KeepaliveTimeout(timeout) from None
        except APIError:
            pass  # an error answer is still an answer: the link is alive

    async def _handshake(self) -> None:
        if self.settings.rate_limit:
            try:
                reply = await self._exchange_in_session("website_status", {}, limit=None)
            except APIError as exc:
                log.warning("website_status refused; default rate limits kept", error=str(exc))
            else:
                if isinstance(reply.data, Mapping):
                    self.website_status = reply.data
                    self._limiter.update(limits_from_website_status(reply.data))
        tokens = self.settings.tokens
        if tokens:
            fields: dict[str, Any] = (
                {"authorize": tokens[0]}
                if len(tokens) == 1
                else {"authorize": "MULTI", "tokens": list(tokens)}
            )
            try:
                reply = await self._exchange_in_session("authorize", fields, limit=None)
            except APIError as exc:
                raise AuthorizationFailed(exc.code, exc.message) from None
            self.authorization = Authorize.from_payload(reply.data)
            log.info(
                "authorized",
                loginid=self.authorization.loginid,
                accounts=[account.loginid for account in self.authorization.account_list],
            )
        live = [sub for sub in self._subscriptions.values() if sub.opened and not sub.closed]
        if live:
            async with trio.open_nursery() as nursery:
                for sub in live:
                    nursery.start_soon(self._guard, self._resubscribe, sub)
            log.info("streams re-created", count=len(live))

    def _restored(self) -> None:
        if self._outage_since is None:
            log.info("connected", url=self.settings.url)
            return
        downtime = trio.current_time() - self._outage_since
        attempts = self._backoff.attempts
        self._outage_since = None
        self.stats.reconnects += 1
        log.warning("connection restored", downtime=round(downtime, 3), attempts=attempts)
        self._publish(ConnectionRestored(downtime=downtime, attempts=attempts))

    def _lost(self, failure: BaseException) -> None:
        """Session over: fail what waited on it and mark every stream's gap."""
        self._transport = None
        self._session_scope = None
        if self._ready.is_set():
            self._ready = trio.Event()
        now = trio.current_time()
        if self._outage_since is None:
            self._outage_since = now
            self._publish(Disconnected(reason=str(failure)))
        lost = (
            failure if isinstance(failure, TransportError) else ConnectionLost(1006, str(failure))
        )
        for req_id, pending in list(self._pending.items()):
            self._protocol.abandon(req_id)
            pending.result = lost
            pending.done.set()
        self._pending.clear()
        self._by_server_id.clear()
        self._by_req_id.clear()
        for sub in self._subscriptions.values():
            sub.server_ids.clear()
            sub.req_id = None
            if sub.opened and sub.gap_since is None:
                sub.gap_since = now
            sub.gap_attempts += 1

    def _shutdown(self, exc: BaseException) -> None:
        """The actor stops for good: wake every waiter, end every stream."""
        self._closed = exc
        self._transport = None
        self._ready.set()  # waiters re-check _closed
        for req_id, pending in list(self._pending.items()):
            self._protocol.abandon(req_id)
            pending.result = ConnectionLost(1001, "connection actor stopped")
            pending.done.set()
        self._pending.clear()
        fatal = isinstance(exc, Exception)
        for sub in list(self._subscriptions.values()):
            if fatal:
                sub.fail(exc)
            else:
                sub.finish()
        for channel in self._event_channels:
            channel.close()

    def _publish(self, event: Disconnected | ConnectionRestored) -> None:
        for channel in list(self._event_channels):
            try:
                channel.send_nowait(event)
            except trio.WouldBlock:
                log.warning("connection event dropped: consumer not reading", event=repr(event))
            except (trio.BrokenResourceError, trio.ClosedResourceError):
                self._event_channels.remove(channel)

    # ------------------------------------------------------------------ reader

    async def _reader(self, transport: Transport) -> None:
        receive = transport.receive
        decode = self._protocol.receive
        by_server_id = self._by_server_id
        stats = self.stats
        while True:
            text = await receive()
            stats.frames += 1
            try:
                event = decode(text)
            except RemoteProtocolError as exc:
                stats.malformed += 1
                log.warning("malformed frame ignored", error=str(exc))
                continue
            if type(event) is StreamUpdate:
                sub = by_server_id.get(event.subscription_id)
                if sub is None:
                    sub = self._bind_extra(event)
                    if sub is None:
                        continue
                sub.offer(event)
                if event.msg_type == "proposal_open_contract" and _sold(event.data):
                    self._server_ended(sub)
            elif type(event) is Reply or type(event) is ErrorReply:
                self._answer(event)
            else:
                self._unsolicited(event)  # type: ignore[arg-type]

    def _bind_extra(self, event: StreamUpdate) -> Subscription | None:
        """An update on an unknown subscription id: another stream of a known request?"""
        sub = self._by_req_id.get(event.req_id) if event.req_id is not None else None
        if sub is None or sub.closed:
            self.stats.unmatched += 1
            log.info(
                "update for an unknown stream ignored",
                msg_type=event.msg_type,
                subscription=event.subscription_id,
            )
            return None
        sub.server_ids.add(event.subscription_id)
        self._by_server_id[event.subscription_id] = sub
        return sub

    def _answer(self, event: Reply | ErrorReply) -> None:
        pending = self._pending.pop(event.req_id, None)
        if pending is None:  # pragma: no cover - the protocol only answers pending ids
            return
        sub = pending.sub
        if sub is not None and type(event) is Reply:
            if event.subscription_id is not None and not sub.closed:
                sub.server_ids.add(event.subscription_id)
                self._by_server_id[event.subscription_id] = sub
            sub.restored(trio.current_time())
            if not ack_only(event.data):  # the transaction stream's first answer is only an id
                sub.offer(
                    StreamUpdate(
                        subscription_id=event.subscription_id or "",
                        req_id=event.req_id,
                        msg_type=event.msg_type,
                        data=event.data,
                        message=event.message,
                    )
                )
            if event.subscription_id is None and event.msg_type == "proposal_open_contract":
                # A contract already sold answers once, without a stream.
                self._server_ended(sub)
        pending.result = event
        pending.done.set()

    def _server_ended(self, sub: Subscription) -> None:
        self._subscriptions.pop(sub.key, None)
        self._unbind(sub)
        sub.finish()

    def _unsolicited(self, event: Unsolicited) -> None:
        self.stats.unmatched += 1
        log.info(
            "message matching no request ignored", msg_type=event.msg_type, req_id=event.req_id
        )


def _sold(data: Any) -> bool:
    return isinstance(data, Mapping) and data.get("is_sold") == 1
