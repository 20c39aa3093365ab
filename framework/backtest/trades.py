"""Trade records: one row per settled contract, as the replay produces them and the CSV holds.

A :class:`Trade` joins the strategy-facing :class:`~framework.strategy.events.ClosedContract`
(what live and backtest both produce) with the intent it was bought for and the balance
after settlement. Sinks receive trades as they settle, so a long replay can stream them to a
CSV file instead of holding them (memory stays flat in the number of ticks).
"""

from __future__ import annotations

import csv
import os
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Final, Protocol

import attrs

from framework.strategy.events import ClosedContract, TradeIntent

__all__ = ["TRADE_COLUMNS", "Trade", "TradeCollector", "TradeSink", "TradesCsvWriter"]

TRADE_COLUMNS: Final = (
    "intent_id",
    "strategy",
    "contract_id",
    "symbol",
    "contract_type",
    "duration",
    "duration_unit",
    "barrier",
    "basis",
    "purchase_time",
    "entry_epoch",
    "entry_quote",
    "exit_epoch",
    "exit_quote",
    "sell_time",
    "status",
    "end",
    "buy_price",
    "payout",
    "sell_price",
    "profit",
    "balance",
)
"""Columns of ``trades.csv``, in order."""


@attrs.frozen
class Trade:
    """One settled contract of a replay.

    Attributes:
        closed: the result the strategy, the sizing scheme and the risk gate saw.
        intent: the intent it was bought for.
        balance: the account balance right after it settled.
    """

    closed: ClosedContract
    intent: TradeIntent
    balance: float

    def row(self) -> dict[str, Any]:
        """Return the trade as a ``trades.csv`` row (keys of :data:`TRADE_COLUMNS`)."""
        c = self.closed
        i = self.intent
        return {
            "intent_id": c.intent_id,
            "strategy": c.strategy,
            "contract_id": c.contract_id,
            "symbol": c.symbol,
            "contract_type": c.contract_type,
            "duration": i.duration,
            "duration_unit": i.duration_unit,
            "barrier": "" if i.barrier is None else i.barrier,
            "basis": i.basis,
            "purchase_time": c.purchase_time,
            "entry_epoch": c.entry_epoch,
            "entry_quote": c.entry_quote,
            "exit_epoch": c.exit_epoch,
            "exit_quote": c.exit_quote,
            "sell_time": c.sell_time,
            "status": c.status,
            "end": c.end,
            "buy_price": f"{c.buy_price:.2f}",
            "payout": f"{c.payout:.2f}",
            "sell_price": f"{c.sell_price:.2f}",
            "profit": f"{c.profit:.2f}",
            "balance": f"{self.balance:.2f}",
        }


class TradeSink(Protocol):
    """Anything that takes trades as they settle."""

    def __call__(self, trade: Trade) -> None:
        """Take one trade."""
        ...


class TradeCollector:
    """A sink that keeps every trade in a list (tests, parity checks, small replays).

    Attributes:
        trades: the trades, in settlement order.
    """

    def __init__(self) -> None:
        self.trades: list[Trade] = []

    def __call__(self, trade: Trade) -> None:
        """Keep one trade."""
        self.trades.append(trade)


class TradesCsvWriter:
    """A sink that streams trades to a CSV file (``trades.csv`` of a report).

    Use as a context manager, or call :meth:`close`.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        """Create (or truncate) the file and write the header.

        Args:
            path: the CSV file; its folder is created if needed.
        """
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._file: IO[str] = open(self.path, "w", encoding="utf-8", newline="")  # noqa: SIM115
        self._writer = csv.DictWriter(self._file, fieldnames=TRADE_COLUMNS)
        self._writer.writeheader()
        self.count = 0

    def __call__(self, trade: Trade) -> None:
        """Write one trade."""
        self._writer.writerow(trade.row())
        self.count += 1

    def close(self) -> None:
        """Flush and close the file."""
        self._file.close()

    def __enter__(self) -> TradesCsvWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
