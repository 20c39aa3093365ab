"""How ``triobot ... --help`` renders: plain text, wrapped to the terminal.

Command descriptions come from the modules' docstrings, written for the API docs in reST:
``literal`` and :role:`target` markup would reach the terminal verbatim. This formatter
strips it, and re-wraps each paragraph to the terminal's width (argparse reads ``COLUMNS``
or the terminal size) while keeping what the docstring lays out: paragraphs, bullet items
and indented blocks. An option with many choices shows a short metavar in the usage line
and lists its choices in its help, where they can wrap.
"""

from __future__ import annotations

import argparse
import re
import textwrap
from collections.abc import Callable

__all__ = ["HelpFormatter", "plain"]

_LITERAL = re.compile(r"``(.+?)``", re.DOTALL)
_ROLE = re.compile(r":[a-z]+(?::[a-z]+)?:`~?([^`]+?)`")
_BULLET = re.compile(r"([*-] |\d+\. )")


def plain(text: str) -> str:
    """Text without reST inline markup: ``x`` becomes x, :class:`~a.B` becomes B."""

    def role(match: re.Match[str]) -> str:
        target = match.group(1)
        # `~a.b.C` shows only its last part, as Sphinx would render it.
        return target.rsplit(".", 1)[-1] if match.group(0).count("~") else target

    return _LITERAL.sub(r"\1", _ROLE.sub(role, text))


#: A ``{a,b,c}`` metavar longer than this becomes ``DEST`` plus a choices list in the help.
_LONG_CHOICES = 24


def _long_choices(action: argparse.Action) -> bool:
    return (
        action.metavar is None
        and action.choices is not None
        and bool(action.option_strings)
        and len(",".join(map(str, action.choices))) > _LONG_CHOICES
    )


class HelpFormatter(argparse.HelpFormatter):
    """argparse's formatter, reading plain text and wrapping paragraphs, not lines."""

    def _metavar_formatter(
        self, action: argparse.Action, default_metavar: str
    ) -> Callable[[int], tuple[str, ...]]:
        if _long_choices(action):
            name = action.dest.upper()
            return lambda size: (name,) * size
        return super()._metavar_formatter(action, default_metavar)

    def _get_help_string(self, action: argparse.Action) -> str | None:
        text = super()._get_help_string(action)
        if _long_choices(action):
            assert action.choices is not None
            listed = ", ".join(map(str, action.choices))
            text = f"{text or ''} (one of: {listed})".strip()
        return text

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        blocks: list[str] = []
        for paragraph in re.split(r"\n\s*\n", textwrap.dedent(plain(text)).strip("\n")):
            blocks.append(_fill_paragraph(paragraph, width, indent))
        return "\n\n".join(blocks)

    def _split_lines(self, text: str, width: int) -> list[str]:
        return super()._split_lines(plain(text), width)


def _fill_paragraph(paragraph: str, width: int, indent: str) -> str:
    lines = paragraph.splitlines()
    if all(line.startswith("  ") for line in lines):
        return "\n".join(indent + line for line in lines)  # an example block: as written
    items: list[list[str]] = []
    for line in lines:
        stripped = line.strip()
        if _BULLET.match(stripped) or not items:
            items.append([stripped])
        else:
            items[-1].append(stripped)
    out: list[str] = []
    for item in items:
        words = " ".join(item)
        bullet = _BULLET.match(words)
        hang = " " * len(bullet.group(1)) if bullet else ""
        out.append(
            textwrap.fill(words, width, initial_indent=indent, subsequent_indent=indent + hang)
        )
    return "\n".join(out)
