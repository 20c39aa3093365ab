"""The protocol's JSON decoder reads every text exactly as the stdlib does."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from framework.deriv import codec
from tests.deriv import frames


def _outcome(decode: Callable[[Any], Any], text: str | bytes) -> tuple[str, str]:
    """What decoding gives, comparable across decoders: the value's repr or the error's type."""
    try:
        return "value", repr(decode(text))
    except (ValueError, RecursionError) as exc:
        return "error", type(exc).__name__


def _same_as_stdlib(text: str | bytes) -> None:
    assert _outcome(codec.decode, text) == _outcome(json.loads, text)


@pytest.mark.parametrize(
    "name", ["TICK", "PROPOSAL", "BUY", "OPEN_CONTRACT", "TRANSACTION", "AUTHORIZE", "ERROR"]
)
def test_real_frames_read_the_same(name: str) -> None:
    _same_as_stdlib(json.dumps(getattr(frames, name)))


@pytest.mark.parametrize(
    "text",
    [
        '{"a": NaN, "b": -Infinity}',  # the stdlib reads them; msgspec does not
        "1e400",  # beyond a double: inf for the stdlib
        "123456789012345678901234567890",  # beyond 64 bits: still an int
        "\ufeff{}",  # a byte-order mark in text: an error either way
        b"\xef\xbb\xbf{}",  # ... but the stdlib skips it in bytes
        '{"a": 1, "a": 2}',  # the last one wins
        '"\\ud800"',  # a lone surrogate escape
        b'{"a": "\xff"}',  # invalid UTF-8: UnicodeDecodeError, a ValueError
        '"\x01"',  # a control character in a string
        "[1,]",
        "01",
        "[" * 100_000,  # RecursionError or a decode error, as the stdlib says
        "",
    ],
)
def test_edge_cases_read_the_same(text: str | bytes) -> None:
    _same_as_stdlib(text)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)


@given(json_values)
@settings(max_examples=500)
def test_any_json_reads_the_same(value: Any) -> None:
    text = json.dumps(value)
    _same_as_stdlib(text)
    _same_as_stdlib(text.encode())


@given(st.text() | st.binary())
@settings(max_examples=500)
def test_any_text_reads_the_same(text: str | bytes) -> None:
    _same_as_stdlib(text)


def test_encoding_is_compact_and_refuses_what_json_cannot_carry() -> None:
    assert codec.encode({"ticks": "R_100", "req_id": 1}) == '{"ticks":"R_100","req_id":1}'
    with pytest.raises(ValueError):
        codec.encode({"x": float("nan")})
