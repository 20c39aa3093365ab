"""The request validator keyword by keyword: what it accepts, coerces and says."""

from __future__ import annotations

from typing import Any

import pytest

from framework.deriv.validate import Problem, compile_pattern, validate


def said(schema: dict[str, Any], value: Any, *, coerce: bool = False) -> list[str]:
    """The problems, as the simulator prints them."""
    return [str(p) for p in validate(schema, value, coerce=coerce)[1]]


@pytest.mark.parametrize(
    ("schema", "value", "expected"),
    [
        ({"type": "integer"}, "12", 12),
        ({"type": "integer"}, "-3", -3),
        ({"type": "integer"}, 4.0, 4),
        ({"type": "number"}, "2.5", 2.5),
        ({"type": "number"}, "7", 7),
        ({"type": "number"}, "7.0", 7.0),
        ({"type": "number"}, ".5e1", 5.0),
        ({"type": "string"}, 5, "5"),
        ({"type": "string"}, 1.5, "1.5"),
        ({"type": "boolean"}, "true", True),
        ({"type": "boolean"}, 0, False),
        ({"type": ["null", "integer"]}, "9", 9),
        ({"enum": [1, 2]}, "2", 2),
        ({"type": "array", "items": {"type": "integer"}}, ["1", 2], [1, 2]),
        (
            {"type": "object", "additionalProperties": {"type": "integer"}},
            {"a": "1"},
            {"a": 1},
        ),
    ],
)
def test_coercion_follows_the_server(schema: dict[str, Any], value: Any, expected: Any) -> None:
    got, problems = validate(schema, value, coerce=True)
    assert problems == [] and got == expected and type(got) is type(expected)


@pytest.mark.parametrize(
    ("schema", "value"),
    [
        ({"type": "integer"}, "1.5"),
        ({"type": "integer"}, 1.5),
        ({"type": "number"}, "1e"),
        ({"type": "boolean"}, "yes"),
        ({"type": "string"}, None),
    ],
)
def test_what_cannot_be_coerced_is_a_type_error(schema: dict[str, Any], value: Any) -> None:
    problems = said(schema, value, coerce=True)
    assert len(problems) == 1 and problems[0].startswith(f"Expected {schema['type']} - got ")


def test_strict_mode_never_converts() -> None:
    assert said({"type": "integer"}, "1") == ["Expected integer - got string."]
    assert said({"type": "integer"}, 1.0) == ["Expected integer - got number."]
    assert said({"type": "integer"}, True) == ["Expected integer - got boolean."]
    assert said({"enum": [1, 2]}, "1") == ["Not in enum list: 1, 2."]


@pytest.mark.parametrize(
    ("schema", "value", "message"),
    [
        ({"const": "buy"}, "sell", "Does not match const: buy."),
        ({"minLength": 3}, "ab", "String is too short: 2/3."),
        ({"maxLength": 1}, "ab", "String is too long: 2/1."),
        ({"pattern": "^[A-Z]+$"}, "abc", "String does not match ^[A-Z]+$."),
        ({"minimum": 1}, 0, "0 < minimum(1)"),
        ({"minimum": 1, "exclusiveMinimum": True}, 1, "1 < minimum(1)"),
        ({"maximum": 5}, 6.5, "6.5 > maximum(5)"),
        ({"maximum": 5, "exclusiveMaximum": True}, 5, "5 > maximum(5)"),
        ({"minItems": 2}, [1], "Not enough items: 1/2."),
        ({"maxItems": 1}, [1, 2], "Too many items: 2/1."),
        ({"uniqueItems": True}, [1, 2, 1, 1], "Unique items required."),
        ({"minProperties": 2}, {"a": 1}, "Not enough properties: 1/2."),
        ({"maxProperties": 1}, {"a": 1, "b": 2}, "Too many properties: 2/1."),
        ({"anyOf": [{"type": "string"}, {"minimum": 10}]}, 3, "Expected string - got integer."),
        ({"oneOf": [{"minimum": 0}, {"maximum": 10}]}, 5, "oneOf rules 0, 1 match."),
        ({"oneOf": []}, 5, "oneOf failed."),
    ],
)
def test_each_keyword_in_the_servers_words(
    schema: dict[str, Any], value: Any, message: str
) -> None:
    assert said(schema, value) == [message]


def test_boundaries_that_pass() -> None:
    assert said({"minimum": 1, "maximum": 5}, 1) == []
    assert said({"minimum": 1, "maximum": 5}, 5) == []
    assert said({"uniqueItems": True}, [1, 2, 3]) == []
    assert said({"anyOf": [{"type": "string"}, {"minimum": 10}]}, 12) == []


def test_object_paths_name_the_offending_property() -> None:
    schema = {
        "type": "object",
        "required": ["buy", "price"],
        "properties": {"buy": {"type": "string"}, "ticks": {"items": {"type": "integer"}}},
        "patternProperties": {"^x_": {"type": "integer"}},
        "additionalProperties": False,
    }
    value = {"buy": 1, "ticks": [1, "two"], "x_id": "3", "other": 1}
    assert said(schema, value) == [
        "price: Missing property.",
        "buy: Expected string - got integer.",
        "ticks[1]: Expected integer - got string.",
        "x_id: Expected integer - got string.",
        "other: Properties not allowed.",
    ]
    nested = validate({"properties": {"a": {"required": ["b"]}}}, {"a": {}}, path="req")[1]
    assert nested == [Problem("req.a.b", "Missing property.")]


def test_all_of_and_if_then_else() -> None:
    schema = {
        "allOf": [{"minimum": 0}, {"maximum": 100}],
        "if": {"minimum": 50},
        "then": {"multipleOf_unsupported": 1, "maximum": 60},
        "else": {"minimum": 10},
    }
    assert said(schema, 55) == []
    assert said(schema, 70) == ["70 > maximum(60)"]
    assert said(schema, 5) == ["5 < minimum(10)"]
    assert said(schema, 200) == ["200 > maximum(100)", "200 > maximum(60)"]
    assert said({"if": {"minimum": 5}, "then": {"maximum": 6}}, 1) == []  # no else: nothing


def test_perl_hex_escapes_and_unicode_classes_in_patterns() -> None:
    assert compile_pattern(r"^[\x{b0}\p{L}]+$").search("°é")
    assert not compile_pattern(r"^[\x{b0}\p{L}]+$").search("1")
    assert compile_pattern(r"^a$") is compile_pattern(r"^a$")  # compiled once


def test_an_enum_value_no_coercion_can_fix() -> None:
    assert said({"enum": [1, 2]}, "3", coerce=True) == ["Not in enum list: 1, 2."]
