"""Whatever the encoder accepts, the real server's request schema accepts too.

For each call of the API guide, hypothesis draws field values from the compact schema (enums,
patterns, types) mixed with junk. Requests the encoder refuses are fine; a request it accepts
must validate against the official ``send.json`` (draft-04). This is what "no malformed request
ever reaches the server" means, checked against the source of truth.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from framework.deriv import API_GUIDE_CALLS, DerivProtocol, LocalProtocolError, get_call
from tests.schemas import validator

junk = st.none() | st.booleans() | st.integers(-5, 5) | st.floats(-10, 10) | st.text(max_size=8)


def _regex_strategy(pattern: str) -> st.SearchStrategy[str]:
    try:
        re.compile(pattern)
        return st.from_regex(pattern, fullmatch=True)
    except Exception:
        return st.text(max_size=20)


def value_for(schema: Mapping[str, Any], depth: int = 0) -> st.SearchStrategy[Any]:
    """A strategy of mostly valid values for ``schema``, with some invalid ones mixed in."""
    options: list[st.SearchStrategy[Any]] = []
    if "enum" in schema:
        options.append(st.sampled_from(schema["enum"]))
    for alternative in schema.get("oneOf", []) + schema.get("anyOf", []):
        options.append(value_for(alternative, depth + 1))
    declared = schema.get("type")
    types = [declared] if isinstance(declared, str) else list(declared or [])
    for kind in types:
        if kind == "string":
            pattern = schema.get("pattern")
            options.append(_regex_strategy(pattern) if pattern else st.text(max_size=20))
        elif kind == "integer":
            options.append(st.integers(schema.get("minimum", -10), schema.get("maximum", 10**6)))
        elif kind == "number":
            options.append(st.floats(0, 1000, allow_nan=False) | st.integers(0, 1000))
        elif kind == "array" and depth < 3:
            item = schema.get("items", {})
            options.append(st.lists(value_for(item, depth + 1), max_size=3))
        elif kind == "object" and depth < 3:
            options.append(object_for(schema, depth + 1))
        elif kind == "null":
            options.append(st.none())
    if not options:
        options.append(junk)
    return st.one_of(*options) | junk if depth == 0 else st.one_of(*options)


def object_for(schema: Mapping[str, Any], depth: int = 0) -> st.SearchStrategy[dict[str, Any]]:
    properties: Mapping[str, Any] = schema.get("properties", {})
    required = set(schema.get("required", ()))
    fixed = {name: value_for(sub, depth) for name, sub in properties.items() if name in required}
    optional = {
        name: value_for(sub, depth) for name, sub in properties.items() if name not in required
    }
    return st.fixed_dictionaries(fixed, optional=optional)


@pytest.mark.parametrize("call", API_GUIDE_CALLS)
def test_accepted_requests_validate_against_send_json(call: str) -> None:
    official = validator(call, "send")
    spec = get_call(call)
    request_fields = {k: v for k, v in spec.request["properties"].items() if k != "req_id"}
    strategy = object_for({**spec.request, "properties": request_fields})
    accepted = 0

    @given(strategy)
    @settings(
        max_examples=60,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    def check(fields: dict[str, Any]) -> None:
        nonlocal accepted
        try:
            request = DerivProtocol().request(call, fields)
        except LocalProtocolError:
            return
        accepted += 1
        errors = [error.message for error in official.iter_errors(dict(request.payload))]
        assert not errors, f"encoder accepted {request.payload!r}; send.json says {errors}"

    check()
    assert accepted, f"no generated {call} request was accepted: the test proves nothing"
