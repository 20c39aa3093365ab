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
from framework.errors import UserError
from framework.simulator import open_simulator

from .helpers import History


@attrs.frozen
class Candles:
    """An answer without ``times`` (the server sent candles)."""

    candles: tuple[Any, ...] = ()


class ScriptedHistory:
    """A ``HistorySource`` over fixed epochs: the latest ``count`` ticks of a window.

    Like Deriv, a window holding more than ``count`` ticks answers its *latest* ``count``.
    """

    def __init__(
        self,
        epochs: list[int],
        *,
        pip: int | None = 2,
        page_pip: int | None = None,
        default_span: int | None = None,
    ) -> None:
        self.epochs = epochs
        self.pip = pip
        self.page_pip = page_pip
        self.default_span = default_span  # Deriv: a missing start is one day before the end
        self.calls: list[tuple[str | int, int | None, int | None]] = []

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
        assert style is None and granularity is None, "a tick download asks for ticks"
        self.calls.append((end, count, start))
        top = max(self.epochs, default=0) if end == "latest" else end
        assert isinstance(top, int)
        if start is None and self.default_span is not None:
            start = top - self.default_span
        window = [e for e in self.epochs if (start is None or e >= start) and e <= top]
        window = window[-count:] if count else window
        pip = self.pip if end == "latest" else self.page_pip
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


async def test_more_than_a_day_of_history_is_paged_through(tmp_path: Path) -> None:
    # Deriv's ticks_history starts one day back unless told otherwise; three days of ticks
    # every two seconds must all come, not only the last day's 43,200.
    day = 86_400
    epochs = list(range(0, 3 * day, 2))
    source = ScriptedHistory(epochs, default_span=day)
    path = tmp_path / "t.jsonl"
    with TickWriter(path) as writer:
        n = await download_ticks(source, "R_100", writer, count=100_000)
    assert n == 100_000
    assert [t.epoch for t in ticks(path)] == epochs[-100_000:]
    assert all(start is not None for _, _, start in source.calls)


async def test_an_unknown_symbol_is_one_line_and_no_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.jsonl"
    async with open_market_client(seed=3) as client:
        with TickWriter(path) as writer, pytest.raises(UserError) as raised:
            await download_ticks(client, "NOPE", writer, count=10)
        assert str(raised.value) == (
            "ticks_history NOPE: the server refused: InvalidSymbol: Symbol NOPE invalid."
        )
        with TickWriter(path) as writer, pytest.raises(UserError) as raised:
            await record_ticks(client, ["R_100", "NOPE"], writer, count=10)
        assert str(raised.value) == (
            "ticks R_100, NOPE: the server refused: InvalidSymbol: Symbol NOPE invalid."
        )
    assert raised.value.exit_code == 1
    assert not path.exists()


async def test_the_market_client_unwraps_a_user_error_only(tmp_path: Path) -> None:
    # A user error raised in the body reaches the caller as itself, out of the nurseries'
    # groups; anything else keeps its group (a bug keeps its full story).
    with pytest.raises(UserError, match=r"^mine$"):
        async with open_market_client(seed=3):
            raise UserError("mine")
    with pytest.raises(BaseExceptionGroup):
        async with open_market_client(seed=3):
            raise KeyError("a bug")


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
