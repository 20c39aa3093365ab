"""Finding strategy classes: entry-point names or ``package.module:Class`` (host internal).

Resolution order of a reference:

1. a name registered by an installed distribution in the entry-point group
   ``triobot.strategies`` (``[project.entry-points."triobot.strategies"] mine =
   "mypkg.strat:Mine"``). triobot registers its shipped strategies (``momentum``...) there
   in its own ``pyproject.toml``, exactly as a third-party plugin does; two distributions
   registering one name to different classes is an error, never a silent pick;
2. an import path ``package.module:Class``.

Every failure raises :class:`PluginError` with a message that names the reference and the
cause (``cannot import 'foo.bar:Baz': No module named 'foo'``); the config loader prefixes
it with the value's path and line.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import re
from collections.abc import Mapping
from typing import Any

import attrs

from framework.errors import TriobotError

from .base import Strategy

__all__ = [
    "ENTRY_POINT_GROUP",
    "PluginError",
    "available",
    "load_strategy_class",
    "strategy_summary",
]

ENTRY_POINT_GROUP = "triobot.strategies"

_PATH_RE = re.compile(r"^[A-Za-z_][\w.]*:[A-Za-z_][\w.]*$")


class PluginError(TriobotError):
    """A strategy reference that does not resolve to a usable strategy class."""


def _entry_points() -> dict[str, set[str]]:
    # An editable install and a regular one of the same distribution may both be visible:
    # the same name with the same target is one plugin, not a clash.
    found: dict[str, set[str]] = {}
    for point in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
        found.setdefault(point.name, set()).add(point.value)
    return found


def available() -> dict[str, str]:
    """Return every short name a config may use, with the class it resolves to.

    A name registered to several classes shows them joined with `` | ``.
    """
    return {name: " | ".join(sorted(targets)) for name, targets in _entry_points().items()}


def load_strategy_class(ref: str) -> type[Strategy[Any]]:
    """Resolve a plugin reference to a strategy class.

    Args:
        ref: a short name or ``package.module:Class``.

    Returns:
        The class, checked to be a :class:`Strategy` subclass with an attrs ``Params``.

    Raises:
        PluginError: unknown name, import failure, missing attribute, or not a strategy.
    """
    points = _entry_points()
    targets = points.get(ref)
    if targets is None:
        if ":" not in ref:
            names = ", ".join(sorted(points)) or "none installed"
            raise PluginError(
                f"unknown strategy {ref!r} (known: {names}; or give package.module:Class)"
            )
        target = ref
    elif len(targets) > 1:
        raise PluginError(
            f"strategy name {ref!r} is registered by several installed packages "
            f"({', '.join(sorted(targets))}); give package.module:Class instead"
        )
    else:
        (target,) = targets
    if not _PATH_RE.match(target):
        raise PluginError(f"{target!r} is not a valid reference (expected package.module:Class)")
    module_name, _, attr_path = target.partition(":")
    try:
        obj: Any = importlib.import_module(module_name)
    except Exception as exc:  # an import runs arbitrary code; report whatever it raised
        raise PluginError(f"cannot import {target!r}: {exc}") from exc
    try:
        for part in attr_path.split("."):
            obj = getattr(obj, part)
    except AttributeError:
        raise PluginError(
            f"cannot import {target!r}: module {module_name!r} has no attribute {attr_path!r}"
        ) from None
    if not (isinstance(obj, type) and issubclass(obj, Strategy)):
        raise PluginError(f"{target!r} is not a Strategy subclass")
    params = getattr(obj, "Params", None)
    if not (isinstance(params, type) and attrs.has(params)):
        raise PluginError(f"{target!r}: its Params must be an attrs class")
    return obj


def strategy_summary(cls: type[Strategy[Any]]) -> Mapping[str, Any]:
    """Describe a strategy class for ``triobot check`` (first docstring line and facts)."""
    doc = (cls.__doc__ or "").strip().splitlines()
    return {
        "class": f"{cls.__module__}:{cls.__qualname__}",
        "summary": doc[0] if doc else "",
        "contract_types": cls.contract_types,
        "extra_calls": cls.extra_calls,
        "wants_transactions": cls.wants_transactions,
    }
