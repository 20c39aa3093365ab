"""A small validator for the JSON-schema subset the Deriv request schemas use.

The encoder uses it strictly (what leaves the client must match the schema exactly); the
simulator uses it with ``coerce=True`` like the real server, which accepts ``"1"`` for ``1``.
Messages follow the wording of the Perl validator the production server runs, so that the
simulator's ``InputValidationFailed`` details read like the real ones.

Supported keywords: type, enum, const, pattern, minLength, maxLength, minimum, maximum,
exclusiveMinimum, exclusiveMaximum, properties, patternProperties, additionalProperties,
required, minProperties, maxProperties, items, minItems, maxItems, uniqueItems, anyOf, oneOf,
allOf, if/then/else.

:func:`is_valid` answers only "would :func:`validate` find nothing?", for the encoder, which
checks every request before it is sent (a buy among them, on the way from a tick to a
trade): each schema is turned once into a predicate with its keywords looked up in advance,
several times faster than walking the schema. A node with a keyword the predicates do not
handle (anyOf, oneOf, allOf, if, uniqueItems, patternProperties) is answered by
:func:`validate` itself, so the two cannot disagree; the messages always come from
:func:`validate`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache
from typing import Any

import attrs
import regex

__all__ = ["Problem", "compile_pattern", "is_valid", "validate"]


@attrs.frozen
class Problem:
    """One reason a value does not match its schema.

    Attributes:
        path: dotted path of the offending value (``""`` for the whole request,
            ``"limit_order.take_profit"``, ``"ticks[2]"``).
        message: what is wrong, in the server's words.
    """

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


_JSON_TYPE_OF = {
    bool: "boolean",
    int: "integer",
    float: "number",
    str: "string",
    list: "array",
    dict: "object",
    type(None): "null",
}


@lru_cache(maxsize=1024)
def compile_pattern(pattern: str) -> regex.Pattern[str]:
    """Compile a schema pattern (a Perl regex) once; cached."""
    # The schemas' patterns are Perl regexes (``\p{L}``) that the stdlib ``re``
    # cannot compile; the ``regex`` module speaks that dialect.
    # ``\x{b0}`` (Perl's braced hex escape) is not understood by either: rewrite it.
    return regex.compile(_PERL_HEX.sub(lambda m: f"\\U{int(m[1], 16):08x}", pattern))


_PERL_HEX = regex.compile(r"\\x\{([0-9a-fA-F]{1,6})\}")


def _json_type(value: Any) -> str:
    return _JSON_TYPE_OF.get(type(value), type(value).__name__)


def _matches_type(value: Any, expected: str) -> bool:
    if expected == "integer":
        # Draft-04 (the schemas' dialect): 1.0 is a number, not an integer.
        return type(value) is int
    if expected == "number":
        return type(value) in (int, float)
    return _json_type(value) == expected


_INT_TEXT = re.compile(r"^[+-]?[0-9]+$")
_NUMBER_TEXT = re.compile(r"^[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$")


def _coerce(value: Any, expected: str) -> tuple[bool, Any]:
    """Convert ``value`` to ``expected`` the way the server does, if it can."""
    if expected == "integer" and isinstance(value, str) and _INT_TEXT.match(value):
        return True, int(value)
    if expected == "integer" and type(value) is float and value.is_integer():
        return True, int(value)
    if expected == "number" and isinstance(value, str) and _NUMBER_TEXT.match(value):
        number = float(value)
        return True, int(number) if number.is_integer() and "." not in value else number
    if expected == "string" and type(value) in (int, float):
        return True, str(value)
    if expected == "boolean" and value in (0, 1, "0", "1", "true", "false"):
        return True, value in (1, "1", "true")
    return False, value


def _join(path: str, name: str | int) -> str:
    if isinstance(name, int):
        return f"{path}[{name}]"
    return f"{path}.{name}" if path else name


def validate(
    schema: Mapping[str, Any], value: Any, *, coerce: bool = False, path: str = ""
) -> tuple[Any, list[Problem]]:
    """Check ``value`` against ``schema``.

    Args:
        schema: a compact schema from the call table.
        value: the decoded JSON value.
        coerce: convert numeric strings and numbers to the declared type, as the server does.
        path: where ``value`` sits in the request, for messages.

    Returns:
        The value (coerced when asked) and the list of problems; an empty list means valid.
    """
    problems: list[Problem] = []
    value = _check(schema, value, coerce, path, problems)
    return value, problems


def _check(
    schema: Mapping[str, Any], value: Any, coerce: bool, path: str, out: list[Problem]
) -> Any:
    declared = schema.get("type")
    if declared is not None:
        types = [declared] if isinstance(declared, str) else list(declared)
        if not any(_matches_type(value, t) for t in types):
            converted = False
            if coerce:
                for t in types:
                    converted, new_value = _coerce(value, t)
                    if converted:
                        value = new_value
                        break
            if not converted:
                expected = "/".join(types)
                out.append(Problem(path, f"Expected {expected} - got {_json_type(value)}."))
                return value

    if "const" in schema and value != schema["const"]:
        out.append(Problem(path, f"Does not match const: {schema['const']}."))
    if "enum" in schema:
        allowed = schema["enum"]
        if not any(value == item and type(value) is type(item) for item in allowed):
            coerced = False
            if coerce:
                for item in allowed:
                    if str(item) == str(value):
                        value, coerced = item, True
                        break
            if not coerced:
                listed = ", ".join(str(item) for item in allowed)
                out.append(Problem(path, f"Not in enum list: {listed}."))

    if isinstance(value, str):
        _check_string(schema, value, path, out)
    elif type(value) in (int, float):
        _check_number(schema, value, path, out)
    elif isinstance(value, list):
        value = _check_array(schema, value, coerce, path, out)
    elif isinstance(value, dict):
        value = _check_object(schema, value, coerce, path, out)

    for key in ("anyOf", "oneOf"):
        if key in schema:
            value = _check_alternatives(key, schema[key], value, coerce, path, out)
    for sub in schema.get("allOf", ()):
        value = _check(sub, value, coerce, path, out)
    if "if" in schema:
        _, failed = validate(schema["if"], value, coerce=coerce, path=path)
        branch = schema.get("else" if failed else "then")
        if branch is not None:
            value = _check(branch, value, coerce, path, out)
    return value


def _check_string(schema: Mapping[str, Any], value: str, path: str, out: list[Problem]) -> None:
    if "minLength" in schema and len(value) < schema["minLength"]:
        out.append(Problem(path, f"String is too short: {len(value)}/{schema['minLength']}."))
    if "maxLength" in schema and len(value) > schema["maxLength"]:
        out.append(Problem(path, f"String is too long: {len(value)}/{schema['maxLength']}."))
    if "pattern" in schema and not compile_pattern(schema["pattern"]).search(value):
        out.append(Problem(path, f"String does not match {schema['pattern']}."))


def _check_number(schema: Mapping[str, Any], value: float, path: str, out: list[Problem]) -> None:
    if "minimum" in schema:
        low = schema["minimum"]
        exclusive = schema.get("exclusiveMinimum") is True
        if value < low or (exclusive and value == low):
            out.append(Problem(path, f"{value} < minimum({low})"))
    if "maximum" in schema:
        high = schema["maximum"]
        exclusive = schema.get("exclusiveMaximum") is True
        if value > high or (exclusive and value == high):
            out.append(Problem(path, f"{value} > maximum({high})"))


def _check_array(
    schema: Mapping[str, Any], value: list[Any], coerce: bool, path: str, out: list[Problem]
) -> list[Any]:
    if "minItems" in schema and len(value) < schema["minItems"]:
        out.append(Problem(path, f"Not enough items: {len(value)}/{schema['minItems']}."))
    if "maxItems" in schema and len(value) > schema["maxItems"]:
        out.append(Problem(path, f"Too many items: {len(value)}/{schema['maxItems']}."))
    items = schema.get("items")
    if isinstance(items, Mapping):
        value = [_check(items, item, coerce, _join(path, i), out) for i, item in enumerate(value)]
    if schema.get("uniqueItems"):
        seen: list[Any] = []
        for item in value:
            if item in seen:
                out.append(Problem(path, "Unique items required."))
                break
            seen.append(item)
    return value


def _check_object(
    schema: Mapping[str, Any],
    value: dict[str, Any],
    coerce: bool,
    path: str,
    out: list[Problem],
) -> dict[str, Any]:
    properties: Mapping[str, Any] = schema.get("properties", {})
    pattern_properties: Mapping[str, Any] = schema.get("patternProperties", {})
    additional = schema.get("additionalProperties", True)
    result = dict(value)
    for name in schema.get("required", ()):
        if name not in value:
            out.append(Problem(_join(path, name), "Missing property."))
    for name, item in value.items():
        where = _join(path, name)
        if name in properties:
            result[name] = _check(properties[name], item, coerce, where, out)
            continue
        matched = [
            sub for pat, sub in pattern_properties.items() if compile_pattern(pat).search(name)
        ]
        for sub in matched:
            result[name] = _check(sub, item, coerce, where, out)
        if matched:
            continue
        if additional is False:
            out.append(Problem(where, "Properties not allowed."))
        elif isinstance(additional, Mapping):
            result[name] = _check(additional, item, coerce, where, out)
    if "minProperties" in schema and len(value) < schema["minProperties"]:
        out.append(Problem(path, f"Not enough properties: {len(value)}/{schema['minProperties']}."))
    if "maxProperties" in schema and len(value) > schema["maxProperties"]:
        out.append(Problem(path, f"Too many properties: {len(value)}/{schema['maxProperties']}."))
    return result


def _check_alternatives(
    key: str,
    alternatives: list[Mapping[str, Any]],
    value: Any,
    coerce: bool,
    path: str,
    out: list[Problem],
) -> Any:
    passing: list[Any] = []
    first_failure: list[Problem] = []
    for alternative in alternatives:
        candidate, problems = validate(alternative, value, coerce=coerce, path=path)
        if problems:
            first_failure = first_failure or problems
        else:
            passing.append(candidate)
    if not passing:
        out.extend(first_failure or [Problem(path, f"{key} failed.")])
        return value
    if key == "oneOf" and len(passing) > 1:
        out.append(Problem(path, "oneOf rules 0, 1 match."))
    return passing[0]


# ---------------------------------------------------------------------- predicates

Predicate = Callable[[Any], bool]

#: Keywords a predicate decides by itself; ``sensitive`` and ``default`` are annotations.
_PREDICATE_KEYWORDS = frozenset(
    {
        "type",
        "enum",
        "const",
        "pattern",
        "minLength",
        "maxLength",
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "exclusiveMaximum",
        "properties",
        "additionalProperties",
        "required",
        "minProperties",
        "maxProperties",
        "items",
        "minItems",
        "maxItems",
        "sensitive",
        "default",
    }
)

# id(schema) -> (schema, predicate); the schema is kept so that its id stays its own.
_PREDICATES: dict[int, tuple[Mapping[str, Any], Predicate]] = {}


def is_valid(schema: Mapping[str, Any], value: Any) -> bool:
    """Whether ``validate(schema, value)`` (strict) would find no problem.

    For schemas that live as long as the process (the call table's): each is compiled once.
    """
    entry = _PREDICATES.get(id(schema))
    if entry is None or entry[0] is not schema:
        entry = (schema, _predicate(schema))
        _PREDICATES[id(schema)] = entry
    return entry[1](value)


def _predicate(schema: Mapping[str, Any]) -> Predicate:
    if not _PREDICATE_KEYWORDS.issuperset(schema):
        return lambda value: not validate(schema, value)[1]
    declared = schema.get("type")
    types = () if declared is None else (declared,) if isinstance(declared, str) else declared
    exact = _exact_types(tuple(types))
    has_const, const = "const" in schema, schema.get("const")
    enum = schema.get("enum")
    string_ok = _string_predicate(schema)
    number_ok = _number_predicate(schema)
    array_ok = _array_predicate(schema)
    object_ok = _object_predicate(schema)
    if not has_const and enum is None and array_ok is None and object_ok is None:
        leaf = _leaf_predicate(exact, string_ok, number_ok)
        if leaf is not None:
            return leaf
    in_enum = None if enum is None else _enum_predicate(enum)

    def check(value: Any) -> bool:
        if exact is not None and type(value) not in exact:
            return False
        if has_const and value != const:
            return False
        if in_enum is not None and not in_enum(value):
            return False
        if isinstance(value, str):
            return string_ok is None or string_ok(value)
        kind = type(value)
        if kind is int or kind is float:
            return number_ok is None or number_ok(value)
        if isinstance(value, list):
            return array_ok is None or array_ok(value)
        if isinstance(value, dict):
            return object_ok is None or object_ok(value)
        return True

    return check


def _exact_types(types: tuple[str, ...]) -> frozenset[type] | None:
    """The Python types a value of these JSON types has; ``None`` when any will do."""
    if not types:
        return None
    exact = {kind for kind, name in _JSON_TYPE_OF.items() if name in types}
    if "number" in types:
        exact.add(int)  # an integer is a number too (a float already is one)
    # The same as _matches_type: exact types, so True is not an integer, an OrderedDict no
    # object.
    return frozenset(exact)


_STRING_ONLY = frozenset({str})
_NUMBERS = frozenset({int, float})
_SCALARS = frozenset({str, int, float, bool, type(None)})


def _leaf_predicate(
    exact: frozenset[type] | None,
    string_ok: Callable[[str], bool] | None,
    number_ok: Callable[[float], bool] | None,
) -> Predicate | None:
    """One test for the common leaves (a type, and a string's or a number's bounds).

    Most fields of a request are such a leaf and each is checked on every request: one
    closure instead of the general one's chain of branches. ``None`` for any other schema.
    """
    if string_ok is None and number_ok is None:
        if exact is None:
            return lambda value: True
        return lambda value: type(value) in exact
    if exact == _STRING_ONLY and number_ok is None:
        string_only = string_ok
        assert string_only is not None
        return lambda value: type(value) is str and string_only(value)
    if exact is not None and exact <= _NUMBERS and string_ok is None:
        number_only = number_ok
        assert number_only is not None
        return lambda value: type(value) in exact and number_only(value)
    return None


def _enum_predicate(enum: Sequence[Any]) -> Predicate:
    """Whether a value is one of ``enum``: equal to an item and of its very type.

    A scalar is looked up in a set of (type, item) pairs rather than compared with every
    item (``contract_type`` has forty). Not when an item cannot be hashed, nor when one is
    a NaN (a set finds the very same NaN by identity, where ``==`` never holds).
    """
    keys: frozenset[tuple[type, Any]] | None
    try:
        keys = frozenset((type(item), item) for item in enum)
    except TypeError:  # an unhashable item (a list, an object)
        keys = None
    if any(type(item) is float and item != item for item in enum):
        keys = None

    def member(value: Any) -> bool:
        kind = type(value)
        if keys is not None and kind in _SCALARS:
            return (kind, value) in keys
        return any(value == item and kind is type(item) for item in enum)

    return member


def _string_predicate(schema: Mapping[str, Any]) -> Callable[[str], bool] | None:
    low = schema.get("minLength")
    high = schema.get("maxLength")
    pattern = compile_pattern(schema["pattern"]) if "pattern" in schema else None
    if low is None and high is None and pattern is None:
        return None

    def check(value: str) -> bool:
        if low is not None and len(value) < low:
            return False
        if high is not None and len(value) > high:
            return False
        return pattern is None or pattern.search(value) is not None

    return check


def _number_predicate(schema: Mapping[str, Any]) -> Callable[[float], bool] | None:
    low = schema.get("minimum")
    high = schema.get("maximum")
    if low is None and high is None:
        return None
    low_open = schema.get("exclusiveMinimum") is True
    high_open = schema.get("exclusiveMaximum") is True

    def check(value: float) -> bool:
        if low is not None and (value < low or (low_open and value == low)):
            return False
        return high is None or not (value > high or (high_open and value == high))

    return check


def _array_predicate(schema: Mapping[str, Any]) -> Callable[[list[Any]], bool] | None:
    low = schema.get("minItems")
    high = schema.get("maxItems")
    items = schema.get("items")
    item_ok = _predicate(items) if isinstance(items, Mapping) else None
    if low is None and high is None and item_ok is None:
        return None

    def check(value: list[Any]) -> bool:
        if low is not None and len(value) < low:
            return False
        if high is not None and len(value) > high:
            return False
        return item_ok is None or all(item_ok(item) for item in value)

    return check


def _object_predicate(schema: Mapping[str, Any]) -> Callable[[dict[str, Any]], bool] | None:
    properties = {name: _predicate(sub) for name, sub in schema.get("properties", {}).items()}
    additional = schema.get("additionalProperties", True)
    closed = additional is False
    other_ok = _predicate(additional) if isinstance(additional, Mapping) else None
    required = tuple(schema.get("required", ()))
    low = schema.get("minProperties")
    high = schema.get("maxProperties")
    if not (properties or closed or other_ok or required) and low is None and high is None:
        return None

    def check(value: dict[str, Any]) -> bool:
        for name in required:
            if name not in value:
                return False
        for name, item in value.items():
            item_ok = properties.get(name)
            if item_ok is None:
                if closed:
                    return False
                item_ok = other_ok
                if item_ok is None:
                    continue
            if not item_ok(item):
                return False
        if low is not None and len(value) < low:
            return False
        return high is None or len(value) <= high

    return check
