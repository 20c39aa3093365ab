"""A bot's history from its journal: trades, win rate, P&L, drawdown, how contracts ended.

The figures are the backtest's (:class:`~framework.backtest.metrics.Metrics`), fed the
journal's settled contracts in settlement order, so a live run and a replay are summarised
by the same definitions. Equity here is cumulative profit (the journal does not know the
opening balance), so the drawdown is in account currency.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from typing import Any

import attrs

from framework.backtest.metrics import Metrics, ends_text
from framework.journal import Journal
from framework.risk import Trip

__all__ = ["JournalReport", "journal_report"]


@attrs.frozen
class JournalReport:
    """What a journal says about a bot's history.

    Attributes:
        path: the journal file.
        first: epoch of the first purchase (``None`` without contracts).
        last: epoch of the last settlement.
        total: figures over every settled contract.
        strategies: figures per strategy, by name (in order of first trade).
        open: contracts bought and not settled.
        intents: intents by status.
        not_bought: reasons intents were not bought or were refused, with counts.
        reconciled: contracts whose buy answer was lost and found in the account's records.
        trips: every risk limit tripped, cleared ones included, in the order they started.
    """

    path: str
    first: int | None
    last: int | None
    total: Metrics
    strategies: dict[str, Metrics]
    open: int
    intents: dict[str, int]
    not_bought: dict[str, int]
    reconciled: int
    trips: tuple[Trip, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {
            "journal": self.path,
            "first_epoch": self.first,
            "last_epoch": self.last,
            **self.total.summary(),
            "open": self.open,
            "intents": dict(self.intents),
            "not_bought": dict(self.not_bought),
            "reconciled": self.reconciled,
            "trips": [trip.as_dict() for trip in self.trips],
            "strategies": [{"strategy": k, **m.summary()} for k, m in self.strategies.items()],
        }

    def lines(self) -> list[str]:
        """The report as text for people."""
        out = [f"journal {self.path}"]
        if self.first is not None:
            out.append(f"period  {_when(self.first)} .. {_when(self.last)}")
        header = f"{'strategy':<20} {'trades':>6} {'won':>5} {'win%':>6} {'P&L':>10} {'max DD':>9}"
        out += ["", header, "-" * len(header)]
        rows = [*self.strategies.items(), ("total", self.total)]
        for name, m in rows:
            rate = f"{100 * m.win_rate:.1f}" if m.win_rate is not None else "-"
            out.append(
                f"{name:<20} {m.trades:>6} {m.wins:>5} {rate:>6} {m.net:>10.2f} "
                f"{m.max_drawdown:>9.2f}"
            )
        out.append("")
        pf = self.total.profit_factor
        out.append(
            f"turnover {self.total.turnover:.2f}  profit factor "
            f"{'-' if pf is None else f'{pf:.2f}'}  longest losing streak "
            f"{self.total.longest_losing_streak}"
        )
        if self.total.ends:
            out.append("ended " + ends_text(self.total.ends))
        out.append(
            "intents " + (", ".join(f"{k} {v}" for k, v in sorted(self.intents.items())) or "none")
        )
        if self.open:
            out.append(f"open contracts {self.open} (followed to settlement on the next start)")
        if self.reconciled:
            out.append(f"reconciled buys {self.reconciled} (answer lost, found on the account)")
        for trip in self.trips:
            out.append(f"risk limit {trip.limit} tripped {trip.span()}: {trip.reason}")
        if self.not_bought:
            out.append("not bought / refused:")
            for reason, count in sorted(self.not_bought.items(), key=lambda kv: -kv[1]):
                out.append(f"  {count:>5}  {reason}")
        return out


def journal_report(journal: Journal) -> JournalReport:
    """Summarise a journal.

    Args:
        journal: an open journal.

    Returns:
        The report.
    """
    contracts = journal.contracts()
    settled = sorted(
        (c for c in contracts if c.status != "open" and c.profit is not None),
        key=lambda c: (c.settled_at or 0, c.contract_id),
    )
    total = Metrics()
    per: dict[str, Metrics] = {}
    for c in settled:
        assert c.profit is not None
        end = c.end or "expired"
        total.add(c.buy_price, c.profit, end)
        per.setdefault(c.strategy, Metrics()).add(c.buy_price, c.profit, end)
    intents = journal.intents()
    statuses = Counter(i.status for i in intents)
    reasons = Counter(
        _reason_kind(i.reason or i.status)
        for i in intents
        if i.status in ("not_bought", "rejected")
    )
    reconciled = sum(1 for i in intents if i.status == "bought" and i.reason == "reconciled")
    return JournalReport(
        path=journal.path,
        first=min((c.purchase_time for c in contracts), default=None),
        last=max((c.settled_at or 0 for c in settled), default=None),
        total=total,
        strategies=per,
        open=sum(1 for c in contracts if c.status == "open"),
        intents=dict(statuses),
        not_bought=dict(reasons),
        reconciled=reconciled,
        trips=tuple(
            Trip(t["limit"], t["reason"], t["started"], t["until"], t["ended"])
            for t in journal.trips()
        ),
    )


def _when(epoch: int | None) -> str:
    if epoch is None:
        return "-"
    return datetime.fromtimestamp(epoch, tz=UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _reason_kind(reason: str) -> str:
    """Group reasons that differ only in figures (``max_trades: 2 trades, ...``)."""
    head, sep, _ = reason.partition(": ")
    return head if sep and head.replace("_", "").isalnum() else reason
