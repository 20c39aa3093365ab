"""Payload parsing: numeric text is accepted where Deriv sends it, anything else is named."""

from __future__ import annotations

from typing import Any

import pytest

from framework.deriv.errors import PayloadError
from framework.deriv.models import Account, Authorize, Candle, Tick


def test_numeric_text_and_whole_floats_are_numbers() -> None:
    candle = Candle.from_payload(
        {"open_time": 60.0, "open": "1.5", "high": 2, "low": "-1", "close": "1e2"}
    )
    assert candle == Candle(60, 1.5, 2.0, -1.0, 100.0)
    assert (
        Candle.from_payload({"epoch": "-120", "open": 1, "high": 1, "low": 1, "close": 1}).epoch
        == -120
    )
    tick = Tick.from_payload({"symbol": "R_100", "epoch": "5", "quote": "12.5", "pip_size": 2.0})
    assert tick == Tick("R_100", 5, 12.5, 2)


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (
            {"epoch": 1, "open": "abc", "high": 1, "low": 1, "close": 1},
            "Candle.open: expected number, got str 'abc'",
        ),
        (
            {"epoch": 1.5, "open": 1, "high": 1, "low": 1, "close": 1},
            "Candle.epoch: expected integer, got float 1.5",
        ),
        (
            {"epoch": "1.0", "open": 1, "high": 1, "low": 1, "close": 1},
            "Candle.epoch: expected integer, got str '1.0'",
        ),
        (
            {"epoch": 1, "open": True, "high": 1, "low": 1, "close": 1},
            "Candle.open: expected number, got bool True",
        ),
    ],
)
def test_candle_problems_name_model_field_and_value(payload: Any, message: str) -> None:
    with pytest.raises(PayloadError) as raised:
        Candle.from_payload(payload)
    assert str(raised.value) == message


def test_flags_are_zero_or_one() -> None:
    assert Account.from_payload({"loginid": "VRTC1", "is_virtual": 1}).is_virtual is True
    assert Account.from_payload({"loginid": "CR1", "is_virtual": False}).is_virtual is False
    with pytest.raises(PayloadError, match=r"^Account\.is_virtual: expected 0 or 1, got 2$"):
        Account.from_payload({"loginid": "VRTC1", "is_virtual": 2})
    with pytest.raises(PayloadError, match=r"^Account\.is_disabled: expected 0 or 1, got '1'$"):
        Account.from_payload({"loginid": "VRTC1", "is_disabled": "1"})


def test_scopes_must_be_strings() -> None:
    with pytest.raises(PayloadError) as raised:
        Authorize.from_payload({"loginid": "VRTC1", "scopes": ["read", 3]})
    assert str(raised.value) == "Authorize.scopes: expected a list of strings, got ['read', 3]"
