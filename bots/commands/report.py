"""``triobot report JOURNAL``: a bot's history from its journal.

Trades, wins, win rate, P&L and max drawdown per strategy and in total (the backtest's
metric definitions), open contracts, and why intents were not bought. ``--json`` prints
the same as one JSON object.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
from pathlib import Path
from typing import Any

from framework.errors import UserError
from framework.journal import Journal, JournalError
from framework.runtime.report import journal_report

__all__ = ["register"]


def register(subparsers: Any) -> None:
    """Add ``report`` to the command line."""
    parser = subparsers.add_parser(
        "report",
        help="summarise a bot's history from its journal",
        description=(
            "Summarise a bot's journal: trades, win rate, P&L, max drawdown, per-strategy "
            "rows, open contracts and the reasons intents were not bought."
        ),
    )
    parser.add_argument("journal", help="the journal file (the config's journal:)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of text")
    parser.set_defaults(handler=_handle)


def _handle(args: argparse.Namespace) -> int:
    path = Path(args.journal)
    if not path.is_file():
        raise UserError(f"{path}: no such journal file", exit_code=2)
    try:
        # Read-only and without the writer's lock: a running bot's journal can be reported.
        with Journal(path, readonly=True) as journal:
            report = journal_report(journal)
    except JournalError as exc:
        raise UserError(str(exc)) from None  # it names the file and the reason already
    except sqlite3.DatabaseError as exc:
        raise UserError(f"{path}: not a triobot journal ({exc})") from None
    if args.json:
        json.dump(report.as_dict(), sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        sys.stdout.write("\n".join(report.lines()) + "\n")
    return 0
