"""What each event says: a webhook's body and a chat's line."""

from __future__ import annotations

from typing import Any

import pytest

from framework.bus import EVENT_KINDS, BotEvent
from framework.notify.messages import _FORMATS, MAX_TEXT, telegram_text, webhook_body


def event(kind: Any, **data: Any) -> BotEvent:
    return BotEvent(kind, 1_700_000_000.5, data)


def test_every_kind_has_a_line() -> None:
    assert set(_FORMATS) == set(EVENT_KINDS)


def test_the_webhook_gets_the_event_and_the_account() -> None:
    body = webhook_body(event("trip", limit="max_trades", reason="2 trades"), "VRTC1")
    assert body == {
        "account": "VRTC1",
        "kind": "trip",
        "at": 1_700_000_000.5,
        "limit": "max_trades",
        "reason": "2 trades",
    }


@pytest.mark.parametrize(
    ("kind", "data", "line"),
    [
        (
            "started",
            {
                "account": "VRTC1",
                "virtual": True,
                "balance": 10000,
                "currency": "USD",
                "strategies": ["momentum", "dip"],
            },
            "started: account VRTC1 (virtual), balance 10000.00 USD, strategies momentum, dip",
        ),
        (
            "started",
            {"account": "CR9", "virtual": False, "balance": None, "strategies": []},
            "started: account CR9 (real), balance ?, strategies none",
        ),
        (
            "stopped",
            {"reason": "SIGTERM", "settled": 12, "profit": -1.5, "balance": 9998.5},
            "stopped: SIGTERM; 12 settled, profit -1.50, balance 9998.50",
        ),
        (
            "stopped",
            {"reason": "x", "settled": 1, "profit": 0.0, "balance": 1.0, "open_at_exit": 2},
            "stopped: x; 1 settled, profit +0.00, balance 1.00, 2 still open",
        ),
        (
            "bought",
            {
                "strategy": "m",
                "contract_type": "PUT",
                "symbol": "R_100",
                "buy_price": 1,
                "payout": 1.95,
            },
            "bought: m PUT R_100 for 1.00 (payout 1.95)",
        ),
        (
            "settled",
            {
                "strategy": "momentum",
                "contract_type": "CALL",
                "symbol": "1HZ100V",
                "status": "won",
                "profit": 0.95,
                "balance": 10012.4,
            },
            "settled: momentum CALL 1HZ100V won +0.95 (balance 10012.40)",
        ),
        (
            "trip",
            {"limit": "max_daily_loss", "reason": "lost 50.00", "ended": None},
            "risk limit tripped: max_daily_loss: lost 50.00",
        ),
        ("trip", {"limit": "kill_file", "ended": 1_700_000_100}, "risk limit cleared: kill_file"),
        ("connection_lost", {"reason": "timed out"}, "connection lost: timed out"),
        (
            "connection_restored",
            {"downtime": 3.25, "attempts": 2},
            "connection restored after 3.2 s (2 attempts)",
        ),
        ("connection_restored", {}, "connection restored after ? (None attempts)"),
        (
            "strategy",
            {"strategy": "m", "state": "disabled", "paused": False, "errors": 3, "restarts": 2},
            "strategy m: disabled (3 errors, 2 restarts)",
        ),
        (
            "strategy",
            {"strategy": "m", "state": "running", "paused": True, "errors": 0, "restarts": 0},
            "strategy m: paused (0 errors, 0 restarts)",
        ),
        (
            "control",
            {"action": "pause", "target": "m", "source": "web 127.0.0.1", "detail": "paused"},
            "control: pause m by web 127.0.0.1: paused",
        ),
        (
            "control",
            {"action": "stop", "target": None, "source": "cli", "detail": "stopping"},
            "control: stop by cli: stopping",
        ),
    ],
)
def test_each_kind_reads_as_one_line(kind: str, data: dict[str, Any], line: str) -> None:
    assert telegram_text(event(kind, **data), None) == line


def test_the_account_prefixes_the_line_and_a_long_one_is_cut() -> None:
    assert telegram_text(event("connection_lost", reason="x"), "VRTC1") == (
        "[VRTC1] connection lost: x"
    )
    long = telegram_text(event("connection_lost", reason="y" * 5000), "VRTC1")
    assert len(long) == MAX_TEXT and long.endswith("y...")
