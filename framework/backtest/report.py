"""Report files of a replay: ``summary.json``, ``equity.png`` and a self-contained HTML page.

``trades.csv`` is written while the replay runs (a
:class:`~framework.backtest.trades.TradesCsvWriter` sink), so nothing here holds every trade;
the HTML page shows the most recent ones (:class:`RecentTrades`) and links the CSV.

The plot needs matplotlib (a dependency of triobot). Without it the PNG is skipped, the HTML page
says so, and :func:`write_report` returns a warning instead of failing the whole report.
"""

from __future__ import annotations

import base64
import html
import io
import json
import os
from collections import deque
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

from framework.errors import UserError

from .candlefiles import CANDLE_NOTE
from .engine import BacktestResult
from .trades import TRADE_COLUMNS, Trade

__all__ = ["RecentTrades", "equity_png", "prepare_report_dir", "render_html", "write_report"]

_SUMMARY_ROWS: Final = (
    ("warmup_ticks", "Warm-up ticks"),
    ("trades", "Trades"),
    ("win_rate", "Win rate"),
    ("net_pnl", "Net P&L"),
    ("max_drawdown", "Max drawdown"),
    ("max_drawdown_pct", "Max drawdown %"),
    ("profit_factor", "Profit factor"),
    ("expectancy", "Expectancy / trade"),
    ("longest_losing_streak", "Longest losing streak"),
    ("turnover", "Turnover"),
    ("average_stake", "Average stake"),
    ("largest_win", "Largest win"),
    ("largest_loss", "Largest loss"),
    ("opening_balance", "Opening balance"),
    ("final_balance", "Final balance"),
    ("open_at_end", "Open at the end"),
    ("ends", "How contracts ended"),
)


class RecentTrades:
    """A sink keeping the last ``size`` trades (for the HTML page).

    Attributes:
        trades: the kept trades, oldest first.
    """

    def __init__(self, size: int = 200) -> None:
        self.trades: deque[Trade] = deque(maxlen=size)

    def __call__(self, trade: Trade) -> None:
        """Keep one trade (dropping the oldest when full)."""
        self.trades.append(trade)


def _when(epoch: int | None) -> str:
    if epoch is None:
        return "-"
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%d %H:%M:%S")


def equity_png(result: BacktestResult, *, title: str = "Closed-trade equity") -> bytes:
    """Plot the equity curve.

    Args:
        result: the replay's result.
        title: the plot title.

    Returns:
        PNG bytes.

    Raises:
        ImportError: matplotlib is not installed.
    """
    import matplotlib

    matplotlib.use("Agg")  # no display: files only
    import matplotlib.pyplot as plt

    points = result.curve.series()
    start = result.opening_balance
    if result.first_epoch is not None:
        points = [(result.first_epoch, start), *points]
    # matplotlib plots datetimes (its stubs only admit arrays of numbers).
    xs: Any = [datetime.fromtimestamp(e, UTC) for e, _ in points]
    ys = [v for _, v in points]
    fig, ax = plt.subplots(figsize=(10, 4), dpi=100)
    try:
        ax.plot(xs, ys, linewidth=1.2, color="#1f77b4")
        ax.axhline(start, color="#999999", linewidth=0.8, linestyle="--")
        ax.set_title(title)
        ax.set_ylabel("equity")
        ax.grid(True, alpha=0.3)
        fig.autofmt_xdate()
        fig.tight_layout()
        buf = io.BytesIO()
        fig.savefig(buf, format="png")
    finally:
        plt.close(fig)
    return buf.getvalue()


def _fmt(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.4f}".rstrip("0").rstrip(".") if abs(value) < 10 else f"{value:,.2f}"
    if isinstance(value, dict):
        return ", ".join(f"{k}: {v}" for k, v in value.items()) or "-"
    return str(value)


def _table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(_fmt(c))}</td>" for c in row) + "</tr>" for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


_CSS: Final = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2em;color:#222}
h1{font-size:1.4em}h2{font-size:1.1em;margin-top:1.6em}
table{border-collapse:collapse;font-size:.85em;margin:.5em 0}
th,td{border:1px solid #ddd;padding:.25em .6em;text-align:right}
th{background:#f3f3f3}td:first-child,th:first-child{text-align:left}
.note{color:#666;font-size:.85em}img{max-width:100%}
"""


def render_html(
    result: BacktestResult,
    *,
    png: bytes | None,
    recent: Sequence[Trade] = (),
    title: str = "triobot backtest",
    note: str = "",
) -> str:
    """Render the self-contained HTML report (the plot inlined as base64).

    Args:
        result: the replay's result.
        png: the equity plot, or ``None`` when it could not be drawn.
        recent: the most recent trades to list.
        title: the page title.
        note: an extra line under the title (the command that produced it, a warning...).

    Returns:
        The HTML document.
    """
    summary = result.summary()
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'>",
        f"<title>{html.escape(title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{html.escape(title)}</h1>",
        f"<p>{html.escape(result.source)}: {result.ticks:,} ticks from "
        f"{_when(result.first_epoch)} to {_when(result.last_epoch)} UTC.</p>",
    ]
    if result.warmup_ticks:
        parts.append(f"<p>Warm-up: {html.escape(result.warmup_text())}.</p>")
    if result.candles:
        bars = "; ".join(c.text() for c in result.candles)
        parts.append(f"<p>Replayed from candles: {html.escape(bars)}, {CANDLE_NOTE}.</p>")
    if note:
        parts.append(f"<p class='note'>{html.escape(note)}</p>")
    parts.append("<h2>Summary</h2>")
    parts.append(_table(("figure", "value"), [(label, summary[k]) for k, label in _SUMMARY_ROWS]))
    if result.trips:
        parts.append("<h2>Risk limits tripped</h2>")
        spans = [
            (
                t.limit,
                _when(t.epoch),
                "end of replay" if t.ended is None else _when(t.ended),
                t.reason,
            )
            for t in result.trips
        ]
        parts.append(_table(("limit", "started (UTC)", "ended (UTC)", "reason"), spans))
    parts.append("<h2>Equity</h2>")
    if png is not None:
        data = base64.b64encode(png).decode("ascii")
        parts.append(f"<img alt='equity curve' src='data:image/png;base64,{data}'>")
    else:
        parts.append("<p class='note'>No plot: matplotlib is not installed.</p>")
    parts.append("<h2>Strategies</h2>")
    columns = (
        "strategy", "trades", "win_rate", "net_pnl", "max_drawdown", "profit_factor",
        "expectancy", "longest_losing_streak", "turnover", "ends", "refusals", "rejections",
        "errors", "open_at_end",
    )  # fmt: skip
    rows = [[row[c] for c in columns] for row in summary["strategies"]]
    parts.append(_table(columns, rows))
    if result.rejections:
        parts.append("<h2>First rejected buys</h2>")
        parts.append(
            _table(
                ("intent", "time", "code", "message"),
                [(r.intent_id, _when(r.epoch), r.code, r.message) for r in result.rejections],
            )
        )
    if recent:
        parts.append(f"<h2>Last {len(recent)} trades</h2>")
        parts.append("<p class='note'>Every trade is in <a href='trades.csv'>trades.csv</a>.</p>")
        parts.append(_table(TRADE_COLUMNS, [list(t.row().values()) for t in recent]))
    parts.append("</body></html>")
    return "".join(parts)


def prepare_report_dir(directory: str | os.PathLike[str]) -> Path:
    """Create the report folder, or refuse a path that cannot be one, before the replay.

    Args:
        directory: ``--report DIR``.

    Returns:
        The folder (it exists now).

    Raises:
        UserError: exit 2: the path is a file, or the folder cannot be created.
    """
    out = Path(directory)
    if out.exists() and not out.is_dir():
        raise UserError(f"--report {out}: is a file; give a folder (new or existing)", exit_code=2)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise UserError(
            f"--report {out}: cannot create the folder: {reason}", exit_code=2
        ) from None
    return out


def write_report(
    result: BacktestResult,
    directory: str | os.PathLike[str],
    *,
    recent: Sequence[Trade] = (),
    title: str = "triobot backtest",
    note: str = "",
) -> list[str]:
    """Write ``summary.json``, ``equity.png`` and ``report.html`` into ``directory``.

    Args:
        result: the replay's result.
        directory: the report folder (created if needed; ``trades.csv`` is expected there).
        recent: the most recent trades for the HTML page.
        title: the report title.
        note: an extra line for the HTML page.

    Returns:
        Warnings (e.g. the plot was skipped), empty when everything was written.
    """
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    warnings: list[str] = []
    summary = result.summary()
    summary["elapsed_seconds"] = round(result.elapsed, 3)
    (out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    png: bytes | None
    try:
        png = equity_png(result)
    except ImportError:
        png = None
        warnings.append("equity.png skipped: matplotlib is not installed (pip install matplotlib)")
    else:
        (out / "equity.png").write_bytes(png)
    page = render_html(result, png=png, recent=recent, title=title, note=note)
    (out / "report.html").write_text(page, encoding="utf-8")
    return warnings
