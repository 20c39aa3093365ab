"""``download_ticks`` paging against a scripted history, and a recording over a URL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import attrs
import pytest
import trio

from framework.backtest import TickWriter, open_source
from framework.backtest.download import (
    PAGE,
    QUIET_LIMIT,
    download_ticks,
    open_market_client,
    record_ticks,
)
from framework.backtest.errors import BacktestError
from framework.deriv.models import Tick
from framework.errors import UserError
from framework.simulator import open_simulator
from framework.simulator.history import window

from .helpers import History

T0 = 1_700_000_000  # an epoch of this century: the server's windows reach three years back
DAY = 86_400


@attrs.frozen
class Candles:
    """An answer without ``times`` (the server sent candles)."""

    candles: tuple[Any, ...] = ()


class ScriptedHistory:
    """A ``HistorySource`` over fixed epochs, settling each window as Deriv's server does.

    The window rules are the simulator's (:func:`framework.simulator.history.window`): no
    ``start`` (or ``0``) is one day before now, an ``end`` before the start is now, and the
    answer is the latest ``count`` ticks of the window. Now is just after the last epoch.
    """

    def __init__(
        self,
        epochs: list[int],
        *,
        pip: int | None = 2,
        page_pip: int | None = None,
        depth: int | None = None,
    ) -> None:
        self.epochs = epochs
        self.pip = pip
        self.page_pip = page_pip
        self.depth = depth  # a start further back is refused like one three years back
        self.now = max(epochs, default=T0) + 1
        self.answered = False
        self.calls: list[tuple[str | int, int | None, int | None]] = []

    async def time(self) -> int:
        return self.now

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
        if start and self.depth is not None and start <= self.now - self.depth:
            start = 0
        win = window(start=start or 0, end=str(end), count=count or 0, granularity=0, now=self.now)
        held = [e for e in self.epochs if win.start <= e <= win.end][-win.count :]
        # The pip size comes with the first ticks; later pages may say another (or none).
        pip = self.page_pip if self.answered else self.pip
        self.answered = self.answered or bool(held)
        return History(tuple(held), tuple(100.0 + (e - T0) / 100 for e in held), pip)


def ticks(path: Path) -> list[Tick]:
    return [t for chunk in open_source(path).chunks() for t in chunk]


async def test_an_empty_history_writes_nothing(tmp_path: Path) -> None:
    with TickWriter(tmp_path / "t.jsonl") as writer:
        assert await download_ticks(ScriptedHistory([]), "R_100", writer, count=10) == 0


async def test_resuming_at_the_latest_tick_writes_nothing(tmp_path: Path) -> None:
    source = ScriptedHistory(list(range(T0, T0 + 20, 2)))
    with TickWriter(tmp_path / "t.jsonl") as writer:
        assert await download_ticks(source, "R_100", writer, count=10, after=T0 + 18) == 0
        assert await download_ticks(source, "R_100", writer, count=0) == 0
    assert len(source.calls) == 2  # only the "what is the latest tick" question, twice


async def test_a_short_history_gives_what_there_is(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    source = ScriptedHistory([T0 + 10, T0 + 12, T0 + 14])
    with TickWriter(path) as writer:
        n = await download_ticks(source, "R_100", writer, count=100)
    assert n == 3 and [t.epoch for t in ticks(path)] == [T0 + 10, T0 + 12, T0 + 14]
    # The walk back gave up a week before the first tick, in a few doubling windows.
    assert min(start for _, _, start in source.calls if start) <= T0 + 10 - QUIET_LIMIT
    assert len(source.calls) <= 8


def _every_call_names_its_window(source: ScriptedHistory) -> bool:
    return all(start and start > source.now - 3 * 365 * DAY for _, _, start in source.calls)


async def test_more_than_a_day_of_history_is_paged_through(tmp_path: Path) -> None:
    # Deriv's ticks_history starts one day back unless told otherwise, and answers the latest
    # ticks for a window that ends before that day: three days of ticks every two seconds
    # must all come once, in order, not the last day's 43,200 and then the latest again.
    epochs = list(range(T0, T0 + 3 * DAY, 2))
    source = ScriptedHistory(epochs)
    path = tmp_path / "t.jsonl"
    with TickWriter(path) as writer:
        n = await download_ticks(source, "R_100", writer, count=100_000)
    assert n == 100_000
    assert [t.epoch for t in ticks(path)] == epochs[-100_000:]
    assert _every_call_names_its_window(source)


async def test_a_market_closed_for_days_is_walked_across(tmp_path: Path) -> None:
    # A weekend and a holiday without a tick (a forex market): the download goes on behind
    # it, and a download started while the market is closed still finds the last tick.
    before = list(range(T0, T0 + DAY, 5))
    after = list(range(T0 + 5 * DAY, T0 + 5 * DAY + DAY, 5))
    source = ScriptedHistory(before + after)
    source.now = after[-1] + 3 * DAY  # closed again since
    path = tmp_path / "t.jsonl"
    with TickWriter(path) as writer:
        n = await download_ticks(source, "frxEURUSD", writer, count=len(before) + len(after))
    assert n == len(before) + len(after)
    assert [t.epoch for t in ticks(path)] == before + after
    assert _every_call_names_its_window(source)


async def test_a_server_that_keeps_less_ends_the_download_there(tmp_path: Path) -> None:
    # Older servers refused a start more than a year back (it became a day back); a walk
    # that reaches past what the server serves stops there, with nothing twice.
    epochs = list(range(T0, T0 + 10 * DAY, 10))
    source = ScriptedHistory(epochs, depth=4 * DAY)
    path = tmp_path / "t.jsonl"
    with TickWriter(path) as writer:
        n = await download_ticks(source, "R_100", writer, count=len(epochs))
    got = [t.epoch for t in ticks(path)]
    assert got == sorted(set(got)) and got[-1] == epochs[-1]
    assert source.now - 4 * DAY - 2 * DAY <= got[0] and n == len(got) < len(epochs)


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
        await download_ticks(
            ScriptedHistory([T0 + 1, T0 + 2, T0 + 3], pip=None), "R_100", writer, count=3
        )


async def test_a_dense_window_is_asked_again_smaller_without_gaps(tmp_path: Path) -> None:
    # Ten pages of ticks every second after a sparse start: the first window estimate (from
    # the average density) holds more than a page, so the download must halve it.
    epochs = list(range(T0, T0 + 200_000, 100)) + list(
        range(T0 + 200_000, T0 + 200_000 + 10 * PAGE)
    )
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
