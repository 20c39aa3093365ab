"""Multipliers and Accumulators end to end: actor, live broker, client and the simulator.

How each contract ended, as the live runtime infers it from the final state, is checked
against the market model's own settlement inside the simulator; updates, cancellations and
sales (their answers lost too) are journaled once and close each contract once.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import trio
from trio.testing import MockClock

from framework.journal import Journal
from framework.simulator import Simulator, open_simulator
from framework.strategy.events import ContractOrder, TradeIntent
from tests.execution.helpers import SYMBOL, Stack, sim_options, trading


def open_ended(n: int, epoch: int, contract_type: str, **terms: Any) -> TradeIntent:
    """A 10 USD Multiplier or Accumulator intent made on the tick at ``epoch``."""
    return TradeIntent(
        intent_id=f"t-{n}",
        strategy="t",
        symbol=SYMBOL,
        contract_type=contract_type,
        duration=None,
        duration_unit=None,
        barrier=None,
        amount=10.0,
        basis="stake",
        currency="USD",
        created_epoch=epoch,
        **terms,
    )


def order(kind: str, contract_id: int, n: int = 1, **terms: Any) -> ContractOrder:
    return ContractOrder(f"t-1/{kind}-{n}", kind, "t", "t-1", contract_id, 0, **terms)  # type: ignore[arg-type]


async def bought(stack: Stack, intent: TradeIntent) -> int:
    """Buy ``intent`` through the actor; return its contract once it passed its entry tick."""
    stack.actor.submit(intent)
    await stack.sink.got_update.wait()
    await trio.sleep(3)
    (contract_id,) = stack.actor.followed
    return contract_id


def sim_ends(sim: Simulator) -> dict[int, str]:
    """How the market model in the simulator settled each contract."""
    ends: dict[int, str] = {}
    for contract in sim.contracts():
        settlement = contract.position.settlement
        assert settlement is not None, "every contract ended"
        ends[contract.contract_id] = settlement.end
    return ends


async def test_the_live_end_of_each_contract_is_the_market_models(
    vclock: MockClock, tmp_path: Path
) -> None:
    intents: list[tuple[str, dict[str, Any]]] = [
        ("MULTUP", {"multiplier": 40, "take_profit": 0.5, "stop_loss": 0.5}),
        ("MULTDOWN", {"multiplier": 40, "take_profit": 0.4}),
        ("MULTUP", {"multiplier": 120, "stop_loss": 0.5}),
        ("MULTDOWN", {"multiplier": 200}),
        ("ACCU", {"growth_rate": 0.05, "take_profit": 0.5}),
        ("ACCU", {"growth_rate": 0.05}),
        ("ACCU", {"growth_rate": 0.01, "take_profit": 0.2}),
    ]
    with Journal(tmp_path / "journal.sqlite") as journal:
        async with open_simulator(**sim_options()) as sim, trading(sim, journal) as stack:
            for n, (contract_type, terms) in enumerate(intents, 1):
                stack.actor.submit(open_ended(n, sim.epoch(), contract_type, **terms))
            await stack.settle(limit=36_000)
            expected = sim_ends(sim)
        closed = {c.contract_id: c.end for c in stack.sink.closed_contracts}
        assert len(closed) == len(intents) == len(stack.sink.closed_contracts)
        assert closed == expected
        assert {c.contract_id: c.end for c in journal.contracts()} == expected
        # The runs cover the ways these contracts end by their own rules.
        assert {"take_profit", "knocked_out"} <= set(expected.values())
        assert {"stop_loss", "stopped_out"} & set(expected.values())


async def test_a_multiplier_within_its_cancellation_window_refuses_an_update_and_cancels(
    vclock: MockClock, tmp_path: Path
) -> None:
    with Journal(tmp_path / "journal.sqlite") as journal:
        async with open_simulator(**sim_options()) as sim, trading(sim, journal) as stack:
            intent = open_ended(1, sim.epoch(), "MULTUP", multiplier=40, cancellation="60m")
            contract_id = await bought(stack, intent)
            stack.actor.order(order("update", contract_id, take_profit=50.0, set_take_profit=True))
            stack.actor.order(order("cancel", contract_id))
            await stack.settle()
            (closed,) = stack.sink.closed_contracts
            assert (closed.end, closed.status) == ("cancelled", "cancelled")
            assert closed.sell_price == 10.0  # the stake back; the fee was paid at purchase
            assert sim_ends(sim) == {contract_id: "cancelled"}
        ((_, code, message),) = stack.sink.failed_orders
        assert code == "UpdateTakeProfitNotAllowed" and "deal cancellation" in message
        assert [(o.kind, o.status) for o in journal.orders()] == [
            ("update", "failed"),
            ("cancel", "done"),
        ]


async def test_lost_answers_to_an_update_a_sale_and_a_cancellation_are_decided_done(
    vclock: MockClock, tmp_path: Path
) -> None:
    with Journal(tmp_path / "journal.sqlite") as journal:
        async with (
            open_simulator(**sim_options()) as sim,
            trading(sim, journal, first_retry=0.5) as stack,
        ):
            stack.actor.submit(open_ended(1, sim.epoch(), "MULTDOWN", multiplier=40))
            stack.actor.submit(
                open_ended(2, sim.epoch(), "MULTUP", multiplier=40, cancellation="60m")
            )
            await stack.sink.got_update.wait()
            await trio.sleep(3)
            plain, cancellable = sorted(stack.actor.followed)
            sim.faults.drop_on("contract_update", when="after")
            stack.actor.order(order("update", plain, take_profit=40.0, set_take_profit=True))
            await trio.sleep(5)
            updated = {c.contract_id: c for c in sim.contracts()}[plain]
            assert getattr(updated.position, "take_profit", None) == 40.0
            sim.faults.drop_on("sell", when="after")
            stack.actor.order(order("sell", plain))
            await trio.sleep(5)
            sim.faults.drop_on("cancel", when="after")
            stack.actor.order(ContractOrder("t-2/cancel-1", "cancel", "t", "t-2", cancellable, 0))
            await stack.settle()
            ends = {c.contract_id: c.end for c in stack.sink.closed_contracts}
            assert ends == {plain: "sold", cancellable: "cancelled"} == sim_ends(sim)
        assert [(o.kind, o.status, o.reason) for o in journal.orders()] == [
            ("update", "done", "answer lost; the contract's limit order is the one asked for"),
            ("sell", "done", "answer lost; the contract is sold"),
            ("cancel", "done", "answer lost; the contract is cancelled"),
        ]


async def test_an_accumulator_is_sold_only_after_its_entry_tick(
    vclock: MockClock, tmp_path: Path
) -> None:
    with Journal(tmp_path / "journal.sqlite") as journal:
        async with open_simulator(**sim_options()) as sim, trading(sim, journal) as stack:
            stack.actor.submit(open_ended(1, sim.epoch(), "ACCU", growth_rate=0.01))
            await stack.sink.got_update.wait()
            (contract_id,) = stack.actor.followed
            stack.actor.order(order("sell", contract_id, n=1))  # before its entry tick
            await trio.sleep(2)
            stack.actor.order(order("sell", contract_id, n=2))  # on it
            await trio.sleep(4)
            stack.actor.order(order("sell", contract_id, n=3))
            await stack.settle()
            (closed,) = stack.sink.closed_contracts
            assert (closed.end, closed.status) == ("sold", "sold")
            assert closed.profit > 0
            assert sim_ends(sim) == {contract_id: "sold"}
        codes = [code for _, code, _ in stack.sink.failed_orders]
        assert codes == ["InvalidSellContractProposal", "SellAtEntryTick"]
        assert [o.status for o in journal.orders()] == ["failed", "failed", "done"]


async def test_lost_buys_of_open_ended_contracts_are_found_in_the_records(
    vclock: MockClock, tmp_path: Path
) -> None:
    with Journal(tmp_path / "journal.sqlite") as journal:
        async with (
            open_simulator(**sim_options()) as sim,
            trading(sim, journal, first_retry=0.5) as stack,
        ):
            for n, (contract_type, terms) in enumerate(
                [
                    ("ACCU", {"growth_rate": 0.03}),
                    ("MULTUP", {"multiplier": 80, "take_profit": 0.5, "stop_loss": 0.5}),
                ],
                1,
            ):
                sim.faults.drop_on("buy", when="after")
                stack.actor.submit(open_ended(n, sim.epoch(), contract_type, **terms))
                await trio.sleep(20)
            await stack.settle(limit=36_000)
            assert stack.actor.stats.reconciled == 2
            assert {c.contract_id: c.end for c in stack.sink.closed_contracts} == sim_ends(sim)
        assert sorted(c.contract_type for c in journal.contracts()) == ["ACCU", "MULTUP"]
        assert {i.status for i in journal.intents()} == {"bought"}
