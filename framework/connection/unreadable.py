"""Messages that arrived whole but cannot be understood: logged once, counted, made an event.

A frame that is valid JSON and a valid Deriv envelope can still carry a payload the typed
models refuse (``buy.contract_id: "abc"``, a ``proposal_open_contract`` without its
``contract_id``). Such a :class:`~framework.deriv.errors.PayloadError` is translated here,
at the edge, exactly once, wherever the payload was decoded:

* on a stream (:class:`~framework.connection.Stream`): a conflating stream (market data)
  skips it, the next update replaces it anyway; a lossless stream (transactions, contract
  updates) hands its consumer an :class:`Unreadable` event in its place, so that the consumer
  asks the server again for what the update was about;
* in an answer the client decodes (:meth:`framework.client.Client.read`) or the reconciler
  reads (its records are asked again): the client turns an unreadable ``buy`` answer into an
  unknown outcome, decided from the account's records like a lost one.

Each one is logged once, here, with the call, the field and the start of the payload (its
secrets redacted), and counted in :attr:`ConnectionStats.unreadable` for the status line.
"""

from __future__ import annotations

import json
from typing import Any

import attrs

from ..deriv.errors import PayloadError
from ..logs import get_logger, redact_value
from .stats import ConnectionStats

__all__ = ["TEXT_LIMIT", "Unreadable", "unreadable"]

log = get_logger("triobot.connection")

#: Characters of the payload kept in the log line.
TEXT_LIMIT = 200


@attrs.frozen
class Unreadable:
    """A lossless stream's update that could not be understood (it stands in its place).

    Attributes:
        call: the call the stream was opened with (``proposal_open_contract``...).
        field: the ``Model.field`` that was wrong, when one was.
        reason: what was wrong, as the models say it.
    """

    call: str
    field: str | None
    reason: str


def _cut(data: Any) -> str:
    text = json.dumps(redact_value(data), separators=(",", ":"), default=repr)
    return text if len(text) <= TEXT_LIMIT else text[: TEXT_LIMIT - 3] + "..."


def unreadable(stats: ConnectionStats, call: str, error: PayloadError, data: Any) -> Unreadable:
    """Log and count one payload the models refused; the event that stands for it.

    Args:
        stats: the connection's counters.
        call: the call the payload answered (or the stream was opened with).
        error: what the model said.
        data: the payload (logged cut to :data:`TEXT_LIMIT` characters, secrets redacted).
    """
    stats.unreadable += 1
    event = Unreadable(call, error.field, error.message)
    log.warning(
        "unreadable message", call=call, field=event.field, error=event.reason, text=_cut(data)
    )
    return event
