"""A busy bot against the embedded simulator: our own limiter does not cap its buys.

Fifty strategies on a one-second symbol at speed 1 each buy every 100 ticks, taking turns
(one buy every 2 s): 30 buys a simulated minute. Each buy costs one
``proposal_open_contract`` subscription on the pricing budget (80 a minute, 72 of them for
us), a quoted buy one ``proposal`` too, and the ``buy`` itself, which the server meters
apart. A limiter that counted ``proposal`` against the outcome budget (25 a minute) held
such a bot to 22 buys a minute and refused the rest as "not sent".
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
import trio
from trio.testing import MockClock

from framework.execution.actor import STOPPED_UNSENT
from framework.journal import Journal
from framework.simulator import ratelimit as sim_ratelimit
from tests.runtime.conftest import make_bot, write_config

SYMBOL = "1HZ100V"
STRATEGIES = 50
EVERY = 100
MINUTES = 3


def _strategies() -> str:
    return "".join(
        f"""\
  - name: s{n:02d}
    plugin: tests.runtime.plugins:Every
    symbols: ["{SYMBOL}"]
    contract: {{type: CALL, duration: 3, duration_unit: t}}
    stake: {{scheme: fixed, amount: 1.00}}
    params: {{every: {EVERY}, offset: {2 * n}}}
"""
        for n in range(STRATEGIES)
    )


async def test_fifty_strategies_buy_more_than_the_outcome_budget(
    tmp_path: Path, vclock: MockClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    refused: list[str] = []
    allow = sim_ratelimit.RateLimiter.allow

    def watched(self: sim_ratelimit.RateLimiter, client: str, call: str, now: float) -> bool:
        allowed = allow(self, client, call, now)
        if not allowed:
            refused.append(call)
        return allowed

    # Observe (not change) the simulator's verdicts: a refusal would be a RateLimit answer.
    monkeypatch.setattr(sim_ratelimit.RateLimiter, "allow", watched)
    bot = make_bot(write_config(tmp_path, _strategies()))
    async with trio.open_nursery() as nursery:
        await nursery.start(bot.run)
        assert bot.runner is not None and bot.connection is not None
        runner = bot.runner
        start = runner.last_epoch[SYMBOL]
        # Every strategy has bought once by then; count whole simulated minutes from there.
        counted = start + EVERY
        end = counted + 60 * MINUTES
        with trio.fail_after(3600):
            while runner.last_epoch[SYMBOL] < end + 10:
                await runner.tick_reached(SYMBOL, runner.last_epoch[SYMBOL] + 1)
        client_rate_limited = bot.connection.stats.rate_limited
        bot.stop.request("test")

    with Journal(tmp_path / "journal.sqlite") as journal:
        contracts = journal.contracts()
        intents = journal.intents()
    per_minute = Counter(
        (c.purchase_time - counted) // 60 for c in contracts if counted <= c.purchase_time < end
    )
    counts = [per_minute[m] for m in range(MINUTES)]
    assert all(count > 25 for count in counts), counts
    assert [i.reason for i in intents if i.status == "not_bought"] == []
    # Refused only by the stop request (the stop itself, or the stop catching an intent
    # waiting for its place or being priced), never for want of a budget.
    rejected = {i.reason for i in intents if i.status == "rejected"}
    stopped = {
        "stopping: test",
        STOPPED_UNSENT,
        f"{STOPPED_UNSENT} (the stop came while it was being priced)",
    }
    assert rejected <= stopped, rejected
    assert not any(i.reason and "not sent" in i.reason for i in intents if i.reason not in stopped)
    assert refused == []
    assert client_rate_limited == 0
