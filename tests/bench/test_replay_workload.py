"""The replay benchmark's engines agree on the same ticks (what ``make bench`` checks too).

The plain loop (on the ticks, and drawing them itself), the minimal objects and triobot's
engine run the workload of
``bench/_workload.py`` on the same few thousand ticks in every mode; their trades, open
contracts and closing balances must be equal. Nothing here looks at a time.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from bench import _peer_objects, _peer_plain, _peer_triobot
from bench._workload import Job, load_quotes
from bench.backtest import CONFIGS, MODES, _base_job, _write_ticks


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Job:
    quotes = tmp_path_factory.mktemp("replay") / "quotes.f64"
    return replace(_base_job(quotes, _write_ticks(quotes, 3_000)), count=3_000)


@pytest.mark.parametrize(("every", "config"), [(every, config) for _, every, config in MODES])
def test_every_engine_trades_the_same_contracts(base: Job, every: int, config: str) -> None:
    job = replace(base, every=every, config=str(CONFIGS / config))
    plain = _peer_plain.run(job, generate=False)
    drawing = _peer_plain.run(job, generate=True)
    ticks = [
        _peer_objects.Tick(job.symbol, job.genesis + (k + 1) * job.interval, q)
        for k, q in enumerate(load_quotes(job))
    ]
    objects = _peer_objects.run(job, ticks)
    triobot = _peer_triobot.run(job)
    engines = [plain, objects, triobot]
    if not drawing.note:  # it says so when its own draws are no longer triobot's ticks
        engines.append(drawing)
    books = {(o.ticks, o.trades, o.open, o.balance) for o in engines}
    assert len(books) == 1, books
    ticks_seen, trades, still_open, balance = books.pop()
    assert ticks_seen == 3_000
    if every:
        # Every buy is either settled or still open, and money moved.
        assert trades + still_open == 3_000 // every
        assert balance != job.balance
    else:
        assert (trades, still_open, balance) == (0, 0, job.balance)
