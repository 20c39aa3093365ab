"""The figures a benchmark hands to the summary table that ends ``make bench``.

A benchmark's ``main(quick)`` returns a list of :class:`Figure` (or ``None``): each is one
measured value, the reference it is compared with in the same run, the ratio, and the goal
of the issue it answers with whether this run met it. ``python -m bench`` prints every
benchmark's own output as it goes, then :func:`table` of all the figures.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

__all__ = ["Figure", "table"]


@dataclass(frozen=True)
class Figure:
    """One figure of the summary.

    Attributes:
        name: what was measured (``"replay, every 10 ticks: triobot backtest"``).
        value: the figure.
        unit: its unit (``"ticks/s"``, ``"ms"``, ``"MB"``).
        reference: what it is compared with (``""`` for none).
        reference_value: the reference's figure in this run (``None`` when not measured).
        goal: the issue's goal for it, in words (``""`` for none).
        met: whether this run met the goal (``None`` when the goal is not judged here).
        note: why a reference is missing, or what the figure leaves out.
    """

    name: str
    value: float
    unit: str
    reference: str = ""
    reference_value: float | None = None
    goal: str = ""
    met: bool | None = None
    note: str = ""

    @property
    def ratio(self) -> float | None:
        """``value / reference_value`` (``None`` without a usable reference)."""
        if self.reference_value is None or self.reference_value == 0:
            return None
        return self.value / self.reference_value


def _number(value: float, unit: str) -> str:
    if unit in ("ms", "s", "MB"):
        return f"{value:,.2f} {unit}" if value < 100 else f"{value:,.0f} {unit}"
    if unit == "%":
        return f"{value:.0f} %"
    if abs(value) >= 1_000_000:
        return f"{value / 1e6:,.2f}M {unit}"
    if abs(value) >= 10_000:
        return f"{value / 1e3:,.0f}k {unit}"
    return f"{value:,.1f} {unit}" if value < 100 else f"{value:,.0f} {unit}"


def _verdict(figure: Figure) -> str:
    if figure.met is None:
        return ""
    return "met" if figure.met else "NOT met"


def table(figures: Sequence[Figure]) -> str:
    """The summary as a plain-text table, one row per figure, notes below."""
    columns: list[tuple[str, Callable[[Figure], str]]] = [
        ("figure", lambda f: f.name),
        ("value", lambda f: _number(f.value, f.unit)),
        ("reference", lambda f: f.reference),
        (
            "ref. value",
            lambda f: "" if f.reference_value is None else _number(f.reference_value, f.unit),
        ),
        ("ratio", lambda f: "" if f.ratio is None else f"{f.ratio:.2f}x"),
        ("goal", lambda f: f.goal),
        ("verdict", _verdict),
    ]
    rows = [[cell(f) for _, cell in columns] for f in figures]
    heads = [head for head, _ in columns]
    widths = [max([len(h), *(len(r[i]) for r in rows)]) for i, h in enumerate(heads)]
    right = {1, 3, 4}

    def line(cells: list[str]) -> str:
        return "  ".join(
            c.rjust(w) if i in right else c.ljust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    out = [line(heads), line(["-" * w for w in widths]), *(line(r) for r in rows)]
    for f in figures:
        if f.note:
            out.append(f"  note, {f.name} / {f.reference or '-'}: {f.note}")
    return "\n".join(out)
