"""The workload in vectorbt, with a numba order function (run from ``.venv-bench-vectorbt/``).

``python -m bench._peer_vectorbt JOB``. ``Portfolio.from_order_func`` in flexible mode
(several orders on one bar: the every-tick workload opens one contract and closes another on
the same tick) calls a numba-compiled function per tick that keeps the strategy's state in
arrays: the decision, the martingale, the contracts waiting to settle, the payout. A
contract is a market order of ``stake`` units at its entry tick's close and the opposite
order at its exit tick's; vectorbt has no binary options, so the payout and the balance are
booked in the function's own arrays (the portfolio's cash follows the linear P&L). The
function is compiled on a short warm-up run before the clock starts.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import vectorbt as vbt
from numba import njit
from vectorbt.portfolio.enums import NoOrder
from vectorbt.portfolio.nb import order_nb

from bench._workload import (
    EXIT_AFTER,
    MAX_STEPS,
    NO_BINARY_OPTIONS,
    Job,
    Outcome,
    load_quotes,
    read_jobs,
    report,
)

# Slots of the integer state array.
N, LOSSES, BALANCE, TRADES, BOUGHT, HEAD, TAIL, ORDERS = range(8)
RING = 16  # contracts open at once, at most EXIT_AFTER + 1


@njit(cache=True)
def flex_order(
    c: Any,
    close: Any,
    every: int,
    stakes: Any,
    payouts: Any,
    state: Any,
    last: Any,
    calls: Any,
    steps: Any,
    entries: Any,
    bought: Any,
    sizes: Any,
) -> Any:
    """One call per order of bar ``c.i`` (then ``-1``); the bar's books on the first call."""
    i = c.i
    quote = close[i, 0]
    if c.call_idx == 0:
        state[ORDERS] = 0
        if every == 0:
            last[0] = quote
            return -1, NoOrder
        tail = state[TAIL]
        if tail > state[HEAD] and bought[(tail - 1) % RING] == i - 1:
            k = (tail - 1) % RING  # bought on the tick before: this is its entry tick
            entries[k] = quote
            stake = stakes[steps[k]]
            sizes[state[ORDERS]] = stake if calls[k] else -stake
            state[ORDERS] += 1
        n = state[N] + 1
        if n == every:
            n = 0
            step = state[LOSSES]
            state[BALANCE] -= stakes[step]
            state[BOUGHT] += 1
            k = state[TAIL] % RING
            calls[k] = quote > last[0]
            steps[k] = step
            bought[k] = i
            state[TAIL] += 1
        state[N] = n
        last[0] = quote
        head = state[HEAD]
        if state[TAIL] > head and bought[head % RING] + EXIT_AFTER == i:
            k = head % RING
            won = quote > entries[k] if calls[k] else quote < entries[k]
            if won:
                state[BALANCE] += payouts[steps[k]]
                state[LOSSES] = 0
            elif state[LOSSES] < MAX_STEPS:
                state[LOSSES] += 1
            else:
                state[LOSSES] = 0
            state[TRADES] += 1
            stake = stakes[steps[k]]
            sizes[state[ORDERS]] = -stake if calls[k] else stake
            state[ORDERS] += 1
            state[HEAD] += 1
    if c.call_idx < state[ORDERS]:
        return 0, order_nb(size=sizes[c.call_idx], price=quote)
    return -1, NoOrder


def simulate(close: Any, every: int, stakes: Any, payouts: Any, balance: int) -> Any:
    """Run the portfolio; return the integer state array."""
    state = np.zeros(8, dtype=np.int64)
    state[BALANCE] = balance
    args = (
        every, stakes, payouts, state, np.zeros(1), np.zeros(RING, dtype=np.bool_),
        np.zeros(RING, dtype=np.int64), np.zeros(RING), np.full(RING, -10, dtype=np.int64),
        np.zeros(2),
    )  # fmt: skip
    vbt.Portfolio.from_order_func(
        close,
        flex_order,
        close.reshape(-1, 1),
        *args,
        flexible=True,
        init_cash=balance / 100,
        max_orders=2 * len(close) + 2,
    )
    return state


def run(job: Job) -> Outcome:
    """Run one job."""
    close = np.array(load_quotes(job), dtype=np.float64)
    stakes = np.array(job.stakes, dtype=np.int64)
    payouts = np.array(job.payouts, dtype=np.int64)
    simulate(close[:100], job.every, stakes, payouts, job.balance)  # compile
    started = time.perf_counter()
    state = simulate(close, job.every, stakes, payouts, job.balance)
    seconds = time.perf_counter() - started
    trades = int(state[TRADES])
    note = NO_BINARY_OPTIONS if job.every else ""
    return Outcome(
        seconds, len(close), trades, int(state[BOUGHT]) - trades, int(state[BALANCE]), note
    )


def main() -> None:
    """Run the jobs and report each."""
    for job in read_jobs():
        report(run(job))


if __name__ == "__main__":
    main()
