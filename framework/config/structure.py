"""Turn plain YAML data into attrs instances, collecting every problem with its path.

Why not cattrs: its detailed validation reports an attrs validator's failure at the class's
path without the message, and skips validators entirely when a sibling field has a type
error, so one run cannot list every problem. Here each field is structured and validated on
its own, so a config with a type error, a range error and an unknown key gets all three
reported at once, each at its own ``path`` (which the loader turns into ``file:line``).

Supported field types: ``int``, ``float`` (ints accepted, finite only), ``str``, ``bool``,
``pathlib.Path``, ``Literal[...]``, ``X | None``, unions of attrs classes tagged by a common
``Literal`` field (``scheme: martingale``), unions of scalars and one attrs class (``60``
or ``{granularity: 60, history: 50}``: a mapping is the class), ``tuple[X, ...]``,
``dict[str, X]``, nested attrs classes and ``Any`` (passed through). A field with a
``converter`` is checked against the converter's parameter type. Field metadata
``{"hint": "..."}`` is appended to that field's type errors; ``{"internal": True}`` marks
a field YAML cannot set; ``{"config_type": T}`` narrows what YAML may give to ``T`` (a
class shared with Python callers can take more than a config should).

Scalars are strict: ``"10"`` is not an int and ``1`` is not a bool; YAML 1.1 leftovers
(``no``, ``1:30``) reach here as strings and are named as such.
"""

from __future__ import annotations

import inspect
import math
import re
import types
import typing
from pathlib import Path
from typing import Any, Literal, Union

import attrs

from .yamlload import Path_

__all__ = ["INVALID", "Problem", "describe", "structure"]

#: A problem: the value's path and a message.
Problem = tuple[Path_, str]


class _Invalid:
    def __repr__(self) -> str:
        return "INVALID"


#: Returned in place of a value that had problems.
INVALID: Any = _Invalid()

_NONE = type(None)
_ATTRS_MSG = re.compile(r"^'(\w+)' must be (.+?): (.+)$", re.DOTALL)
_ATTRS_LEN = re.compile(r"^Length of '\w+' must be (>=|<=) (\d+): (\d+)$")


def describe(value: Any) -> str:
    """Name a value for a message: ``'ten'``, ``1.5``, ``null``, ``a list``, ``a mapping``."""
    if value is None:
        return "null"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _type_name(tp: Any) -> str:
    if tp is _NONE:
        return "null"
    if tp is Path:
        return "path"
    if tp is float:
        return "number"
    if typing.get_origin(tp) is Literal:
        return "one of " + ", ".join(repr(choice) for choice in typing.get_args(tp))
    if typing.get_origin(tp) in (Union, types.UnionType):
        return " or ".join(_type_name(arg) for arg in typing.get_args(tp) if arg is not _NONE)
    if typing.get_origin(tp) in (tuple, list):
        return "a list"
    if typing.get_origin(tp) is dict or attrs.has(tp):
        return "a mapping"
    return getattr(tp, "__name__", str(tp))


def _field_types(cls: type) -> dict[str, Any]:
    hints = typing.get_type_hints(cls)
    types_: dict[str, Any] = {}
    for field in attrs.fields(cls):
        tp = hints.get(field.name, Any)
        conv = field.converter
        if conv is not None and not isinstance(conv, attrs.Converter):
            try:
                params = list(inspect.signature(conv).parameters.values())
                conv_hints = typing.get_type_hints(conv)
            except (TypeError, ValueError, NameError):
                params, conv_hints = [], {}
            if params and params[0].name in conv_hints:
                tp = conv_hints[params[0].name]
        types_[field.name] = field.metadata.get("config_type", tp)
    return types_


class _Structurer:
    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def error(self, path: Path_, message: str) -> Any:
        self.problems.append((path, message))
        return INVALID

    def type_error(self, path: Path_, tp: Any, value: Any, hint: str = "") -> Any:
        message = f"expected {_type_name(tp)}, got {describe(value)}"
        return self.error(path, f"{message} ({hint})" if hint else message)

    def value(self, value: Any, tp: Any, path: Path_, hint: str = "") -> Any:
        if tp is Any:
            return value
        origin = typing.get_origin(tp)
        if origin is Literal:
            choices = typing.get_args(tp)
            if any(value == c and type(value) is type(c) for c in choices):
                return value
            return self.type_error(path, tp, value, hint)
        if origin in (Union, types.UnionType):
            return self.union(value, tp, path, hint)
        if origin is tuple or origin is list:
            return self.sequence(value, tp, path, hint)
        if origin is dict:
            return self.mapping(value, tp, path, hint)
        if attrs.has(tp):
            return self.instance(value, tp, path)
        return self.scalar(value, tp, path, hint)

    def scalar(self, value: Any, tp: Any, path: Path_, hint: str) -> Any:
        kind = type(value)
        if tp is int:
            if kind is int:
                return value
        elif tp is float:
            if kind in (int, float):
                if not math.isfinite(value):
                    return self.error(path, f"expected a finite number, got {value!r}")
                return float(value)
        elif tp is str or tp is bool:
            if kind is tp:
                return value
        elif tp is Path:
            if kind is str and value:
                return Path(value).expanduser()
        elif tp is _NONE:
            if value is None:
                return None
        else:  # pragma: no cover - a config class with a type this module does not know
            raise TypeError(f"unsupported config type {tp!r} at {path}")
        return self.type_error(path, tp, value, hint)

    def union(self, value: Any, tp: Any, path: Path_, hint: str) -> Any:
        args = typing.get_args(tp)
        if value is None:
            return None if _NONE in args else self.type_error(path, tp, value, hint)
        members = [arg for arg in args if arg is not _NONE]
        if len(members) == 1:
            return self.value(value, members[0], path, hint)
        if all(attrs.has(m) for m in members):
            return self.tagged(value, members, path)
        classes = [m for m in members if attrs.has(m)]
        if len(classes) == 1 and isinstance(value, dict):
            # A mapping can only be the class: its own problems say more than "expected X".
            return self.instance(value, classes[0], path)
        for member in members:
            probe = _Structurer()
            result = probe.value(value, member, path)
            if not probe.problems:
                return result
        return self.type_error(path, tp, value, hint)

    def tagged(self, value: Any, members: list[type], path: Path_) -> Any:
        if not isinstance(value, dict):
            return self.error(path, f"expected a mapping, got {describe(value)}")
        tag_field, by_tag = _tags(members)
        tag = value.get(tag_field)
        if tag is None:
            choices = ", ".join(repr(t) for t in by_tag)
            return self.error((*path, tag_field), f"required key missing (one of {choices})")
        cls = by_tag.get(tag) if isinstance(tag, str) else None
        if cls is None:
            choices = ", ".join(repr(t) for t in by_tag)
            return self.error((*path, tag_field), f"expected one of {choices}, got {tag!r}")
        return self.instance(value, cls, path)

    def sequence(self, value: Any, tp: Any, path: Path_, hint: str) -> Any:
        if not isinstance(value, list):
            return self.type_error(path, tp, value, hint)
        args = typing.get_args(tp)
        item_tp = args[0] if args else Any
        items = [self.value(item, item_tp, (*path, i)) for i, item in enumerate(value)]
        if any(item is INVALID for item in items):
            return INVALID
        return tuple(items) if typing.get_origin(tp) is tuple else items

    def mapping(self, value: Any, tp: Any, path: Path_, hint: str) -> Any:
        if not isinstance(value, dict):
            return self.type_error(path, tp, value, hint)
        key_tp, value_tp = typing.get_args(tp) or (Any, Any)
        out = {}
        for key, item in value.items():
            if key_tp is str and type(key) is not str:
                self.error((*path, str(key)), f"keys must be strings, got {describe(key)}")
                continue
            out[key] = self.value(item, value_tp, (*path, key))
        return INVALID if any(v is INVALID for v in out.values()) else out

    def instance(self, value: Any, cls: type, path: Path_) -> Any:
        if value is None:
            value = {}
        if not isinstance(value, dict):
            return self.error(path, f"expected a mapping, got {describe(value)}")
        fields = {f.name: f for f in attrs.fields(cls) if not f.metadata.get("internal")}
        hints = _field_types(cls)
        before = len(self.problems)
        for key in value:
            if key not in fields:
                known = ", ".join(sorted(fields))
                self.error((*path, str(key)), f"unknown key (expected one of: {known})")
        kwargs: dict[str, Any] = {}
        for name, field in fields.items():
            if name not in value:
                if field.default is attrs.NOTHING:
                    self.error((*path, name), "required key missing")
                continue
            hint = field.metadata.get("hint", "")
            item = self.value(value[name], hints[name], (*path, name), hint)
            if item is INVALID:
                continue
            if (
                field.validator is not None and self._validate(field, item, (*path, name))
            ) or field.validator is None:
                kwargs[field.alias or name] = item
        if len(self.problems) > before:
            return INVALID
        try:
            return cls(**kwargs)
        except (ValueError, TypeError) as exc:  # a cross-field check in the class itself
            return self.error(path, _message(exc))

    def _validate(self, field: attrs.Attribute[Any], item: Any, path: Path_) -> bool:
        try:
            # Field validators get no instance: the other fields are not built yet.
            field.validator(None, field, item)  # type: ignore[misc]
        except (ValueError, TypeError) as exc:
            self.error(path, _message(exc))
            return False
        except AttributeError:
            pass  # a validator that reads other fields: the constructor runs it below
        return True


def _message(exc: Exception) -> str:
    text = str(exc.args[0]) if exc.args else str(exc) or type(exc).__name__
    match = _ATTRS_MSG.match(text)
    if match:  # attrs' own wording: "'window' must be >= 2: 1"
        return f"must be {match.group(2)}, got {match.group(3)}"
    match = _ATTRS_LEN.match(text)
    if match:  # "Length of 'symbols' must be >= 1: 0"
        bound = "at least" if match.group(1) == ">=" else "at most"
        items = "item" if match.group(2) == "1" else "items"
        return f"must have {bound} {match.group(2)} {items}, got {match.group(3)}"
    return text


def _tags(members: list[type]) -> tuple[str, dict[str, type]]:
    hints = [typing.get_type_hints(m) for m in members]
    common = set(hints[0]).intersection(*hints[1:])
    for name in sorted(common):
        tags: dict[str, type] = {}
        for member, hint in zip(members, hints, strict=True):
            if typing.get_origin(hint[name]) is not Literal:
                break
            for choice in typing.get_args(hint[name]):
                tags[choice] = member
        else:
            return name, tags
    raise TypeError(f"union of {members} has no common Literal tag field")


def structure(value: Any, tp: Any, path: Path_ = ()) -> tuple[Any, list[Problem]]:
    """Structure ``value`` as ``tp``.

    Args:
        value: plain data (from YAML).
        tp: the target type, usually an attrs class.
        path: the path of ``value`` in the document (prefix of every problem's path).

    Returns:
        ``(result, problems)``; ``result`` is :data:`INVALID` when there are problems.
    """
    structurer = _Structurer()
    result = structurer.value(value, tp, path)
    return result, structurer.problems
