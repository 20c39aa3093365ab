"""Errors of the connection actor, on top of the transport's.

Every class here subclasses :class:`framework.errors.TriobotError`. Which ones end a
connection's life and which ones the actor absorbs by reconnecting:

* absorbed (the actor reconnects): :class:`~framework.transport.ConnectionLost`,
  :class:`~framework.transport.ConnectTimeout`, :class:`~framework.transport.ConnectFailed`,
  :class:`KeepaliveTimeout`, :class:`StaleStream`, :class:`HandshakeTimeout`;
* fatal (``Connection.run`` raises it): :class:`NeverConnected` (the first connection of the
  process could not be made within its short budget), :class:`ReconnectExhausted` (retries
  used up after the connection once worked), :class:`AuthorizationFailed` (a token the server
  refuses, or one malformed, will not get better by retrying).

Callers of ``request`` see :class:`RequestTimeout`, :class:`NotConnected`,
:class:`OutcomeUnknown` (a non-idempotent request whose answer was lost) and
:class:`ConnectionClosed` (the actor has stopped).
"""

from __future__ import annotations

from ..errors import TriobotError, UserError
from ..transport import ConnectFailed, ConnectionLost, ConnectTimeout, TransportError

__all__ = [
    "AuthorizationFailed",
    "ConnectFailed",
    "ConnectTimeout",
    "ConnectionClosed",
    "ConnectionLost",
    "HandshakeTimeout",
    "KeepaliveTimeout",
    "NeverConnected",
    "NotConnected",
    "OutcomeUnknown",
    "ReconnectExhausted",
    "RequestTimeout",
    "StaleStream",
    "StreamOverflow",
    "TransportError",
]


class KeepaliveTimeout(TransportError):
    """A keepalive ping was not answered in time: the link is treated as dead."""

    def __init__(self, timeout: float) -> None:
        super().__init__(f"keepalive ping not answered within {timeout:g} s")
        self.timeout = timeout


class HandshakeTimeout(TransportError):
    """Connected, but authorizing and resubscribing did not finish in time."""


class StaleStream(TransportError):
    """A tick stream stayed silent even after it was resubscribed: reconnect."""

    def __init__(self, description: str, silent_for: float) -> None:
        super().__init__(f"{description}: still silent {silent_for:.1f} s after resubscribing")
        self.description = description
        self.silent_for = silent_for


def _cause(error: BaseException) -> str:
    """What made a connection attempt fail, without the URL the messages would repeat."""
    if isinstance(error, ConnectFailed):
        return error.reason
    if isinstance(error, ConnectTimeout):
        return f"no WebSocket connection within {error.timeout:g} s"
    return str(error)


class NeverConnected(UserError):
    """The first connection of the process could not be made within its budget.

    Raised by ``Connection.run`` before it reports started, after
    ``BackoffPolicy.first_connect`` seconds of attempts: the endpoint is wrong, down, or not
    reachable from here. A :class:`~framework.errors.UserError` (exit 1): every command that
    connects ends with this one line, naming the endpoint and the last attempt's failure.

    Attributes:
        url: the endpoint.
        attempts: how many attempts were made.
        elapsed: seconds from the first attempt to giving up.
        last_error: what made the last attempt fail.
    """

    def __init__(self, url: str, attempts: int, elapsed: float, last_error: BaseException) -> None:
        tries = "1 attempt" if attempts == 1 else f"{attempts} attempts"
        super().__init__(f"cannot reach {url}: {_cause(last_error)} ({tries} in {elapsed:.1f} s)")
        self.url = url
        self.attempts = attempts
        self.elapsed = elapsed
        self.last_error = last_error


class ReconnectExhausted(TriobotError):
    """Every reconnection attempt failed; the connection gives up, loudly.

    Attributes:
        attempts: how many attempts were made since the connection was last healthy.
        last_error: what made the last attempt fail.
    """

    def __init__(self, attempts: int, last_error: BaseException) -> None:
        super().__init__(f"could not reconnect after {attempts} attempts; last error: {last_error}")
        self.attempts = attempts
        self.last_error = last_error


class AuthorizationFailed(TriobotError):
    """A token was refused: by the server at (re)authorization, or, malformed, before it was
    ever sent. Never retried.

    The token itself is never part of the message.

    Attributes:
        code: the API error code (``InvalidToken``, ``DisabledClient``...).
        message: why, in the server's words (or ours, for a malformed token).
    """

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"authorization failed: {code}: {message}")
        self.code = code
        self.message = message


class RequestTimeout(TriobotError):
    """No answer to a request within its timeout.

    Attributes:
        call: the call name.
        timeout: the timeout, seconds.
        sent: whether the request went out (``False``: the time went on waiting for a
            connection or for the client-side rate limit).
    """

    def __init__(self, call: str, timeout: float, *, sent: bool = True) -> None:
        what = "no answer" if sent else "not sent (no connection or rate limit)"
        super().__init__(f"{call}: {what} within {timeout:g} s")
        self.call = call
        self.timeout = timeout
        self.sent = sent


class NotConnected(TriobotError):
    """A request that must not wait for a reconnection found the connection down."""

    def __init__(self, call: str) -> None:
        super().__init__(f"{call}: not sent, the connection is down")
        self.call = call


class OutcomeUnknown(TriobotError):
    """A non-idempotent request was sent but its answer was lost (drop or timeout).

    The server may or may not have acted on it. The request is never re-sent; the client
    reconciles buys and sells against the account's records instead.

    Attributes:
        call: the call name.
        req_id: the id the request was sent with.
        sent_at: ``trio.current_time()`` just before the request was written.
        cause: what lost the answer.
    """

    def __init__(self, call: str, req_id: int, sent_at: float, cause: BaseException) -> None:
        super().__init__(f"{call} (req_id {req_id}): sent, but the answer was lost: {cause}")
        self.call = call
        self.req_id = req_id
        self.sent_at = sent_at
        self.cause = cause


class ConnectionClosed(TriobotError):
    """The connection actor is no longer running; nothing more can be sent."""


class StreamOverflow(TriobotError):
    """A lossless stream's consumer fell behind its buffer: updates were lost.

    Transactions and contract updates are never dropped silently; the stream fails instead.
    """

    def __init__(self, description: str, capacity: int) -> None:
        super().__init__(
            f"{description}: consumer fell more than {capacity} updates behind; "
            "the stream is closed (updates that do not fit are never dropped silently)"
        )
        self.description = description
        self.capacity = capacity
