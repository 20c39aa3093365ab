"""Startup reconciliation: what a previous run left unfinished, settled before strategies start.

The journal's rules make a crash leave exactly two kinds of loose ends:

* intents without an outcome. A ``pending`` one never left (``mark_sending`` is written
  before the buy), so it is closed as not bought. A ``sending`` one may or may not have
  bought a contract: the account's records decide (never a blind re-send); if they cannot
  be read yet, the actor keeps asking in the background and counts it as open meanwhile.
* orders (sell, ``contract_update``, cancel) without an outcome. A ``pending`` one never
  left: failed, not sent. A ``sending`` one is decided from its contract's state (never
  re-sent); if that cannot be read yet, the actor keeps asking in the background, holding
  the contract's turn so that its settlement waits for the decision. Orders come before
  contracts: whether the bot's own sale closed a contract decides how it ended.
* contracts without a settlement. Each one's current state is asked once: one that ended
  while the bot was down is settled now (exactly once: the journal refuses a second
  settlement); the others are followed to settlement like any new contract.
"""

from __future__ import annotations

from typing import Any, cast

import attrs

from framework.connection import NotConnected, OutcomeUnknown, RequestTimeout
from framework.deriv.errors import APIError, PayloadError
from framework.deriv.models import OrderKind
from framework.journal import Journal, JournaledContract, JournaledIntent, JournaledOrder
from framework.strategy.events import ContractOrder, TradeIntent

from .actor import NOT_SENT, ExecutionActor, Followed, journal_bought
from .broker import Broker

__all__ = ["RecoveryReport", "intent_from_journal", "order_from_journal", "recover"]

#: Why a ``pending`` order of a previous run is failed.
ORDER_NEVER_SENT = "the bot stopped before sending"


@attrs.define
class RecoveryReport:
    """What startup reconciliation found.

    Attributes:
        never_sent: ``pending`` intents closed as not bought.
        reconciled_bought: ``sending`` intents the records show bought.
        reconciled_absent: ``sending`` intents the records show not bought.
        deferred: ``sending`` intents left to background reconciliation.
        settled: open contracts found settled and settled now.
        following: open contracts being followed.
        orders_never_sent: ``pending`` orders failed as not sent.
        orders_done: ``sending`` orders the contract's state shows done.
        orders_failed: ``sending`` orders the contract's state shows not done.
        orders_deferred: ``sending`` orders left to background decision.
    """

    never_sent: int = 0
    reconciled_bought: int = 0
    reconciled_absent: int = 0
    deferred: int = 0
    settled: int = 0
    following: int = 0
    orders_never_sent: int = 0
    orders_done: int = 0
    orders_failed: int = 0
    orders_deferred: int = 0

    def summary(self) -> dict[str, int]:
        """The counters as a dict (for the log line)."""
        return attrs.asdict(self)


def intent_from_journal(row: JournaledIntent) -> TradeIntent:
    """Rebuild the intent a journal row was written from."""
    return TradeIntent(
        intent_id=row.intent_id,
        strategy=row.strategy,
        symbol=row.symbol,
        contract_type=row.contract_type,
        duration=row.duration,
        duration_unit=row.duration_unit,
        barrier=row.barrier,
        amount=row.amount,
        basis="payout" if row.basis == "payout" else "stake",
        currency=row.currency,
        created_epoch=int(row.created_epoch),
    )


def order_from_journal(row: JournaledOrder) -> ContractOrder:
    """Rebuild the order a journal row was written from (its request says its terms)."""
    request = row.request
    limit_order = request.get("limit_order") or {}
    price = request.get("price")
    return ContractOrder(
        order_id=row.order_id,
        kind=cast(OrderKind, row.kind),
        strategy=row.strategy,
        intent_id=row.intent_id or "",
        contract_id=row.contract_id,
        created_epoch=row.created_epoch,
        min_price=float(price) if price else None,
        take_profit=limit_order.get("take_profit"),
        stop_loss=limit_order.get("stop_loss"),
        set_take_profit="take_profit" in limit_order,
        set_stop_loss="stop_loss" in limit_order,
    )


async def _recover_orders(
    actor: ExecutionActor, journal: Journal, broker: Broker, report: RecoveryReport, log: Any
) -> None:
    for row in journal.unresolved_orders():
        order = order_from_journal(row)
        if row.status == "pending":
            journal.record_order_failed(row.order_id, f"{NOT_SENT}: {ORDER_NEVER_SENT}")
            report.orders_never_sent += 1
            continue
        try:
            outcome = await broker.decide_order(order)
        except (OutcomeUnknown, RequestTimeout, NotConnected, APIError) as exc:
            log.warning(
                "cannot decide an unfinished order yet; retrying in background",
                order=row.order_id,
                error=str(exc),
            )
            actor.decide_order_later(order)
            report.orders_deferred += 1
            continue
        log.warning("unfinished order decided", order=row.order_id, done=outcome.done)
        actor.order_outcome(order, outcome)
        if outcome.done:
            report.orders_done += 1
        else:
            report.orders_failed += 1


def _intent_of(journal: Journal, contract: JournaledContract, currency: str) -> TradeIntent:
    row = journal.intent(contract.intent_id) if contract.intent_id else None
    if row is not None:
        return intent_from_journal(row)
    # A contract without its intent row (should not happen): enough to settle and report it.
    return TradeIntent(
        intent_id=contract.intent_id or f"contract-{contract.contract_id}",
        strategy=contract.strategy,
        symbol=contract.symbol,
        contract_type=contract.contract_type,
        duration=None,
        duration_unit=None,
        barrier=None,
        amount=contract.buy_price,
        basis="stake",
        currency=currency,
        created_epoch=contract.purchase_time,
    )


def _max_prices(journal: Journal) -> dict[str, float]:
    prices: dict[str, float] = {}
    for event in journal.events(kind="sending"):
        price = event["payload"].get("price") if isinstance(event["payload"], dict) else None
        if event["intent_id"] and isinstance(price, int | float):
            prices[event["intent_id"]] = float(price)
    return prices


async def recover(
    actor: ExecutionActor, journal: Journal, broker: Broker, *, log: Any
) -> RecoveryReport:
    """Close the previous run's loose ends (the actor must be running).

    Args:
        actor: the running execution actor (follows contracts, reconciles in background).
        journal: the bot's journal.
        broker: the live account.
        log: a structlog logger.

    Returns:
        What was found.
    """
    report = RecoveryReport()
    unresolved = journal.unresolved_intents()
    prices = _max_prices(journal) if any(r.status == "sending" for r in unresolved) else {}
    for row in unresolved:
        intent = intent_from_journal(row)
        if row.status == "pending":
            journal.record_not_bought(row.intent_id, "not sent: the bot stopped before sending")
            report.never_sent += 1
            continue
        max_price = prices.get(row.intent_id)
        # A journal written before server epochs were journaled: the intent's tick, which
        # is server time and not later than the send.
        sent_epoch = row.sent_epoch if row.sent_epoch is not None else intent.created_epoch
        try:
            outcome = await broker.reconcile(intent, sent_epoch, max_price)
        except (OutcomeUnknown, RequestTimeout, NotConnected, APIError) as exc:
            log.warning(
                "cannot reconcile yet; retrying in background", intent=row.intent_id, error=str(exc)
            )
            actor.reconcile_later(intent, sent_epoch, max_price)
            report.deferred += 1
            continue
        if outcome.bought:
            journal_bought(journal, intent, attrs.evolve(outcome, reconciled=True))
            report.reconciled_bought += 1
            log.warning(
                "unfinished buy reconciled: bought",
                intent=row.intent_id,
                contract_id=outcome.contract_id,
            )
        else:
            journal.record_not_bought(row.intent_id, f"reconciled: {outcome.detail}")
            report.reconciled_absent += 1
            log.info("unfinished buy reconciled: not bought", intent=row.intent_id)
    await _recover_orders(actor, journal, broker, report, log)
    for contract in journal.open_contracts():
        intent = _intent_of(journal, contract, actor.currency)
        followed = Followed(
            intent,
            contract.contract_id,
            contract.buy_price,
            contract.purchase_time,
            recovered=True,
        )
        try:
            state = await broker.contract(contract.contract_id)
        except PayloadError:
            state = None  # logged where it was read; following the contract asks again
        if state is not None and state.is_sold and state.sell_price is not None:
            await actor.settle_now(followed, state)
            report.settled += 1
            continue
        actor.follow(followed)
        report.following += 1
    return report
