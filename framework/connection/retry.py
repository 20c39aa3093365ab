"""The retry decision: what one attempt at a request ended in, and what to do next.

Theory of operation
-------------------
The connection tries a request in *attempts*. Each attempt ends in exactly one
:data:`Outcome`:

* :class:`Answered`: the server answered with a result;
* :class:`Refused`: the server answered with an error;
* :class:`Lost`: the request was written, then the session ended before the answer came;
* :class:`NotSent`: the session was down, or went down, before the request was written;
* :class:`TimedOut`: the deadline passed, either before the request was written
  (``req_id`` 0) or while waiting for its answer.

:func:`decide` turns an outcome into a :data:`Decision` (:class:`Done`, :class:`Fail` or
:class:`Retry`), given the :class:`Rule` of the request and the time left. It is pure: no
I/O, no clock, no state, so the whole table below is tested by itself.

==========================  ===========  ================  ===========  ================
outcome                     READ         WRITE             OPEN         SESSION
==========================  ===========  ================  ===========  ================
Answered                    done         done              done         done
Refused by ``RateLimit``    retry (1)    fail              retry (2)    fail
Refused otherwise           fail         fail              fail         fail
NotSent                     retry        NotConnected      retry        ConnectionLost
Lost                        retry        OutcomeUnknown    retry        fail (the cause)
TimedOut, sent              timeout      OutcomeUnknown    timeout      timeout
TimedOut, not sent          timeout      timeout           timeout      timeout
==========================  ===========  ================  ===========  ================

(1) after 0.5 s, doubling with each rate-limited retry up to 30 s, never past the deadline;
with no time left it fails with the ``RateLimit`` error. (2) after 1 s, or what is left.
"Timeout" is :class:`RequestTimeout`, whose ``sent`` says which of the two rows it was.

The rule that the table exists for: a WRITE (buy, sell, a transfer) that may have reached the
server is never retried. It fails with :class:`OutcomeUnknown`, which the client turns into a
reconciliation against the account's records; one that certainly did not reach the server
fails with :class:`NotConnected` or an unsent :class:`RequestTimeout`.
"""

from __future__ import annotations

import enum
from typing import Final

import attrs

from ..deriv.errors import APIError, RateLimit
from ..deriv.protocol import Reply
from .errors import ConnectionLost, NotConnected, OutcomeUnknown, RequestTimeout, TransportError

__all__ = [
    "NOT_SENT",
    "Answered",
    "Decision",
    "Done",
    "Fail",
    "Lost",
    "NotSent",
    "Outcome",
    "Refused",
    "Retry",
    "Rule",
    "TimedOut",
    "decide",
    "rate_limit_delay",
]

#: The first wait after a ``RateLimit`` answer to a READ, seconds; it doubles per retry...
RATE_LIMIT_FIRST: Final = 0.5
#: ... up to this.
RATE_LIMIT_MAX: Final = 30.0
#: The wait after a ``RateLimit`` answer to a stream's opening request, seconds.
OPEN_RATE_LIMIT_DELAY: Final = 1.0


# ---------------------------------------------------------------------- outcomes


@attrs.frozen
class Answered:
    """The server answered with a result."""

    reply: Reply


@attrs.frozen
class Refused:
    """The server answered with an error (typed by its code)."""

    error: APIError


@attrs.frozen
class Lost:
    """The request was written, but the session ended before its answer came.

    Attributes:
        cause: what ended the session.
        req_id: the id the request was sent with.
        sent_at: ``trio.current_time()`` just before it was written.
    """

    cause: TransportError
    req_id: int
    sent_at: float


@attrs.frozen
class NotSent:
    """The session was down (or went down) before the request was written."""


#: The one :class:`NotSent` value (it carries nothing).
NOT_SENT: Final = NotSent()


@attrs.frozen
class TimedOut:
    """The deadline passed.

    Attributes:
        req_id: the id the request was sent with, or 0 when the time ran out before it was
            written (waiting for a connection or for the client-side rate limit).
        sent_at: ``trio.current_time()`` just before it was written (0.0 when not sent).
    """

    req_id: int = 0
    sent_at: float = 0.0

    @property
    def sent(self) -> bool:
        """Whether the request was written before the time ran out."""
        return self.req_id != 0


Outcome = Answered | Refused | Lost | NotSent | TimedOut


# ---------------------------------------------------------------------- decisions


@attrs.frozen
class Done:
    """Return this reply to the caller."""

    reply: Reply


@attrs.frozen
class Fail:
    """Raise this error to the caller.

    Attributes:
        error: what to raise.
        throttled: the attempt was refused by ``RateLimit`` (counted in the stats).
    """

    error: BaseException
    throttled: bool = False


@attrs.frozen
class Retry:
    """Wait ``delay`` seconds, then make another attempt.

    Attributes:
        delay: seconds to wait first (0: at once; the next attempt waits for a connection).
        throttled: the attempt was refused by ``RateLimit`` (counted in the stats).
    """

    delay: float = 0.0
    throttled: bool = False


Decision = Done | Fail | Retry


class Rule(enum.Enum):
    """How a request may be retried."""

    #: An idempotent call from a caller: re-sent after a loss, retried on ``RateLimit``.
    READ = "read"
    #: A call that changes something (buy, sell, transfers): never re-sent.
    WRITE = "write"
    #: The opening request of a stream: retried until answered or out of time.
    OPEN = "open"
    #: The actor's own exchange within one session (handshake, ping, forget): never retried.
    SESSION = "session"


def rate_limit_delay(throttled: int) -> float:
    """The wait before the next attempt of a READ after its ``throttled``-th ``RateLimit``.

    Args:
        throttled: how many rate-limited retries this request already made.
    """
    # Capped exponent: the cap is reached long before 2**32, and floats do not overflow then.
    return min(RATE_LIMIT_FIRST * 2.0 ** min(throttled, 32), RATE_LIMIT_MAX)


def decide(
    outcome: Outcome,
    rule: Rule,
    *,
    call: str,
    limit: float,
    remaining: float,
    throttled: int = 0,
) -> Decision:
    """What to do after one attempt (the table in the module docstring).

    Args:
        outcome: how the attempt ended.
        rule: how the request may be retried.
        call: the call name (for the errors).
        limit: the request's whole timeout, seconds (for the errors).
        remaining: seconds left until the request's deadline (may be negative).
        throttled: rate-limited retries this request already made.

    Returns:
        :class:`Done`, :class:`Fail` or :class:`Retry`.
    """
    if isinstance(outcome, Answered):
        return Done(outcome.reply)
    if isinstance(outcome, Refused):
        error = outcome.error
        if isinstance(error, RateLimit):
            if rule is Rule.READ:
                delay = min(rate_limit_delay(throttled), remaining)
                return Retry(delay, throttled=True) if delay > 0 else Fail(error, throttled=True)
            if rule is Rule.OPEN:
                return Retry(min(OPEN_RATE_LIMIT_DELAY, max(0.0, remaining)), throttled=True)
        return Fail(error)
    if isinstance(outcome, NotSent):
        if rule is Rule.WRITE:
            return Fail(NotConnected(call))
        if rule is Rule.SESSION:
            return Fail(ConnectionLost(1006, f"{call}: not sent, the session ended"))
        return Retry()
    if isinstance(outcome, Lost):
        if rule is Rule.WRITE:
            return Fail(OutcomeUnknown(call, outcome.req_id, outcome.sent_at, outcome.cause))
        if rule is Rule.SESSION:
            return Fail(outcome.cause)
        return Retry()
    # What is left is TimedOut.
    if rule is Rule.WRITE and outcome.sent:
        return Fail(
            OutcomeUnknown(call, outcome.req_id, outcome.sent_at, RequestTimeout(call, limit))
        )
    return Fail(RequestTimeout(call, limit, sent=outcome.sent))
