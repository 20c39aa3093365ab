"""Building the nested ``triobot GROUP COMMAND`` parsers the same way in every group."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from .options import add_endpoint_options

__all__ = ["add_command", "command_group"]

Handler = Callable[[argparse.Namespace], int]


def command_group(subparsers: Any, name: str, *, help: str, description: str) -> Any:
    """Add ``triobot NAME`` with its own subcommands; bare ``triobot NAME`` prints its help."""
    parser = subparsers.add_parser(name, help=help, description=description)

    def show_help(args: argparse.Namespace) -> int:
        parser.print_help()
        return 2

    parser.set_defaults(handler=show_help)
    return parser.add_subparsers(title="commands", metavar="COMMAND", parser_class=type(parser))


def add_command(
    group: Any,
    name: str,
    handler: Handler,
    *,
    help: str,
    description: str | None = None,
    endpoint: bool = True,
) -> argparse.ArgumentParser:
    """Add one subcommand to ``group``; ``endpoint`` adds the endpoint/token/--json options.

    Commands that never connect (``oauth url``) pass ``endpoint=False`` and add ``--json``
    themselves.
    """
    parser: argparse.ArgumentParser = group.add_parser(
        name, help=help, description=description or help[:1].upper() + help[1:] + "."
    )
    if endpoint:
        add_endpoint_options(parser)
    parser.set_defaults(handler=handler)
    return parser
