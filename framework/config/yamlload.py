"""Strict YAML reading: YAML 1.2 scalars, duplicate keys refused, a line for every value.

PyYAML resolves plain scalars by YAML 1.1 rules, which turn config values into surprises:
``no``/``on`` become booleans, ``1e3`` stays a string, ``010`` is octal 8, ``1:30`` is the
number 90 and ``2026-01-02`` a date. :class:`StrictLoader` resolves the YAML 1.2 core schema
instead: only ``true``/``false`` are booleans, ``010`` is ten, ``1e3`` is a float, and
sexagesimals and dates stay strings (the type check then names them).

Duplicate keys are collected as problems (PyYAML silently keeps the last one), and
:func:`load_yaml` returns, with the data, the line of every value by its path, so later
checks can say ``strategies[1].params.window: ... (configs/x.yaml:14)``.

Two bounds keep a small hostile document from hanging or crashing the reader: nesting deeper
than :data:`MAX_DEPTH` levels is refused while composing (PyYAML's composer recurses once per
level, so a thousand ``[`` would otherwise end in a ``RecursionError``), and a document whose
aliases expand it to more than :data:`MAX_VALUES` values (a "billion laughs": each alias
repeating the one before nine times) is refused while its lines are indexed, before anything
walks the expanded data. Both raise :class:`YamlLimitError`, which carries the position.
"""

from __future__ import annotations

import math
import re
from typing import Any, Final

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from framework.errors import TriobotError

__all__ = [
    "MAX_DEPTH",
    "MAX_VALUES",
    "Path_",
    "StrictLoader",
    "YamlLimitError",
    "YamlProblem",
    "format_path",
    "load_yaml",
]

#: Deepest nesting of lists and mappings a document may have (a config needs about six).
MAX_DEPTH: Final = 64

#: Most values (scalars, lists, mappings) a document may expand to, aliases followed.
MAX_VALUES: Final = 100_000

#: A value's path: keys and list indexes from the document root.
Path_ = tuple[str | int, ...]

YamlProblem = tuple[Path_, str, int | None]

_INT = re.compile(r"^[-+]?[0-9]+$|^0o[0-7]+$|^0x[0-9a-fA-F]+$")
_FLOAT = re.compile(
    r"^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$"
    r"|^[-+]?\.(?:inf|Inf|INF)$|^\.(?:nan|NaN|NAN)$"
)
_BOOL = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")
_NULL = re.compile(r"^(?:~|null|Null|NULL|)$")
_PLAIN_KEY = re.compile(r"[A-Za-z0-9_-]+\Z")  # \Z: "$" would also match before a final newline


class YamlLimitError(yaml.MarkedYAMLError, TriobotError):
    """A document nested too deeply or expanding, through aliases, to too many values.

    Also a ``yaml.YAMLError``, so that every reader of YAML text handles it where it handles
    a syntax error (with the position); the config loader turns it into a ConfigError.
    """


class StrictLoader(yaml.SafeLoader):
    """A SafeLoader that resolves plain scalars by the YAML 1.2 core schema.

    It also refuses nesting deeper than :data:`MAX_DEPTH` (see the module docstring).
    """

    # Start from no resolvers at all (PyYAML copies the parent's otherwise): no YAML 1.1
    # booleans, sexagesimals, octals, timestamps or merge keys.
    yaml_implicit_resolvers: dict[Any, Any] = {}

    _depth = 0

    def compose_node(self, parent: Node | None, index: Any) -> Node | None:
        """Compose one node, counting how deep the composer's recursion is."""
        if self._depth >= MAX_DEPTH:
            # PyYAML's stubs leave the parser's methods untyped.
            mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
            raise YamlLimitError(
                problem=f"nested deeper than {MAX_DEPTH} levels", problem_mark=mark
            )
        self._depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def _construct_int(loader: StrictLoader, node: ScalarNode) -> int:
    text = loader.construct_scalar(node)
    assert isinstance(text, str)
    if text.startswith("0o"):
        return int(text[2:], 8)
    if text.startswith("0x"):
        return int(text[2:], 16)
    return int(text, 10)


def _construct_float(loader: StrictLoader, node: ScalarNode) -> float:
    text = str(loader.construct_scalar(node))
    lowered = text.lower()
    if lowered.endswith(".inf"):
        return -math.inf if text.startswith("-") else math.inf
    if lowered == ".nan":
        return math.nan
    return float(text)


def _construct_bool(loader: StrictLoader, node: ScalarNode) -> bool:
    return str(loader.construct_scalar(node)).lower() == "true"


StrictLoader.add_constructor("tag:yaml.org,2002:int", _construct_int)
StrictLoader.add_constructor("tag:yaml.org,2002:float", _construct_float)
StrictLoader.add_constructor("tag:yaml.org,2002:bool", _construct_bool)
# Resolvers are tried in the order added for a scalar's first character: int before float.
StrictLoader.add_implicit_resolver("tag:yaml.org,2002:bool", _BOOL, list("tTfF"))
StrictLoader.add_implicit_resolver("tag:yaml.org,2002:int", _INT, list("-+0123456789"))
StrictLoader.add_implicit_resolver("tag:yaml.org,2002:float", _FLOAT, list("-+.0123456789"))
StrictLoader.add_implicit_resolver("tag:yaml.org,2002:null", _NULL, ["~", "n", "N", ""])


def format_path(path: Path_) -> str:
    """Render a path as ``strategies[1].params.window``.

    Args:
        path: keys and indexes.

    Returns:
        The dotted form (``<root>`` for the empty path).
    """
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        elif not _PLAIN_KEY.match(str(part)):
            out += f"[{str(part)!r}]"  # keep odd keys (spaces, control characters) on one line
        else:
            out += f".{part}" if out else str(part)
    return out or "<root>"


class _Index:
    """The line index being built, with the bound on how many values it may visit."""

    __slots__ = ("lines", "problems", "seen", "visited")

    def __init__(self, root: Node) -> None:
        self.lines: dict[Path_, int] = {(): root.start_mark.line + 1}
        self.problems: list[YamlProblem] = []
        self.seen: set[int] = set()  # mapping nodes already checked for duplicate keys
        self.visited = 0

    def visit(self, node: Node) -> None:
        self.visited += 1
        if self.visited > MAX_VALUES:
            raise YamlLimitError(
                problem=f"aliases expand the document to more than {MAX_VALUES:,} values "
                "(write the values out instead of repeating aliases)",
                problem_mark=node.start_mark,
            )


def _record(node: Node, path: Path_, index: _Index) -> None:
    index.visit(node)
    lines, problems = index.lines, index.problems
    if isinstance(node, MappingNode):
        # A node reached again through an alias had its duplicate keys reported the first
        # time; its later copies only need their lines.
        first_visit = id(node) not in index.seen
        index.seen.add(id(node))
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode):
                continue
            child = (*path, key_node.value)
            line = key_node.start_mark.line + 1
            if child in lines and first_visit:
                first = lines[child]
                problems.append((child, f"duplicate key (first at line {first})", line))
                # Forget what was under the first one, or its keys would all look repeated.
                depth = len(child)
                for known in [k for k in lines if len(k) > depth and k[:depth] == child]:
                    del lines[known]
            lines[child] = line
            _record(value_node, child, index)
    elif isinstance(node, SequenceNode):
        for position, item in enumerate(node.value):
            child = (*path, position)
            lines[child] = item.start_mark.line + 1
            _record(item, child, index)


def load_yaml(text: str) -> tuple[Any, dict[Path_, int], list[YamlProblem]]:
    """Parse one YAML document strictly.

    Args:
        text: the document.

    Returns:
        ``(data, lines, problems)``: the data (``None`` for an empty document), the 1-based
        line of each value by path, and the duplicate-key problems.

    Raises:
        YamlLimitError: the document is nested deeper than :data:`MAX_DEPTH` or expands to
            more than :data:`MAX_VALUES` values.
        yaml.YAMLError: the text is not YAML (the error carries the position).
    """
    loader = StrictLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, {}, []
        index = _Index(node)
        _record(node, (), index)
        data = loader.construct_document(node)
    finally:
        loader.dispose()
    return data, index.lines, index.problems
