"""Candle downloads (``ticks_history`` candles into a candle file) on the embedded simulator."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import pytest
import trio

from bots.cli import main
from framework.backtest.candlefiles import CandleWriter, read_candles
from framework.backtest.download import download_candles, open_market_client
from framework.deriv.models import Candle


def bars_of(path: Path, symbol: str = "R_100") -> list[Candle]:
    return read_candles(path)[symbol][0]


async def test_a_download_writes_closed_bars_and_resumes(
    tmp_path: Path, autojump_clock: trio.testing.MockClock
) -> None:
    path = tmp_path / "r100.csv"
    pages: list[tuple[int, int]] = []
    async with open_market_client(seed=3) as client:
        with CandleWriter(path) as writer:
            n = await download_candles(
                client,
                "R_100",
                writer,
                count=120,
                granularity=60,
                progress=lambda d, e: pages.append((d, e)),
            )
        latest = (await client.ticks_history("R_100", count=1)).times[-1]
        served = await client.ticks_history(
            "R_100", style="candles", granularity=60, count=200, end="latest"
        )
        bars = bars_of(path)
        assert n == len(bars) == 120 and pages[-1] == (120, 120)
        assert all(b.epoch - a.epoch == 60 for a, b in itertools.pairwise(bars))
        # Closed bars only: the bar of the latest tick is still forming.
        assert bars[-1].epoch == latest - latest % 60 - 60
        assert bars == [b for b in served if bars[0].epoch <= b.epoch <= bars[-1].epoch]
        await trio.sleep(600)  # ten more minutes of market
        with CandleWriter(path) as writer:
            more = await download_candles(
                client, "R_100", writer, count=0, granularity=60, after=bars[-1].epoch
            )
    assert more == 10
    resumed = bars_of(path)
    assert resumed[:120] == bars
    assert all(b.epoch - a.epoch == 60 for a, b in itertools.pairwise(resumed))


@pytest.mark.usefixtures("cli_virtual_time")
def test_the_download_command_writes_candle_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "r100.csv.gz"
    command = ["download", "R_100", "--granularity", "300", "--out", str(out), "--seed", "3"]
    assert main([*command, "--count", "30"]) == 0
    assert f"30 300-second bars of R_100 written to {out} (fresh)" in capsys.readouterr().err
    last = bars_of(out)[-1]
    assert main(command) == 0
    assert f"(resumed after {last.epoch})" in capsys.readouterr().err
    assert len(bars_of(out)) == 30
    # The simulator keeps sixty days of bars: sixty daily ones, give or take the forming one.
    whole = tmp_path / "days.csv"
    days = ["download", "R_100", "--granularity", "86400", "--out", str(whole), "--seed", "3"]
    assert main([*days, "--count", "100"]) == 0
    err = capsys.readouterr().err
    assert "100 were asked, but the server's history holds no more" in err
    assert 59 <= len(bars_of(whole)) <= 60
    assert main(["download", "R_50", "--granularity", "300", "--out", str(out)]) == 2
    assert f"{out} holds bars of R_100; use another file for R_50" in capsys.readouterr().err
    assert main(["download", "R_100", "--granularity", "60", "--out", str(out)]) == 2
    assert "holds 300-second bars; use another file for 60" in capsys.readouterr().err

    import bots.commands.download as download

    async def nothing(*args: Any, **kwargs: Any) -> int:
        return 0  # what download_candles returns when the server has no tick of the symbol

    monkeypatch.setattr(download, "download_candles", nothing)
    assert main(["download", "R_100", "--granularity", "60", "--out", str(tmp_path / "n.csv")]) == 1
    assert "the server has no closed 60-second bars of R_100" in capsys.readouterr().err
