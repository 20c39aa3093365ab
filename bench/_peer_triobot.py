"""The workload on triobot's replay engine, ticks already in memory (:class:`MemorySource`).

``python -m bench._peer_triobot JOB``: the job's config (``bench/configs/replay-*.yaml``)
set up as ``triobot backtest`` sets it up, on a list of :class:`Tick` built from the job's
quotes before the clock starts.
"""

from __future__ import annotations

import time

from bench._workload import Job, Outcome, load_quotes, read_jobs, report
from bots.commands.backtest import load_for_replay
from framework.backtest import MemorySource, run_backtest
from framework.backtest.setup import setup_from_config
from framework.deriv.models import Tick


def run(job: Job) -> Outcome:
    """Run one job."""
    config, _ = load_for_replay(job.config, [])
    setup = setup_from_config(config, balance=job.balance / 100)
    epoch = job.genesis + job.interval
    step = job.interval
    ticks = [
        Tick(job.symbol, epoch + k * step, q, job.pip_size) for k, q in enumerate(load_quotes(job))
    ]
    source = MemorySource(ticks, check=False)
    started = time.perf_counter()
    result = run_backtest(setup, source)
    seconds = time.perf_counter() - started
    balance = round(result.final_balance * 100)
    return Outcome(seconds, result.ticks, result.metrics.trades, len(result.open_at_end), balance)


def main() -> None:
    """Run the jobs and report each."""
    for job in read_jobs():
        report(run(job))


if __name__ == "__main__":
    main()
