"""The replay workload every engine of ``bench/backtest.py`` runs, and how a peer reports.

Standard library only: the peers run in virtualenvs of their own (backtrader, NautilusTrader,
vectorbt) where triobot is not installed, as ``python -m bench._peer_NAME JOB`` from the
repository root. The parent (``bench/backtest.py``) writes the ticks once and works out the
market model's prices; a peer gets both in a list of :class:`Job` (every mode and round, so
that an engine's start-up is paid once) and prints one JSON line for each, in order.

The strategy, in every engine (triobot's is ``bench/replay_strategies.py``):

* read-only (``every == 0``): read each quote, keep a count and the last quote;
* otherwise, on every ``every``-th tick (the 10th, 20th... or every tick), buy a 5-tick
  Rise/Fall: CALL when the quote is above the previous one (0.0 before the first tick), PUT
  otherwise. Its stake is the martingale's (1.00, doubled after each loss, back to 1.00 after
  a win or after a loss at the 6th step).
* The contract follows triobot's market model: bought at tick ``i``, its entry spot is tick
  ``i + 1`` and its exit spot tick ``i + 6``; CALL wins when exit > entry, PUT when exit <
  entry (a tie loses both); a win pays the quoted payout. The contract settles on tick ``i +
  6`` after that tick's decision, so a buy on that tick is sized before the result is known
  (triobot's order: ``on_tick``, then settlement). Contracts still open at the end keep their
  stakes out of the balance.

Money is counted in integer cents, so equal logic gives equal balances to the cent.
"""

from __future__ import annotations

import json
import sys
from array import array
from dataclasses import asdict, dataclass
from typing import Final

__all__ = [
    "EXIT_AFTER",
    "MAX_STEPS",
    "NO_BINARY_OPTIONS",
    "Job",
    "Outcome",
    "load_quotes",
    "next_losses",
    "read_jobs",
    "report",
]

EXIT_AFTER: Final = 6
"""A 5-tick contract bought on tick ``i`` settles on tick ``i + 6`` (entry ``i + 1``)."""

MAX_STEPS: Final = 6
"""The martingale's steps: stakes 1, 2, 4 ... 64, then back to 1."""


NO_BINARY_OPTIONS: Final = (
    "no binary options: market orders fill on the entry and exit ticks; "
    "the payout is booked by the strategy"
)
"""What the engines without binary contracts do instead (backtrader, NautilusTrader, vectorbt)."""


@dataclass(frozen=True)
class Job:
    """What a peer runs.

    Attributes:
        quotes: path of the quotes (native float64, one per tick, in order).
        count: how many of them to replay (a prefix).
        every: trade every N ticks; 0 reads only.
        stakes: stake in cents after 0..MAX_STEPS losses in a row.
        payouts: payout in cents of each of those stakes (the market model's price).
        balance: opening balance in cents.
        genesis: epoch before the first tick; tick ``k`` (0-based) is at
            ``genesis + (k + 1) * interval``.
        interval: seconds between ticks.
        symbol: the symbol.
        pip_size: decimals of a quote.
        seed: the RNG seed of the symbol (for the loop that draws its own ticks).
        drift: log drift per tick of the GBM.
        vol: log volatility per tick of the GBM.
        start_quote: the quote before the first tick.
        config: a triobot config for the bench strategy (triobot peers only).
    """

    quotes: str
    count: int
    every: int
    stakes: list[int]
    payouts: list[int]
    balance: int
    genesis: int
    interval: int
    symbol: str
    pip_size: int
    seed: int = 0
    drift: float = 0.0
    vol: float = 0.0
    start_quote: float = 0.0
    config: str = ""

    @staticmethod
    def dumps(jobs: list[Job]) -> str:
        """The jobs as one JSON argument."""
        return json.dumps([asdict(job) for job in jobs])


@dataclass(frozen=True)
class Outcome:
    """What a peer measured.

    Attributes:
        seconds: wall-clock seconds of the replay alone (no import, no loading).
        ticks: ticks replayed.
        trades: contracts bought and settled.
        open: contracts bought and still open at the end.
        balance: closing balance in cents.
        note: what the engine could not model as the others do (``""`` when nothing).
    """

    seconds: float
    ticks: int
    trades: int
    open: int
    balance: int
    note: str = ""

    @property
    def rate(self) -> float:
        """Ticks per second."""
        return self.ticks / self.seconds if self.seconds > 0 else 0.0


def read_jobs(argv: list[str] | None = None) -> list[Job]:
    """The jobs given as the one command-line argument (a JSON list), run in that order."""
    args = sys.argv[1:] if argv is None else argv
    return [Job(**job) for job in json.loads(args[0])]


def load_quotes(job: Job) -> array[float]:
    """The job's quotes, in order."""
    quotes = array("d")
    with open(job.quotes, "rb") as file:
        quotes.fromfile(file, job.count)
    return quotes


def next_losses(losses: int, won: bool) -> int:
    """The martingale's losses in a row after a result (0 after a win or the top step)."""
    if won:
        return 0
    return losses + 1 if losses < MAX_STEPS else 0


def report(outcome: Outcome) -> None:
    """Print the outcome of a job as one line of JSON on stdout."""
    print(json.dumps(asdict(outcome)), flush=True)
