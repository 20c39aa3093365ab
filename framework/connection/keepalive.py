"""Keepalive: an application ping that must be answered, and a tick-staleness watchdog.

Both run inside a connection session and end it by raising; the connection actor then
reconnects.

* :func:`keepalive` sends ``{"ping": 1}`` every ``interval`` seconds and raises
  :class:`KeepaliveTimeout` when the answer takes longer than ``timeout``. A dead peer is
  therefore noticed within ``interval + timeout``. (An application ping rather than a
  WebSocket ping: it proves the API answers, not just the TCP stack, and it resets the
  server's 120 s idle timer the same way.)
* :func:`watch_staleness` notices a tick stream that went quiet while the connection still
  answers pings (a server-side feed that died). A stream silent for its limit
  (:func:`stale_after`) is resubscribed once; silent as long again, :class:`StaleStream` is
  raised and the connection is replaced.

:class:`KeepalivePolicy` holds the knobs and their defaults, once: the connection's settings
and the bot config's ``keepalive:`` section are both this class.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import NoReturn

import attrs
import trio
from attrs import validators as v

from ..logs import get_logger
from .errors import KeepaliveTimeout, StaleStream
from .streams import Subscription

__all__ = ["KeepalivePolicy", "keepalive", "stale_after", "watch_staleness"]

log = get_logger("triobot.keepalive")


@attrs.frozen
class KeepalivePolicy:
    """Keeping a connection alive and noticing a dead one.

    Attributes:
        interval: seconds between pings (Deriv closes a connection idle for 2 minutes).
        timeout: seconds a ping may take before the connection is declared dead; it also
            bounds every write to the socket.
        stale_ticks: a tick stream silent for this many tick intervals is resubscribed, and
            the connection is replaced if it stays silent as long again; 0 disables the
            watchdog.
    """

    interval: float = attrs.field(default=30.0, validator=[v.gt(0), v.le(110)])
    timeout: float = attrs.field(default=5.0, validator=[v.gt(0), v.le(60)])
    stale_ticks: float = attrs.field(default=5.0, validator=[v.ge(0), v.le(1000)])

    def __attrs_post_init__(self) -> None:
        if self.timeout >= self.interval:
            raise ValueError(
                f"timeout ({self.timeout:g}) must be shorter than interval ({self.interval:g})"
            )


async def keepalive(
    ping: Callable[[], Awaitable[object]],
    *,
    interval: float,
    timeout: float,  # noqa: ASYNC109 - bounds each ping, not this call
) -> NoReturn:
    """Ping forever; raise when a ping goes unanswered.

    Args:
        ping: sends one ping and returns when it is answered.
        interval: seconds between the end of one ping and the start of the next.
        timeout: seconds a ping may take.

    Raises:
        KeepaliveTimeout: a ping was not answered within ``timeout``.
    """
    while True:
        await trio.sleep(interval)
        started = trio.current_time()
        with trio.move_on_after(timeout) as scope:
            await ping()
        if scope.cancelled_caught:
            log.warning("keepalive ping unanswered", timeout=timeout)
            raise KeepaliveTimeout(timeout)
        log.debug("keepalive pong", rtt=trio.current_time() - started)


def stale_after(
    sub: Subscription, stale_ticks: float, tick_intervals: Mapping[str, float]
) -> float | None:
    """Seconds of silence after which ``sub`` counts as stale, or ``None`` when not watched.

    Only tick streams are watched, and only when every symbol's tick interval is known: a
    symbol missing from ``tick_intervals`` (a forex feed, which legitimately goes quiet when
    its market closes) keeps its stream unwatched.

    Args:
        sub: the subscription.
        stale_ticks: tick intervals of silence allowed (0: nothing is watched).
        tick_intervals: seconds between two ticks, by symbol.
    """
    if not stale_ticks or sub.call not in ("ticks", "ticks_history"):
        return None
    if sub.call == "ticks_history" and sub.fields.get("style", "ticks") != "ticks":
        return None
    symbols = sub.fields.get(sub.call)
    names = symbols if isinstance(symbols, list) else [symbols]
    intervals = [
        tick_intervals[name] for name in names if isinstance(name, str) and name in tick_intervals
    ]
    if not intervals or len(intervals) != len(names):
        return None
    return stale_ticks * max(intervals)


async def watch_staleness(
    subscriptions: Callable[[], Iterable[Subscription]],
    stale_after: Callable[[Subscription], float | None],
    resubscribe: Callable[[Subscription], Awaitable[None]],
    *,
    check_every: float = 1.0,
) -> NoReturn:
    """Watch update counters of streams; resubscribe the silent ones, then give up.

    The reader only increments a counter per update; the time arithmetic happens here, once
    per ``check_every``, so the hot path pays nothing for it.

    Args:
        subscriptions: returns the live subscriptions (called at every check).
        stale_after: seconds of silence allowed for a subscription (``None``: not watched).
        resubscribe: re-creates one subscription on the current connection.
        check_every: seconds between checks; detection is late by at most this much.

    Raises:
        StaleStream: a stream stayed silent after being resubscribed.
    """
    # key -> (update count at last progress, time of last progress, resubscribed already)
    seen: dict[int, tuple[int, float, bool]] = {}
    while True:
        await trio.sleep(check_every)
        now = trio.current_time()
        current: dict[int, tuple[int, float, bool]] = {}
        for sub in list(subscriptions()):
            limit = stale_after(sub)
            if limit is None or sub.closed:
                continue
            count, since, retried = seen.get(sub.key, (sub.received, now, False))
            if sub.received != count:
                current[sub.key] = (sub.received, now, False)
                continue
            silent = now - since
            if silent < limit:
                current[sub.key] = (count, since, retried)
                continue
            if retried:
                log.error("stream still silent after resubscribing", stream=sub.description)
                raise StaleStream(sub.description, silent)
            log.warning("stream silent; resubscribing", stream=sub.description, silent=silent)
            await resubscribe(sub)
            current[sub.key] = (sub.received, trio.current_time(), True)
        seen = current
