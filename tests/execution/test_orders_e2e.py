"""Orders end to end: actor, live broker, client and connection against the simulator.

A sale of a time contract, one whose answer is lost, orders a Rise/Fall contract refuses,
and a sale a previous run left ``sending``: the journal always agrees with the simulator's
own records, and every contract is closed once.
"""

from __future__ import annotations

from pathlib import Path

import structlog
import trio
from trio.testing import MockClock

from framework.execution import recover
from framework.execution.actor import OUTCOME_LOST
from framework.journal import Journal
from framework.simulator import Simulator, open_simulator
from framework.strategy.events import ContractOrder
from tests.execution.helpers import (
    Stack,
    intent,
    journal_buys,
    sim_options,
    statement_buys,
    trading,
)

log = structlog.get_logger()


def order(kind: str, contract_id: int, n: int = 1, **terms: object) -> ContractOrder:
    return ContractOrder(
        f"t-1/{kind}-{n}",
        kind,  # type: ignore[arg-type]
        "t",
        "t-1",
        contract_id,
        0,
        **terms,  # type: ignore[arg-type]
    )


async def bought(stack: Stack, sim: Simulator) -> int:
    """Buy a five-minute Rise contract through the actor; return it once seen open."""
    stack.actor.submit(intent(1, sim.epoch(), duration=5, unit="m"))
    await stack.sink.got_update.wait()
    await trio.sleep(5)  # past its entry tick: it may be sold
    (contract_id,) = stack.actor.followed
    return contract_id


def sells(sim: Simulator) -> list[int]:
    return [t.contract_id for t in sim.statement() if t.action == "sell" and t.contract_id]


async def test_a_sale_closes_the_contract_once_as_sold(vclock: MockClock, tmp_path: Path) -> None:
    with Journal(tmp_path / "journal.sqlite") as journal:
        async with open_simulator(**sim_options()) as sim, trading(sim, journal) as stack:
            contract_id = await bought(stack, sim)
            stack.actor.order(order("sell", contract_id))
            await stack.settle()
            (closed,) = stack.sink.closed_contracts
            assert (closed.contract_id, closed.end, closed.status) == (contract_id, "sold", "sold")
            assert sells(sim) == [contract_id]
            (sim_contract,) = sim.contracts()
            assert sim_contract.sell_txn is not None
            assert closed.sell_price == sim_contract.sell_txn.amount
            assert journal_buys(journal) == statement_buys(sim)
        (row,) = journal.orders()
        assert (row.status, row.reason) == ("done", "sold")
        (contract,) = journal.contracts()
        assert (contract.end, contract.sell_price) == ("sold", closed.sell_price)


async def test_a_sale_whose_answer_is_lost_is_decided_and_closed_once(
    vclock: MockClock, tmp_path: Path
) -> None:
    with Journal(tmp_path / "journal.sqlite") as journal:
        async with (
            open_simulator(**sim_options()) as sim,
            trading(sim, journal, first_retry=0.5) as stack,
        ):
            contract_id = await bought(stack, sim)
            sim.faults.drop_on("sell", when="after")
            stack.actor.order(order("sell", contract_id))
            await stack.settle()
            assert sells(sim) == [contract_id]  # sold once, never sent again
            assert [c.end for c in stack.sink.closed_contracts] == ["sold"]
        (row,) = journal.orders()
        assert (row.status, row.reason) == ("done", "answer lost; the contract is sold")


async def test_orders_a_rise_fall_contract_refuses_fail_with_the_servers_reason(
    vclock: MockClock, tmp_path: Path
) -> None:
    with Journal(tmp_path / "journal.sqlite") as journal:
        async with open_simulator(**sim_options()) as sim, trading(sim, journal) as stack:
            contract_id = await bought(stack, sim)
            stack.actor.order(order("cancel", contract_id))
            stack.actor.order(order("update", contract_id, take_profit=5.0, set_take_profit=True))
            stack.actor.order(order("sell", contract_id, min_price=1000.0))
            await stack.settle()
            failed = {order_id: code for order_id, code, _ in stack.sink.failed_orders}
            assert set(failed) == {"t-1/cancel-1", "t-1/update-1", "t-1/sell-1"}
            assert failed["t-1/sell-1"] == "PriceMoved"
            (closed,) = stack.sink.closed_contracts
            assert closed.end == "expired" and sells(sim) == [contract_id]
        assert {row.status for row in journal.orders()} == {"failed"}


async def test_a_sale_a_previous_run_left_sending_is_decided_from_the_contract(
    vclock: MockClock, tmp_path: Path
) -> None:
    with Journal(tmp_path / "journal.sqlite") as journal:
        async with open_simulator(**sim_options()) as sim:
            async with trading(sim, journal) as stack:
                contract_id = await bought(stack, sim)
            # The previous run wrote the sale and stopped before it left.
            sale = order("sell", contract_id)
            journal.record_order(sale, sale.to_request())
            journal.mark_order_sending(sale.order_id, server_epoch=sim.epoch())
            async with trading(sim, journal) as stack:
                report = await recover(stack.actor, journal, stack.broker, log=log)
                await stack.settle()
                (closed,) = stack.sink.closed_contracts
        assert report.orders_failed == 1 and report.following == 1
        assert journal.order(sale.order_id) is not None
        row = journal.order(sale.order_id)
        assert row is not None and row.status == "failed"
        assert row.reason == f"{OUTCOME_LOST}: answer lost; the contract is still open"
        assert closed.end == "expired"
