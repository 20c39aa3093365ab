"""The strategy state store and plugin loading."""

from __future__ import annotations

import importlib.metadata
import json
import math
from pathlib import Path
from typing import Any

import pytest

from framework.strategy import MemoryStateStore, StateError, Strategy
from framework.strategy._plugins import PluginError, available, load_strategy_class
from framework.strategy.state import JsonFileStateStore
from strategies.digit_stats import DigitStats
from strategies.mean_reversion import MeanReversion
from strategies.momentum import TickMomentum


def test_json_store_round_trips_and_writes_only_when_dirty(tmp_path: Path) -> None:
    path = tmp_path / "state" / "m.json"
    store = JsonFileStateStore(path)
    assert len(store) == 0 and not path.exists()
    store["wins"] = 3
    store["window"] = [1, 2, 3]
    store["meta"] = {"seen": True, "last": None, "ratio": 0.5}
    assert store.dirty
    store.flush()
    assert not store.dirty
    assert json.loads(path.read_text()) == {
        "meta": {"last": None, "ratio": 0.5, "seen": True},
        "wins": 3,
        "window": [1, 2, 3],
    }
    mtime = path.stat().st_mtime_ns
    store.flush()  # clean: no write
    assert path.stat().st_mtime_ns == mtime
    again = JsonFileStateStore(path)
    assert dict(again) == dict(store) and not again.dirty
    del again["wins"]
    again.flush()
    assert "wins" not in JsonFileStateStore(path)
    assert [p.name for p in path.parent.iterdir()] == ["m.json"]  # no temp files left


@pytest.mark.parametrize(
    "value", [object(), {1: "a"}, math.nan, [1, {2}], {"a": math.inf}, b"bytes"]
)
def test_non_json_values_are_refused_when_set(value: Any) -> None:
    store = MemoryStateStore()
    with pytest.raises(StateError, match="state\\['k'"):
        store["k"] = value
    assert "k" not in store and not store.dirty


def test_corrupt_state_file_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    path.write_text("{not json")
    with pytest.raises(StateError, match=f"cannot read strategy state {path}"):
        JsonFileStateStore(path)
    path.write_text("[1, 2]")
    with pytest.raises(StateError, match="is not a JSON object"):
        JsonFileStateStore(path)


def test_unwritable_state_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    store = JsonFileStateStore(blocker / "sub" / "s.json")
    store["a"] = 1
    with pytest.raises(StateError, match="cannot write strategy state"):
        store.flush()


def test_snapshot_is_a_deep_copy() -> None:
    store = MemoryStateStore({"a": [1]})
    snap = store.snapshot()
    snap["a"].append(2)
    assert store["a"] == [1]


def test_builtin_names_resolve() -> None:
    assert load_strategy_class("momentum") is TickMomentum
    assert load_strategy_class("digit_stats") is DigitStats
    assert load_strategy_class("strategies.mean_reversion:MeanReversion") is MeanReversion
    assert {"momentum", "digit_stats", "mean_reversion"} <= set(available())


@pytest.mark.parametrize(
    ("ref", "message"),
    [
        (
            "nope",
            "unknown strategy 'nope' (known: accumulators, candles, digit_stats, "
            "mean_reversion, momentum, multipliers",
        ),
        ("foo.bar:Baz", "cannot import 'foo.bar:Baz': No module named 'foo'"),
        ("strategies.momentum:Nope", "module 'strategies.momentum' has no attribute 'Nope'"),
        ("strategies.momentum:MomentumParams", "is not a Strategy subclass"),
        ("bad ref:X", "is not a valid reference"),
    ],
)
def test_bad_references_say_why(ref: str, message: str) -> None:
    with pytest.raises(PluginError) as info:
        load_strategy_class(ref)
    assert message in str(info.value)


class NoAttrsParams(Strategy[int]):
    Params = int


def test_params_must_be_an_attrs_class() -> None:
    with pytest.raises(PluginError, match="its Params must be an attrs class"):
        load_strategy_class(f"{__name__}:NoAttrsParams")


def test_entry_point_names_resolve(monkeypatch: pytest.MonkeyPatch) -> None:
    point = importlib.metadata.EntryPoint(
        name="thirdparty", value="strategies.momentum:TickMomentum", group="triobot.strategies"
    )

    def fake(group: str) -> list[importlib.metadata.EntryPoint]:
        assert group == "triobot.strategies"
        return [point]

    monkeypatch.setattr(importlib.metadata, "entry_points", fake)
    assert load_strategy_class("thirdparty") is TickMomentum
    assert available()["thirdparty"] == "strategies.momentum:TickMomentum"


def _points(*pairs: tuple[str, str]) -> list[importlib.metadata.EntryPoint]:
    return [
        importlib.metadata.EntryPoint(name=name, value=value, group="triobot.strategies")
        for name, value in pairs
    ]


def test_one_name_registered_to_two_classes_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    points = _points(
        ("momentum", "strategies.momentum:TickMomentum"),
        ("momentum", "otherpkg.momentum:Momentum"),
        # an editable and a regular install of one distribution: the same plugin twice
        ("dup", "strategies.digit_stats:DigitStats"),
        ("dup", "strategies.digit_stats:DigitStats"),
    )
    monkeypatch.setattr(importlib.metadata, "entry_points", lambda group: points)
    with pytest.raises(PluginError, match="'momentum' is registered by several installed"):
        load_strategy_class("momentum")
    assert load_strategy_class("dup") is DigitStats
    assert available()["momentum"] == (
        "otherpkg.momentum:Momentum | strategies.momentum:TickMomentum"
    )


def test_without_entry_points_only_import_paths_resolve(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(importlib.metadata, "entry_points", lambda group: [])
    with pytest.raises(PluginError, match=r"unknown strategy 'momentum' \(known: none installed"):
        load_strategy_class("momentum")
    assert load_strategy_class("strategies.momentum:TickMomentum") is TickMomentum
