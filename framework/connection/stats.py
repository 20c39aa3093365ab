"""The connection's counters, for monitoring (cheap to keep, read them any time)."""

from __future__ import annotations

__all__ = ["ConnectionStats"]


class ConnectionStats:
    """Counters of one connection, across its sessions.

    Attributes:
        connects: sessions attempted.
        reconnects: outages recovered from.
        frames: frames received.
        malformed: frames that were not Deriv messages (ignored).
        unreadable: messages whose payload the typed models refused (see ``unreadable``).
        unmatched: answers and updates that matched no request or stream (ignored).
        resubscribed: streams re-created on a new session or after going silent.
        rate_limited: ``RateLimit`` answers to requests that may retry them.
    """

    __slots__ = (
        "connects",
        "frames",
        "malformed",
        "rate_limited",
        "reconnects",
        "resubscribed",
        "unmatched",
        "unreadable",
    )

    def __init__(self) -> None:
        self.frames = 0
        self.malformed = 0
        self.unreadable = 0
        self.unmatched = 0
        self.connects = 0
        self.reconnects = 0
        self.resubscribed = 0
        self.rate_limited = 0
