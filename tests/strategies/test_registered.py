"""The shipped strategies are plugins like any other: registered as entry points, public imports.

The short names (``momentum``, ``accumulators``...) come from triobot's own
``[project.entry-points."triobot.strategies"]`` table, not from a table in the code; the
strategy modules import triobot only through the plugin API, :mod:`framework.strategy`.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import tomllib
from pathlib import Path

import pytest

from framework.strategy import Strategy
from framework.strategy._plugins import ENTRY_POINT_GROUP, available, load_strategy_class

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = sorted(p for p in (ROOT / "strategies").glob("*.py") if p.name != "__init__.py")


def _registered() -> dict[str, str]:
    with (ROOT / "pyproject.toml").open("rb") as f:
        project = tomllib.load(f)["project"]
    table: dict[str, str] = project["entry-points"][ENTRY_POINT_GROUP]
    return table


def test_every_shipped_strategy_class_is_registered_once() -> None:
    registered = _registered()
    classes = {
        f"{module.__name__}:{name}"
        for module in (importlib.import_module(f"strategies.{p.stem}") for p in SHIPPED)
        for name, obj in vars(module).items()
        if inspect.isclass(obj) and issubclass(obj, Strategy) and obj.__module__ == module.__name__
    }
    assert sorted(registered.values()) == sorted(classes)
    assert set(registered) == {
        "momentum", "mean_reversion", "digit_stats", "accumulators", "multipliers", "candles"
    }  # fmt: skip


@pytest.mark.parametrize(("name", "target"), sorted(_registered().items()))
def test_the_installed_entry_points_are_the_registered_ones(name: str, target: str) -> None:
    # Installed from pyproject.toml (`make venv`); a stale install would show up here.
    assert available().get(name) == target
    module, _, attr = target.partition(":")
    assert load_strategy_class(name) is getattr(importlib.import_module(module), attr)


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_shipped_strategies_import_triobot_only_through_the_plugin_api(path: Path) -> None:
    imported: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            imported.append(node.module)
        elif isinstance(node, ast.Import):
            imported.extend(alias.name for alias in node.names)
    ours = [m for m in imported if m.split(".")[0] in ("framework", "bots", "strategies")]
    assert ours and all(m == "framework.strategy" for m in ours), ours
