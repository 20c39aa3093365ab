"""``structure``: every supported field type, its problems and their paths, on small classes."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import attrs
import pytest

from framework.config.structure import INVALID, describe, structure


@attrs.frozen
class Limits:
    low: float = 0.0
    high: float = 1.0

    def __attrs_post_init__(self) -> None:
        if self.low > self.high:
            raise ValueError(f"low ({self.low}) must not exceed high ({self.high})")


@attrs.frozen
class Tagged1:
    kind: Literal["one"]
    size: int = 1


@attrs.frozen
class Tagged2:
    kind: Literal["two", "deux"]
    name: str = ""


def _needs_other(instance: Any, attribute: Any, value: int) -> None:
    # A validator that reads a sibling field: structure cannot run it without the instance.
    if value > instance.cap:
        raise ValueError("over the cap")


def _to_text(value: int | str) -> str:
    return str(value)


@attrs.frozen
class Doc:
    count: int = 0
    ratio: float = 0.5
    folder: Path | None = None
    mode: Literal["a", "b"] = "a"
    tags: tuple[str, ...] = ()
    weights: dict[str, float] = attrs.field(factory=dict)
    nothing: None = None
    either: int | str = 0
    shape: Tagged1 | Tagged2 | None = None
    limits: Limits = attrs.field(factory=Limits)
    level: int = attrs.field(default=0, validator=_needs_other)
    cap: int = 10
    label: str = attrs.field(default="", converter=_to_text)
    # A converter without a readable signature: the field's own type applies.
    whole: int = attrs.field(default=0, converter=int)


def problems_of(value: Any) -> list[tuple[tuple[str | int, ...], str]]:
    result, problems = structure(value, Doc)
    assert (result is INVALID) == bool(problems)
    return problems


def test_a_valid_document_builds_the_instance() -> None:
    doc, problems = structure(
        {
            "count": 3,
            "ratio": 2,
            "folder": "~/x",
            "tags": ["a"],
            "weights": {"w": 1},
            "nothing": None,
            "either": "text",
            "shape": {"kind": "deux", "name": "n"},
            "limits": None,
            "level": 5,
            "label": 7,
        },
        Doc,
    )
    assert problems == []
    assert doc.ratio == 2.0 and type(doc.ratio) is float
    assert doc.folder == Path("~/x").expanduser()
    assert doc.weights == {"w": 1.0} and doc.either == "text"
    assert doc.shape == Tagged2("deux", "n") and doc.limits == Limits()
    assert doc.label == "7"  # checked against the converter's parameter type, then converted


@pytest.mark.parametrize(
    ("value", "path", "message"),
    [
        ({"ratio": float("inf")}, ("ratio",), "expected a finite number, got inf"),
        ({"folder": ""}, ("folder",), "expected path, got ''"),
        ({"nothing": 0}, ("nothing",), "expected null, got 0"),
        ({"mode": "c"}, ("mode",), "expected one of 'a', 'b', got 'c'"),
        ({"tags": "a"}, ("tags",), "expected a list, got 'a'"),
        ({"tags": ["a", 1]}, ("tags", 1), "expected str, got 1"),
        ({"weights": [1]}, ("weights",), "expected a mapping, got a list"),
        ({"weights": {1: 2.0}}, ("weights", "1"), "keys must be strings, got 1"),
        ({"weights": {"w": "x"}}, ("weights", "w"), "expected number, got 'x'"),
        ({"either": 1.5}, ("either",), "expected int or str, got 1.5"),
        ({"either": None}, ("either",), "expected int or str, got null"),
        ({"shape": 3}, ("shape",), "expected a mapping, got 3"),
        ({"shape": {}}, ("shape", "kind"), "required key missing (one of 'one', 'two', 'deux')"),
        ({"shape": {"kind": 2}}, ("shape", "kind"), "expected one of 'one', 'two', 'deux', got 2"),
        ({"shape": {"kind": "one", "size": "s"}}, ("shape", "size"), "expected int, got 's'"),
        ({"limits": [1]}, ("limits",), "expected a mapping, got a list"),
        ({"limits": {"low": 2}}, ("limits",), "low (2.0) must not exceed high (1.0)"),
        ({"label": 1.5}, ("label",), "expected int or str, got 1.5"),
        ({"whole": "3"}, ("whole",), "expected int, got '3'"),
    ],
)
def test_each_problem_at_its_path(
    value: dict[str, Any], path: tuple[str | int, ...], message: str
) -> None:
    assert problems_of(value) == [(path, message)]


def test_a_validator_reading_siblings_runs_in_the_constructor() -> None:
    assert problems_of({"level": 11}) == [((), "over the cap")]
    assert problems_of({"level": 11, "cap": 20}) == []


def test_every_problem_is_reported_at_once() -> None:
    problems = problems_of({"count": "1", "mode": "z", "extra": 1, "tags": [1, 2]})
    assert [path for path, _ in problems] == [
        ("extra",),
        ("count",),
        ("mode",),
        ("tags", 0),
        ("tags", 1),
    ]
    assert problems[0][1].startswith("unknown key (expected one of: cap, count, either, folder")


def test_values_are_described_briefly() -> None:
    assert describe(None) == "null" and describe({}) == "a mapping" and describe([]) == "a list"
    assert describe("x" * 100) == repr("x" * 100)[:57] + "..."
    assert repr(INVALID) == "INVALID"


def test_a_union_of_classes_without_a_common_tag_is_a_programming_error() -> None:
    @attrs.frozen
    class A:
        a: int = 0

    @attrs.frozen
    class B:
        a: str = ""

    with pytest.raises(TypeError, match="has no common Literal tag field"):
        structure({"a": 1}, A | B)


@attrs.frozen
class Entry:
    every: int = attrs.field(validator=attrs.validators.ge(1))
    label: str = ""


@attrs.frozen
class Listing:
    entries: tuple[int | Entry, ...] = ()


def test_a_scalar_or_one_class_takes_a_mapping_as_the_class() -> None:
    doc, problems = structure({"entries": [3, {"every": 2, "label": "x"}]}, Listing)
    assert problems == [] and doc.entries == (3, Entry(2, "x"))
    _, problems = structure({"entries": ["3", {"every": 0}, {"every": 1, "bad": 1}]}, Listing)
    assert problems == [
        (("entries", 0), "expected int or a mapping, got '3'"),
        (("entries", 1, "every"), "must be >= 1, got 0"),  # the class's own message
        (("entries", 2, "bad"), "unknown key (expected one of: every, label)"),
    ]
