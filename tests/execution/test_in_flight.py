"""Several intents at once, a bound with a counted refusal, and buys without a quote.

The scripted broker holds buy answers (``answer``) or quotes (``quote_wait``) until the test
lets them go, so what is on the wire together is seen, not inferred from timings.
"""

from __future__ import annotations

import attrs
import trio
import trio.testing

from framework.client.results import BuyOutcome
from framework.deriv.errors import api_error
from framework.execution import ExecutionPolicy
from framework.execution.actor import STOPPED_UNSENT
from framework.execution.policy import BUSY, priced_by_stake
from framework.risk import RiskLimits, RiskSnapshot
from tests.execution.scripted import EPOCH, Scripted, bought
from tests.execution.test_actor import Run, execute, intent, lost, running


def _sending(run: Run) -> list[str]:
    return [i.intent_id for i in run.journal.intents() if i.status == "sending"]


async def test_intents_are_on_the_wire_together_each_journaled_first(
    autojump_clock: trio.abc.Clock,
) -> None:
    broker = Scripted(buys=[bought(10 + n) for n in range(3)])
    broker.answer = trio.Event()
    async with running(broker, policy=ExecutionPolicy(max_in_flight=3)) as run:
        for n in (1, 2, 3):
            run.actor.submit(intent(n))
        await trio.testing.wait_all_tasks_blocked()
        # Three buys sent, none answered: each was journaled ``sending`` before it left.
        assert broker.bought == ["direct 10"] * 3
        assert _sending(run) == ["s-1", "s-2", "s-3"]
        assert (run.actor.in_flight, run.actor.waiting, run.actor.open_contracts) == (3, 0, 3)
        broker.answer.set()
        with trio.fail_after(600):
            await run.actor.wait_idle()
    assert [i.status for i in run.journal.intents()] == ["bought"] * 3
    assert run.actor.stats.bought == 3


async def test_beyond_the_places_intents_wait_and_beyond_the_wait_are_refused(
    autojump_clock: trio.abc.Clock,
) -> None:
    broker = Scripted(buys=[bought(11), bought(12)])
    broker.answer = trio.Event()
    policy = ExecutionPolicy(max_in_flight=1, max_waiting=1)
    async with running(broker, policy=policy) as run:
        actor = run.actor
        for n in (1, 2, 3, 4):
            actor.submit(intent(n))
        await trio.testing.wait_all_tasks_blocked()
        assert broker.bought == ["direct 10"]  # one place: one buy on the wire
        assert (actor.in_flight, actor.waiting, actor.open_contracts) == (1, 1, 2)
        broker.answer.set()
        with trio.fail_after(600):
            await actor.wait_idle()
        # Room again: the next one is taken.
        broker.buys.append(bought(13))
        actor.submit(intent(5))
        with trio.fail_after(600):
            await actor.wait_idle()
    reason = (
        f"{BUSY}: 2 intents in flight or waiting "
        "(execution.max_in_flight 1, execution.max_waiting 1)"
    )
    # Refused at once, so journaled before the ones that waited for their place.
    rows = sorted(run.journal.intents(), key=lambda i: i.intent_id)
    assert [(i.intent_id, i.status, i.reason) for i in rows] == [
        ("s-1", "bought", None),
        ("s-2", "bought", None),
        ("s-3", "rejected", reason),
        ("s-4", "rejected", reason),
        ("s-5", "bought", None),
    ]
    assert run.sink.refusals == [("s-3", reason), ("s-4", reason)]
    stats = run.actor.stats
    assert (stats.intents, stats.busy, stats.rejected, stats.bought) == (5, 2, 2, 3)


async def test_the_risk_gate_counts_the_intents_in_flight(
    autojump_clock: trio.abc.Clock,
) -> None:
    broker = Scripted(buys=[bought(11), bought(12)])
    broker.answer = trio.Event()
    async with running(broker, RiskLimits(max_open_contracts=2), ExecutionPolicy()) as run:
        actor, gate = run.actor, run.gate
        allowed = []
        for n in (1, 2, 3, 4):
            each = intent(n)
            snapshot = RiskSnapshot(EPOCH, actor.balance, actor.open_contracts)
            if gate.check(each, snapshot).allowed:
                allowed.append(each.intent_id)
                actor.submit(each)
            await trio.testing.wait_all_tasks_blocked()
        # Two buys on the wire and nothing open yet: the gate counted them as open.
        assert allowed == ["s-1", "s-2"] and actor.in_flight == 2
        refused = gate.check(intent(5), RiskSnapshot(EPOCH, actor.balance, actor.open_contracts))
        assert (refused.limit, refused.reason) == (
            "max_open_contracts",
            "2 contracts open, max_open_contracts is 2",
        )
        broker.answer.set()
        with trio.fail_after(600):
            await actor.wait_idle()


async def test_the_stop_withdraws_every_intent_being_priced_and_every_waiting_one(
    autojump_clock: trio.abc.Clock,
) -> None:
    broker = Scripted()
    broker.quote_wait = trio.Event()  # the quotes wait, as the rate limiter holds them
    policy = ExecutionPolicy(max_in_flight=2, quote="always")
    async with running(broker, policy=policy) as run:
        for n in (1, 2, 3):
            run.actor.submit(intent(n))
        await trio.testing.wait_all_tasks_blocked()
        assert broker.quoted == 2 and run.actor.waiting == 1
        run.actor.close_intake()
        with trio.fail_after(600):
            await run.actor.wait_idle()
    priced = f"{STOPPED_UNSENT} (the stop came while it was being priced)"
    assert [(i.intent_id, i.status, i.reason) for i in run.journal.intents()] == [
        ("s-1", "rejected", priced),
        ("s-2", "rejected", priced),
        ("s-3", "rejected", STOPPED_UNSENT),
    ]
    assert broker.bought == []


def test_only_a_contract_whose_price_is_its_stake_is_bought_without_a_quote() -> None:
    auto, always = ExecutionPolicy(), ExecutionPolicy(quote="always")
    stake = intent()
    payout = intent(basis="payout")
    cancellable = attrs.evolve(stake, contract_type="MULTUP", cancellation="60m")
    assert [priced_by_stake(i) for i in (stake, payout, cancellable)] == [True, False, False]
    assert auto.buys_directly(stake) and not always.buys_directly(stake)
    assert not auto.buys_directly(payout) and not auto.buys_directly(cancellable)


async def test_a_buy_without_a_quote_journals_its_stake_as_the_price_cap(
    autojump_clock: trio.abc.Clock,
) -> None:
    run = await execute(Scripted(buys=[bought(11)]), intent(amount=3.5), policy=ExecutionPolicy())
    assert run.broker.quoted == 0 and run.broker.bought == ["direct 3.5"]
    (sent,) = run.journal.events(kind="sending")
    assert sent["payload"]["price"] == 3.5
    assert run.journal.intent("s-1").status == "bought"  # type: ignore[union-attr]


async def test_a_buy_without_a_quote_refused_for_its_price_is_quoted_once(
    autojump_clock: trio.abc.Clock,
) -> None:
    moved = api_error("PriceMoved", "The underlying market has moved too much.")
    refused = BuyOutcome("x", bought=False, error=moved, detail=f"refused: {moved}")
    broker = Scripted(buys=[refused, bought(11)])
    run = await execute(broker, intent(), policy=ExecutionPolicy())
    assert broker.bought == ["direct 10", "p1"] and run.actor.stats.requotes == 1
    assert run.journal.intent("s-1").status == "bought"  # type: ignore[union-attr]


async def test_a_lost_buy_without_a_quote_is_reconciled_up_to_its_stake(
    autojump_clock: trio.abc.Clock,
) -> None:
    broker = Scripted(buys=[lost()], reconciles=[bought(11)])
    run = await execute(broker, intent(amount=4.0), policy=ExecutionPolicy())
    assert broker.reconciled == [("s-1", EPOCH + 5, 4.0)]
    assert run.actor.stats.reconciled == 1
