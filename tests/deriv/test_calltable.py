"""The checked-in call table against Deriv's schemas: no drift, and the facts the bot uses."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from framework.deriv import (
    ALL_SCOPES,
    API_GUIDE_CALLS,
    CALL_TABLE,
    LocalProtocolError,
    call_of_request,
    get_call,
)
from tools import gen_calls


def test_generated_module_matches_schemas(schema_dir: Path) -> None:
    expected = gen_calls.generate(schema_dir)
    current = gen_calls.DEFAULT_OUT.read_text()
    assert current == expected, "framework/deriv/_calltable.py drifted: run tools/gen_calls.py"


def test_every_schema_call_is_in_the_table(schema_dir: Path) -> None:
    names = {path.name for path in schema_dir.iterdir() if (path / "send.json").is_file()}
    assert names == set(CALL_TABLE)
    for name in names:
        send = json.loads((schema_dir / name / "send.json").read_text())
        spec = CALL_TABLE[name]
        assert spec.auth_required == bool(send["auth_required"]), name
        assert spec.scopes == tuple(send.get("auth_scopes", [])), name
        assert spec.subscribable == ("subscribe" in send["properties"]), name
        assert set(spec.required) == set(send["required"]) - {name}, name


def test_facts_the_bot_relies_on() -> None:
    assert len(CALL_TABLE) >= 134
    assert set(API_GUIDE_CALLS) <= set(CALL_TABLE)
    assert get_call("ticks").msg_types == ("tick",)
    assert set(get_call("ticks_history").msg_types) == {"history", "tick", "candles", "ohlc"}
    assert get_call("buy").scopes == ("trade",)
    assert get_call("balance").scopes == ("read", "trading_information")
    assert get_call("paymentagent_withdraw").scopes == ("payments",)
    assert get_call("app_register").scopes == ("admin",)
    assert not get_call("proposal").auth_required
    assert get_call("authorize").sensitive == ("authorize", "tokens")
    assert {s for spec in CALL_TABLE.values() for s in spec.scopes} == set(ALL_SCOPES)


def test_scope_semantics_is_any_of() -> None:
    balance = get_call("balance")
    assert balance.allowed_by({"trading_information"})
    assert balance.allowed_by({"read"})
    assert not balance.allowed_by({"trade", "admin"})
    assert get_call("ping").allowed_by(set())


def test_call_of_request() -> None:
    assert call_of_request({"ticks": "R_100"}) is CALL_TABLE["ticks"]
    # ``landing_company`` is both a call and a field of active_symbols.
    mixed = {"landing_company": "svg", "active_symbols": "brief"}
    assert call_of_request(mixed) is CALL_TABLE["active_symbols"]
    assert call_of_request({"colour": 1}) is None


def test_unknown_call() -> None:
    with pytest.raises(LocalProtocolError, match="unknown call 'tiks'"):
        get_call("tiks")


def _patterns(node: object) -> list[str]:
    found: list[str] = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "pattern":
                found.append(value)
            elif key == "patternProperties":
                found.extend(value)
                found.extend(p for sub in value.values() for p in _patterns(sub))
            else:
                found.extend(_patterns(value))
    elif isinstance(node, list | tuple):
        found.extend(p for item in node for p in _patterns(item))
    return found


def test_every_pattern_compiles() -> None:
    from framework.deriv.validate import compile_pattern

    patterns = {p for spec in CALL_TABLE.values() for p in _patterns(dict(spec.request))}
    assert len(patterns) > 50
    for pattern in patterns:
        compile_pattern(pattern)  # raises on a pattern the validator cannot use
    assert compile_pattern(r"^[\p{L}\x{b0}]+$").match("Zoë°")
