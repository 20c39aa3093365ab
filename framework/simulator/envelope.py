"""The Deriv message envelope, server side.

Every answer and every stream message carries ``echo_req`` (the request with sensitive fields
shown as ``"<not shown>"``), ``msg_type``, ``req_id`` and ``passthrough`` when the request had
them, and ``subscription: {"id": ...}`` on streams. Errors are ``{"code", "message",
"details"?}`` under ``error``, in place of the payload.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from typing import Any

import attrs

from framework.deriv.calls import CallSpec, sensitive_fields
from framework.deriv.protocol import MAX_RESPONSE_SIZE
from framework.errors import TriobotError

__all__ = [
    "NOT_SHOWN",
    "Envelope",
    "SimError",
    "new_id",
]

NOT_SHOWN = "<not shown>"

_DUMPS = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


class SimError(TriobotError):
    """An error answer: raised by handlers, turned into ``{"error": {...}}`` by the dispatcher.

    Attributes:
        code: Deriv's error code.
        message: Deriv's English message.
        details: ``error.details`` (omitted from the answer when empty).
    """

    def __init__(self, code: str, message: str, details: Mapping[str, Any] | None = None) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.details = dict(details) if details else None


def new_id() -> str:
    """A subscription / proposal id: a UUID, 36 characters like the real server's."""
    return str(uuid.uuid4())


def _hide(
    request: Mapping[str, Any], sensitive: frozenset[str] | tuple[str, ...]
) -> dict[str, Any]:
    echo = dict(request)
    for name in sensitive:
        if name in echo:
            value = echo[name]
            echo[name] = [NOT_SHOWN] * len(value) if isinstance(value, list) else NOT_SHOWN
    return echo


@attrs.frozen
class Envelope:
    """What a request's answers and stream messages repeat.

    Attributes:
        echo_req: the request as echoed (sensitive fields hidden).
        req_id: the request's ``req_id`` (``None`` when absent).
        passthrough: the request's ``passthrough`` (``None`` when absent).
    """

    echo_req: Mapping[str, Any]
    req_id: Any = None
    passthrough: Any = None

    @classmethod
    def of(cls, request: Mapping[str, Any], spec: CallSpec | None) -> Envelope:
        """Build the envelope of a decoded request (``spec`` ``None`` for unknown calls)."""
        hidden = spec.sensitive if spec is not None else sensitive_fields()
        return cls(_hide(request, hidden), request.get("req_id"), request.get("passthrough"))

    def message(
        self,
        msg_type: str,
        payload: Any = None,
        *,
        subscription: str | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Build one answer or stream message.

        Args:
            msg_type: the message type; the payload goes under this key.
            payload: the payload (omitted when ``None``).
            subscription: the stream id, for subscription answers and stream messages.
            extra: more top-level keys (``pip_size`` of a history answer).

        Returns:
            The message as a dict.
        """
        msg: dict[str, Any] = {"echo_req": self.echo_req, "msg_type": msg_type}
        if payload is not None:
            msg[msg_type] = payload
        if extra:
            msg.update(extra)
        if self.req_id is not None:
            msg["req_id"] = self.req_id
        if self.passthrough is not None:
            msg["passthrough"] = self.passthrough
        if subscription is not None:
            msg["subscription"] = {"id": subscription}
        return msg

    def error(self, msg_type: str, err: SimError) -> dict[str, Any]:
        """Build an error answer."""
        body: dict[str, Any] = {"code": err.code, "message": err.message}
        if err.details:
            body["details"] = err.details
        msg: dict[str, Any] = {"echo_req": self.echo_req, "error": body, "msg_type": msg_type}
        if self.req_id is not None:
            msg["req_id"] = self.req_id
        if self.passthrough is not None:
            msg["passthrough"] = self.passthrough
        return msg


def dumps(message: Mapping[str, Any]) -> str:
    """Serialise a message compactly, as the server sends it.

    A message over the server's :data:`~framework.deriv.protocol.MAX_RESPONSE_SIZE` bytes is
    replaced, as there, by a ``ResponseTooLarge`` error (``msg_type: "error"``) that keeps
    the request's ``echo_req``, ``req_id`` and ``passthrough``.
    """
    text = _DUMPS(message)
    if len(text.encode()) <= MAX_RESPONSE_SIZE:
        return text
    envelope = Envelope(
        message.get("echo_req", {}), message.get("req_id"), message.get("passthrough")
    )
    return _DUMPS(envelope.error("error", SimError("ResponseTooLarge", "Response too large.")))
