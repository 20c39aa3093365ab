"""The lower bound: the workload as one plain CPython loop (no objects, no events).

``python -m bench._peer_plain JOB`` replays the quotes of the job's file, already in a list;
``python -m bench._peer_plain JOB generate`` draws the same GBM itself (the market model's
Box-Muller on the symbol's seeded ``random.Random``, a chunk at a time, each quote rounded to
the pip size and fed back) while it trades: what a streamed replay of synthetic ticks costs
at the least in CPython. Both print an :class:`~bench._workload.Outcome`.
"""

from __future__ import annotations

import itertools
import math
import random
import sys
import time
from collections import deque
from collections.abc import Iterable, Iterator
from typing import Any

from bench._workload import EXIT_AFTER, MAX_STEPS, Job, Outcome, load_quotes, read_jobs, report

CHUNK = 65_536


def read_only(quotes: Iterable[float]) -> tuple[int, int, int, int]:
    """Count the quotes and keep the last; (ticks, trades, open, balance change)."""
    n = 0
    last = 0.0
    for quote in quotes:
        n += 1
        last = quote
    del last
    return n, 0, 0, 0


def trade(quotes: Iterable[float], job: Job) -> tuple[int, int, int, int]:
    """Trade the workload on the quotes; (ticks, trades, open, closing balance)."""
    every, stakes, payouts = job.every, job.stakes, job.payouts
    balance = job.balance
    losses = n = i = trades = 0
    last = 0.0
    pending: deque[list[Any]] = deque()  # [settles on tick, is CALL, step, entry spot]
    waiting: list[Any] | None = None  # bought on the previous tick: needs its entry spot
    for quote in quotes:
        i += 1
        if waiting is not None:
            waiting[3] = quote
            waiting = None
        n += 1
        if n == every:
            n = 0
            balance -= stakes[losses]
            waiting = [i + EXIT_AFTER, quote > last, losses, 0.0]
            pending.append(waiting)
        last = quote
        if pending and pending[0][0] == i:
            _, call, step, entry = pending.popleft()
            if (quote > entry) if call else (quote < entry):
                balance += payouts[step]
                losses = 0
            elif losses < MAX_STEPS:
                losses += 1
            else:
                losses = 0
            trades += 1
    return i, trades, len(pending), balance


def gbm(job: Job) -> Iterator[list[float]]:
    """The job's GBM quotes, a chunk at a time, drawn as the market model draws them."""
    rnd = random.Random(job.seed).random
    exp, log, sqrt, cos, sin = math.exp, math.log, math.sqrt, math.cos, math.sin
    tau = 2.0 * math.pi
    drift, vol, pip = job.drift, job.vol, job.pip_size
    quote = job.start_quote
    left = job.count
    while left > 0:
        n = min(left, CHUNK)
        out: list[float] = []
        append = out.append
        for _ in range((n + 1) // 2):
            r = vol * sqrt(-2.0 * log(1.0 - rnd()))
            t = tau * rnd()
            quote = round(quote * exp(drift + r * cos(t)), pip)
            append(quote)
            quote = round(quote * exp(drift + r * sin(t)), pip)
            append(quote)
        yield out[:n]
        left -= n


def _first_difference(job: Job) -> int | None:
    ours = itertools.chain.from_iterable(gbm(job))
    for k, (mine, theirs) in enumerate(zip(ours, load_quotes(job), strict=True)):
        if mine != theirs:
            return k
    return None


def run(job: Job, generate: bool) -> Outcome:
    """Run one job (``generate``: drawing its own ticks)."""
    quotes: Iterable[float] = (
        itertools.chain.from_iterable(gbm(job)) if generate else list(load_quotes(job))
    )
    started = time.perf_counter()
    ticks, trades, still_open, balance = read_only(quotes) if job.every == 0 else trade(quotes, job)
    seconds = time.perf_counter() - started
    note = ""
    if generate:
        k = _first_difference(job)
        if k is not None:
            note = f"its own GBM draws differ from triobot's ticks from tick {k}"
    if job.every == 0:
        balance = job.balance
    return Outcome(seconds, ticks, trades, still_open, balance, note)


def main() -> None:
    """Run the jobs and report each."""
    generate = sys.argv[2:3] == ["generate"]
    for job in read_jobs(sys.argv[1:2]):
        report(run(job, generate))


if __name__ == "__main__":
    main()
