"""Settings of one connection: where, who, and how hard to hold on."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

import attrs

from .backoff import BackoffPolicy
from .keepalive import KeepalivePolicy

__all__ = ["ConnectionSettings"]


def _tokens(value: object) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,) if value else ()
    if isinstance(value, list | tuple):
        return tuple(str(item) for item in value)
    raise TypeError(f"tokens must be a string or a list of strings, got {type(value).__name__}")


def _intervals(value: Mapping[str, float]) -> Mapping[str, float]:
    # A read-only copy: the settings are frozen, their tables too.
    return MappingProxyType({str(name): float(seconds) for name, seconds in value.items()})


@attrs.frozen
class ConnectionSettings:
    """Everything the connection actor needs.

    Attributes:
        url: ``ws://`` or ``wss://`` endpoint, with ``app_id`` in the query.
        tokens: API tokens. One token authorizes that account; several authorize them all
            (``authorize: "MULTI"`` plus ``tokens``) and calls pick one with ``loginid``.
            Never shown in reprs or logs.
        connect_timeout: seconds for TCP + TLS + WebSocket handshake.
        compression: offer permessage-deflate; the server compresses what it sends when it
            accepts (Deriv's does). On by default: it costs about 7 µs of CPU a message and
            cuts the bytes on the wire twelvefold or more (``bench/compression.py``; the
            figures and the reasoning are in docs/running.md).
        handshake_timeout: seconds for authorize, rate limits and resubscription.
        request_timeout: default seconds to wait for an answer (waiting for a reconnection
            included).
        keepalive: pings, the bound on socket writes, and the stale-stream watchdog.
        tick_intervals: seconds between two ticks, by symbol: a tick stream is watched for
            silence (``keepalive.stale_ticks`` of these intervals) only when all its symbols
            are listed. Empty by default, which watches nothing; the runtime fills it from
            the market model (:func:`framework.market.tick_intervals`).
        rate_limit: pace requests by ``website_status.api_call_limits``.
        market_buffer: buffer of market-data streams (oldest update dropped, and counted,
            when a consumer falls behind).
        lossless_buffer: buffer of transaction/contract streams (overflow fails the stream).
        forget_timeout: seconds spent forgetting a stream when its consumer leaves.
        backoff: reconnection spacing and budgets: the first connection's, in seconds
            (``first_connect``), and the attempts once connected (``max_attempts``).
    """

    url: str
    tokens: tuple[str, ...] = attrs.field(default=(), converter=_tokens, repr=False)
    connect_timeout: float = attrs.field(default=10.0, validator=attrs.validators.gt(0))
    compression: bool = True
    handshake_timeout: float = attrs.field(default=30.0, validator=attrs.validators.gt(0))
    request_timeout: float = attrs.field(default=30.0, validator=attrs.validators.gt(0))
    keepalive: KeepalivePolicy = attrs.field(factory=KeepalivePolicy)
    tick_intervals: Mapping[str, float] = attrs.field(
        factory=dict, converter=_intervals, repr=False, hash=False
    )
    rate_limit: bool = True
    market_buffer: int = attrs.field(default=256, validator=attrs.validators.ge(1))
    lossless_buffer: int = attrs.field(default=10_000, validator=attrs.validators.ge(1))
    forget_timeout: float = attrs.field(default=2.0, validator=attrs.validators.gt(0))
    backoff: BackoffPolicy = attrs.field(factory=BackoffPolicy)
