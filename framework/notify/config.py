"""The ``notify:`` section: which events are sent where (webhooks, Telegram), and how hard.

The Telegram bot token is a secret: it is never written in the config. The loader
(:mod:`framework.config.loader`) reads it, the way it reads the API token, from
``telegram.token_file`` or else from :data:`TELEGRAM_TOKEN_ENV`, and sets
:attr:`TelegramTarget.token`; a config that names neither is refused.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol
from urllib.parse import urlsplit

import attrs
from attrs import validators as v

from framework.bus import EVENT_KINDS

__all__ = [
    "DEFAULT_EVENTS",
    "TELEGRAM_TOKEN_ENV",
    "NotifyConfig",
    "RetryConfig",
    "SecretText",
    "TelegramTarget",
    "WebhookTarget",
]

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

#: The environment variable holding the Telegram bot token when no ``token_file`` is given.
TELEGRAM_TOKEN_ENV = "TRIOBOT_TELEGRAM_TOKEN"

_INTERNAL = {"internal": True}  # YAML cannot set it (see framework.config.structure)


class SecretText(Protocol):
    """What holds the bot token: :class:`framework.config.model.Secret`.

    A protocol, not that class: the config model imports this module, so this module cannot
    import the model back.
    """

    def reveal(self) -> str:
        """The secret itself, only to put it on the wire."""
        ...


def _kinds(_inst: object, _attr: object, value: tuple[str, ...]) -> None:
    unknown = [kind for kind in value if kind not in EVENT_KINDS]
    if unknown:
        raise ValueError(f"unknown event(s) {unknown}; choose from {list(EVENT_KINDS)}")


def _http_url(_inst: object, _attr: object, value: str) -> None:
    # The URL itself is never repeated: a webhook's path is often its only secret.
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https"):
        got = f"scheme {parts.scheme!r}" if parts.scheme else "no scheme"
        raise ValueError(f"must be an http:// or https:// URL, got {got}")
    if not parts.hostname:
        raise ValueError("must be an http:// or https:// URL with a host, got no host")


def _host(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.hostname}:{parts.port}" if parts.port else str(parts.hostname)


@attrs.frozen
class WebhookTarget:
    """One generic JSON webhook: each event is POSTed as a JSON object.

    Attributes:
        url: ``http://`` or ``https://``; it may hold a secret, so it is never logged.
        name: how logs name it (default: ``webhook HOST``).
        timeout: seconds one request may take.
    """

    url: str = attrs.field(validator=_http_url)
    name: str | None = attrs.field(default=None, validator=v.optional(v.min_len(1)))
    timeout: float = attrs.field(default=10.0, validator=[v.gt(0.0), v.le(120.0)])

    @property
    def label(self) -> str:
        """The name logs use: never the URL."""
        return self.name if self.name is not None else f"webhook {_host(self.url)}"


@attrs.frozen
class TelegramTarget:
    """Telegram's bot API: each event as one short line (``sendMessage``) to a chat.

    Attributes:
        chat_id: the chat, channel or group (a number, or ``@channelname``).
        token_file: a file holding the bot token; else ``TRIOBOT_TELEGRAM_TOKEN``.
        api_url: the Bot API's base URL (tests and self-hosted Bot API servers change it).
        timeout: seconds one request may take.
        token: the bot token, set by the loader (part of the request's URL path, which is
            why no URL is ever logged).
    """

    chat_id: int | str = attrs.field()
    token_file: Path | None = None
    api_url: str = attrs.field(default="https://api.telegram.org", validator=_http_url)
    timeout: float = attrs.field(default=10.0, validator=[v.gt(0.0), v.le(120.0)])
    token: SecretText | None = attrs.field(default=None, metadata=_INTERNAL, repr=False)

    @chat_id.validator
    def _chat(self, _attr: object, value: int | str) -> None:
        if isinstance(value, str) and not value.strip():
            raise ValueError("must be a chat id or @channelname, got an empty string")

    @property
    def label(self) -> str:
        """The name logs use: never the URL (it holds the token)."""
        return "telegram"


@attrs.frozen
class RetryConfig:
    """How a failed send is retried: exponential backoff, then the event is given up.

    The delay before retry *n* is ``min(maximum, initial * 2**n)``, less a random fraction of
    up to half (so bots that lost the same receiver do not retry in lockstep); a receiver's
    ``Retry-After`` lengthens it, up to ``maximum``.

    Attributes:
        attempts: sends of one event to one target, the first included.
        initial: the first delay, seconds.
        maximum: the longest delay, seconds.
    """

    attempts: int = attrs.field(default=5, validator=[v.ge(1), v.le(20)])
    initial: float = attrs.field(default=1.0, validator=[v.gt(0.0), v.le(60.0)])
    maximum: float = attrs.field(default=60.0, validator=[v.gt(0.0), v.le(3600.0)])

    def __attrs_post_init__(self) -> None:
        if self.maximum < self.initial:
            raise ValueError(
                f"retry.maximum ({self.maximum:g}) must be at least retry.initial "
                f"({self.initial:g})"
            )


@attrs.frozen
class NotifyConfig:
    """The ``notify:`` section.

    Attributes:
        events: the kinds of event sent.
        queue: events that may wait to be sent, per target; while it is full, new events
            are dropped for that target (counted and logged), so a slow receiver never holds
            up the bot.
        webhooks: generic JSON webhooks.
        telegram: a Telegram chat.
        retry: how failed sends are retried.
        flush: seconds a stopping bot gives what is still queued (the ``stopped`` event
            included) to be sent; a bot stopped at once waits no longer either.
    """

    events: tuple[str, ...] = attrs.field(default=DEFAULT_EVENTS, validator=_kinds)
    queue: int = attrs.field(default=1000, validator=[v.ge(1), v.le(100_000)])
    webhooks: tuple[WebhookTarget, ...] = ()
    telegram: TelegramTarget | None = None
    retry: RetryConfig = RetryConfig()
    flush: float = attrs.field(default=5.0, validator=[v.ge(0.0), v.le(60.0)])

    def __attrs_post_init__(self) -> None:
        if not self.webhooks and self.telegram is None:
            raise ValueError("sends nowhere: give webhooks, telegram or both")
