"""Performance metrics of a replay, accumulated trade by trade in constant memory.

:class:`Metrics` is fed each settled trade (``add``) and keeps only running figures, so a
replay of any length summarises without holding its trades. :class:`EquityCurve` keeps a
bounded, evenly thinned sample of the closed-trade equity for the plot.

Definitions (all amounts in account currency, on *settled* contracts only; contracts still
open when the ticks run out are reported apart, never guessed):

* net P&L: sum of profits; turnover: sum of stakes paid.
* win rate: share of contracts with a profit > 0 (a sale at a gain counts as a win).
* profit factor: gross profit / gross loss (``None`` when there is no loss).
* expectancy: net P&L / trades (the average profit of one trade).
* max drawdown: largest fall of closed-trade equity from a previous peak (equity = opening
  balance + cumulative profit; the percentage is of that peak).
* longest losing streak: most losses in a row.
* ends: how the contracts ended (expired, sold, take_profit, stop_loss, stopped_out,
  knocked_out, cancelled: :data:`~framework.market.settlement.EndReason`), with counts.
"""

from __future__ import annotations

from typing import Any

__all__ = ["EquityCurve", "Metrics", "ends_text"]


class Metrics:
    """Running statistics over settled trades.

    Attributes:
        start: equity before the first trade (the opening balance; 0 for a per-strategy
            curve, which tracks cumulative profit).
        trades: settled trades.
        wins: trades with a profit > 0.
        gross_profit: sum of positive profits.
        gross_loss: sum of negative profits, as a positive number.
        turnover: sum of stakes.
        largest_win: best single profit.
        largest_loss: worst single profit (negative or 0).
        longest_losing_streak: most losses in a row.
        longest_winning_streak: most wins in a row.
        max_drawdown: largest fall of equity from a previous peak.
        max_drawdown_pct: that fall as a percentage of the peak; only meaningful for an
            account curve (``start > 0``), ``None`` in :meth:`summary` otherwise.
        peak: highest equity so far.
        equity: equity now.
        ends: trades by how they ended, in order of first occurrence.
    """

    __slots__ = (
        "_loss_run",
        "_win_run",
        "ends",
        "equity",
        "gross_loss",
        "gross_profit",
        "largest_loss",
        "largest_win",
        "longest_losing_streak",
        "longest_winning_streak",
        "max_drawdown",
        "max_drawdown_pct",
        "peak",
        "start",
        "trades",
        "turnover",
        "wins",
    )

    def __init__(self, start: float = 0.0) -> None:
        """Start from ``start`` equity.

        Args:
            start: opening equity.
        """
        self.start = start
        self.equity = start
        self.peak = start
        self.trades = 0
        self.wins = 0
        self.gross_profit = 0.0
        self.gross_loss = 0.0
        self.turnover = 0.0
        self.largest_win = 0.0
        self.largest_loss = 0.0
        self.longest_losing_streak = 0
        self.longest_winning_streak = 0
        self.max_drawdown = 0.0
        self.max_drawdown_pct = 0.0
        self._loss_run = 0
        self._win_run = 0
        self.ends: dict[str, int] = {}

    def add(self, stake: float, profit: float, end: str = "expired") -> None:
        """Account for one settled trade.

        Args:
            stake: what it cost.
            profit: its profit (negative for a loss).
            end: how it ended (``"expired"``, ``"sold"``, ``"stopped_out"``...).
        """
        ends = self.ends
        ends[end] = ends.get(end, 0) + 1
        self.trades += 1
        self.turnover += stake
        if profit > 0:
            self.wins += 1
            self.gross_profit += profit
            self._win_run += 1
            self._loss_run = 0
            if self._win_run > self.longest_winning_streak:
                self.longest_winning_streak = self._win_run
            if profit > self.largest_win:
                self.largest_win = profit
        else:
            self.gross_loss -= profit
            self._loss_run += 1
            self._win_run = 0
            if self._loss_run > self.longest_losing_streak:
                self.longest_losing_streak = self._loss_run
            if profit < self.largest_loss:
                self.largest_loss = profit
        equity = self.equity + profit
        self.equity = equity
        if equity > self.peak:
            self.peak = equity
        else:
            fall = self.peak - equity
            if fall > self.max_drawdown:
                self.max_drawdown = fall
                self.max_drawdown_pct = 100.0 * fall / self.peak if self.peak > 0 else 0.0

    @property
    def net(self) -> float:
        """Net profit."""
        return self.gross_profit - self.gross_loss

    @property
    def losses(self) -> int:
        """Trades without a profit."""
        return self.trades - self.wins

    @property
    def win_rate(self) -> float | None:
        """Share of winning trades (0-1), ``None`` without trades."""
        return self.wins / self.trades if self.trades else None

    @property
    def profit_factor(self) -> float | None:
        """Gross profit / gross loss, ``None`` when nothing was lost."""
        return self.gross_profit / self.gross_loss if self.gross_loss > 0 else None

    @property
    def expectancy(self) -> float | None:
        """Average profit per trade, ``None`` without trades."""
        return self.net / self.trades if self.trades else None

    def summary(self) -> dict[str, Any]:
        """Return the figures as a JSON-ready dict (amounts rounded to cents).

        Returns:
            trades, wins, losses, win_rate, net_pnl, gross_profit, gross_loss,
            profit_factor, expectancy, max_drawdown, max_drawdown_pct,
            longest_losing_streak, longest_winning_streak, largest_win, largest_loss,
            turnover, average_stake, ends (trades by how they ended).
        """

        def cents(x: float | None) -> float | None:
            return None if x is None else round(x, 2)

        def ratio(x: float | None) -> float | None:
            return None if x is None else round(x, 4)

        return {
            "trades": self.trades,
            "wins": self.wins,
            "losses": self.losses,
            "win_rate": ratio(self.win_rate),
            "net_pnl": cents(self.net),
            "gross_profit": cents(self.gross_profit),
            "gross_loss": cents(self.gross_loss),
            "profit_factor": ratio(self.profit_factor),
            "expectancy": ratio(self.expectancy),
            "max_drawdown": cents(self.max_drawdown),
            "max_drawdown_pct": round(self.max_drawdown_pct, 2) if self.start > 0 else None,
            "longest_losing_streak": self.longest_losing_streak,
            "longest_winning_streak": self.longest_winning_streak,
            "largest_win": cents(self.largest_win),
            "largest_loss": cents(self.largest_loss),
            "turnover": cents(self.turnover),
            "average_stake": cents(self.turnover / self.trades) if self.trades else None,
            "ends": dict(self.ends),
        }


def ends_text(ends: dict[str, int]) -> str:
    """How contracts ended, for people: ``expired 120, sold 14, stopped out 2``.

    Args:
        ends: trades by end reason (:attr:`Metrics.ends`).

    Returns:
        The reasons with their counts, in the given order.
    """
    return ", ".join(f"{end.replace('_', ' ')} {count:,}" for end, count in ends.items())


class EquityCurve:
    """A bounded sample of ``(epoch, equity)`` points, evenly thinned as it grows.

    Every ``stride``-th point is kept; when ``capacity`` points are held, every other one is
    dropped and the stride doubles. The first point is always kept and the latest point is
    remembered, so the curve spans the whole replay in at most ``capacity + 1`` points.

    Attributes:
        capacity: most points kept.
        stride: keep one point in ``stride``.
        points: the kept points.
        last: the latest point seen (kept or not).
    """

    def __init__(self, capacity: int = 4096) -> None:
        """Create an empty curve.

        Args:
            capacity: most points kept (at least 2).
        """
        if capacity < 2:
            raise ValueError("capacity must be at least 2")
        self.capacity = capacity
        self.stride = 1
        self.points: list[tuple[int, float]] = []
        self.last: tuple[int, float] | None = None
        self._seen = 0

    def add(self, epoch: int, equity: float) -> None:
        """Offer one point."""
        point = (epoch, equity)
        self.last = point
        if self._seen % self.stride == 0:
            self.points.append(point)
            if len(self.points) >= self.capacity:
                self.points = self.points[::2]
                self.stride *= 2
        self._seen += 1

    def series(self) -> list[tuple[int, float]]:
        """Return the kept points plus the latest one (each once, in order)."""
        points = list(self.points)
        if self.last is not None and (not points or points[-1] != self.last):
            points.append(self.last)
        return points
