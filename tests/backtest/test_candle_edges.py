"""Edges of candle files and candle downloads: odd rows, odd answers."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

import pytest

from framework.backtest import BacktestError, BacktestSetup, StrategySetup, TickFileError
from framework.backtest.candlefiles import (
    CandleInput,
    CandleSource,
    CandleWriter,
    check_candle_setup,
    read_candles,
)
from framework.backtest.download import download_candles
from framework.deriv.errors import APIError
from framework.deriv.models import Candle
from framework.errors import UserError

from .helpers import BarParams, History, OnBars


class ScriptedCandles:
    """A candle history over fixed 60-second bars; the latest tick is inside the last one."""

    def __init__(self, bars: list[Candle], *, pip: int | None = 2, answer: str = "candles") -> None:
        self.bars = bars
        self.pip = pip
        self.answer = answer  # "candles", "ticks" (a wrong answer) or "refuse"

    async def time(self) -> int:
        return self.bars[-1].epoch + 40 if self.bars else 1_700_000_000

    async def ticks_history(
        self,
        symbol: str,
        *,
        end: str | int = "latest",
        count: int | None = None,
        start: int | None = None,
        style: str | None = None,
        granularity: int | None = None,
    ) -> Any:
        if style is None:
            last = self.bars[-1].epoch + 30 if self.bars else None
            return History(() if last is None else (last,), (1.0,), self.pip)
        if self.answer == "refuse":
            raise APIError("InvalidGranularity", "Granularity is not valid")
        if self.answer == "ticks":
            return History((), (), 2)
        assert isinstance(end, int) and start is not None and count is not None
        return tuple(b for b in self.bars if start <= b.epoch <= end)[-count:]


def bars(n: int, start: int = 1_700_000_040) -> list[Candle]:
    return [Candle(start + 60 * i, 1.0, 2.0, 0.5, 1.5, "R_100", 60) for i in range(n)]


async def test_a_candle_download_against_odd_servers(tmp_path: Path) -> None:
    path = tmp_path / "bars.csv"
    with CandleWriter(path) as writer:
        assert (
            await download_candles(ScriptedCandles([]), "R_100", writer, count=5, granularity=60)
            == 0
        )
        # Nothing closed after the file's last bar yet.
        server = ScriptedCandles(bars(3))
        n = await download_candles(
            server, "R_100", writer, count=5, granularity=60, after=bars(3)[1].epoch
        )
        assert n == 0
        with pytest.raises(BacktestError, match="did not say the pip_size"):
            await download_candles(
                ScriptedCandles(bars(3), pip=None), "R_100", writer, count=5, granularity=60
            )
        with pytest.raises(BacktestError, match="answered ticks, not candles"):
            await download_candles(
                ScriptedCandles(bars(3), answer="ticks"), "R_100", writer, count=5, granularity=60
            )
        with pytest.raises(UserError, match="the server refused: InvalidGranularity"):
            await download_candles(
                ScriptedCandles(bars(3), answer="refuse"), "R_100", writer, count=5, granularity=60
            )
        # A history shorter than asked: every closed bar (the last is still forming).
        assert (
            await download_candles(
                ScriptedCandles(bars(4)), "R_100", writer, count=10, granularity=60
            )
            == 3
        )
    assert read_candles(path)["R_100"][0] == bars(3)


def test_odd_rows_and_files(tmp_path: Path) -> None:
    path = tmp_path / "bars.csv"
    path.write_text(
        "epoch,open,high,low,close,symbol,granularity,pip_size\n"
        "\n"
        "1700000040,1,2,0.5,1.5,R_100,60,\n"
        "1700000100,1,2,0.5,1.5,R_100,,3\n"
    )
    held, pip = read_candles(path)["R_100"]
    assert [b.epoch for b in held] == [1_700_000_040, 1_700_000_100] and pip == 2
    (tmp_path / "empty.csv").write_text("epoch,open,high,low,close,symbol\n")
    empty = CandleSource([tmp_path / "empty.csv"])
    assert empty.inputs == () and list(empty.chunks()) == [] and empty.progress() == 1.0
    with pytest.raises(TickFileError, match=r"written as \.csv"):
        CandleWriter(tmp_path / "bars.txt")
    CandleWriter(tmp_path / "unused.csv").close()  # nothing written: no file
    assert not (tmp_path / "unused.csv").exists()


def test_odd_parquet_files(tmp_path: Path) -> None:
    pytest.importorskip("pyarrow", reason="Parquet support needs pyarrow")
    pa: Any = importlib.import_module("pyarrow")
    pq: Any = importlib.import_module("pyarrow.parquet")
    columns = {
        "Epoch": [1_700_000_040.0, 1_700_000_100.0],  # floats holding whole seconds
        "open": [1.0, 1.0],
        "high": [2.0, 2.0],
        "low": [0.5, 0.5],
        "close": [1.5, 1.5],
        "symbol": ["R_100", "R_100"],
        "granularity": [60, 60],
        "pip_size": [2, 2],
    }
    pq.write_table(pa.table(columns), tmp_path / "bars.parquet")
    assert [b.epoch for b in read_candles(tmp_path / "bars.parquet")["R_100"][0]] == [
        1_700_000_040,
        1_700_000_100,
    ]
    pq.write_table(pa.table({**columns, "Epoch": [None, 1.5]}), tmp_path / "holes.pq")
    with pytest.raises(TickFileError, match=r"holes\.pq:1: epoch: expected an integer, got None"):
        read_candles(tmp_path / "holes.pq")
    (tmp_path / "broken.parquet").write_bytes(b"PAR1 not really")
    with pytest.raises(TickFileError, match="cannot read"):
        read_candles(tmp_path / "broken.parquet")


def test_only_the_strategies_trading_a_symbol_are_checked() -> None:
    other = StrategySetup("other", OnBars, BarParams(60, 1), ("R_50",))
    setup = BacktestSetup((other,))
    check_candle_setup(setup, (CandleInput("R_100", 300, 10, "bars.csv"),))
    with pytest.raises(BacktestError, match="wants 60-second candles of R_50"):
        check_candle_setup(setup, (CandleInput("R_50", 300, 10, "bars.csv"),))
