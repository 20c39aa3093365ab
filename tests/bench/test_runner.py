"""The benchmark runner (``python -m bench``, ``make bench``): what it runs, and that it goes on."""

from __future__ import annotations

import importlib
from types import ModuleType, SimpleNamespace

import pytest

import bench.__main__ as runner


def test_every_module_the_runner_finds_is_a_benchmark() -> None:
    names = runner.available()
    assert {"backtest", "candles", "connection", "simulator", "strategies"} <= set(names)
    assert not [name for name in names if name.startswith("_")]  # helpers are not run
    for name in names:  # importable here, in triobot's environment, with a main to call
        assert callable(importlib.import_module(f"bench.{name}").main)


def test_a_failing_benchmark_does_not_stop_the_others(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    ran: list[tuple[str, bool]] = []

    def load(name: str) -> ModuleType | SimpleNamespace:
        if name == "bench.first":
            raise ModuleNotFoundError("No module named 'missing'")
        return SimpleNamespace(main=lambda quick: ran.append((name, quick)))

    monkeypatch.setattr(runner, "available", lambda: ["first", "second"])
    with monkeypatch.context() as patch:  # only around the run: pytest imports too
        patch.setattr(importlib, "import_module", load)
        status = runner.main(["--quick"])
    assert status == 1
    assert ran == [("bench.second", True)]
    out, err = capsys.readouterr()
    assert "== bench.first FAILED (traceback above) ==" in out
    assert "== bench.second done in" in out
    assert "ModuleNotFoundError: No module named 'missing'" in err
    assert err.rstrip().endswith("failed benchmarks: first")


def test_an_unknown_benchmark_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        runner.main(["nope"])
    assert info.value.code == 2
    assert "unknown benchmark(s) ['nope']" in capsys.readouterr().err
