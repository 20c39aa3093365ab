"""The ``--log-format`` and ``--log-level`` options of every command that logs.

One definition, so that every command offers the same two options with the same choices
and meaning: ``auto`` renders for people on a terminal and JSON lines otherwise. Each
command keeps its own default level (``run`` and ``sim`` log at info; the tick and replay
commands only warn, their output being the files and tables they write).
"""

from __future__ import annotations

import argparse
from typing import cast

from framework.logs import LOG_FORMATS, LogFormat, configure_logging

__all__ = ["LOG_LEVELS", "add_log_options", "configure_from"]

LOG_LEVELS = ("debug", "info", "warning", "error")


def add_log_options(parser: argparse.ArgumentParser, *, level: str = "info") -> None:
    """Add ``--log-format`` and ``--log-level`` to a command.

    Args:
        parser: the command's parser.
        level: the command's default level (one of :data:`LOG_LEVELS`).
    """
    parser.add_argument(
        "--log-format",
        choices=LOG_FORMATS,
        default="auto",
        help="log lines on stderr: console on a terminal, JSON lines otherwise (default auto)",
    )
    parser.add_argument(
        "--log-level",
        choices=LOG_LEVELS,
        default=level,
        help=f"the least severe log lines shown (default {level})",
    )


def configure_from(args: argparse.Namespace) -> None:
    """Configure logging from the options :func:`add_log_options` added."""
    fmt = cast(LogFormat, args.log_format)
    configure_logging(fmt=fmt, level=args.log_level)
