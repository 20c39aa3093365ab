"""``framework.strategy`` is the plugin API: what a strategy needs, and no host internals."""

from __future__ import annotations

import re
from pathlib import Path

import framework.strategy as api
from framework.deriv.models import Tick
from framework.market.digits import last_digit
from framework.strategy import testing

DOCS = Path(__file__).resolve().parents[2] / "docs" / "strategies.md"


def documented_names() -> set[str]:
    """The names in the first column of the plugin API table of docs/strategies.md."""
    text = DOCS.read_text(encoding="utf-8")
    section = text.split("## The plugin API", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    return {
        name.split("(")[0] for row in rows for name in re.findall(r"`([^`]+)`", row.split("|")[1])
    }


def test_the_plugin_api_is_exactly_the_documented_names() -> None:
    assert set(api.__all__) == documented_names()
    assert all(hasattr(api, name) for name in api.__all__)


def test_host_internals_are_not_part_of_it() -> None:
    public = {name for name in vars(api) if not name.startswith("_")}
    internals = {
        "Context",
        "StrategyHost",
        "Slot",
        "Venue",
        "check_intent",
        "BUILTIN",
        "load_strategy_class",
        "JsonFileStateStore",
    }
    assert not public & internals


def test_the_re_exports_are_the_definitions() -> None:
    assert api.Tick is Tick and api.last_digit is last_digit
    assert api.make_host is testing.make_host and api.MemoryVenue is testing.MemoryVenue
