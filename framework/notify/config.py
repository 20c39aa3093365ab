"""The ``notify:`` section: which events are sent where (webhooks, Telegram)."""

from __future__ import annotations

import attrs
from attrs import validators as v

from framework.bus import EVENT_KINDS

__all__ = ["DEFAULT_EVENTS", "NotifyConfig"]

#: What is sent unless ``events:`` says otherwise: everything but each buy and control echo.
DEFAULT_EVENTS: tuple[str, ...] = (
    "started",
    "stopped",
    "settled",
    "trip",
    "connection_lost",
    "connection_restored",
    "strategy",
)


def _kinds(_inst: object, _attr: object, value: tuple[str, ...]) -> None:
    unknown = [kind for kind in value if kind not in EVENT_KINDS]
    if unknown:
        raise ValueError(f"unknown event(s) {unknown}; choose from {list(EVENT_KINDS)}")


@attrs.frozen
class NotifyConfig:
    """The ``notify:`` section.

    Attributes:
        events: the kinds of event sent.
        queue: events that may wait to be sent; beyond it the oldest waiting is dropped
            (counted and logged), so a slow receiver never holds up the bot.
    """

    events: tuple[str, ...] = attrs.field(default=DEFAULT_EVENTS, validator=_kinds)
    queue: int = attrs.field(default=1000, validator=[v.ge(1), v.le(100_000)])
