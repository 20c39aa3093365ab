"""Logging set-up: JSON or console, and tokens never written, however deeply nested."""

from __future__ import annotations

import io
import json
from typing import Any

import structlog
from hypothesis import given, settings
from hypothesis import strategies as st

from framework.logs import REDACTED, SENSITIVE_KEYS, configure_logging, get_logger, redact_value

SECRET = "SeCrEt-tok3n-XYZ"


def _render(**fields: Any) -> str:
    out = io.StringIO()
    configure_logging(fmt="json", stream=out)
    try:
        get_logger("test").info("event", **fields)
    finally:
        structlog.reset_defaults()
    return out.getvalue()


def test_json_lines_with_context_and_redaction() -> None:
    structlog.contextvars.bind_contextvars(bot="demo")
    try:
        line = _render(request={"authorize": SECRET, "req_id": 1}, token=SECRET)
    finally:
        structlog.contextvars.clear_contextvars()
    record = json.loads(line)
    assert record["bot"] == "demo" and record["component"] == "test" and record["level"] == "info"
    assert record["request"] == {"authorize": REDACTED, "req_id": 1}
    assert SECRET not in line


def test_nested_secrets_are_hidden() -> None:
    answer = {"new_account_virtual": {"client_id": "VRTC1", "oauth_token": SECRET}}
    assert redact_value([answer]) == [
        {"new_account_virtual": {"client_id": "VRTC1", "oauth_token": REDACTED}}
    ]


def test_console_format() -> None:
    out = io.StringIO()
    configure_logging(fmt="console", stream=out)
    try:
        get_logger("x").warning("hello", new_token=SECRET)
    finally:
        structlog.reset_defaults()
    assert "hello" in out.getvalue() and SECRET not in out.getvalue()


keys = st.sampled_from(sorted(SENSITIVE_KEYS)) | st.text(min_size=1, max_size=8)
payloads = st.recursive(
    st.just(SECRET) | st.integers() | st.text(max_size=5),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(keys, children, max_size=4),
    max_leaves=25,
)


def _secret_only_under_sensitive_keys(value: Any, under_sensitive: bool = False) -> bool:
    """Whether every SECRET in ``value`` sits below a sensitive key (so it must vanish)."""
    if value == SECRET:
        return under_sensitive
    if isinstance(value, dict):
        return all(
            _secret_only_under_sensitive_keys(v, under_sensitive or k in SENSITIVE_KEYS)
            for k, v in value.items()
        )
    if isinstance(value, list):
        return all(_secret_only_under_sensitive_keys(v, under_sensitive) for v in value)
    return True


@given(st.dictionaries(keys, payloads, min_size=1, max_size=4))
@settings(max_examples=200)
def test_no_token_under_a_sensitive_key_is_ever_written(event: dict[str, Any]) -> None:
    wrapped = {"payload": event}
    line = _render(**wrapped)
    if _secret_only_under_sensitive_keys(wrapped):
        assert SECRET not in line


def test_tracebacks_never_show_locals() -> None:
    for fmt in ("json", "console"):
        out = io.StringIO()
        configure_logging(fmt=fmt, stream=out)
        try:
            token = SECRET  # a local a rich traceback would print
            raise RuntimeError(f"failed after {len(token)} chars")
        except RuntimeError:
            get_logger("x").exception("boom")
        finally:
            structlog.reset_defaults()
        assert "boom" in out.getvalue() and "RuntimeError" in out.getvalue()
        assert SECRET not in out.getvalue(), fmt
