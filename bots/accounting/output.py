"""What the account-level commands print: rich tables for people, JSON for scripts.

Every command hands :meth:`Output.show` a :class:`View` of its result (built by
:mod:`bots.accounting.views` from what the typed client returned), or :meth:`Output.document`
the data and a way to render it: with ``--json`` the data is printed as one JSON document on
stdout and nothing else goes there; otherwise the rendering (tables, key/value lists) is
printed. Streams (``--watch``) print one
JSON document per line with ``--json`` (JSON Lines). Notes, warnings and errors go to stderr so
that stdout stays parseable. Text from the server is never read as rich markup.
"""

from __future__ import annotations

import datetime as _dt
import json
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import attrs
from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

__all__ = ["Output", "View", "epoch_text", "key_values", "money", "table"]

Render = Callable[[Console], None]


@attrs.frozen
class View:
    """A result as the command line shows it.

    Attributes:
        data: the ``--json`` document.
        render: the rendering for people: a table, or a function printing on a console.
    """

    data: Any
    render: Render | Table


_PIPE_WIDTH = 200


def epoch_text(epoch: Any) -> str:
    """An epoch as ``YYYY-MM-DD HH:MM:SS`` UTC (empty for a missing value)."""
    if epoch is None or epoch == "":
        return ""
    try:
        moment = _dt.datetime.fromtimestamp(int(epoch), tz=_dt.UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return str(epoch)
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def money(amount: Any, currency: str | None = None) -> str:
    """An amount with two decimals (and its currency when given)."""
    if amount is None or amount == "":
        return ""
    try:
        text = f"{float(amount):,.2f}"
    except (TypeError, ValueError):
        text = str(amount)
    return f"{text} {currency}" if currency else text


def _cell(value: Any) -> Text:
    if value is None:
        return Text("")
    if isinstance(value, Text):
        return value
    if isinstance(value, list | tuple):
        return Text(", ".join(str(v) for v in value))
    return Text(str(value))


def table(
    title: str | None,
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    right: Iterable[str] = (),
) -> Table:
    """A table with a header row; ``right`` names the columns aligned right (numbers)."""
    aligned = set(right)
    out = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)
    for name in columns:
        out.add_column(name, justify="right" if name in aligned else "left", overflow="fold")
    for row in rows:
        out.add_row(*(_cell(v) for v in row))
    return out


def key_values(title: str | None, items: Iterable[tuple[str, Any]]) -> Table:
    """A two-column ``name  value`` list."""
    out = Table(
        title=title,
        title_justify="left",
        show_header=False,
        show_edge=False,
        box=None,
        min_width=len(title) if title else None,
    )
    out.add_column(style="bold")
    out.add_column(overflow="fold")
    for name, value in items:
        out.add_row(Text(name), _cell(value))
    return out


class Output:
    """Printing for one command run.

    Args:
        json_mode: print JSON documents instead of tables.
    """

    def __init__(self, *, json_mode: bool) -> None:
        self.json = json_mode

    @staticmethod
    def console() -> Console:
        """A console on the current stdout (looked up now: tests swap ``sys.stdout``).

        Off a terminal (a file, a pipe) rich would assume 80 columns and fold every table;
        a wide page keeps one row per line for ``grep`` and ``less``.
        """
        console = Console(file=sys.stdout, highlight=False, soft_wrap=False)
        if not console.is_terminal:
            console.width = _PIPE_WIDTH
        return console

    def document(self, data: Any, render: Render | Table) -> None:
        """Print the command's result: ``data`` as JSON, or ``render`` for people."""
        if self.json:
            sys.stdout.write(json.dumps(data, indent=2, sort_keys=True, default=str) + "\n")
            sys.stdout.flush()
            return
        console = self.console()
        if isinstance(render, Table):
            console.print(render)
        else:
            render(console)

    def show(self, view: View) -> None:
        """Print a command's result from its :class:`View`."""
        self.document(view.data, view.render)

    def record(self, data: Mapping[str, Any], text: str) -> None:
        """Print one update of a stream: a JSON line, or one line of text."""
        if self.json:
            sys.stdout.write(json.dumps(data, sort_keys=True, default=str) + "\n")
        else:
            sys.stdout.write(text + "\n")
        sys.stdout.flush()

    @staticmethod
    def note(text: str) -> None:
        """A remark for the person at the terminal (stderr; never part of the JSON)."""
        print(f"triobot: {text}", file=sys.stderr, flush=True)

    def error(self, code: str, message: str, details: Mapping[str, Any] | None = None) -> None:
        """Report a failure: one line on stderr, and a JSON ``error`` document with ``--json``."""
        line = f"triobot: {code}: {message}"
        if details:
            line += " (" + "; ".join(f"{k}: {v}" for k, v in sorted(details.items())) + ")"
        print(line, file=sys.stderr, flush=True)
        if self.json:
            error: dict[str, Any] = {"code": code, "message": message}
            if details:
                error["details"] = dict(details)
            sys.stdout.write(json.dumps({"error": error}, indent=2, sort_keys=True) + "\n")
            sys.stdout.flush()
