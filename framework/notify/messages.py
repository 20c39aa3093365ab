"""What a notification says: a webhook's JSON body, a chat's one line.

Both are made from the event alone (:class:`~framework.bus.BotEvent` carries every figure a
watcher needs), so a notification never disagrees with the dashboard or the journal.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from framework.bus import BotEvent

__all__ = ["MAX_TEXT", "telegram_text", "webhook_body"]

#: Telegram refuses a message longer than this (characters).
MAX_TEXT = 4096


def webhook_body(event: BotEvent, account: str | None) -> dict[str, Any]:
    """The JSON object POSTed to a webhook: the event as published, and whose bot it is.

    Args:
        event: what happened.
        account: the account the bot trades (known from its ``started`` event).
    """
    return {"account": account, **event.as_dict()}


def telegram_text(event: BotEvent, account: str | None) -> str:
    """One short line for people, such as ``settled: momentum CALL 1HZ100V won +0.95``.

    Args:
        event: what happened.
        account: the account the bot trades, to tell several bots in one chat apart.
    """
    line = _FORMATS[event.kind](event.data)
    text = f"[{account}] {line}" if account else line
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 3] + "..."


def _money(value: Any, *, sign: bool = False) -> str:
    if not isinstance(value, int | float):
        return "?"
    return f"{value:+.2f}" if sign else f"{value:.2f}"


def _started(d: Mapping[str, Any]) -> str:
    kind = "virtual" if d.get("virtual") else "real"
    strategies = ", ".join(d.get("strategies") or ()) or "none"
    balance = " ".join(filter(None, (_money(d.get("balance")), d.get("currency"))))
    return (
        f"started: account {d.get('account')} ({kind}), balance {balance}, strategies {strategies}"
    )


def _stopped(d: Mapping[str, Any]) -> str:
    text = (
        f"stopped: {d.get('reason')}; {d.get('settled')} settled, profit "
        f"{_money(d.get('profit'), sign=True)}, balance {_money(d.get('balance'))}"
    )
    left = d.get("open_at_exit")
    return f"{text}, {left} still open" if left else text


def _bought(d: Mapping[str, Any]) -> str:
    return (
        f"bought: {d.get('strategy')} {d.get('contract_type')} {d.get('symbol')} for "
        f"{_money(d.get('buy_price'))} (payout {_money(d.get('payout'))})"
    )


def _settled(d: Mapping[str, Any]) -> str:
    return (
        f"settled: {d.get('strategy')} {d.get('contract_type')} {d.get('symbol')} "
        f"{d.get('status')} {_money(d.get('profit'), sign=True)} "
        f"(balance {_money(d.get('balance'))})"
    )


def _trip(d: Mapping[str, Any]) -> str:
    if d.get("ended") is not None:
        return f"risk limit cleared: {d.get('limit')}"
    return f"risk limit tripped: {d.get('limit')}: {d.get('reason')}"


def _lost(d: Mapping[str, Any]) -> str:
    return f"connection lost: {d.get('reason')}"


def _restored(d: Mapping[str, Any]) -> str:
    downtime = d.get("downtime")
    after = f"{downtime:.1f} s" if isinstance(downtime, int | float) else "?"
    return f"connection restored after {after} ({d.get('attempts')} attempts)"


def _strategy(d: Mapping[str, Any]) -> str:
    state = d.get("state")
    if d.get("paused") and state == "running":
        state = "paused"
    return (
        f"strategy {d.get('strategy')}: {state} "
        f"({d.get('errors')} errors, {d.get('restarts')} restarts)"
    )


def _control(d: Mapping[str, Any]) -> str:
    target = f" {d['target']}" if d.get("target") else ""
    return f"control: {d.get('action')}{target} by {d.get('source')}: {d.get('detail')}"


_FORMATS: dict[str, Callable[[Mapping[str, Any]], str]] = {
    "started": _started,
    "stopped": _stopped,
    "bought": _bought,
    "settled": _settled,
    "trip": _trip,
    "connection_lost": _lost,
    "connection_restored": _restored,
    "strategy": _strategy,
    "control": _control,
}
