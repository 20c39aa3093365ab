"""Finding strategy classes: shipped short names, entry points, or ``package.module:Class``.

Resolution order of a reference:

1. a shipped strategy's short name (:data:`BUILTIN`, e.g. ``momentum``);
2. a name registered by an installed package in the entry-point group
   ``triobot.strategies`` (``[project.entry-points."triobot.strategies"] mine =
   "mypkg.strat:Mine"``);
3. an import path ``package.module:Class``.

Every failure raises :class:`PluginError` with a message that names the reference and the
cause (``cannot import 'foo.bar:Baz': No module named 'foo'``); the config loader prefixes
it with the value's path and line.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import re
from typing import Any

import attrs

from framework.errors import TriobotError

from .base import Strategy

__all__ = ["BUILTIN", "ENTRY_POINT_GROUP", "PluginError", "available", "load_strategy_class"]

ENTRY_POINT_GROUP = "triobot.strategies"

#: Short names of the strategies shipped in ``strategies/``.
BUILTIN: dict[str, str] = {
    "momentum": "strategies.momentum:TickMomentum",
    "digit_stats": "strategies.digit_stats:DigitStats",
    "mean_reversion": "strategies.mean_reversion:MeanReversion",
}

_PATH_RE = re.compile(r"^[A-Za-z_][\w.]*:[A-Za-z_][\w.]*$")


class PluginError(TriobotError):
    """A strategy reference that does not resolve to a usable strategy class."""


def _entry_points() -> dict[str, str]:
    return {ep.name: ep.value for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP)}


def available() -> dict[str, str]:
    """Return every short name a config may use, with the class it resolves to."""
    return {**_entry_points(), **BUILTIN}


def load_strategy_class(ref: str) -> type[Strategy[Any]]:
    """Resolve a plugin reference to a strategy class.

    Args:
        ref: a short name or ``package.module:Class``.

    Returns:
        The class, checked to be a :class:`Strategy` subclass with an attrs ``Params``.

    Raises:
        PluginError: unknown name, import failure, missing attribute, or not a strategy.
    """
    target = BUILTIN.get(ref)
    if target is None:
        target = _entry_points().get(ref)
    if target is None:
        if ":" not in ref:
            names = ", ".join(sorted(available()))
            raise PluginError(
                f"unknown strategy {ref!r} (known: {names}; or give package.module:Class)"
            )
        target = ref
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
