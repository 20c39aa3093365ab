"""``download_ticks`` paging against a scripted history, and a recording over a URL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import attrs
import pytest
import trio

from framework.backtest import TickWriter, open_source
from framework.backtest.download import PAGE, download_ticks, open_market_client, record_ticks
from framework.backtest.errors import BacktestError
from framework.deriv.models import Tick
from framework.simulator import open_simulator


@attrs.frozen
class History:
    """What ``ticks_history`` answers: times, prices and the pip size."""

    times: tuple[int, ...]
    prices: tuple[float, ...]
    pip_size: int | None


@attrs.frozen
class Candles:
    """An answer without ``times`` (the server sent candles)."""

    candles: tuple[Any, ...] = ()


class ScriptedHistory:
    """A ``HistorySource`` over fixed epochs: the latest ``count`` ticks of a window.

    Like Deriv, a window holding more than ``count`` ticks answers its *latest* ``count``.
    """

    def __init__(
        self, epochs: list[int], *, pip: int | None = 2, page_pip: int | None = None
    ) -> None:
        self.epochs = epochs
        self.pip = pip
        self.page_pip = page_pip
        self.calls: list[tuple[str | int, int | None, int | None]] = []

    async def ticks_history(
        self,
        symbol: str,
        *,
        end: str | int = "latest",
        count: int | None = None,
        start: int | None = None,
    ) -> Any:
        self.calls.append((end, count, start))
        top = max(self.epochs, default=0) if end == "latest" else end
        assert isinstance(top, int)
        window = [e for e in self.epochs if (start is None or e >= start) and e <= top]
        window = window[-count:] if count else window
        pip = self.pip if end == "latest" and start is None else self.page_pip
        return History(tuple(window), tuple(100.0 + e / 100 for e in window), pip)


def ticks(path: Path) -> list[Tick]:
    return [t for chunk in open_source(path).chunks() for t in chunk]


async def test_an_empty_history_writes_nothing(tmp_path: Path) -> None:
    with TickWriter(tmp_path / "t.jsonl") as writer:
        assert await download_ticks(ScriptedHistory([]), "R_100", writer, count=10) == 0


async def test_resuming_at_the_latest_tick_writes_nothing(tmp_path: Path) -> None:
    source = ScriptedHistory(list(range(0, 20, 2)))
    with TickWriter(tmp_path / "t.jsonl") as writer:
        assert await download_ticks(source, "R_100", writer, count=10, after=18) == 0
    assert len(source.calls) == 1  # only the "what is the latest tick" question


async def test_a_short_history_gives_what_there_is(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    with TickWriter(path) as writer:
        n = await download_ticks(ScriptedHistory([10, 12, 14]), "R_100", writer, count=100)
    assert n == 3 and [t.epoch for t in ticks(path)] == [10, 12, 14]


async def test_candles_instead_of_ticks_is_a_clear_error(tmp_path: Path) -> None:
    class CandleHistory(ScriptedHistory):
        async def ticks_history(self, symbol: str, **kw: Any) -> Any:
            return Candles()

    with (
        TickWriter(tmp_path / "t.jsonl") as writer,
        pytest.raises(BacktestError, match="ticks_history for R_100 answered candles, not ticks"),
    ):
        await download_ticks(CandleHistory([]), "R_100", writer, count=5)


async def test_a_history_without_pip_size_is_a_clear_error(tmp_path: Path) -> None:
    with (
        TickWriter(tmp_path / "t.jsonl") as writer,
        pytest.raises(BacktestError, match="ticks_history for R_100 did not say the pip_size"),
    ):
        await download_ticks(ScriptedHistory([1, 2, 3], pip=None), "R_100", writer, count=3)


async def test_a_dense_window_is_asked_again_smaller_without_gaps(tmp_path: Path) -> None:
    # Ten pages of ticks every second after a sparse start: the first window estimate (from
    # the average density) holds more than a page, so the download must halve it.
    epochs = list(range(0, 200_000, 100)) + list(range(200_000, 200_000 + 10 * PAGE))
    path = tmp_path / "t.jsonl"
    source = ScriptedHistory(epochs, page_pip=3)
    with TickWriter(path) as writer:
        n = await download_ticks(source, "R_100", writer, count=len(epochs))
    got = ticks(path)
    assert n == len(epochs) and [t.epoch for t in got] == epochs
    assert {t.pip_size for t in got} == {3}  # the pages' own pip size wins


async def test_record_over_a_url_adds_the_app_id_and_sends_the_token(
    tmp_path: Path, vclock: trio.testing.MockClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A URL endpoint is dialled over loopback, the socket is the point: hence ``vclock``.
    path = tmp_path / "live.jsonl"
    seen: list[Tick] = []
    async with open_simulator(seed=3) as sim:
        monkeypatch.setenv("TRIOBOT_TEST_TOKEN", sim.token)
        assert "app_id=" not in sim.url
        async with open_market_client(sim.url, app_id=1089, token_env="TRIOBOT_TEST_TOKEN") as c:
            assert (await c.balance()).loginid  # authorized with the token from the environment
            with TickWriter(path) as writer:
                n = await record_ticks(
                    c, ["R_100"], writer, count=5, on_tick=seen.append, flush_every=2
                )
    assert n == 5 and ticks(path) == seen
