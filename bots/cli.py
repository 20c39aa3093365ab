"""The ``triobot`` command line.

Each subcommand lives in its own module under ``bots/commands/`` and exposes
``register(subparsers) -> None``; the module's ``register`` sets ``handler`` on its parser
with ``set_defaults(handler=...)``. A handler returns the process exit code.

Exit codes: 0 success, 1 an error the command reports (API error, an endpoint that cannot be
reached, failed check, failed run), 2 a usage error (bad arguments, bad config file), 3 the
token was refused, is malformed, or lacks a scope the command needs. Errors a user can cause
are printed as one clear message on stderr, never as a traceback.
"""

from __future__ import annotations

import argparse
import difflib
import importlib
import importlib.metadata
import os
import pkgutil
import re
import sys
from collections.abc import Callable, Sequence
from typing import Any

from bots.accounting.options import TOKEN_INSTEAD, refuse_on_command_line
from framework.errors import UserError

from .helptext import HelpFormatter

__all__ = ["build_parser", "command_modules", "main", "unrecognized"]

# ``triobot --help`` lists these first, in this order; any other module in bots/commands
# follows alphabetically. Discovery (rather than a fixed list) lets a command land in one file.
PREFERRED_ORDER: tuple[str, ...] = (
    "run", "check", "report", "sim", "backtest", "sweep", "download", "record",
    "account", "agent", "oauth", "api",
)  # fmt: skip


def command_modules() -> list[str]:
    """Names of the modules under ``bots/commands`` that define subcommands."""
    from bots import commands

    found = {
        info.name
        for info in pkgutil.iter_modules(commands.__path__)
        if not info.name.startswith("_")
    }
    first = [name for name in PREFERRED_ORDER if name in found]
    return first + sorted(found - set(first))


Handler = Callable[[argparse.Namespace], int]


# What an unknown word on the command line may be shown as: an option's name (``--word-word``
# or ``-x``). Anything else (a value, ``--option=value``'s value, ``-Abc123``) could be a
# secret typed in the wrong place.
_OPTION_NAME = re.compile(r"^(--[a-z][a-z0-9-]*|-[A-Za-z])$")


def unrecognized(words: Sequence[str]) -> str:
    """The usage error for words no parser took, naming options but never repeating values."""
    names: list[str] = []
    hidden = 0
    for word in words:
        name, sep, _ = word.partition("=")
        if _OPTION_NAME.match(name):
            names.append(name)
            hidden += bool(sep)
        else:
            hidden += 1
    message = "unrecognized arguments: " + " ".join(names)
    if hidden:
        values = "1 value" if hidden == 1 else f"{hidden} values"
        message += f"{' and ' if names else ''}{values} (not repeated: a value may be a secret)"
    return message


class _Parser(argparse.ArgumentParser):
    """argparse that exits with 2 and one clear line, as every other usage error does.

    Every parser of the command line is this class (subcommands inherit it), so the rules
    hold everywhere: an option is only ever its full name, never an abbreviation (``--token
    SECRET`` must not become ``--token-file SECRET``), and an unknown word or a refused
    choice is not echoed unless it is close to a valid one (a typo worth pointing out).
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Forced, not defaulted: no (sub)command may opt back in to abbreviations.
        kwargs["allow_abbrev"] = False
        # Every parser, subcommands included, renders its help as plain wrapped text.
        kwargs.setdefault("formatter_class", HelpFormatter)
        super().__init__(*args, **kwargs)

    # The stub overloads parse_args by namespace type; this one signature serves both uses.
    def parse_args(  # type: ignore[override]
        self, args: Sequence[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> argparse.Namespace:
        """Parse ``args``; a word no parser takes is a usage error that hides its value."""
        parsed, extra = self.parse_known_args(args, namespace)
        if extra:
            self.error(unrecognized(extra))
        return parsed

    def _check_value(self, action: argparse.Action, value: Any) -> None:
        # argparse's own check repeats the word it refuses: ``triobot --token SECRET`` would
        # print SECRET as an unknown command. Repeat it only when it is close to a choice
        # (a typo worth pointing out), which a secret is not.
        choices = action.choices
        if choices is None or value in choices:
            return
        names = {str(choice).lower(): str(choice) for choice in choices}
        listed = ", ".join(map(repr, names.values()))
        close = difflib.get_close_matches(str(value).lower(), names, n=1)
        if close:
            message = (
                f"invalid choice: {value!r} (did you mean {names[close[0]]!r}? "
                f"choose from {listed})"
            )
        else:
            message = f"invalid choice (not repeated: it may be a secret); choose from {listed}"
        raise argparse.ArgumentError(action, message)

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    """Build the parser with every available subcommand registered."""
    parser = _Parser(
        prog="triobot",
        description=(
            "Event-driven trading bots for the Deriv API v3: run bots from YAML configs, "
            "backtest them on recorded ticks, and reach every account call of the API guide. "
            "Everything runs against the embedded simulator unless an endpoint is given."
        ),
    )
    parser.add_argument("--version", action="version", version=f"triobot {_version()}")
    # Before the command too: `triobot --token SECRET account balance` must get the same
    # one-line refusal as after it, not an "invalid choice" that leaves the user guessing.
    refuse_on_command_line(parser, "--token", instead=TOKEN_INSTEAD)
    subparsers = parser.add_subparsers(title="commands", metavar="COMMAND", parser_class=_Parser)
    for name in command_modules():
        module = importlib.import_module(f"bots.commands.{name}")
        module.register(subparsers)
    return parser


def _version() -> str:
    try:
        return importlib.metadata.version("triobot")
    except importlib.metadata.PackageNotFoundError:  # run from a tree that is not installed
        return "unknown (not installed)"


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``triobot`` console script."""
    parser = build_parser()
    try:
        # Inside the try: an option refused while parsing (a secret given on the command
        # line) is a UserError, one line like any other.
        args = parser.parse_args(argv)
        handler: Handler | None = getattr(args, "handler", None)
        if handler is None:
            parser.print_help()
            return 2
        return handler(args)
    except UserError as exc:
        print(f"triobot: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("triobot: interrupted", file=sys.stderr)
        return 130
    except BaseExceptionGroup as group:
        # Ctrl-C inside a command's Trio nurseries arrives wrapped in their exception groups.
        _, rest = group.split(KeyboardInterrupt)
        if rest is not None:
            raise
        print("triobot: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # `triobot ... | head` closed our stdout: not an error worth a traceback. Point
        # stdout at /dev/null so the interpreter's final flush does not raise again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
