"""Sans-IO Deriv protocol: requests to text, text to typed events.

Rules of operation (the I/O shell relies on all of them):

1. :meth:`DerivProtocol.request` allocates a ``req_id``, checks the request against the call
   table and returns the text to send. A request the API would refuse raises
   :class:`LocalProtocolError` and nothing is recorded: it never reaches the wire.
2. :meth:`DerivProtocol.receive` turns one frame into exactly one event or raises
   :class:`RemoteProtocolError`. It never raises anything else, whatever the text.
3. The first answer carrying a pending ``req_id`` is that request's :class:`Reply` (or
   :class:`ErrorReply`); the request is then no longer pending. Every later message of a
   subscription is a :class:`StreamUpdate`, routed by ``subscription.id`` (and still carrying
   the ``req_id``, as the server repeats it). Ticks have no acknowledgement: their first tick is
   the reply.
4. A message that belongs to no pending request and no subscription is :class:`Unsolicited`
   (an answer that arrived after its request was given up, for example). It is an event, not
   an error: the shell logs it and carries on.

There is no socket, no Trio and no clock here; see ``framework/connection.py`` for the shell.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from . import codec
from .calls import COMMON_FIELDS, CallSpec, get_call
from .errors import APIError, LocalProtocolError, RemoteProtocolError, api_error, quote_text
from .validate import is_valid, validate

__all__ = [
    "DEFAULT_APP_ID",
    "MAX_HISTORY_COUNT",
    "MAX_RESPONSE_SIZE",
    "DerivProtocol",
    "ErrorReply",
    "Event",
    "Reply",
    "Request",
    "StreamUpdate",
    "Unsolicited",
    "decode_frame",
]

#: The ``app_id`` sent when none is configured: Deriv's documented app for testing.
DEFAULT_APP_ID = 1089

#: The most ticks or bars one ``ticks_history`` answer holds (the server's
#: ``MAX_TICK_COUNT``): a larger ``count`` is cut.
MAX_HISTORY_COUNT = 5000

#: The largest answer the server sends, in bytes of UTF-8 JSON (its ``max_response_size``):
#: a larger one is replaced by a ``ResponseTooLarge`` error.
MAX_RESPONSE_SIZE = 600_000


@attrs.frozen
class Request:
    """An encoded request, ready to send.

    Attributes:
        req_id: the id the answer will carry.
        call: the call name.
        payload: the request as sent (with ``req_id``).
        text: the JSON text of ``payload``.
    """

    req_id: int
    call: str
    payload: Mapping[str, Any] = attrs.field(repr=False)
    text: str = attrs.field(repr=False)


@attrs.frozen(slots=True)
class Reply:
    """The first answer to request ``req_id``.

    Attributes:
        req_id: the request this answers.
        call: the call the request made.
        msg_type: the answer's ``msg_type``.
        data: the payload under the ``msg_type`` key (``None`` when absent).
        subscription_id: set when the request opened a stream.
        echo_req: the request as echoed by the server.
        passthrough: the request's ``passthrough``, echoed.
        message: the whole decoded message.
    """

    req_id: int
    call: str
    msg_type: str
    data: Any
    subscription_id: str | None
    echo_req: Mapping[str, Any] = attrs.field(repr=False)
    passthrough: Mapping[str, Any] | None = attrs.field(repr=False)
    message: Mapping[str, Any] = attrs.field(repr=False)


@attrs.frozen(slots=True)
class ErrorReply:
    """An error answer to request ``req_id``; ``error`` is the typed exception to raise."""

    req_id: int
    call: str
    error: APIError


@attrs.frozen(slots=True)
class StreamUpdate:
    """One message of an open subscription.

    Attributes:
        subscription_id: the stream's id.
        req_id: the id of the request that opened it, when it had one.
        msg_type: e.g. ``"tick"``, ``"proposal_open_contract"``.
        data: the payload under the ``msg_type`` key.
        error: set instead of ``data`` when the server reports an error on the stream.
        message: the whole decoded message.
    """

    subscription_id: str
    req_id: int | None
    msg_type: str
    data: Any
    error: APIError | None = attrs.field(default=None)
    message: Mapping[str, Any] = attrs.field(factory=dict, repr=False)


@attrs.frozen(slots=True)
class Unsolicited:
    """A well-formed message that matches no pending request and no subscription."""

    msg_type: str
    req_id: int | None
    message: Mapping[str, Any] = attrs.field(repr=False)


Event = Reply | ErrorReply | StreamUpdate | Unsolicited


def _remote(reason: str, text: str | bytes) -> RemoteProtocolError:
    return RemoteProtocolError(f"{reason}: {quote_text(text)}")


def decode_frame(text: str | bytes) -> dict[str, Any]:
    """Parse one frame and check the envelope every Deriv message has.

    Raises:
        RemoteProtocolError: the frame is not JSON, not an object, lacks a string
            ``msg_type``, or has a malformed ``req_id``, ``echo_req``, ``subscription`` or
            ``error``.
    """
    try:
        message = codec.decode(text)
    except (ValueError, RecursionError):
        raise _remote("frame is not JSON", text) from None
    if not isinstance(message, dict):
        raise _remote("frame is not a JSON object", text)
    msg_type = message.get("msg_type")
    if not isinstance(msg_type, str):
        raise _remote("message has no msg_type", text)
    req_id = message.get("req_id")
    if req_id is not None and type(req_id) is not int:
        raise _remote("req_id is not an integer", text)
    if not isinstance(message.get("echo_req", {}), dict):
        raise _remote("echo_req is not an object", text)
    subscription = message.get("subscription")
    if subscription is not None and not (
        isinstance(subscription, dict) and isinstance(subscription.get("id"), str)
    ):
        raise _remote("subscription has no string id", text)
    error = message.get("error")
    if "error" in message and not (
        isinstance(error, dict)
        and isinstance(error.get("code"), str)
        and isinstance(error.get("message"), str)
        and isinstance(error.get("details", {}), dict)
    ):
        raise _remote("error is not {code, message, details?}", text)
    return message


def _error_of(message: Mapping[str, Any]) -> APIError:
    error = message["error"]
    return api_error(
        error["code"],
        error["message"],
        details=error.get("details"),
        echo_req=message.get("echo_req"),
        req_id=message.get("req_id"),
        msg_type=message["msg_type"],
    )


class DerivProtocol:
    """State of one Deriv conversation: request ids in flight.

    One instance per connection. After a reconnect use a fresh instance (or keep the counter
    going with ``first_req_id``): ids are only meaningful on the connection that sent them.
    """

    def __init__(self, *, first_req_id: int = 1) -> None:
        self._next_req_id = first_req_id
        self._pending: dict[int, str] = {}

    @property
    def pending(self) -> Mapping[int, str]:
        """Request ids awaiting their first answer, with their call names."""
        return self._pending

    def request(
        self,
        call: str,
        fields: Mapping[str, Any] | None = None,
        *,
        passthrough: Mapping[str, Any] | None = None,
    ) -> Request:
        """Check and encode a request; mark it pending.

        Args:
            call: the call name (``"ticks"``, ``"buy"``...).
            fields: the request fields. The call key may be omitted; it then defaults to 1.
            passthrough: an object the server echoes back on every answer.

        Raises:
            LocalProtocolError: unknown call or field, missing required field, or a value
                of the wrong type, pattern or enum.
        """
        spec = get_call(call)
        payload = build_request(spec, fields, passthrough=passthrough)
        req_id = self._next_req_id
        payload["req_id"] = req_id
        try:
            text = codec.encode(payload)
        except (TypeError, ValueError) as exc:
            raise LocalProtocolError(f"{call}: request is not JSON: {exc}", call=call) from None
        self._next_req_id += 1
        self._pending[req_id] = call
        return Request(req_id=req_id, call=call, payload=payload, text=text)

    def abandon(self, req_id: int) -> None:
        """Stop waiting for ``req_id`` (timed out, cancelled); a late answer is Unsolicited."""
        self._pending.pop(req_id, None)

    def receive(self, text: str | bytes) -> Event:
        """Decode one frame into an event.

        Raises:
            RemoteProtocolError: the frame is not a Deriv message.
        """
        message = decode_frame(text)
        msg_type: str = message["msg_type"]
        req_id: int | None = message.get("req_id")
        subscription = message.get("subscription")
        if req_id is not None and req_id in self._pending:
            call = self._pending.pop(req_id)
            if "error" in message:
                return ErrorReply(req_id=req_id, call=call, error=_error_of(message))
            return Reply(
                req_id=req_id,
                call=call,
                msg_type=msg_type,
                data=message.get(msg_type),
                subscription_id=subscription["id"] if subscription else None,
                echo_req=message.get("echo_req", {}),
                passthrough=message.get("passthrough"),
                message=message,
            )
        if subscription is not None:
            has_error = "error" in message
            return StreamUpdate(
                subscription_id=subscription["id"],
                req_id=req_id,
                msg_type=msg_type,
                data=None if has_error else message.get(msg_type),
                error=_error_of(message) if has_error else None,
                message=message,
            )
        return Unsolicited(msg_type=msg_type, req_id=req_id, message=message)


def build_request(
    spec: CallSpec,
    fields: Mapping[str, Any] | None,
    *,
    passthrough: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Return the request dict for ``spec`` after checking it (without ``req_id``).

    Raises:
        LocalProtocolError: naming the call and the first offending field.
    """
    payload: dict[str, Any] = {spec.name: 1}
    if fields:
        payload.update(fields)
    if "req_id" in payload:
        raise LocalProtocolError(
            f"{spec.name}: req_id is allocated by the protocol, do not pass it",
            call=spec.name,
            field="req_id",
        )
    if passthrough is not None:
        payload["passthrough"] = dict(passthrough)
    known = spec.fields
    for name in payload:
        if name not in known and name not in COMMON_FIELDS:
            raise LocalProtocolError(
                f"{spec.name}: unknown field {name!r}", call=spec.name, field=name
            )
    if is_valid(spec.request, payload):
        return payload
    _, problems = validate(spec.request, payload)
    if problems:
        first = problems[0]
        listing = "; ".join(str(problem) for problem in problems[:5])
        raise LocalProtocolError(
            f"{spec.name}: invalid request: {listing}", call=spec.name, field=first.path or None
        )
    return payload
