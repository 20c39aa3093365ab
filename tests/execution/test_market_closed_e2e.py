"""A bot that trades a forex pair while its market is closed: refused once per intent.

``MarketIsClosed`` is ``retryable`` (the same request can succeed once the market opens),
but the execution actor does not retry it: an intent is a decision on the market of its
moment, and a market that reopens hours later is another moment. Each intent is priced
once (or, bought without a quote, its buy is refused once), journaled ``not_bought`` with
the server's reason and reported to its strategy; nothing crashes, nothing is sent again,
nothing is bought.
"""

from __future__ import annotations

import calendar
from pathlib import Path
from typing import Literal

import attrs
import pytest
from trio.testing import MockClock

from framework.execution import ExecutionPolicy
from framework.journal import Journal
from framework.simulator import open_simulator
from tests.execution.helpers import intent, sim_options, trading

SATURDAY = calendar.timegm((2023, 11, 18, 12, 0, 0))
CLOSED = "MarketIsClosed: This market is presently closed."


@pytest.mark.parametrize(
    ("quote", "reason"), [("always", f"proposal refused: {CLOSED}"), ("auto", CLOSED)]
)
async def test_intents_on_a_closed_market_are_refused_once_each(
    vclock: MockClock, tmp_path: Path, quote: Literal["auto", "always"], reason: str
) -> None:
    intents = [
        attrs.evolve(intent(n, SATURDAY, duration=1, unit="d"), symbol="frxUSDJPY")
        for n in (1, 2, 3)
    ]
    with Journal(tmp_path / "journal.sqlite") as journal:
        options = sim_options(start_epoch=SATURDAY)
        async with (
            open_simulator(**options) as sim,
            trading(sim, journal, policy=ExecutionPolicy(quote=quote)) as stack,
        ):
            for each in intents:
                stack.actor.submit(each)
            await stack.settle()
            assert not [t for t in sim.statement() if t.action == "buy"]
            stats = stack.actor.stats
            assert (stats.intents, stats.not_bought, stats.bought, stats.requotes) == (3, 3, 0, 0)
        assert [(i.intent_id, i.status, i.reason) for i in journal.intents()] == [
            (f"t-{n}", "not_bought", reason) for n in (1, 2, 3)
        ]
        assert stack.sink.refusals == [(f"t-{n}", reason) for n in (1, 2, 3)]
