"""A call that counts against no budget (a buy) goes out without waiting on the limiter.

It still is a request like any other: a caller cancelled before it is sent sends nothing,
whether the client paces its requests or not.
"""

from __future__ import annotations

import random

import pytest
import trio

from framework.connection import Connection
from framework.connection.ratelimit import RateLimiter
from framework.deriv.ratelimits import BUDGETS
from tests.connection.conftest import settings
from tests.connection.fake import FakeDeriv

BUY = {
    "buy": "1",
    "price": 10,
    "parameters": {
        "contract_type": "CALL",
        "currency": "USD",
        "symbol": "R_100",
        "amount": 10,
        "basis": "stake",
        "duration": 5,
        "duration_unit": "t",
    },
}


def test_only_a_call_with_a_budget_of_figures_is_paced() -> None:
    limiter = RateLimiter()
    assert not limiter.paces("buy")  # metered by a service whose figures are not published
    assert limiter.paces("proposal")
    assert limiter.paces("ticks")
    limiter.update({})  # an advertisement without figures: nothing left to pace
    assert not limiter.paces("proposal")
    limiter.update(BUDGETS)
    assert limiter.paces("proposal")


@pytest.mark.parametrize("paced", [True, False])
async def test_a_cancelled_buy_is_never_sent(
    fake: FakeDeriv, nursery: trio.Nursery, paced: bool
) -> None:
    connection = Connection(
        settings(rate_limit=paced), connector=fake.connector, rng=random.Random(1)
    )
    await nursery.start(connection.run)
    before = [next(iter(request)) for request in fake.requests]
    with trio.CancelScope() as scope:
        scope.cancel()
        await connection.request("buy", BUY)
    assert scope.cancelled_caught
    await trio.testing.wait_all_tasks_blocked()
    assert [next(iter(request)) for request in fake.requests] == before


async def test_an_uncancelled_buy_is_sent(fake: FakeDeriv, conn: Connection) -> None:
    reply = await conn.request("buy", BUY)
    assert reply.data["contract_id"]
    assert next(iter(fake.requests[-1])) == "buy"
