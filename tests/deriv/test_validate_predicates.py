"""The encoder's compiled predicates say "valid" exactly when the validator finds nothing."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from framework.deriv import API_GUIDE_CALLS, get_call
from framework.deriv.validate import is_valid, validate
from tests.deriv.test_send_conformance import junk, object_for


def _agrees(schema: Mapping[str, Any], value: Any) -> bool:
    """Assert the predicate and the validator agree on ``value``; return the verdict."""
    expected = not validate(schema, value)[1]
    assert is_valid(schema, value) is expected, (schema, value)
    return expected


verdicts = {True: 0, False: 0}


@pytest.mark.parametrize("call", API_GUIDE_CALLS)
def test_requests_of_every_guide_call(call: str) -> None:
    schema = get_call(call).request

    @given(object_for(schema) | junk)
    @settings(
        max_examples=40,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    def check(value: Any) -> None:
        _agrees(schema, value)

    check()


def test_the_draws_hold_both_valid_and_invalid_requests() -> None:
    # The comparison above means something only if both verdicts occur often: count them
    # over one derandomised draw across every call (self-contained: the suite runs spread
    # over processes, so the other tests' draws are not all seen from here).
    verdicts = {True: 0, False: 0}
    requests = st.sampled_from(API_GUIDE_CALLS).flatmap(
        lambda call: st.tuples(st.just(call), object_for(get_call(call).request) | junk)
    )

    @given(requests)
    @settings(
        max_examples=400,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    def check(drawn: tuple[str, Any]) -> None:
        call, value = drawn
        verdicts[_agrees(get_call(call).request, value)] += 1

    check()
    assert verdicts[True] >= 20 and verdicts[False] >= 20, verdicts


NAN = float("nan")
BUY = {"buy": "1", "price": 10, "parameters": {"contract_type": "CALL", "currency": "USD"}}


@pytest.mark.parametrize(
    ("schema", "value"),
    [
        ({"type": "integer"}, True),  # a bool is not an integer
        ({"type": "integer"}, 1.0),  # draft-04: 1.0 is a number, not an integer
        ({"type": "number"}, 1),
        ({"type": ["string", "null"]}, None),
        ({"type": "string"}, type("Text", (str,), {})("x")),  # exact types only
        ({"type": "object"}, OrderedDict()),
        ({"enum": [1, "a"]}, True),  # 1 == True, but not the same type
        ({"enum": [1, "a"]}, 1),
        ({"const": 5}, 5.0),
        ({"const": 5}, 6),
        ({"minimum": 0, "exclusiveMinimum": True}, 0),
        ({"minimum": 0, "exclusiveMinimum": True}, 0.5),
        ({"maximum": 3}, 3),
        ({"maximum": 3, "exclusiveMaximum": True}, 3),
        ({"minLength": 2, "maxLength": 3}, "a"),
        ({"minLength": 2, "maxLength": 3}, "abcd"),
        ({"minLength": 2, "maxLength": 3}, "abc"),
        ({"pattern": "^[A-Z]+$"}, "abc"),
        ({"pattern": "^[A-Z]+$"}, 5),  # not a string: the pattern does not apply
        ({"minItems": 1, "maxItems": 2, "items": {"type": "integer"}}, []),
        ({"minItems": 1, "maxItems": 2, "items": {"type": "integer"}}, [1, 2, 3]),
        ({"minItems": 1, "maxItems": 2, "items": {"type": "integer"}}, [1, "2"]),
        ({"minItems": 1, "maxItems": 2, "items": {"type": "integer"}}, [1, 2]),
        ({"required": ["a"], "properties": {"a": {"type": "integer"}}}, {"b": 1}),
        ({"properties": {"a": {"type": "integer"}}, "additionalProperties": False}, {"b": 1}),
        ({"additionalProperties": {"type": "integer"}}, {"b": "1"}),
        ({"additionalProperties": {"type": "integer"}}, {"b": 1}),
        ({"minProperties": 1, "maxProperties": 1}, {}),
        ({"minProperties": 1, "maxProperties": 1}, {"a": 1, "b": 2}),
        ({"minProperties": 1, "maxProperties": 1}, {"a": 1}),
        ({"uniqueItems": True}, [1, 1]),  # answered by the validator itself
        ({"anyOf": [{"type": "integer"}, {"type": "string"}]}, 1.5),
        ({"type": "string", "sensitive": 1, "default": "x"}, "y"),  # annotations only
        # Enums: looked up by (type, item) where the items can be hashed, compared otherwise.
        ({"enum": [1, "a"]}, 1.0),  # equal, not the same type
        ({"enum": [True, 0]}, 1),
        ({"enum": [True, 0]}, False),
        ({"enum": [True, 0]}, 0),
        ({"enum": [0.0]}, -0.0),
        ({"enum": ["CALL", "PUT"]}, "PUTT"),
        ({"enum": [[1], "a"]}, [1]),  # an item that cannot be hashed
        ({"enum": [[1], "a"]}, "a"),
        ({"enum": [[1], "a"]}, [1.0]),
        ({"enum": [NAN, 1.0]}, NAN),  # the very same NaN still equals nothing
        ({"enum": [NAN, 1.0]}, 1.0),
        ({"type": "integer", "enum": [1, 2]}, 2),
        ({"type": "integer", "enum": [1, 2]}, 3),
        # Leaves: a type and a string's or number's bounds, in one test.
        ({}, {"anything": [1]}),
        ({"type": ["number", "null"], "minimum": 0}, None),  # the bound is not a null's
        ({"type": ["number", "null"], "minimum": 0}, -1),
        ({"type": "number", "minimum": 0}, -0.5),
        ({"type": "number", "minimum": 0}, "5"),
        ({"type": "integer", "maximum": 3}, True),
        ({"type": "string", "pattern": "^a"}, "ab"),
        ({"type": "string", "pattern": "^a"}, "ba"),
        ({"type": "string", "maxLength": 1}, 5),
        ({"type": ["string", "null"], "maxLength": 1}, None),
        ({"type": ["string", "integer"], "maxLength": 1, "minimum": 2}, 1),
        ({"type": ["string", "integer"], "maxLength": 1, "minimum": 2}, "ab"),
        ({"type": ["string", "integer"], "maxLength": 1, "minimum": 2}, 2),
        ({"maxLength": 1}, type("Text", (str,), {})("ab")),  # no type: the bound still holds
        (get_call("buy").request, BUY),
        (get_call("buy").request, {**BUY, "price": -1}),
        (get_call("buy").request, {**BUY, "parameters": {"currency": "USD"}}),
    ],
)
def test_each_keyword(schema: Mapping[str, Any], value: Any) -> None:
    _agrees(schema, value)


@given(st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(), st.lists))
def test_any_value_against_a_closed_object(value: Any) -> None:
    _agrees({"type": "object", "properties": {"a": {}}, "additionalProperties": False}, value)
