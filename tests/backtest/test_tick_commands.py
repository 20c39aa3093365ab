"""``triobot download`` and ``triobot record`` in-process, on the embedded simulator.

Both commands call ``trio.run`` themselves; the fixture below gives that run an autojumping
MockClock, so the simulated market moves on in virtual time.
"""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path
from typing import Any

import pytest

import bots.commands.record as record_command
from bots.cli import main
from framework.backtest import TickWriter, last_tick, open_source
from framework.backtest.download import record_ticks
from framework.deriv.models import Tick

pytestmark = pytest.mark.usefixtures("cli_virtual_time")


def read(path: Path) -> list[Tick]:
    return [t for chunk in open_source(path).chunks() for t in chunk]


def test_download_fresh_then_resume(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "r100.csv"
    assert main(["download", "R_100", "--count", "50", "--out", str(out), "--seed", "3"]) == 0
    assert f"50 ticks of R_100 written to {out} (fresh)" in capsys.readouterr().err
    first = read(out)
    assert len(first) == 50 and {t.symbol for t in first} == {"R_100"}
    last = last_tick(out)
    assert last is not None
    # A second run continues after the file's last tick (the new simulator's market starts
    # from the same seed, so it has no ticks after it yet: nothing is appended).
    assert main(["download", "R_100", "--out", str(out), "--seed", "3"]) == 0
    err = capsys.readouterr().err
    assert f"written to {out} (resumed after {last.epoch})" in err
    assert read(out)[:50] == first


def test_download_refuses_to_mix_symbols(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "mixed.jsonl"
    with TickWriter(out) as writer:
        writer.write(Tick("R_50", 1_700_000_000, 100.0, 4))
    assert main(["download", "R_100", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err == f"triobot: {out} ends with R_50 ticks; use another file for R_100\n"
    assert len(read(out)) == 1  # untouched


@pytest.mark.parametrize("command", ["download", "record"])
def test_count_below_one_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str
) -> None:
    out = tmp_path / "t.jsonl"
    assert main([command, "R_100", "--count", "0", "--out", str(out)]) == 2
    assert capsys.readouterr().err == "triobot: --count must be at least 1\n"
    assert not out.exists()


def test_record_stops_at_count(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "live.jsonl"
    assert main(["record", "R_100", "1HZ100V", "--count", "12", "--out", str(out)]) == 0
    assert f"12 ticks of R_100, 1HZ100V appended to {out}" in capsys.readouterr().err
    recorded = read(out)
    assert len(recorded) == 12 and {t.symbol for t in recorded} == {"R_100", "1HZ100V"}
    lines = out.read_text().splitlines()
    assert all(json.loads(line)["symbol"] in {"R_100", "1HZ100V"} for line in lines)


def test_record_stops_after_duration(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "live.csv"
    assert main(["record", "1HZ100V", "--duration", "10", "--out", str(out)]) == 0
    recorded = read(out)
    # 1HZ100V ticks every second: ten seconds of virtual time give about ten ticks.
    assert 9 <= len(recorded) <= 11
    assert f"{len(recorded)} ticks of 1HZ100V appended to {out}" in capsys.readouterr().err


def test_ctrl_c_ends_a_recording_cleanly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    real = record_ticks

    async def record_then_interrupt(
        client: Any, symbols: list[str], writer: TickWriter, *, count: int | None = None
    ) -> int:
        await real(client, symbols, writer, count=3)
        os.kill(os.getpid(), signal.SIGINT)  # as Ctrl-C would, mid-recording
        return await real(client, symbols, writer)  # until the signal stops it

    monkeypatch.setattr(record_command, "record_ticks", record_then_interrupt)
    out = tmp_path / "live.jsonl"
    assert main(["record", "1HZ100V", "--out", str(out)]) == 0
    recorded = read(out)
    err = capsys.readouterr().err
    assert len(recorded) >= 3 and "Traceback" not in err
    assert f"{len(recorded)} ticks of 1HZ100V appended to {out}" in err


@pytest.mark.parametrize("command", ["download", "record"])
def test_an_unknown_symbol_is_one_line_exit_1_and_no_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str
) -> None:
    out = tmp_path / "nope.jsonl"
    assert main([command, "NOPE", "--count", "10", "--out", str(out)]) == 1
    call = "ticks_history" if command == "download" else "ticks"
    last = capsys.readouterr().err.splitlines()[-1]  # after the progress bar, if any
    assert last == f"triobot: {call} NOPE: the server refused: InvalidSymbol: Symbol NOPE invalid."
    assert not out.exists()


def test_a_download_beyond_the_history_says_what_it_delivered(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The simulator keeps one day of market: 43,200 R_100 ticks (one every two seconds).
    out = tmp_path / "big.jsonl"
    assert main(["download", "R_100", "--count", "200000", "--out", str(out)]) == 0
    got = read(out)
    assert len(got) == 43_200
    first = got[0].epoch
    last = capsys.readouterr().err.splitlines()[-1]
    assert last.startswith(
        f"43,200 ticks of R_100 written to {out} (fresh): 200,000 were asked, but the "
        f"server's history of R_100 begins at "
    )
    assert last.endswith(f"(epoch {first}); every tick since then is in the file")


def test_a_download_of_exactly_the_history_says_nothing_more(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "all.jsonl"
    assert main(["download", "R_100", "--count", "43200", "--out", str(out)]) == 0
    assert capsys.readouterr().err.splitlines()[-1].endswith("(fresh)")


def test_a_fresh_download_of_nothing_is_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import bots.commands.download as command

    async def no_history(*args: Any, **kwargs: Any) -> int:
        return 0  # what download_ticks returns when the server holds no tick of the symbol

    monkeypatch.setattr(command, "download_ticks", no_history)
    out = tmp_path / "none.jsonl"
    assert main(["download", "R_100", "--count", "10", "--out", str(out)]) == 1
    assert capsys.readouterr().err.splitlines()[-1] == (
        "triobot: the server has no ticks of R_100; nothing written"
    )
    assert not out.exists()
