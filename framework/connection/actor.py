"""The connection actor: the I/O shell around the sans-IO protocol core.

One :class:`Connection` owns one logical connection to the Deriv API for as long as it runs,
across any number of physical WebSocket connections (:mod:`sessions
<framework.connection.session>`):

* ``await nursery.start(conn.run)`` returns once the first session is connected and
  authorized, or raises :class:`NeverConnected` after the short first-connection budget
  (``backoff.first_connect``, a few seconds): a process that never connected fails fast.
  From then on ``run`` reconnects on its own, patiently, with exponential backoff and
  jitter (:mod:`~framework.connection.backoff`), and only returns by cancellation or raises
  :class:`ReconnectExhausted` / :class:`AuthorizationFailed`. It never gives up silently.
* Each session reads, authorizes, re-creates every live subscription and keeps itself alive
  (:mod:`~framework.connection.session`); the subscriptions outlive sessions
  (:mod:`~framework.connection.subscriptions`).
* Requests are made in attempts; what follows each attempt is the pure retry decision
  (:mod:`~framework.connection.retry`): idempotent calls wait for a connection, are re-sent
  after a reconnect and retried with backoff on ``RateLimit``. Non-idempotent ones (buy,
  sell, transfers) never wait for a reconnection (:class:`NotConnected`) and are never
  re-sent: if the answer is lost they raise :class:`OutcomeUnknown`, which the client turns
  into a reconciliation. Requests are paced by the advertised limits
  (:mod:`~framework.connection.ratelimit`).

Connection events: each stream gets one :class:`ConnectionRestored` marker before its first
update after an outage; :meth:`Connection.events` gives a channel of :class:`Disconnected`
and :class:`ConnectionRestored` for the whole connection (the latter once per outage, after
every stream was re-created).
"""

from __future__ import annotations

import math
import random
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from functools import partial
from typing import Any

import trio

from ..deriv.calls import get_call
from ..deriv.models import Authorize
from ..deriv.protocol import DerivProtocol, Reply
from ..logs import get_logger
from ..transport import Connector, TransportError, open_websocket_transport
from .backoff import Backoff
from .errors import (
    ConnectionClosed,
    ConnectionLost,
    ConnectTimeout,
    HandshakeTimeout,
    NeverConnected,
    ReconnectExhausted,
)
from .policy import is_idempotent, overflow_policy
from .ratelimit import RateLimiter
from .retry import NOT_SENT, Done, Fail, Lost, Outcome, Rule, TimedOut, decide
from .session import Session, authorize_fields
from .settings import ConnectionSettings
from .stats import ConnectionStats
from .streams import (
    ConnectionRestored,
    Disconnected,
    Overflow,
    Parser,
    Stream,
    Subscription,
    raw_parser,
)
from .subscriptions import SubscriptionTable

__all__ = ["Connection"]

log = get_logger("triobot.connection")


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
            open_websocket_transport,
            settings.url,
            connect_timeout=settings.connect_timeout,
            compression=settings.compression,
        )
        self._backoff = Backoff(settings.backoff, rng)
        self._protocol = DerivProtocol()
        self._table = SubscriptionTable()
        self._limiter = RateLimiter()
        self._event_channels: list[trio.MemorySendChannel[Disconnected | ConnectionRestored]] = []
        self.stats = ConnectionStats()
        # The state that changes: the session, if any; set while requests go out; why the
        # actor stopped for good; when the current outage began.
        self._session: Session | None = None
        self._ready = trio.Event()
        self._closed: BaseException | None = None
        self._outage_since: float | None = None
        #: the last ``authorize`` answer (the first account when several tokens are used).
        self.authorization: Authorize | None = None
        #: the last ``website_status`` payload.
        self.website_status: Mapping[str, Any] | None = None

    # ------------------------------------------------------------------ public surface

    @property
    def connected(self) -> bool:
        """Whether requests go out right now."""
        return self._ready.is_set() and self._closed is None

    @property
    def limiter(self) -> RateLimiter:
        """The client-side pacing of requests (its ``waits`` and ``waited`` for monitoring)."""
        return self._limiter

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
        if self._session is not None:
            self._session.fail(ConnectionLost(1000, reason))

    async def run(
        self, *, task_status: trio.TaskStatus[Connection] = trio.TASK_STATUS_IGNORED
    ) -> None:
        """Connect, authorize, and keep the connection alive until cancelled.

        Reports started (with ``self``) once the first session is ready. Until then the
        attempts share the short ``backoff.first_connect`` budget, each attempt's connecting
        time included, and are logged at debug level only: the error raised is the one line
        that says what happened. From then on the actor reconnects patiently
        (``backoff.max_attempts`` since the connection was last healthy).

        Raises:
            NeverConnected: the first connection could not be made within its budget.
            ReconnectExhausted: the connection was lost and the backoff budget ran out.
            AuthorizationFailed: the server refused a token, or a token is malformed (then
                nothing is connected at all).
        """
        started = False
        # The first connection's budget bounds each attempt, not only the waits between them:
        # a listener that accepts TCP and never answers would otherwise hold one attempt for
        # the whole connect and handshake timeouts. Lifted once the connection is ready.
        first_deadline = trio.current_time() + self.settings.backoff.first_connect
        attempt_scope = trio.CancelScope()

        def report_started() -> None:
            nonlocal started
            if not started:
                started = True
                attempt_scope.deadline = math.inf
                task_status.started(self)

        try:
            if self.settings.tokens:
                authorize_fields(self.settings.tokens)  # a malformed token: refused at once
            first_began = trio.current_time()
            while True:
                began = trio.current_time()
                failure: BaseException | None = None
                attempt_scope = trio.CancelScope(deadline=math.inf if started else first_deadline)
                with attempt_scope:
                    try:
                        failure = await self._run_session(report_started)
                    except TransportError as exc:
                        failure = exc
                if failure is None:  # the first connection's budget ran out mid-attempt
                    failure = self._cut_short(began)
                lasted = trio.current_time() - began
                self._lost(failure, outage=started)
                if lasted >= self.settings.backoff.healthy_after:
                    self._backoff.reset()
                if not started:
                    delay = self._backoff.next_delay(within=first_deadline - trio.current_time())
                    if delay is None:
                        raise NeverConnected(
                            self.settings.url,
                            self._backoff.attempts + 1,
                            trio.current_time() - first_began,
                            failure,
                        ) from failure
                    log.debug("could not connect; retrying", error=str(failure), delay=delay)
                    await trio.sleep(delay)
                    continue
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

    def _cut_short(self, began: float) -> TransportError:
        """What to blame when the first connection's budget ended an attempt in progress."""
        took = trio.current_time() - began
        if self._session is None:
            return ConnectTimeout(self.settings.url, round(took, 1))
        return HandshakeTimeout(f"connected, but not authorized within {took:.1f} s")

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
        rule = Rule.READ if is_idempotent(call) else Rule.WRITE
        limit = self.settings.request_timeout if timeout is None else timeout
        deadline = trio.current_time() + limit
        throttled = 0
        while True:
            outcome = await self._attempt(
                call, fields, passthrough, deadline, wait=rule is Rule.READ, sub=None
            )
            decision = decide(
                outcome,
                rule,
                call=call,
                limit=limit,
                remaining=deadline - trio.current_time(),
                throttled=throttled,
            )
            if isinstance(decision, Done):
                return decision.reply
            if decision.throttled:
                self.stats.rate_limited += 1
            if isinstance(decision, Fail):
                raise decision.error
            if decision.throttled:
                log.warning("rate limited; retrying", call=call, delay=decision.delay)
                throttled += 1
                await trio.sleep(decision.delay)
            elif isinstance(outcome, Lost):
                log.info("answer lost to a disconnect; re-sending", call=call)

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
        sub = self._table.add(
            call, request, policy=chosen, capacity=size, description=_describe(call, request)
        )
        try:
            await self._open(sub, timeout)
            yield Stream(sub, parse, self.stats)
        finally:
            ids = self._table.remove(sub)
            sub.finish()
            session = self._session
            if ids and self.connected and session is not None:
                with trio.move_on_after(self.settings.forget_timeout, shield=True):
                    for server_id in ids:
                        await session.forget(server_id)

    # ------------------------------------------------------------------ attempts

    async def _attempt(
        self,
        call: str,
        fields: Mapping[str, Any] | None,
        passthrough: Mapping[str, Any] | None,
        deadline: float,
        *,
        wait: bool,
        sub: Subscription | None,
    ) -> Outcome:
        """One attempt: wait for a connection (when ``wait``) and the rate limit, then send.

        Raises:
            ConnectionClosed: the actor has stopped.
        """
        if not wait and not self.connected:
            if self._closed is not None:
                raise ConnectionClosed(f"connection stopped: {self._closed!r}")
            return NOT_SENT
        # A buy counts against no budget: it waits for nothing on its way, so it takes no
        # scheduler pass and no deadline's scope (microseconds between a tick and the buy).
        limited = self.settings.rate_limit and self._limiter.paces(call)
        if wait or limited:
            with trio.move_on_at(deadline) as waiting:
                if wait:
                    await self.wait_connected()
                if limited:
                    await self._limiter.acquire(call)
            if waiting.cancelled_caught:  # the deadline passed while waiting: nothing sent
                return TimedOut()
        else:
            # Still, a request whose caller was cancelled is never sent.
            await trio.lowlevel.checkpoint_if_cancelled()
        session = self._session
        if session is None or not self.connected:
            return NOT_SENT
        # Sent outside the scope above, not nested in it: a cancel scope that caught the
        # deadline there would hide it from the session, which must see it to tell an
        # answer lost after sending from a request never sent.
        return await session.send(call, fields, passthrough, deadline, sub)

    async def _open(self, sub: Subscription, limit: float | None) -> None:
        limit = self.settings.request_timeout if limit is None else limit
        deadline = trio.current_time() + limit
        while True:
            outcome = await self._attempt(sub.call, sub.fields, None, deadline, wait=True, sub=sub)
            decision = decide(
                outcome,
                Rule.OPEN,
                call=sub.call,
                limit=limit,
                remaining=deadline - trio.current_time(),
            )
            if isinstance(decision, Done):
                sub.opened = True
                return
            if isinstance(decision, Fail):
                raise decision.error
            if decision.throttled:
                self.stats.rate_limited += 1
                await trio.sleep(decision.delay)

    # ------------------------------------------------------------------ sessions

    async def _run_session(self, report_started: Callable[[], None]) -> BaseException:
        """Open one session and run it until it fails; return the failure.

        Raises:
            TransportError: the connection could not be opened.
            AuthorizationFailed: the server refused a token.
        """
        self.stats.connects += 1
        async with self._connector() as transport:
            session = Session(
                transport,
                settings=self.settings,
                protocol=self._protocol,
                table=self._table,
                limiter=self._limiter,
                stats=self.stats,
                on_failure=self._not_ready,
            )
            self._session = session
            await session.run(partial(self._ready_with, session, report_started))
        return session.failure or ConnectionLost(1000, "closed")

    def _ready_with(self, session: Session, report_started: Callable[[], None]) -> None:
        """The session finished its handshake: let requests through."""
        if session.website_status is not None:
            self.website_status = session.website_status
        if session.authorization is not None:
            self.authorization = session.authorization
        self._ready.set()
        report_started()
        self._restored()

    def _not_ready(self) -> None:
        if self._ready.is_set():
            self._ready = trio.Event()

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

    def _lost(self, failure: BaseException, *, outage: bool) -> None:
        """Session over: fail what waited on it and mark every stream's gap.

        Args:
            failure: what ended the session.
            outage: the connection was established before (a failed first attempt is not an
                outage: there is nothing to restore, no reconnect to count).
        """
        session, self._session = self._session, None
        self._not_ready()
        now = trio.current_time()
        if outage and self._outage_since is None:
            self._outage_since = now
            self._publish(Disconnected(reason=str(failure)))
        if session is not None:
            session.end(
                failure
                if isinstance(failure, TransportError)
                else ConnectionLost(1006, str(failure))
            )
        self._table.session_ended(now)

    def _shutdown(self, exc: BaseException) -> None:
        """The actor stops for good: wake every waiter, end every stream."""
        self._closed = exc
        session, self._session = self._session, None
        self._ready.set()  # waiters re-check _closed
        if session is not None:
            session.end(ConnectionLost(1001, "connection actor stopped"))
        self._table.close_all(exc if isinstance(exc, Exception) else None)
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
