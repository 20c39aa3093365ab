"""``bots.cli.main``: the exit codes of no command, Ctrl-C and a closed stdout pipe."""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import pytest

import bots.commands.report as report_command
from bots.cli import PREFERRED_ORDER, build_parser, command_modules, main

REPO = Path(__file__).resolve().parents[2]


def test_no_command_prints_the_help_and_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    out = capsys.readouterr().out
    assert out.startswith("usage: triobot")
    assert "commands:" in out and "backtest" in out


def test_commands_are_listed_in_the_preferred_order() -> None:
    names = command_modules()
    assert names[: len(PREFERRED_ORDER)] == [n for n in PREFERRED_ORDER if n in names]
    assert "run" in names and "sim" in names


def test_an_unknown_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        build_parser().parse_args(["nope"])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert err.splitlines()[-1].startswith("triobot: error: argument COMMAND: invalid choice")


def test_ctrl_c_exits_130_with_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def interrupted(args: argparse.Namespace) -> int:
        raise KeyboardInterrupt

    monkeypatch.setattr(report_command, "_handle", interrupted)
    assert main(["report", "journal.sqlite"]) == 130
    assert capsys.readouterr().err == "triobot: interrupted\n"


def test_ctrl_c_inside_nurseries_is_still_an_interrupt(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def interrupted(args: argparse.Namespace) -> int:
        raise BaseExceptionGroup("outer", [BaseExceptionGroup("inner", [KeyboardInterrupt()])])

    monkeypatch.setattr(report_command, "_handle", interrupted)
    assert main(["report", "journal.sqlite"]) == 130
    assert capsys.readouterr().err == "triobot: interrupted\n"


def test_a_bug_beside_an_interrupt_keeps_its_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(args: argparse.Namespace) -> int:
        raise BaseExceptionGroup("outer", [KeyboardInterrupt(), ZeroDivisionError("bug")])

    monkeypatch.setattr(report_command, "_handle", broken)
    with pytest.raises(BaseExceptionGroup) as raised:
        main(["report", "journal.sqlite"])
    assert raised.group_contains(ZeroDivisionError)


def test_a_closed_stdout_pipe_exits_0_without_a_traceback() -> None:
    # Run in a child: the handler points the process's real stdout at /dev/null.
    script = (
        "import sys\n"
        "import bots.commands.report as r\n"
        "from bots.cli import main\n"
        "def closed(args):\n"
        "    raise BrokenPipeError\n"
        "r._handle = closed\n"
        "code = main(['report', 'journal.sqlite'])\n"
        "print('after the pipe closed')\n"
        "sys.exit(code)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0
    assert done.stderr == "" and done.stdout == ""  # later output goes to /dev/null
