"""Hypothesis: any mutation of a good config either loads or raises ConfigError."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from framework.config import BotConfig, ConfigError, parse_config

REPO = Path(__file__).resolve().parents[2]
GOOD_TEXT = (REPO / "configs" / "demo.yaml").read_text()
GOOD: dict[str, Any] = yaml.safe_load(GOOD_TEXT)
GOOD["strategies"].append(
    {
        "name": "digits",
        "plugin": "digit_stats",
        "symbols": ["R_50"],
        "contract": {"duration": 3},
        "stake": {"scheme": "dalembert", "base": 1, "step": 0.5},
        "params": {"mode": "over_under", "barrier": 3, "window": 50},
    }
)

TRAPS = ["no", "yes", "on", "off", "1e3", "010", "1:30", "2026-01-02", "~", "0x1F", ".inf",
         ".nan", "-.inf", "'10'", "[]", "{}", "[1, 2]", "{a: 1}", "!!binary aGk=", "&a 1",
         "null", "''", "1_000", "+1", "-0", "1.", ".5"]  # fmt: skip

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.sampled_from(["ten", "momentum", "R_100", "CALL", "fixed", "martingale", "t", "x:y"]),
)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=6,
)


def paths(data: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix] if prefix else []
    if isinstance(data, dict):
        for key, item in data.items():
            out.extend(paths(item, (*prefix, key)))
    elif isinstance(data, list):
        for index, item in enumerate(data):
            out.extend(paths(item, (*prefix, index)))
    return out


ALL_PATHS = paths(GOOD)


def parent_of(data: Any, path: tuple[Any, ...]) -> Any:
    for part in path[:-1]:
        data = data[part]
    return data


@st.composite
def mutated(draw: st.DrawFn) -> str:
    data = copy.deepcopy(GOOD)
    traps: list[tuple[str, str]] = []
    for _ in range(draw(st.integers(1, 4))):
        path = draw(st.sampled_from(ALL_PATHS))
        try:
            parent = parent_of(data, path)
            key = path[-1]
            parent[key]  # still there after earlier mutations?
        except (KeyError, IndexError, TypeError):
            continue
        if not isinstance(parent, dict | list):
            continue  # an earlier mutation replaced the container by a scalar (a str indexes)
        action = draw(st.sampled_from(["set", "delete", "add", "trap"]))
        if action == "set":
            parent[key] = draw(values)
        elif action == "delete":
            del parent[key]
        elif action == "add" and isinstance(parent, dict):
            parent[draw(st.text(min_size=1, max_size=8))] = draw(values)
        elif action == "trap" and isinstance(parent, dict):
            marker = f"__TRAP{len(traps)}__"
            parent[key] = marker
            traps.append((marker, draw(st.sampled_from(TRAPS))))
    text = yaml.safe_dump(data, sort_keys=False)
    for marker, raw in traps:
        text = text.replace(marker, raw)
    if draw(st.booleans()):  # raw-text damage: a repeated or a cut line
        lines = text.splitlines()
        index = draw(st.integers(0, len(lines) - 1))
        if draw(st.booleans()):
            lines.insert(index, lines[index])
        else:
            lines[index] = lines[index][: draw(st.integers(0, len(lines[index])))]
        text = "\n".join(lines)
    return text


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_mutated_configs_load_or_raise_config_error(text: str) -> None:
    try:
        config = parse_config(text, "fuzz.yaml", environ={})
    except ConfigError as exc:
        message = str(exc)
        assert message.startswith("fuzz.yaml")
        for line in message.splitlines()[1:]:
            assert line.startswith("  ") and "(fuzz.yaml" in line, line
        return
    assert isinstance(config, BotConfig)


def test_the_unmutated_config_loads() -> None:
    parse_config(yaml.safe_dump(GOOD, sort_keys=False), environ={})
