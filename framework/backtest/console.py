"""Terminal output of a replay with rich: a progress bar while it runs, one screen at the end.

Presentation only: the engine reports progress through a plain callback
(:meth:`ReplayProgress.update`), and :func:`summary_panel` renders a finished
:class:`~framework.backtest.engine.BacktestResult`.
"""

from __future__ import annotations

from types import TracebackType
from typing import Any

from rich.console import Console, Group
from rich.panel import Panel
from rich.progress import (
    BarColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from .candlefiles import CANDLE_NOTE
from .engine import BacktestResult
from .metrics import ends_text

__all__ = ["ReplayProgress", "summary_panel"]


class ReplayProgress:
    """A rich progress bar fed by the engine's progress callback.

    The bar follows the source's own progress (bytes of a file, ticks of a synthetic
    source); the tick count and rate are shown beside it. Use as a context manager.
    """

    def __init__(self, description: str, *, console: Console | None = None) -> None:
        """Create the bar (shown on enter, when the console is a terminal).

        Args:
            description: what is replayed.
            console: the console (default: stderr, so stdout stays clean).
        """
        console = console if console is not None else Console(stderr=True)
        self._progress = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            TaskProgressColumn(),
            TextColumn("{task.fields[ticks]:>12,} ticks"),
            TextColumn("{task.fields[rate]:>10,.0f} ticks/s"),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=console,
            transient=False,
            # Only a terminal can redraw a bar; in a pipe or a log file each refresh would
            # be one more leftover line.
            disable=not console.is_terminal,
        )
        self._task = self._progress.add_task(description, total=1000, ticks=0, rate=0.0)

    def update(self, ticks: int, fraction: float | None) -> None:
        """Engine callback: ``ticks`` replayed, ``fraction`` of the source read."""
        task = self._progress.tasks[0]
        elapsed = task.elapsed or 0.0
        rate = ticks / elapsed if elapsed > 0 else 0.0
        completed = 1000 * fraction if fraction is not None else None
        self._progress.update(self._task, completed=completed, ticks=ticks, rate=rate)

    def __enter__(self) -> ReplayProgress:
        self._progress.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is None:
            self._progress.update(self._task, completed=1000)
        self._progress.stop()


def _num(value: Any, money: bool = False) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.2f}" if money else f"{value:,.4g}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def _pnl(value: float | None) -> str:
    if value is None:
        return "-"
    colour = "green" if value > 0 else "red" if value < 0 else "white"
    return f"[{colour}]{value:+,.2f}[/]"


def summary_panel(result: BacktestResult) -> Panel:
    """Render a finished replay as one screen: totals, per-strategy rows, warnings.

    Args:
        result: the replay's result.

    Returns:
        A rich panel to print.
    """
    s = result.summary()
    totals = Table.grid(padding=(0, 2))
    totals.add_column(style="dim")
    totals.add_column(justify="right")
    totals.add_column(style="dim")
    totals.add_column(justify="right")
    win = "-" if s["win_rate"] is None else f"{100 * s['win_rate']:.1f} %"
    dd_pct = "" if s["max_drawdown_pct"] is None else f" ({s['max_drawdown_pct']:.2f} %)"
    rows = [
        ("ticks", _num(s["ticks"]), "speed", f"{result.ticks_per_second:,.0f} ticks/s"),
        ("trades", _num(s["trades"]), "win rate", win),
        ("net P&L", _pnl(s["net_pnl"]), "max drawdown", f"{_num(s['max_drawdown'], True)}{dd_pct}"),
        ("profit factor", _num(s["profit_factor"]), "expectancy", _num(s["expectancy"])),
        ("turnover", _num(s["turnover"], True), "losing streak", _num(s["longest_losing_streak"])),
        ("opening", _num(s["opening_balance"], True), "final", _num(s["final_balance"], True)),
    ]
    for row in rows:
        totals.add_row(*row)
    per = Table(box=None, header_style="bold", pad_edge=False)
    for name in (
        "strategy",
        "trades",
        "win %",
        "net P&L",
        "max dd",
        "refused",
        "rejected",
        "errors",
    ):
        per.add_column(name, justify="left" if name == "strategy" else "right")
    for row in s["strategies"]:
        per.add_row(
            row["strategy"],
            _num(row["trades"]),
            "-" if row["win_rate"] is None else f"{100 * row['win_rate']:.1f}",
            _pnl(row["net_pnl"]),
            _num(row["max_drawdown"], True),
            _num(sum(row["refusals"].values())),
            _num(sum(row["rejections"].values())),
            _num(row["errors"]) + (" (disabled)" if row["disabled"] else ""),
        )
    notes: list[str] = []
    if result.open_at_end:
        notes.append(
            f"{len(result.open_at_end)} contract(s) still open when the ticks ran out "
            f"(stakes {s['open_stakes']:.2f}, not in the P&L)"
        )
    for trip in result.trips:
        notes.append(f"risk limit {trip.limit} tripped {trip.span()}: {trip.reason}")
    body: list[Any] = [totals]
    # Lines of their own: as cells of the grid they would squeeze into a column.
    if result.warmup_ticks:
        body.append(f"[dim]warm-up[/]  {result.warmup_text()}")
    for bars in result.candles:
        body.append(f"[dim]candles[/]  {bars.text()}, {CANDLE_NOTE}")
    if s["ends"]:
        body.append(f"[dim]ended[/]  {ends_text(s['ends'])}")
    body += ["", per]
    if notes:
        body += ["", *(f"[yellow]{n}[/]" for n in notes)]
    title = f"backtest: {result.source}"
    return Panel(Group(*body), title=title, title_align="left", expand=False)
