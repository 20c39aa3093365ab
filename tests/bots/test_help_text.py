"""``triobot --version``, plain wrapped help, ``--log-format`` on every command that logs."""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import structlog

from bots.cli import build_parser, main
from bots.helptext import HelpFormatter, plain
from tests.backtest.test_report_cli import CONFIG

#: The commands that log (the account commands keep their logs off: their output is the
#: answer of one call).
LOGGING = ("run", "check", "sim", "backtest", "sweep", "download", "record")

MARKUP = re.compile(r"``|:[a-z]+:`")


def parsers(
    parser: argparse.ArgumentParser, path: tuple[str, ...] = ("triobot",)
) -> Iterator[tuple[tuple[str, ...], argparse.ArgumentParser]]:
    """Every parser of the command line, subcommands of subcommands included."""
    yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from parsers(sub, (*path, name))


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--version"])
    assert exited.value.code == 0
    assert capsys.readouterr().out == f"triobot {importlib.metadata.version('triobot')}\n"


@pytest.mark.parametrize("columns", [60, 80, 120])
def test_help_is_plain_text_wrapped_to_the_terminal(
    columns: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", str(columns))
    seen = 0
    for path, parser in parsers(build_parser()):
        text = parser.format_help()
        seen += 1
        assert not MARKUP.search(text), (path, MARKUP.search(text))
        # A usage line cannot break inside one option; argparse indents continuation lines
        # by the command's own name, so a long name may pass a narrow terminal's width.
        indent = len(f"usage: {' '.join(path)} ")
        limit = max(columns, indent + 40)
        long = [line for line in text.splitlines() if len(line) > limit]
        assert long == [], (path, long)
    assert seen > 40  # every command and subcommand was looked at


def test_docstring_layout_survives_the_rewrap(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    backtest = dict(parsers(build_parser()))["triobot", "backtest"]
    text = backtest.format_help()
    # The docstring's two paragraphs stay two, each filled to the width (its source lines
    # are about 95 characters: kept as they were, no line would pass 100).
    description = text.split("positional arguments:")[0].strip().split("\n\n")[1:]
    assert len(description) == 2
    for paragraph in description:
        *full, _last = paragraph.splitlines()
        assert full and all(len(line) > 150 for line in full), paragraph


def test_plain_strips_roles_and_literals() -> None:
    assert plain("see :mod:`bots.lifecycle` and ``--grace``") == "see bots.lifecycle and --grace"
    assert plain("a :class:`~framework.risk.Trip`") == "a Trip"
    assert plain("the :meth:`RiskGate.check` hook") == "the RiskGate.check hook"


def test_many_choices_wrap_in_the_help_not_the_usage(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    sweep = dict(parsers(build_parser()))["triobot", "sweep"]
    text = sweep.format_help()
    assert "[--sort SORT]" in text and "(one of: net_pnl," in text


@pytest.mark.parametrize("command", LOGGING)
def test_every_command_that_logs_takes_log_format(command: str) -> None:
    sub = dict(parsers(build_parser()))["triobot", command]
    options = {o: a for a in sub._actions for o in a.option_strings}
    assert options["--log-format"].choices == ("auto", "console", "json")
    assert options["--log-level"].choices == ("debug", "info", "warning", "error")


def test_log_format_json_is_honoured(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "bot.yaml"
    config.write_text(CONFIG.replace("risk: {max_stake: 20}", "risk: {max_trades: 2}"))
    argv = ["backtest", str(config), "--count", "400", "--log-format", "json"]
    assert main(argv) == 0
    lines = capsys.readouterr().err.splitlines()
    tripped = [json.loads(line) for line in lines if "risk limit tripped" in line]
    assert tripped and tripped[0]["limit"] == "max_trades"
    assert main([*argv[:-1], "console"]) == 0
    assert "[warning  ] risk limit tripped" in capsys.readouterr().err
    structlog.reset_defaults()


def test_piped_backtest_leaves_no_progress_lines(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "bot.yaml"
    config.write_text(CONFIG)
    assert main(["backtest", str(config), "--count", "2000"]) == 0
    captured = capsys.readouterr()
    assert "ticks/s" not in captured.err and "━" not in captured.err
    assert "ticks/s" in captured.out  # the summary screen, once


def test_version_of_a_tree_that_is_not_installed(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def missing(name: str) -> str:
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(importlib.metadata, "version", missing)
    with pytest.raises(SystemExit):
        main(["--version"])
    assert capsys.readouterr().out == "triobot unknown (not installed)\n"


def test_an_indented_example_and_bullets_keep_their_lines() -> None:
    formatter = HelpFormatter("triobot", width=40)
    text = (
        "Usage::\n\n"
        "    triobot backtest bot.yaml --count 20000 --report rep\n\n"
        "* ``api ping``: round-trip times of a long series of pings to the server;\n"
        "* ``api time``: the clock.\n"
    )
    filled = formatter._fill_text(text, 40, "")
    assert filled.split("\n\n") == [
        "Usage::",
        "    triobot backtest bot.yaml --count 20000 --report rep",  # as written
        "* api ping: round-trip times of a long\n  series of pings to the server;\n"
        "* api time: the clock.",
    ]
