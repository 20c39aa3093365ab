"""An authorize answer the models refuse ends that session, not the connection."""

from __future__ import annotations

import random

import trio
from structlog.testing import capture_logs
from trio.testing import MockClock

from framework.connection import Connection
from framework.simulator import open_simulator
from tests.execution.helpers import settings, sim_options


async def test_an_unreadable_authorize_answer_is_asked_again_on_a_new_session(
    vclock: MockClock,
) -> None:
    async with open_simulator(**sim_options()) as sim, trio.open_nursery() as nursery:
        connection = Connection(settings(sim, first_retry=0.5), rng=random.Random(2))
        await nursery.start(connection.run)
        events = connection.events()
        sim.faults.corrupt("authorize", "loginid", 5)
        with capture_logs() as logs:
            sim.drop_connections()
            with trio.fail_after(60):
                while connection.stats.reconnects < 1:
                    await events.receive()
        assert connection.authorization is not None
        assert connection.authorization.loginid == sim.loginid
        assert connection.stats.unreadable == 1 and connection.stats.connects == 3
        (logged,) = [e for e in logs if e["event"] == "unreadable message"]
        assert (logged["call"], logged["field"]) == ("authorize", "Authorize.loginid")
        nursery.cancel_scope.cancel()
