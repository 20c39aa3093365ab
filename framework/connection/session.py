"""One session: a single physical connection, from handshake to loss.

Theory of operation
-------------------
The :class:`~framework.connection.Connection` opens a transport and hands it to a
:class:`Session`, which runs three kinds of task in one nursery until it fails:

1. **The reader** (:meth:`Session._read`), started first, has the transport hand it every
   frame (:meth:`~framework.transport.Transport.deliver`: on a WebSocket, straight from the
   WebSocket's own reader task) and decodes it and hands it over without ever waiting on a
   consumer: a reply to the request waiting for that ``req_id``, a stream update to its
   subscription (through the :class:`~framework.connection.subscriptions.SubscriptionTable`).
   Frames that are not Deriv messages and answers that match nothing are counted and logged,
   never fatal.
2. **The handshake** (:meth:`Session._handshake`): ``website_status`` (the rate limits),
   ``authorize`` (every token), then the re-creation of every live subscription. Only when it
   is done is the session *ready*: the connection lets user requests through and reports
   started.
3. **Keepalive and the stale-stream watchdog** (:mod:`framework.connection.keepalive`),
   started once ready.

Any of them ends the session by calling :meth:`Session.fail` (a transport error, a ping
unanswered, a stream silent even after resubscribing, a write that cannot finish); the first
failure is kept in :attr:`Session.failure` and the nursery is cancelled. The connection then
calls :meth:`Session.end`, which answers every request still in flight with the loss (the
retry decision, :mod:`framework.connection.retry`, then tells a re-send from an
``OutcomeUnknown``). A token the server refuses is the one failure that is raised instead
(:class:`AuthorizationFailed`): reconnecting would not help.

Writes are shielded from cancellation (a frame cut in half would corrupt the connection)
and bounded by the ping timeout instead.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import partial
from typing import Any

import trio

from ..deriv.calls import get_call
from ..deriv.errors import APIError, LocalProtocolError, PayloadError, RemoteProtocolError
from ..deriv.models import Authorize
from ..deriv.protocol import (
    DerivProtocol,
    ErrorReply,
    Reply,
    StreamUpdate,
    Unsolicited,
    build_request,
)
from ..deriv.ratelimits import limits_from_website_status
from ..logs import get_logger
from ..transport import Transport, TransportError
from .errors import (
    AuthorizationFailed,
    ConnectionLost,
    HandshakeTimeout,
    KeepaliveTimeout,
    RequestTimeout,
    StaleStream,
)
from .keepalive import keepalive, stale_after, watch_staleness
from .ratelimit import RateLimiter
from .retry import NOT_SENT, Answered, Done, Fail, Lost, Outcome, Refused, Rule, TimedOut, decide
from .settings import ConnectionSettings
from .stats import ConnectionStats
from .streams import Subscription, ack_only
from .subscriptions import SubscriptionTable
from .unreadable import unreadable

__all__ = ["Session", "authorize_fields"]

log = get_logger("triobot.connection")

_SEND_STALL = "send did not complete"


def authorize_fields(tokens: Sequence[str]) -> dict[str, Any]:
    """The ``authorize`` request for ``tokens``, each checked against the API schema first.

    A token the schema rejects (a space, a line break, over 128 characters) would make the
    protocol refuse the request: it is refused here as the server refuses a wrong token, so
    that every command says the same one line, and the connection need not be opened for it.

    Raises:
        AuthorizationFailed: a token is malformed (the message never holds its value).
    """
    spec = get_call("authorize")
    for index, token in enumerate(tokens):
        try:
            build_request(spec, {"authorize": token})
        except LocalProtocolError:
            which = "the token" if len(tokens) == 1 else f"token {index + 1} of {len(tokens)}"
            raise AuthorizationFailed(
                "InvalidToken",
                f"{which} is malformed (a token is 1 to 128 letters, digits, '_' or '-'); "
                "it was not sent",
            ) from None
    if len(tokens) == 1:
        return {"authorize": tokens[0]}
    return {"authorize": "MULTI", "tokens": list(tokens)}


class _Pending:
    """A request waiting for its first answer."""

    __slots__ = ("done", "result", "sub")

    def __init__(self, sub: Subscription | None) -> None:
        self.sub = sub
        self.done = trio.Event()
        # The answer, or the TransportError that ended the session before it came.
        self.result: Reply | ErrorReply | TransportError | None = None


class Session:
    """One physical connection: its transport, its requests in flight, its tasks.

    Args:
        transport: the open transport (the connection closes it).
        settings: timeouts, tokens, keepalive.
        protocol: the connection's sans-IO protocol (``req_id`` keeps counting across
            sessions).
        table: the connection's subscriptions.
        limiter: adopts the limits ``website_status`` advertises.
        stats: the connection's counters.
        on_failure: called whenever the session is failed, before it is torn down (the
            connection stops letting requests through at once).
    """

    def __init__(
        self,
        transport: Transport,
        *,
        settings: ConnectionSettings,
        protocol: DerivProtocol,
        table: SubscriptionTable,
        limiter: RateLimiter,
        stats: ConnectionStats,
        on_failure: Callable[[], None],
    ) -> None:
        self._transport = transport
        self._settings = settings
        self._protocol = protocol
        self._table = table
        self._limiter = limiter
        self._stats = stats
        self._on_failure = on_failure
        self._pending: dict[int, _Pending] = {}
        # Created now, entered by run(): a failure before run() starts still cancels it.
        self._scope = trio.CancelScope()
        self._ended = False
        #: what ended the session (the first failure), ``None`` while it is up.
        self.failure: BaseException | None = None
        #: the ``website_status`` payload of the handshake.
        self.website_status: Mapping[str, Any] | None = None
        #: the ``authorize`` answer of the handshake.
        self.authorization: Authorize | None = None

    # ------------------------------------------------------------------ life

    async def run(self, ready: Callable[[], None]) -> None:
        """Read, do the handshake, call ``ready``, keep alive; return once failed.

        Raises:
            AuthorizationFailed: the server refused a token (never worth a reconnect).
        """
        fatal: AuthorizationFailed | None = None
        with self._scope:
            async with trio.open_nursery() as nursery:
                nursery.start_soon(self._guard, self._read)
                try:
                    with trio.fail_after(self._settings.handshake_timeout):
                        await self._handshake()
                except trio.TooSlowError:
                    self.fail(HandshakeTimeout("authorize/resubscribe took too long"))
                except TransportError as exc:
                    self.fail(exc)
                except AuthorizationFailed as exc:
                    # Raised outside the nursery so that it reaches the caller unwrapped.
                    fatal = exc
                    self._scope.cancel()
                else:
                    ready()
                    policy = self._settings.keepalive
                    nursery.start_soon(
                        self._guard,
                        partial(
                            keepalive, self._ping, interval=policy.interval, timeout=policy.timeout
                        ),
                    )
                    nursery.start_soon(
                        self._guard,
                        partial(
                            watch_staleness,
                            lambda: self._table,
                            self._stale_after,
                            self.resubscribe_stale,
                        ),
                    )
        if fatal is not None:
            log.error("authorization refused; not retrying", code=fatal.code)
            raise fatal

    def fail(self, exc: BaseException) -> None:
        """End the session because of ``exc`` (the first failure is the one kept)."""
        if self.failure is None:
            self.failure = exc
        self._on_failure()
        self._scope.cancel()

    def end(self, error: TransportError) -> None:
        """The session is over: answer every request still in flight with ``error``."""
        self._ended = True
        for req_id, pending in list(self._pending.items()):
            self._protocol.abandon(req_id)
            pending.result = error
            pending.done.set()
        self._pending.clear()

    async def _guard(self, task: Callable[[], Any]) -> None:
        """Run a session task; a transport failure ends the session instead of crashing it."""
        try:
            await task()
        except TransportError as exc:
            self.fail(exc)

    # ------------------------------------------------------------------ requests

    async def send(
        self,
        call: str,
        fields: Mapping[str, Any] | None,
        passthrough: Mapping[str, Any] | None,
        deadline: float,
        sub: Subscription | None,
    ) -> Outcome:
        """Send one request now and wait for its first answer, until ``deadline``.

        Raises:
            LocalProtocolError: the request is invalid; nothing was sent.
        """
        if self._ended:
            return NOT_SENT
        request = self._protocol.request(call, fields, passthrough=passthrough)
        req_id = request.req_id
        pending = _Pending(sub)
        self._pending[req_id] = pending
        if sub is not None:
            self._table.sent(sub, req_id)
        sent_at = trio.current_time()
        with trio.move_on_at(deadline):
            await self._write(request.text)
            await pending.done.wait()
        if not pending.done.is_set():
            # Timed out: a late answer becomes Unsolicited and is logged.
            self._pending.pop(req_id, None)
            self._protocol.abandon(req_id)
            if sub is not None:
                self._table.abandoned(req_id)
            return TimedOut(req_id, sent_at)
        result = pending.result
        if type(result) is Reply:
            return Answered(result)
        if type(result) is ErrorReply:
            return Refused(result.error)
        assert isinstance(result, TransportError)  # set by end()
        return Lost(result, req_id, sent_at)

    async def exchange(self, call: str, fields: Mapping[str, Any], *, limit: float | None) -> Reply:
        """A request of the actor's own within this session (handshake, ping, forget).

        Never retried: whatever goes wrong is raised.

        Raises:
            APIError: the server refused it.
            TransportError: the session ended first.
            RequestTimeout: no answer within ``limit`` (default: the request timeout).
        """
        limit = self._settings.request_timeout if limit is None else limit
        outcome = await self.send(call, fields, None, trio.current_time() + limit, None)
        decision = decide(outcome, Rule.SESSION, call=call, limit=limit, remaining=0.0)
        if isinstance(decision, Done):
            return decision.reply
        assert isinstance(decision, Fail)  # Rule.SESSION never retries
        raise decision.error

    async def forget(self, server_id: str) -> None:
        """Tell the server to stop a stream; a failure is only logged."""
        try:
            await self.exchange("forget", {"forget": server_id}, limit=None)
        except (APIError, TransportError, RequestTimeout) as exc:
            log.debug("forget failed", subscription=server_id, error=str(exc))

    async def _write(self, text: str) -> None:
        # A frame cut in half by a cancellation would corrupt the connection, so the write is
        # shielded; it is bounded instead, and a write that cannot finish means a dead peer.
        # One scope, shielded and with its own deadline (which a shield does not block).
        deadline = trio.current_time() + self._settings.keepalive.timeout
        with trio.CancelScope(shield=True, deadline=deadline) as cs:
            try:
                await self._transport.send(text)
            except TransportError as exc:
                self.fail(exc)
        if cs.cancelled_caught:
            self.fail(ConnectionLost(1006, _SEND_STALL))

    async def _ping(self) -> None:
        timeout = self._settings.keepalive.timeout
        try:
            await self.exchange("ping", {"ping": 1}, limit=timeout)
        except RequestTimeout:
            raise KeepaliveTimeout(timeout) from None
        except APIError:
            pass  # an error answer is still an answer: the link is alive

    # ------------------------------------------------------------------ handshake

    async def _handshake(self) -> None:
        settings = self._settings
        if settings.rate_limit:
            try:
                reply = await self.exchange("website_status", {}, limit=None)
            except APIError as exc:
                log.warning("website_status refused; default rate limits kept", error=str(exc))
            else:
                if isinstance(reply.data, Mapping):
                    self.website_status = reply.data
                    self._limiter.update(limits_from_website_status(reply.data))
        tokens = settings.tokens
        if tokens:
            fields = authorize_fields(tokens)
            try:
                reply = await self.exchange("authorize", fields, limit=None)
            except APIError as exc:
                raise AuthorizationFailed(exc.code, exc.message) from None
            try:
                self.authorization = Authorize.from_payload(reply.data)
            except PayloadError as exc:
                # Who this session acts for is unknown: not a session to trade on. Logged and
                # counted once; a new session asks again.
                unreadable(self._stats, "authorize", exc, reply.data)
                raise ConnectionLost(reason=f"authorize answer unreadable: {exc}") from None
            log.info(
                "authorized",
                loginid=self.authorization.loginid,
                accounts=[account.loginid for account in self.authorization.account_list],
            )
        live = self._table.live()
        if live:
            async with trio.open_nursery() as nursery:
                for sub in live:
                    nursery.start_soon(self._guard, partial(self.resubscribe, sub))
            log.info("streams re-created", count=len(live))

    async def resubscribe(self, sub: Subscription, limit: float | None = None) -> None:
        """Re-create ``sub`` on this session (after a reconnect, or when it went silent).

        A refusal fails the stream (its consumer sees the error); the session goes on.

        Raises:
            HandshakeTimeout: no first answer within ``limit`` (default: handshake timeout).
        """
        for server_id in self._table.unbind(sub):
            await self.forget(server_id)
        limit = self._settings.handshake_timeout if limit is None else limit
        outcome = await self.send(sub.call, sub.fields, None, trio.current_time() + limit, sub)
        if isinstance(outcome, Refused):
            log.error(
                "stream could not be re-created", stream=sub.description, error=str(outcome.error)
            )
            self._table.remove(sub)
            sub.fail(outcome.error)
            return
        decision = decide(outcome, Rule.SESSION, call=sub.call, limit=limit, remaining=0.0)
        if isinstance(decision, Fail):
            if isinstance(decision.error, RequestTimeout):
                raise HandshakeTimeout(f"{sub.description}: not re-created in time")
            raise decision.error
        self._stats.resubscribed += 1

    async def resubscribe_stale(self, sub: Subscription) -> None:
        """The watchdog's remedy: resubscribe, and give up on the session if still silent.

        Raises:
            StaleStream: the stream stayed silent (a tick stream's first answer is a tick).
        """
        limit = self._stale_after(sub) or self._settings.handshake_timeout
        try:
            await self.resubscribe(sub, limit)
        except HandshakeTimeout:
            log.error("stream still silent after resubscribing", stream=sub.description)
            raise StaleStream(sub.description, limit) from None

    def _stale_after(self, sub: Subscription) -> float | None:
        settings = self._settings
        return stale_after(sub, settings.keepalive.stale_ticks, settings.tick_intervals)

    # ------------------------------------------------------------------ reader

    async def _read(self) -> None:
        await self._transport.deliver(self._router())

    def _router(self) -> Callable[[str | bytes], None]:
        """The function every frame goes through: decode it, hand it to its taker, return.

        The hot path: the transport calls it from its own reader task, once per frame, so
        that a frame reaches its stream or its waiting request without a task in between.
        It never waits. Everything it touches is bound locally.
        """
        decode = self._protocol.receive
        by_server_id = self._table.by_server_id
        stats = self._stats

        def route(text: str | bytes) -> None:
            stats.frames += 1
            try:
                event = decode(text)
            except RemoteProtocolError as exc:
                stats.malformed += 1
                log.warning("malformed frame ignored", error=str(exc))
                return
            if type(event) is StreamUpdate:
                sub = by_server_id.get(event.subscription_id)
                if sub is None:
                    sub = self._claim(event)
                    if sub is None:
                        return
                sub.offer(event)
                if event.msg_type == "proposal_open_contract" and _sold(event.data):
                    self._server_ended(sub)
            elif type(event) is Reply or type(event) is ErrorReply:
                self._answer(event)
            else:
                self._unsolicited(event)  # type: ignore[arg-type]

        return route

    def _claim(self, event: StreamUpdate) -> Subscription | None:
        """An update on an unknown subscription id: another stream of a known request?"""
        sub = self._table.claim(event.subscription_id, event.req_id)
        if sub is None:
            self._stats.unmatched += 1
            log.info(
                "update for an unknown stream ignored",
                msg_type=event.msg_type,
                subscription=event.subscription_id,
            )
        return sub

    def _answer(self, event: Reply | ErrorReply) -> None:
        pending = self._pending.pop(event.req_id, None)
        if pending is None:  # pragma: no cover - the protocol only answers pending ids
            return
        sub = pending.sub
        if sub is not None and type(event) is Reply:
            if event.subscription_id is not None:
                self._table.bind(sub, event.subscription_id)
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
        self._table.remove(sub)
        sub.finish()

    def _unsolicited(self, event: Unsolicited) -> None:
        self._stats.unmatched += 1
        log.info(
            "message matching no request ignored", msg_type=event.msg_type, req_id=event.req_id
        )


def _sold(data: Any) -> bool:
    return isinstance(data, Mapping) and data.get("is_sold") == 1
