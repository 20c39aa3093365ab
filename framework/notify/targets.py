"""Sending one event to one receiver: a JSON webhook or Telegram's ``sendMessage``.

A send either returns (delivered) or raises :class:`SendFailed`, saying whether trying again
may help. What a failure says is safe to log: a status code, an exception's class name, or
Telegram's description with the token taken out; never a URL (a webhook's path may be its
secret, and Telegram's holds the bot token).
"""

from __future__ import annotations

from typing import Any, Protocol

import httpx

from framework.bus import BotEvent
from framework.errors import TriobotError

from .config import TelegramTarget, WebhookTarget
from .messages import telegram_text, webhook_body

__all__ = ["SendFailed", "Sender", "TelegramSender", "WebhookSender", "sender_for"]

_HIDDEN = "<not shown>"


class SendFailed(TriobotError):
    """A send that did not deliver.

    Attributes:
        detail: what went wrong, safe to log.
        retry: whether sending again later may succeed (a 5xx, a timeout; not a 400).
        after: seconds the receiver asked to wait first (``Retry-After``), if it did.
    """

    def __init__(self, detail: str, *, retry: bool, after: float | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.retry = retry
        self.after = after


class Sender(Protocol):
    """Delivers events to one receiver."""

    @property
    def label(self) -> str:
        """How logs name the receiver (never its URL)."""
        ...

    async def send(self, client: httpx.AsyncClient, event: BotEvent, account: str | None) -> None:
        """Deliver one event.

        Raises:
            SendFailed: it was not delivered.
        """
        ...


def _retry_after(response: httpx.Response) -> float | None:
    raw = response.headers.get("retry-after", "")
    try:
        seconds = float(raw)
    except ValueError:
        return None  # absent, or an HTTP date: the backoff decides
    return seconds if seconds >= 0 else None


def _status_failure(response: httpx.Response, detail: str = "") -> SendFailed:
    code = response.status_code
    text = f"HTTP {code}: {detail}" if detail else f"HTTP {code}"
    # A server error, a rate limit or a timeout may pass; anything else (a refused token,
    # an unknown chat, a redirect) will not, however often it is tried.
    retry = code >= 500 or code in (408, 429)
    return SendFailed(text, retry=retry, after=_retry_after(response) if retry else None)


async def _post(
    client: httpx.AsyncClient, url: str, body: dict[str, Any], seconds: float
) -> httpx.Response:
    try:
        return await client.post(url, json=body, timeout=seconds)
    except httpx.TransportError as exc:
        # The class says enough (ConnectError, ReadTimeout...); its text may hold the URL.
        raise SendFailed(type(exc).__name__, retry=True) from None


class WebhookSender:
    """POSTs each event's JSON (:func:`~framework.notify.messages.webhook_body`) to a URL."""

    def __init__(self, target: WebhookTarget) -> None:
        self.target = target

    @property
    def label(self) -> str:
        """How logs name the receiver."""
        return self.target.label

    async def send(self, client: httpx.AsyncClient, event: BotEvent, account: str | None) -> None:
        """POST the event; any 2xx answer is a delivery.

        Raises:
            SendFailed: no answer, or not a 2xx.
        """
        target = self.target
        response = await _post(client, target.url, webhook_body(event, account), target.timeout)
        if not response.is_success:
            raise _status_failure(response)


class TelegramSender:
    """Sends each event as one line to a chat through the Bot API's ``sendMessage``."""

    def __init__(self, target: TelegramTarget) -> None:
        if target.token is None:
            raise ValueError("telegram target without a token (the loader sets it)")
        self.target = target
        self._token = target.token.reveal()

    @property
    def label(self) -> str:
        """How logs name the receiver."""
        return self.target.label

    async def send(self, client: httpx.AsyncClient, event: BotEvent, account: str | None) -> None:
        """Send the event's line to the chat.

        Raises:
            SendFailed: no answer, not a 2xx, or Telegram's ``ok`` is not true.
        """
        target = self.target
        url = f"{target.api_url.rstrip('/')}/bot{self._token}/sendMessage"
        body = {"chat_id": target.chat_id, "text": telegram_text(event, account)}
        response = await _post(client, url, body, target.timeout)
        answer = _json(response)
        description = self._scrub(str(answer.get("description", "")))
        if not response.is_success:
            raise _status_failure(response, description)
        if answer.get("ok") is not True:
            raise SendFailed(f"not ok: {description or 'no description'}", retry=False)

    def _scrub(self, text: str) -> str:
        # Telegram's descriptions ("Bad Request: chat not found") hold no token; a proxy
        # or a look-alike server echoing the request might.
        return text.replace(self._token, _HIDDEN)[:200]


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        answer = response.json()
    except ValueError:
        return {}
    return answer if isinstance(answer, dict) else {}


def sender_for(target: WebhookTarget | TelegramTarget) -> Sender:
    """The sender of a configured target."""
    if isinstance(target, TelegramTarget):
        return TelegramSender(target)
    return WebhookSender(target)
