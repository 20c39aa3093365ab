"""The execution actor: every allowed intent bought at most once, every contract settled once.

One :class:`ExecutionActor` per bot. It is the strategies' live
:class:`~framework.strategy._context.Venue`: :meth:`submit` takes an intent the risk gate
allowed without blocking. Up to ``max_in_flight`` intents are carried out at once, each in
its own task, started in the order they were given; up to ``max_waiting`` more wait for a
place, and one given beyond that is refused at once (journaled ``rejected``, counted in
:attr:`ExecutionStats.busy`, handed back to its strategy; :mod:`~.policy`). Each intent:

1. ``journal.record_intent`` (``pending``), then, unless its price is its stake
   (:meth:`~.policy.ExecutionPolicy.buys_directly`), a ``proposal`` for its contract; a
   payout-basis price above ``max_stake`` is refused (``rejected``);
2. ``journal.mark_sending`` *before* the buy leaves, with the latest server epoch known
   then (the reconciliation window starts there, on the server's clock) and the price cap,
   then ``buy`` (the proposal id and its ask as the maximum price, or the contract's
   ``parameters`` and the stake as the maximum price; ``passthrough`` carrying the intent
   id). Buys on the wire together never confuse a reconciliation: the client's
   :class:`~framework.client.reconcile_turn.RecordsTurn` lets one read the account's
   records only once no buy is waiting for its answer;
3. the buy's one outcome goes to the journal: ``bought`` (from the answer, or reconciled
   by the client after a lost answer) or ``not_bought`` with the server's reason.
   ``PriceMoved``/``InvalidContractProposal`` are re-quoted once; ``RateLimit`` backs off
   and tries again (an error answer proves nothing was bought); ``InsufficientBalance``
   stops all new trades (the risk gate's kill switch) and says so. ``MarketIsClosed``,
   though ``retryable`` (it can succeed once the market opens), is not tried again: an
   intent is a decision on the market of its moment, so it is ``not_bought`` with the
   server's reason, once. A buy whose outcome stays unknown is never re-sent: the intent
   stays ``sending`` and is reconciled later.

After :meth:`ExecutionActor.close_intake` (a graceful stop) nothing more is sent: waiting
intents are refused; every wait before a buy leaves (a quote held by the rate limiter, a
back-off, a re-quote), in every intent in flight, is cancelled and the intent journaled as
not sent, with why; a buy waiting for its turn at the client is withdrawn before it is
written. Only a buy already on the wire runs to its outcome, and open contracts are still
followed to settlement (orders on them are still sent: see below).

Each bought contract is followed in its own task through ``proposal_open_contract`` until
it is sold; the settlement is written once (the journal refuses a second), then handed to
the :class:`ExecutionSink` (risk gate, sizing, the strategy's ``on_contract_closed``).

Orders on an open contract (:meth:`ExecutionActor.order`: sell, ``contract_update``,
cancel) follow the buy's rules; one task per contract sends them one at a time, in the order
they were given:

1. ``journal.record_order`` (``pending``) at once, inside :meth:`order`; then
   ``journal.mark_order_sending`` (with the latest server epoch) right before it leaves;
2. its one outcome goes to the journal: ``done`` (from the answer, or decided from the
   contract's state after a lost answer) or ``failed`` with the server's code and
   message, which the strategy also gets (:meth:`ExecutionSink.order_failed`).
   ``RateLimit`` backs off and tries again (an error answer proves nothing happened); a
   lost answer whose contract state cannot be read yet is decided later, in the
   background, and never re-sent;
3. a sale or cancellation closes nothing by itself: the contract's final
   ``proposal_open_contract`` does, once, like any other end. A final state that arrives
   while an order of the same contract is still on its way waits for the order's outcome,
   so that ``end`` (:meth:`~framework.deriv.models.OpenContract.end_reason`) knows
   whether the bot's own sale closed it: a sale and the state that reports it are one
   closing, not two.

:meth:`close_intake` does not stop orders: each closes or protects a contract already open,
and a stopping bot waits for its open contracts (a Multiplier never expires: its strategy's
sale is how it ends).

Messages that cannot be read were logged and counted at the edge (the connection and the
client); here each has one rule. A buy answer that cannot be read is an unknown outcome
(the client decides it from the records, as a lost one). A contract update that cannot be
read (:class:`~framework.connection.Unreadable`) makes the actor ask for the contract's
state; an unreadable state is asked again, as a failed follow is. An unreadable proposal
is not bought (nothing was sent). An unreadable transaction is passed over: the balance is
set again by the next one, and the contract it is about is followed on its own stream.

Order of events, for parity with the backtest: a settlement on the tick at epoch ``E`` is
delivered only after the strategies have seen that tick (the simulator sends the tick
first, but the two arrive on different streams), so ``on_tick(E)`` always comes before
``on_contract_closed`` of a contract that ended at ``E``, as in a replay.
"""

from __future__ import annotations

import collections
import math
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Protocol

import attrs
import trio

from framework.bus import EventBus
from framework.connection import (
    ConnectionClosed,
    ConnectionRestored,
    NotConnected,
    OutcomeUnknown,
    RequestTimeout,
    StreamOverflow,
    Unreadable,
)
from framework.deriv.errors import (
    APIError,
    InsufficientBalance,
    InvalidContractProposal,
    PayloadError,
    PriceMoved,
    RateLimit,
)
from framework.deriv.models import OpenContract, Proposal, Transaction
from framework.journal import Journal
from framework.logs import get_logger
from framework.risk import RiskGate
from framework.strategy.events import (
    ClosedContract,
    ContractOrder,
    ContractUpdate,
    OrderFailed,
    TradeIntent,
)

from .broker import Broker, BuyOutcome, OrderOutcome
from .policy import BUSY, ExecutionPolicy

__all__ = [
    "NOT_SENT",
    "OUTCOME_LOST",
    "ExecutionActor",
    "ExecutionSink",
    "ExecutionStats",
    "Followed",
    "journal_bought",
]

#: Back-off after a ``RateLimit`` answer to a buy, doubled each time.
RATE_LIMIT_DELAYS = (1.0, 2.0, 4.0)
#: Seconds between retries of a contract follow that failed (reconnects are the actor's).
FOLLOW_RETRY = 2.0
#: Most seconds a settlement waits for its exit tick to reach the strategies.
TICK_ORDER_WAIT = 2.0
#: The journal's reason for an intent the stop caught before anything was sent for it.
STOPPED_UNSENT = "bot stopping: not sent"
#: The code of a failed order that was never sent (the connection was down).
NOT_SENT = "NotSent"
#: The code of an order whose answer was lost and that the contract's state shows not done.
OUTCOME_LOST = "OutcomeLost"


class ExecutionSink(Protocol):
    """Where the actor reports what happened (the strategy runner)."""

    def rejected(self, intent: TradeIntent, reason: str) -> None:
        """An allowed intent was not bought (refused, failed, or the bot is stopping)."""
        ...

    def update(self, intent: TradeIntent, update: ContractUpdate) -> None:
        """An open contract changed."""
        ...

    def closed(self, intent: TradeIntent, result: ClosedContract) -> None:
        """A contract settled (exactly once per contract)."""
        ...

    def order_failed(self, failure: OrderFailed) -> None:
        """An order was not carried out: the server's code and message (or :data:`NOT_SENT`,
        :data:`OUTCOME_LOST` and why)."""
        ...

    def transaction(self, tx: Transaction) -> None:
        """An account transaction (for strategies that want them)."""
        ...

    async def tick_reached(self, symbol: str, epoch: int) -> None:
        """Return once the strategies have seen the tick of ``symbol`` at ``epoch``."""
        ...


@attrs.define
class ExecutionStats:
    """Counters for the status line and the summary (``busy``: intents refused because
    ``max_waiting`` intents were waiting already)."""

    intents: int = 0
    bought: int = 0
    not_bought: int = 0
    rejected: int = 0
    reconciled: int = 0
    settled: int = 0
    won: int = 0
    profit: float = 0.0
    requotes: int = 0
    unknown: int = 0
    orders: int = 0
    orders_done: int = 0
    orders_failed: int = 0
    busy: int = 0


@attrs.define(eq=False)
class Followed:
    """A contract being followed to settlement."""

    intent: TradeIntent
    contract_id: int
    buy_price: float
    purchase_time: int
    entry_logged: bool = False
    recovered: bool = False
    #: The latest state the server gave (live bid and profit), once it gave one.
    latest: ContractUpdate | None = None


def journal_bought(journal: Journal, intent: TradeIntent, outcome: BuyOutcome) -> Followed:
    """Journal a bought outcome (from the answer or the records); return what to follow.

    Every field comes from the server (the answer, or its records for a reconciled buy);
    only a field the server did not give falls back to what the intent asked for.
    """
    assert outcome.contract_id is not None, "a bought outcome has its contract"
    buy_price = outcome.buy_price if outcome.buy_price is not None else intent.amount
    purchase_time = outcome.purchase_time or intent.created_epoch
    journal.record_bought(
        intent.intent_id,
        contract_id=outcome.contract_id,
        buy_price=buy_price,
        # 0.0 only when neither the answer nor any of the account's records had a payout.
        payout=outcome.payout if outcome.payout is not None else 0.0,
        purchase_time=purchase_time,
        transaction_id=outcome.transaction_id,
        reconciled=outcome.reconciled,
    )
    return Followed(intent, outcome.contract_id, buy_price, purchase_time)


class ExecutionActor:
    """Buys intents and follows contracts; the live :class:`Venue` of every strategy.

    Attributes:
        now: epoch of the latest tick (set by the strategy runner).
        balance: the account balance (authorize, buys, transactions).
        currency: the account currency.
        stats: counters.
        followed: contracts open now, by id.
    """

    def __init__(
        self,
        broker: Broker,
        journal: Journal,
        gate: RiskGate,
        sink: ExecutionSink,
        *,
        balance: float,
        currency: str,
        policy: ExecutionPolicy | None = None,
        events: EventBus | None = None,
        log: Any = None,
    ) -> None:
        """Create the actor (call :meth:`run` in a nursery to start it).

        Args:
            broker: the live account.
            journal: the bot's journal.
            gate: the bot-wide risk gate (price checks, kill switch).
            sink: where outcomes go.
            balance: the balance at authorization.
            currency: the account currency.
            policy: how many intents at once, how many waiting, and how they are priced.
            events: where buys and settlements are published (a bus of its own by default).
            log: a structlog logger.
        """
        self._broker = broker
        self.events = events if events is not None else EventBus()
        self._journal = journal
        self._gate = gate
        self._sink = sink
        self.now = 0
        self.balance = balance
        self.currency = currency
        self.stats = ExecutionStats()
        self.followed: dict[int, Followed] = {}
        self._log = log if log is not None else get_logger("triobot.execution")
        self.policy = policy = policy if policy is not None else ExecutionPolicy()
        # Bounded by :meth:`submit`, which counts (the channel alone would let one more in
        # while this task is not parked at it): an intent beyond ``max_in_flight`` plus
        # ``max_waiting`` is refused at once (module docstring).
        self._send, self._receive = trio.open_memory_channel[TradeIntent](math.inf)
        self._places = trio.Semaphore(policy.max_in_flight)
        self._queued = 0
        self._unresolved = 0
        self._in_flight = 0
        self._accepting = True
        self._refusing = False  # in a run of busy refusals (logged once per run)
        # The waits before a buy leaves, of every intent in flight; the stop cancels them.
        self._unsent: set[trio.CancelScope] = set()
        self._credited: set[int] = set()
        # One order at a time per contract; a settlement waits for the one on its way.
        self._order_turns: dict[int, trio.Lock] = {}
        # The orders of each contract waiting to be sent, in the order they were given.
        self._order_queues: dict[int, collections.deque[ContractOrder]] = {}
        self._orders_open = 0
        self._idle = trio.Event()
        self._idle.set()
        self._nursery: trio.Nursery | None = None
        # When each intent in flight was given (Trio time): a buy's tick-to-trade latency.
        self._given_at: dict[str, float] = {}

    # -- Venue ---------------------------------------------------------------------------

    @property
    def open_contracts(self) -> int:
        """Contracts open on the account plus intents waiting or being bought."""
        return len(self.followed) + self._queued + self._unresolved + self._in_flight

    @property
    def in_flight(self) -> int:
        """Intents being carried out now (at most ``policy.max_in_flight``)."""
        return self._in_flight

    @property
    def waiting(self) -> int:
        """Intents waiting for a place (at most ``policy.max_waiting``)."""
        return self._queued

    def submit(self, intent: TradeIntent) -> None:
        """Take an intent the risk gate allowed; never blocks.

        An intent given while ``max_waiting`` intents wait already is refused at once:
        journaled ``rejected`` (:data:`~.policy.BUSY`), counted in
        :attr:`ExecutionStats.busy`, and handed back to its strategy through the sink.
        """
        policy = self.policy
        if self._queued + self._in_flight >= policy.max_in_flight + policy.max_waiting:
            self._refuse_busy(intent)
            return
        self._refusing = False
        self._queued += 1
        self._given_at[intent.intent_id] = trio.current_time()
        self._send.send_nowait(intent)
        self._idle = trio.Event() if self._idle.is_set() else self._idle

    def _refuse_busy(self, intent: TradeIntent) -> None:
        policy = self.policy
        reason = (
            f"{BUSY}: {self._in_flight + self._queued} intents in flight or waiting "
            f"(execution.max_in_flight {policy.max_in_flight}, "
            f"execution.max_waiting {policy.max_waiting})"
        )
        self.stats.intents += 1
        self.stats.busy += 1
        if not self._refusing:
            self._refusing = True
            self._log.warning("execution busy: refusing intents", reason=reason)
        self._journal.record_intent(intent)
        self._reject(intent, reason)

    def order(self, order: ContractOrder) -> None:
        """Take a sell, update or cancel order of an open contract; never blocks.

        Journaled ``pending`` before this returns; sent by its own task (module docstring).
        What the actor reports of it (:class:`OrderFailed`) carries the id it was journaled
        under (see :meth:`_unique`).
        """
        self.stats.orders += 1
        order = self._unique(order)
        self._journal.record_order(order, order.to_request())
        assert self._nursery is not None, "run() first"
        self._orders_open += 1
        self._idle = trio.Event() if self._idle.is_set() else self._idle
        queue = self._order_queues.get(order.contract_id)
        if queue is not None:
            queue.append(order)  # its contract's task sends it after the ones before
            return
        self._order_queues[order.contract_id] = collections.deque([order])
        self._nursery.start_soon(self._run_orders, order.contract_id)

    def _unique(self, order: ContractOrder) -> ContractOrder:
        """The order under an id the journal does not hold yet.

        A restarted bot numbers a recovered contract's orders from 1 again; the journal
        keeps the previous run's, so the new one gets the first free ``#n`` suffix.
        """
        order_id, n = order.order_id, 1
        while self._journal.order(order_id) is not None:
            n += 1
            order_id = f"{order.order_id}#{n}"
        if n == 1:
            return order
        self._log.info("order id taken by an earlier run", order=order.order_id, now=order_id)
        return attrs.evolve(order, order_id=order_id)

    # -- control -------------------------------------------------------------------------

    @property
    def idle(self) -> bool:
        """Nothing queued, being bought, open, or ordered."""
        return self.open_contracts == 0 and self._orders_open == 0

    def close_intake(self) -> None:
        """Stop buying: no buy is sent from now on (see the module docstring)."""
        self._accepting = False
        for scope in self._unsent:
            scope.cancel()

    def _may_send(self) -> bool:
        """Asked by the broker right before a buy is written."""
        return self._accepting

    @contextmanager
    def _until_stopped(self) -> Iterator[trio.CancelScope]:
        """A scope around a wait before sending (the caller checked that no stop came yet)."""
        with trio.CancelScope() as scope:
            self._unsent.add(scope)
            try:
                yield scope
            finally:
                self._unsent.discard(scope)

    async def wait_idle(self) -> None:
        """Wait until nothing is queued, being bought or open."""
        while not self.idle:
            await self._idle.wait()

    def _check_idle(self) -> None:
        if self.idle:
            self._idle.set()

    async def run(
        self, *, task_status: trio.TaskStatus[ExecutionActor] = trio.TASK_STATUS_IGNORED
    ) -> None:
        """Execute intents and follow contracts until cancelled."""
        async with trio.open_nursery() as nursery:
            self._nursery = nursery
            task_status.started(self)
            while True:
                # A place first, then the next intent: the others wait in the channel,
                # whose bound is ``max_waiting``.
                await self._places.acquire()
                intent = await self._receive.receive()
                self._queued -= 1
                self._in_flight += 1
                nursery.start_soon(self._carry_out, intent)

    async def _carry_out(self, intent: TradeIntent) -> None:
        try:
            await self._execute(intent)
        finally:
            self._in_flight -= 1
            self._places.release()
            self._check_idle()

    def follow(self, followed: Followed) -> None:
        """Follow a contract to settlement (bought now, or recovered from the journal)."""
        if followed.contract_id in self.followed:
            return
        assert self._nursery is not None, "run() first"
        self.followed[followed.contract_id] = followed
        self._idle = trio.Event() if self._idle.is_set() else self._idle
        self._nursery.start_soon(self._follow, followed)

    def reconcile_later(
        self, intent: TradeIntent, sent_epoch: int, max_price: float | None = None
    ) -> None:
        """Find out whether a buy that left happened, retrying until the records say.

        Args:
            intent: the intent whose buy's outcome is unknown (journaled ``sending``).
            sent_epoch: the server epoch known when the buy left.
            max_price: the most that buy could have paid, when known.
        """
        assert self._nursery is not None, "run() first"
        self.stats.unknown += 1
        self._unresolved += 1
        self._idle = trio.Event() if self._idle.is_set() else self._idle
        self._nursery.start_soon(self._reconcile, intent, sent_epoch, max_price)

    async def _reconcile(
        self, intent: TradeIntent, sent_epoch: int, max_price: float | None
    ) -> None:
        log = self._log.bind(intent=intent.intent_id, strategy=intent.strategy)
        delay = 1.0
        try:
            while True:
                try:
                    outcome = await self._broker.reconcile(intent, sent_epoch, max_price)
                except (OutcomeUnknown, RequestTimeout, NotConnected, APIError) as exc:
                    log.warning("reconciliation not possible yet", error=str(exc), retry_in=delay)
                    await trio.sleep(delay)
                    delay = min(delay * 2, 60.0)
                    continue
                break
        except ConnectionClosed:
            # The bot is stopping: the journal keeps the intent ``sending`` and the next
            # start reconciles it.
            log.warning("stopping before the buy's outcome was known")
            return
        finally:
            self._unresolved -= 1
            self._check_idle()
        if outcome.bought:
            self._bought(intent, attrs.evolve(outcome, reconciled=True), log)
        else:
            self._not_bought(
                intent, f"reconciled: {outcome.detail or 'no contract was bought'}", log
            )
        self._check_idle()

    # -- buying --------------------------------------------------------------------------

    async def _execute(self, intent: TradeIntent) -> None:
        journal = self._journal
        self.stats.intents += 1
        journal.record_intent(intent)
        if not self._accepting:
            self._reject(intent, STOPPED_UNSENT)
            return
        log = self._log.bind(intent=intent.intent_id, strategy=intent.strategy)
        proposal: Proposal | None = None
        # Bought directly, its stake is the price cap: the most the server may take.
        price = intent.amount
        if not self.policy.buys_directly(intent):
            with self._until_stopped() as pricing:
                proposal = await self._quote(intent, log)
            if pricing.cancelled_caught:
                log.info("stopping: the intent was being priced; not sent")
                self._reject(intent, f"{STOPPED_UNSENT} (the stop came while it was being priced)")
                return
            if proposal is None:
                return
            if intent.basis == "payout":
                decision = self._gate.check_price(intent, proposal.ask_price)
                if not decision.allowed:
                    self._reject(intent, decision.reason)
                    return
            price = proposal.ask_price
        # The tick the intent was made on is server time too: the later of the two.
        sent_epoch = max(intent.created_epoch, self._broker.server_epoch() or 0)
        journal.mark_sending(
            intent.intent_id, {**intent.to_proposal(), "price": price}, server_epoch=sent_epoch
        )
        requoted = False
        delays = iter(RATE_LIMIT_DELAYS)
        while True:
            try:
                outcome = await self._broker.buy(intent, proposal, may_send=self._may_send)
            except NotConnected:
                self._not_bought(intent, "not connected: the buy was not sent", log)
                return
            except ConnectionClosed:
                # Stopping with the answer lost: the journal keeps it ``sending`` and the
                # next start reconciles it. Never re-sent.
                log.warning("connection closed before the buy's outcome was known")
                return
            except OutcomeUnknown as exc:
                # Never re-sent: the journal keeps it ``sending`` until the account's records
                # say whether it was bought; it stays counted as open meanwhile.
                log.error("buy outcome unknown; reconciling", error=str(exc))
                self.reconcile_later(intent, sent_epoch, price)
                return
            error = outcome.error
            if outcome.bought:
                break
            if error is None:
                # Not sent (connection down) or reconciled as absent: no contract exists.
                self._not_bought(intent, outcome.detail or "not bought", log)
                return
            if isinstance(error, PriceMoved | InvalidContractProposal) and not requoted:
                if not self._accepting:  # the stop came while the buy was on the wire
                    self._not_sent_again(intent, error, log)
                    return
                requoted = True
                self.stats.requotes += 1
                log.info("re-quoting once", code=error.code, reason=error.message)
                with self._until_stopped() as pricing:
                    again = await self._quote(intent, log, sending=True)
                if pricing.cancelled_caught:
                    self._not_sent_again(intent, error, log)
                    return
                if again is None:
                    return
                proposal, price = again, again.ask_price
                continue
            if isinstance(error, RateLimit):
                delay = next(delays, None)
                if delay is not None:
                    if not self._accepting:  # the stop came while the buy was on the wire
                        self._not_sent_again(intent, error, log)
                        return
                    log.warning("buy rate limited; backing off", delay=delay)
                    with self._until_stopped() as waiting:
                        await trio.sleep(delay)
                    if waiting.cancelled_caught:
                        self._not_sent_again(intent, error, log)
                        return
                    continue
            if isinstance(error, InsufficientBalance):
                self._gate.kill("insufficient balance", self.now)
                log.error(
                    "insufficient balance: no new trades this session",
                    balance=self.balance,
                    reason=error.message,
                )
            self._not_bought(intent, f"{error.code}: {error.message}", log)
            return
        self._bought(intent, outcome, log)

    async def _quote(
        self, intent: TradeIntent, log: Any, *, sending: bool = False
    ) -> Proposal | None:
        try:
            return await self._broker.quote(intent)
        except (APIError, RequestTimeout, NotConnected, PayloadError) as exc:
            reason = f"{exc.code}: {exc.message}" if isinstance(exc, APIError) else str(exc)
            if sending:
                self._not_bought(intent, f"re-quote failed: {reason}", log)
            else:
                # Nothing was sent: journal it as not bought, with the server's reason.
                self._not_bought(intent, f"proposal refused: {reason}", log)
            return None

    def _bought(self, intent: TradeIntent, outcome: BuyOutcome, log: Any) -> None:
        followed = journal_bought(self._journal, intent, outcome)
        given = self._given_at.pop(intent.intent_id, None)
        self.stats.bought += 1
        if outcome.reconciled:
            self.stats.reconciled += 1
        if outcome.receipt is not None:
            self.balance = outcome.receipt.balance_after
        log.info(
            "bought",
            contract_id=followed.contract_id,
            contract_type=intent.contract_type,
            symbol=intent.symbol,
            price=followed.buy_price,
            payout=outcome.payout,
            reconciled=outcome.reconciled or None,
        )
        self.events.publish(
            "bought",
            strategy=intent.strategy,
            intent_id=intent.intent_id,
            contract_id=followed.contract_id,
            symbol=intent.symbol,
            contract_type=intent.contract_type,
            buy_price=followed.buy_price,
            payout=outcome.payout,
            # From the intent given to its contract known (None: a recovered intent).
            latency=None if given is None else trio.current_time() - given,
        )
        self.follow(followed)

    def _not_sent_again(self, intent: TradeIntent, error: APIError, log: Any) -> None:
        """The stop came after a refused buy, before it was sent again."""
        log.info("stopping: the refused buy is not sent again", code=error.code)
        self._not_bought(intent, f"{error.code}: {error.message}; {STOPPED_UNSENT} again", log)

    def _not_bought(self, intent: TradeIntent, reason: str, log: Any) -> None:
        self._given_at.pop(intent.intent_id, None)
        self._journal.record_not_bought(intent.intent_id, reason)
        self.stats.not_bought += 1
        log.warning("not bought", reason=reason)
        self._sink.rejected(intent, reason)

    def _reject(self, intent: TradeIntent, reason: str) -> None:
        self._given_at.pop(intent.intent_id, None)
        self._journal.record_rejected(intent.intent_id, reason)
        self.stats.rejected += 1
        self._sink.rejected(intent, reason)

    # -- following -----------------------------------------------------------------------

    async def _follow(self, c: Followed) -> None:
        log = self._log.bind(contract_id=c.contract_id, strategy=c.intent.strategy)
        try:
            while True:
                try:
                    async with self._broker.follow(c.contract_id) as stream:
                        async for item in stream:
                            if isinstance(item, ConnectionRestored):
                                continue
                            if isinstance(item, Unreadable):
                                # The update is lost to us, not to the server: ask it.
                                state = await self._broker.contract(c.contract_id)
                                if state is None:
                                    continue
                                item = state
                            if await self._observe(c, item):
                                return
                    # The stream ended without a sale: ask once for the final state.
                    final = await self._broker.contract(c.contract_id)
                    if final is not None and await self._observe(c, final):
                        return
                except (APIError, StreamOverflow, RequestTimeout, PayloadError) as exc:
                    log.warning("following the contract failed; retrying", error=repr(exc))
                await trio.sleep(FOLLOW_RETRY)
        except ConnectionClosed:
            return  # the bot is stopping; the journal keeps the contract open
        finally:
            self.followed.pop(c.contract_id, None)
            self._check_idle()

    async def settle_now(self, c: Followed, contract: OpenContract) -> None:
        """Settle a recovered contract found sold already (startup reconciliation)."""
        await self._settle(c, contract)

    async def _observe(self, c: Followed, contract: OpenContract) -> bool:
        """Take one state of a followed contract; True once it is settled."""
        if contract.contract_id != c.contract_id:
            return False
        if contract.is_sold and contract.sell_price is not None:
            await self._settle(c, contract)
            return True
        if not c.entry_logged and contract.entry_tick is not None:
            c.entry_logged = True
            self._journal.record_update(c.contract_id, dict(contract.raw))
        update = ContractUpdate.from_open_contract(contract, c.intent)
        c.latest = update
        self._sink.update(c.intent, update)
        return False

    async def _settle(self, c: Followed, contract: OpenContract) -> None:
        # An order of this contract on its way decides whether the bot closed it: wait.
        async with self._order_turn(c.contract_id):
            closed_by = self._journal.closing_order(c.contract_id)
        self._order_turns.pop(c.contract_id, None)
        result = ClosedContract.from_open_contract(contract, c.intent, closed_by)
        if not c.recovered:
            ended = result.exit_epoch if result.exit_epoch is not None else result.sell_time
            with trio.move_on_after(TICK_ORDER_WAIT):
                await self._sink.tick_reached(result.symbol, ended)
        first = self._journal.record_settlement(
            c.contract_id,
            status=result.status,
            sell_price=result.sell_price,
            profit=result.profit,
            entry_epoch=result.entry_epoch,
            entry_quote=result.entry_quote,
            exit_epoch=result.exit_epoch,
            exit_quote=result.exit_quote,
            settled_at=result.sell_time,
            end=result.end,
        )
        if not first:
            self._log.info("settlement already journaled", contract_id=c.contract_id)
            return
        if c.contract_id not in self._credited:
            # The transaction stream may not have told us yet; it corrects the figure.
            self._credited.add(c.contract_id)
            self.balance = round(self.balance + result.sell_price, 2)
        s = self.stats
        s.settled += 1
        s.won += result.won
        s.profit = round(s.profit + result.profit, 2)
        self._log.info(
            "settled",
            contract_id=c.contract_id,
            strategy=c.intent.strategy,
            status=result.status,
            end=result.end,
            profit=result.profit,
            exit_epoch=result.exit_epoch,
        )
        self.events.publish(
            "settled",
            strategy=c.intent.strategy,
            intent_id=c.intent.intent_id,
            contract_id=c.contract_id,
            symbol=result.symbol,
            contract_type=result.contract_type,
            status=result.status,
            end=result.end,
            buy_price=result.buy_price,
            sell_price=result.sell_price,
            profit=result.profit,
            won=result.won,
            settled_at=result.sell_time,
            session_profit=s.profit,
            balance=self.balance,
        )
        self._sink.closed(c.intent, result)

    # -- orders --------------------------------------------------------------------------

    def _order_turn(self, contract_id: int) -> trio.Lock:
        turn = self._order_turns.get(contract_id)
        if turn is None:
            turn = self._order_turns[contract_id] = trio.Lock()
        return turn

    async def _run_orders(self, contract_id: int) -> None:
        """Send the orders of one contract, one at a time, in the order they were given."""
        queue = self._order_queues[contract_id]
        async with self._order_turn(contract_id):
            # No checkpoint between finding the queue empty and dropping it: an order
            # given meanwhile starts a new task.
            while queue:
                order = queue.popleft()
                log = self._log.bind(order=order.order_id, kind=order.kind, contract_id=contract_id)
                try:
                    await self._send_order(order, log)
                finally:
                    self._orders_open -= 1
                    self._check_idle()
            del self._order_queues[contract_id]

    async def _send_order(self, order: ContractOrder, log: Any) -> None:
        self._journal.mark_order_sending(
            order.order_id,
            server_epoch=max(order.created_epoch, self._broker.server_epoch() or 0),
        )
        delays = iter(RATE_LIMIT_DELAYS)
        while True:
            try:
                outcome = await self._broker.order(order)
            except ConnectionClosed:
                # Stopping with the answer lost: the journal keeps it ``sending`` and the
                # next start decides it from the contract. Never re-sent.
                log.warning("connection closed before the order's outcome was known")
                return
            except OutcomeUnknown as exc:
                log.error("order outcome unknown; deciding it later", error=str(exc))
                await self._decide_later(order, log)
                return
            error = outcome.error
            if isinstance(error, RateLimit):
                delay = next(delays, None)
                if delay is not None:
                    log.warning("order rate limited; backing off", delay=delay)
                    await trio.sleep(delay)
                    continue
            self.order_outcome(order, outcome, log)
            return

    async def _decide_later(self, order: ContractOrder, log: Any) -> None:
        """Decide an order whose answer was lost, asking until the contract's state says."""
        delay = 1.0
        while True:
            try:
                outcome = await self._broker.decide_order(order)
            except ConnectionClosed:
                log.warning("stopping before the order's outcome was known")
                return
            except (OutcomeUnknown, RequestTimeout, NotConnected, APIError) as exc:
                log.warning("order outcome not decidable yet", error=str(exc), retry_in=delay)
                await trio.sleep(delay)
                delay = min(delay * 2, 60.0)
                continue
            self.order_outcome(order, outcome, log)
            return

    def decide_order_later(self, order: ContractOrder) -> None:
        """Decide in the background an order a previous run left ``sending`` (recovery).

        It holds its contract's turn meanwhile: the contract's settlement waits for it.
        """
        assert self._nursery is not None, "run() first"
        self._orders_open += 1
        self._idle = trio.Event() if self._idle.is_set() else self._idle
        self._nursery.start_soon(self._decide_in_turn, order)

    async def _decide_in_turn(self, order: ContractOrder) -> None:
        log = self._log.bind(order=order.order_id, kind=order.kind, contract_id=order.contract_id)
        try:
            async with self._order_turn(order.contract_id):
                await self._decide_later(order, log)
        finally:
            self._orders_open -= 1
            self._check_idle()

    def order_outcome(self, order: ContractOrder, outcome: OrderOutcome, log: Any = None) -> None:
        """Journal an order's one outcome (and tell its strategy when it failed)."""
        log = log or self._log.bind(order=order.order_id, kind=order.kind)
        if outcome.done:
            answer = None if outcome.reconciled else _answer(outcome)
            self._journal.record_order_done(order.order_id, outcome.detail, answer)
            self.stats.orders_done += 1
            log.info("order done", detail=outcome.detail, sold_for=outcome.sold_for)
            return
        error = outcome.error
        if error is not None:
            self._order_failed(order, error.code, error.message, log)
        elif outcome.reconciled:
            self._order_failed(order, OUTCOME_LOST, outcome.detail, log)
        else:
            self._order_failed(order, NOT_SENT, outcome.detail, log)

    def _order_failed(self, order: ContractOrder, code: str, message: str, log: Any = None) -> None:
        self._journal.record_order_failed(order.order_id, f"{code}: {message}")
        self.stats.orders_failed += 1
        (log or self._log).warning(
            "order failed", order=order.order_id, kind=order.kind, code=code, reason=message
        )
        self._sink.order_failed(self._failure(order, code, message))

    def _failure(self, order: ContractOrder, code: str, message: str) -> OrderFailed:
        # The tick time it failed at: the latest tick, never before the order was made.
        return OrderFailed(order, code, message, max(self.now, order.created_epoch))

    # -- the transaction stream ----------------------------------------------------------

    def on_transaction(self, tx: Transaction) -> None:
        """Take one account transaction: the authoritative balance."""
        self.balance = tx.balance
        if tx.action == "sell" and tx.contract_id is not None:
            self._credited.add(tx.contract_id)
        self._sink.transaction(tx)

    async def run_transactions(
        self, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED
    ) -> None:
        """Consume the transaction stream until cancelled (restarted after failures)."""
        started = False
        while True:
            try:
                async with self._broker.transactions() as stream:
                    if not started:
                        started = True
                        task_status.started()
                    async for item in stream:
                        # ConnectionRestored and Unreadable are passed over (module docstring).
                        if isinstance(item, Transaction):
                            self.on_transaction(item)
            except (APIError, StreamOverflow, RequestTimeout) as exc:
                self._log.warning("transaction stream failed; reopening", error=repr(exc))
            if not started:
                started = True
                task_status.started()
            await trio.sleep(FOLLOW_RETRY)


def _answer(outcome: OrderOutcome) -> dict[str, Any] | None:
    """The server's answer to an order, for the journal's event log."""
    if outcome.receipt is not None:
        return attrs.asdict(outcome.receipt)
    if outcome.limits is not None:
        return attrs.asdict(outcome.limits)
    return None
