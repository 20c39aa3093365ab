"""The bot's running figures: the periodic status line and the end-of-run summary."""

from __future__ import annotations

from typing import Any

import attrs
import trio

from framework.connection import Connection
from framework.execution import ExecutionActor
from framework.risk import Trip

from .gate import JournalingGate
from .runner import StrategyRunner

__all__ = ["RunSummary", "StatusBoard"]


@attrs.frozen
class RunSummary:
    """How a run went (printed at exit).

    Attributes:
        reason: why it stopped (``"SIGTERM"``, ``"duration"``...).
        ticks: ticks dispatched to strategies.
        intents: intents that reached the execution actor.
        bought: contracts bought.
        settled: contracts settled in this run.
        won: of those, won.
        profit: their profit.
        opening_balance: balance at authorization.
        balance: balance at exit.
        open_at_exit: contracts still open at exit (followed again on the next start).
        refused: risk refusals by limit.
        trips: every risk limit tripped in the run, cleared ones included, in order.
        strategies: one row per strategy.
        reconnects: connection losses recovered from.
        unreadable: messages that could not be understood (logged, then handled).
        candles: closed candles given to the strategies (the history before the start not
            counted).
    """

    reason: str
    ticks: int
    intents: int
    bought: int
    settled: int
    won: int
    profit: float
    opening_balance: float
    balance: float
    open_at_exit: int
    refused: dict[str, int]
    trips: tuple[Trip, ...]
    strategies: tuple[dict[str, Any], ...]
    reconnects: int
    unreadable: int = 0
    candles: int = 0

    def lines(self) -> list[str]:
        """The summary as text lines for people."""
        win_rate = f"{100 * self.won / self.settled:.0f}%" if self.settled else "-"
        out = [
            f"stopped: {self.reason}",
            f"ticks {self.ticks}  "
            + (f"candles {self.candles}  " if self.candles else "")
            + f"intents {self.intents}  bought {self.bought}  "
            f"settled {self.settled}  won {self.won} ({win_rate})",
            f"profit {self.profit:+.2f}  balance {self.opening_balance:.2f} -> "
            f"{self.balance:.2f}  open at exit {self.open_at_exit}",
        ]
        if self.refused:
            out.append(
                "risk refusals: " + ", ".join(f"{k} {v}" for k, v in sorted(self.refused.items()))
            )
        out.extend(
            f"risk limit {trip.limit} tripped {trip.span()}: {trip.reason}" for trip in self.trips
        )
        if self.unreadable:
            out.append(
                f"{self.unreadable} message(s) could not be read: each was logged, then "
                "skipped (ticks) or asked again (buys, contracts)"
            )
        for row in self.strategies:
            out.append(
                f"  {row['strategy']}: {row['state']}, intents {row['intents']}, "
                f"errors {row['errors']}, restarts {row['restarts']}"
            )
        if self.open_at_exit:
            out.append(
                f"{self.open_at_exit} contract(s) still open: the journal keeps them and the "
                "next start follows them to settlement"
            )
        return out


class StatusBoard:
    """Reads the live components' counters into status lines and the summary."""

    def __init__(
        self,
        *,
        runner: StrategyRunner,
        actor: ExecutionActor,
        gate: JournalingGate,
        connection: Connection,
        opening_balance: float,
        log: Any,
    ) -> None:
        self.runner = runner
        self.actor = actor
        self.gate = gate
        self.connection = connection
        self.opening_balance = opening_balance
        self._log = log

    def fields(self) -> dict[str, Any]:
        """The figures of one status line."""
        s = self.actor.stats
        conn = self.connection
        return {
            "ticks": self.runner.ticks,
            "candles": self.runner.host.candles,
            "trades": s.bought,
            "open": len(self.actor.followed),
            "settled": s.settled,
            "won": s.won,
            "pnl": round(s.profit, 2),
            "balance": round(self.actor.balance, 2),
            "connected": conn.connected,
            "reconnects": conn.stats.reconnects,
            "unreadable": conn.stats.unreadable,
            "refused": sum(self.gate.refused.values()),
            "busy": s.busy,
            "tripped": self.gate.trip.limit if self.gate.trip is not None else None,
        }

    async def run(self, interval: float) -> None:
        """Log a status line every ``interval`` seconds until cancelled."""
        while True:
            await trio.sleep(interval)
            self._log.info("status", **self.fields())

    def summary(self, reason: str) -> RunSummary:
        """The end-of-run summary."""
        s = self.actor.stats
        return RunSummary(
            reason=reason,
            ticks=self.runner.ticks,
            intents=s.intents,
            bought=s.bought,
            settled=s.settled,
            won=s.won,
            profit=round(s.profit, 2),
            opening_balance=round(self.opening_balance, 2),
            balance=round(self.actor.balance, 2),
            open_at_exit=len(self.actor.followed),
            refused=dict(self.gate.refused),
            trips=tuple(self.gate.history),
            strategies=tuple(self.runner.summary()),
            reconnects=self.connection.stats.reconnects,
            unreadable=self.connection.stats.unreadable,
            candles=self.runner.host.candles,
        )
