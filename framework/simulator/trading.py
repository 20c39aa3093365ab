"""The trading desk: buys, sells, updates, cancels and settles contracts with the market model.

Pricing (:func:`framework.market.pricing.price`) and every open position's life (its ticks,
bid, sale, limit orders, deal cancellation and settlement, through the market model's position
interface) are the market model's; the desk only adds what a server adds around them: money
(through the bank), contract ids, shortcodes, the ``PriceMoved`` rule of ``buy``, refusing
contracts that are not the caller's open positions, and telling watchers (the connections'
``proposal_open_contract`` streams) about every change.

Settlement happens on the feed tick: the desk hooks each symbol's feed and feeds every tick
to the open positions on that symbol, after the tick went out to subscribers. A position that
settles is credited (``sell`` transaction, amount 0 when lost) on that same tick.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import attrs

from framework.deriv.models import Tick
from framework.market.contracts import ContractSpec
from framework.market.positions import KEEP, OpenPosition, open_position
from framework.market.pricing import PricingConfig, Quote, price
from framework.market.selling import Keep, LimitChange
from framework.market.settlement import Settlement

from .accounts import Account, Bank, Transaction
from .clock import SimClock
from .envelope import SimError
from .feed import MarketFeeds, SymbolFeed
from .shortcodes import shortcode_of

__all__ = ["Contract", "ContractWatcher", "TradingDesk", "UpdateRecord"]

_NO_POSITION = "This contract was not found among your open positions."
#: The server's ``sell`` looks the contract up among the account's open ones before anything
#: else (its RPC's ``get_open_contract_by_id``), and answers this when it is not there:
#: unknown, another account's, or ended. ``NoOpenPosition`` is for the race it cannot have
#: here, a contract that closed between that look-up and the sale.
_UNKNOWN_SELL = ("InvalidSellContractProposal", "Unknown contract sell proposal")


@attrs.frozen
class UpdateRecord:
    """One accepted ``contract_update``, kept to replay it after a restart.

    Attributes:
        epoch: when it was accepted.
        take_profit: the new take-profit (``None``: removed), if it changed.
        stop_loss: the new stop-loss (``None``: removed), if it changed.
        set_take_profit: whether the take-profit changed.
        set_stop_loss: whether the stop-loss changed.
    """

    epoch: int
    take_profit: float | None = None
    stop_loss: float | None = None
    set_take_profit: bool = False
    set_stop_loss: bool = False

    def apply(self, position: OpenPosition) -> None:
        """Make the same change to ``position`` (at the same epoch)."""
        position.update(
            self.epoch,
            take_profit=self.take_profit if self.set_take_profit else KEEP,
            stop_loss=self.stop_loss if self.set_stop_loss else KEEP,
        )


@attrs.define(eq=False)
class Contract:
    """A bought contract and its bookkeeping.

    Attributes:
        contract_id: the id clients see.
        loginid: the owner.
        currency: account currency.
        position: the market model's open position.
        quote: the price it was bought at (kept to re-open the position after a restart).
        longcode: description.
        shortcode: compact description.
        buy_txn: the purchase transaction.
        sell_txn: the settlement or sale transaction, once there is one.
        app_id: the app that bought it.
        changes: every accepted ``contract_update``, oldest first.
        ended: how it ended, for a settled contract restored from the state file (whose
            position was not replayed).
        final_view: its last ``proposal_open_contract`` (restored settled contracts).
    """

    contract_id: int
    loginid: str
    currency: str
    position: OpenPosition
    quote: Quote
    longcode: str
    shortcode: str
    buy_txn: Transaction
    sell_txn: Transaction | None = None
    app_id: int | None = None
    changes: list[UpdateRecord] = attrs.field(factory=list)
    ended: Settlement | None = None
    final_view: dict[str, Any] | None = None

    @property
    def spec(self) -> ContractSpec:
        """The contract parameters."""
        return self.position.spec

    @property
    def settlement(self) -> Settlement | None:
        """How it ended, once it has."""
        return self.position.settlement or self.ended

    @property
    def is_open(self) -> bool:
        """True until settled, sold or cancelled."""
        return self.settlement is None


ContractWatcher = Callable[[Contract], None]


class TradingDesk:
    """Open and settled contracts of every account.

    Attributes:
        contracts: every contract by id.
        on_change: persistence hook, called with each contract after every state change that
            matters (purchase, settlement, sale).
    """

    def __init__(
        self, bank: Bank, feeds: MarketFeeds, clock: SimClock, pricing: PricingConfig
    ) -> None:
        self.bank = bank
        self.feeds = feeds
        self.clock = clock
        self.pricing = pricing
        self.contracts: dict[int, Contract] = {}
        self._open: dict[str, list[Contract]] = {}
        self._watchers: dict[str, list[ContractWatcher]] = {}
        self.on_change: Callable[[Contract], None] = lambda contract: None
        feeds.on_feed_start(self._hook)

    def _hook(self, feed: SymbolFeed) -> None:
        feed.add_settlement_hook(self._on_tick)

    # -- pricing -------------------------------------------------------------------------

    def quote(self, spec: ContractSpec) -> tuple[Quote, Tick]:
        """Price ``spec`` at the current spot; return the quote and the spot tick.

        Raises:
            MarketError: the market model's refusal.
        """
        feed = self.feeds.get(spec.symbol)
        spot = feed.last
        return price(spec, spot.quote, date_start=self.clock.epoch(), config=self.pricing), spot

    # -- buying and selling --------------------------------------------------------------

    def buy(
        self, account: Account, spec: ContractSpec, max_price: float, *, app_id: int | None
    ) -> Contract:
        """Buy a contract at the fresh ask, if ``max_price`` covers it.

        Args:
            account: the buyer.
            spec: the contract.
            max_price: the most the client accepts to pay (``buy.price``).
            app_id: the client's app.

        Returns:
            The new contract.

        Raises:
            SimError: ``PriceMoved`` when the fresh ask is above ``max_price``.
            MarketError: validation failures.
            BankError: ``InsufficientBalance``.
        """
        quote, _ = self.quote(spec)
        ask = quote.ask_price
        if max_price + 1e-9 < ask:
            raise SimError(
                "PriceMoved",
                "The underlying market has moved too much since you priced the contract. "
                f"The contract price has changed from {max_price:.2f} {account.currency} "
                f"to {ask:.2f} {account.currency}.",
            )
        now = self.clock.epoch()
        contract_id = self.bank.next_contract_id()
        position = open_position(spec, quote, now, contract_id, config=self.pricing)
        code = shortcode_of(position)
        txn = self.bank.post(
            account.loginid,
            "buy",
            -ask,
            now=now,
            contract_id=contract_id,
            longcode=quote.longcode,
            shortcode=code,
            payout=position.payout,
            app_id=app_id,
        )
        contract = Contract(
            contract_id,
            account.loginid,
            account.currency,
            position,
            quote,
            quote.longcode,
            code,
            txn,
            app_id=app_id,
        )
        self._register(contract)
        self.on_change(contract)
        self._notify(contract)
        return contract

    def _register(self, contract: Contract) -> None:
        self.contracts[contract.contract_id] = contract
        if contract.is_open:
            self._open.setdefault(contract.spec.symbol, []).append(contract)

    def contract_of(self, account: Account, contract_id: int) -> Contract:
        """Return one of the account's contracts, open or not.

        Raises:
            SimError: ``ContractNotFound`` for an unknown contract or another account's.
        """
        contract = self.contracts.get(contract_id)
        if contract is None or contract.loginid != account.loginid:
            raise SimError(
                "ContractNotFound", f"Contract not found for contract id: {contract_id}."
            )
        return contract

    def open_position_of(self, account: Account, contract_id: int) -> Contract:
        """Return one of the account's open contracts.

        Raises:
            SimError: ``NoOpenPosition`` for an unknown contract, another account's, or one
                that has ended.
        """
        contract = self.contracts.get(contract_id)
        if contract is None or contract.loginid != account.loginid or not contract.is_open:
            raise SimError("NoOpenPosition", _NO_POSITION)
        return contract

    def sell(self, account: Account, contract_id: int, min_price: float) -> Contract:
        """Sell an open contract back at its bid.

        Args:
            account: the owner.
            contract_id: the contract.
            min_price: the least the client accepts (0: any price).

        Returns:
            The sold contract.

        Raises:
            SimError: ``InvalidSellContractProposal`` "Unknown contract sell proposal" for a
                contract that is not one of the account's open ones.
            MarketError: the market model's refusal (``InvalidSellContractProposal``,
                ``SellAtEntryTick``, ``PriceMoved``...).
        """
        contract = self.contracts.get(contract_id)
        if contract is None or contract.loginid != account.loginid or not contract.is_open:
            raise SimError(*_UNKNOWN_SELL)
        settlement = contract.position.sell(
            self.clock.epoch(), min_price=min_price, currency=account.currency
        )
        self._close(contract, settlement)
        return contract

    def update(
        self,
        account: Account,
        contract_id: int,
        *,
        take_profit: LimitChange = KEEP,
        stop_loss: LimitChange = KEEP,
    ) -> Contract:
        """Change or remove (``None``) an open contract's take-profit and stop-loss.

        Args:
            account: the owner.
            contract_id: the contract.
            take_profit: the new amount, ``None`` to remove it, :data:`KEEP` to leave it.
            stop_loss: likewise.

        Returns:
            The updated contract.

        Raises:
            SimError: ``ContractNotFound`` for an unknown contract or another account's.
            MarketError: the market model's refusal (``TakeProfitTooLow``, a contract that
                has ended...).
        """
        contract = self.contract_of(account, contract_id)
        now = self.clock.epoch()
        contract.position.update(now, take_profit=take_profit, stop_loss=stop_loss)
        contract.changes.append(
            UpdateRecord(
                now,
                take_profit=None if isinstance(take_profit, Keep) else take_profit,
                stop_loss=None if isinstance(stop_loss, Keep) else stop_loss,
                set_take_profit=not isinstance(take_profit, Keep),
                set_stop_loss=not isinstance(stop_loss, Keep),
            )
        )
        self.on_change(contract)
        self._notify(contract)
        return contract

    def cancel(self, account: Account, contract_id: int) -> Contract:
        """Cancel a Multiplier within its deal cancellation window (the stake comes back).

        Args:
            account: the owner.
            contract_id: the contract.

        Returns:
            The cancelled contract.

        Raises:
            SimError: ``NoOpenPosition``.
            MarketError: the market model's refusal (no deal cancellation, window over).
        """
        contract = self.open_position_of(account, contract_id)
        settlement = contract.position.cancel(self.clock.epoch())
        self._close(contract, settlement)
        return contract

    # -- settlement ----------------------------------------------------------------------

    def _on_tick(self, tick: Tick) -> None:
        open_here = self._open.get(tick.symbol)
        if not open_here:
            return
        for contract in tuple(open_here):
            settlement = contract.position.on_tick(tick.epoch, tick.quote)
            if settlement is not None:
                self._close(contract, settlement)
            elif contract.position.current_epoch == tick.epoch:
                self._notify(contract)

    def _close(self, contract: Contract, settlement: Settlement) -> None:
        open_here = self._open.get(contract.spec.symbol, [])
        if contract in open_here:
            open_here.remove(contract)
        contract.sell_txn = self.bank.post(
            contract.loginid,
            "sell",
            settlement.sell_price,
            now=settlement.sell_epoch,
            contract_id=contract.contract_id,
            reference_id=contract.buy_txn.transaction_id,
            longcode=contract.longcode,
            shortcode=contract.shortcode,
            payout=contract.position.payout,
            app_id=contract.app_id,
        )
        self.on_change(contract)
        self._notify(contract)

    def catch_up(self, contract: Contract) -> None:
        """Replay a restored open contract: every tick since its purchase, with its limit
        order changes at the epochs they were made (state restore).

        The market is a function of the seed and the genesis, so the replayed position is
        the one the simulator had before it stopped, fed on to the present.
        """
        feed = self.feeds.get(contract.spec.symbol)
        position = contract.position
        changes = list(contract.changes)
        for tick in feed.history(position.current_epoch + 1, feed.last.epoch):
            while changes and changes[0].epoch < tick.epoch:
                changes.pop(0).apply(position)
            settlement = position.on_tick(tick.epoch, tick.quote)
            if settlement is not None:
                self._close(contract, settlement)
                return
        for change in changes:
            change.apply(position)

    def restore(self, contract: Contract) -> None:
        """Register a contract loaded from the state file."""
        self._register(contract)

    # -- watchers and queries ------------------------------------------------------------

    def watch(self, loginid: str, watcher: ContractWatcher) -> None:
        """Call ``watcher(contract)`` on every purchase, tick update and settlement."""
        self._watchers.setdefault(loginid, []).append(watcher)

    def unwatch(self, loginid: str, watcher: ContractWatcher) -> None:
        """Stop calling ``watcher``; unknown watchers are ignored."""
        watchers = self._watchers.get(loginid, [])
        if watcher in watchers:
            watchers.remove(watcher)

    def _notify(self, contract: Contract) -> None:
        for watcher in tuple(self._watchers.get(contract.loginid, ())):
            watcher(contract)

    def of_account(self, loginid: str, *, open_only: bool = False) -> list[Contract]:
        """Contracts of an account, oldest first."""
        return [
            c
            for c in self.contracts.values()
            if c.loginid == loginid and (c.is_open or not open_only)
        ]

    def open_contracts(self) -> Iterable[Contract]:
        """Every open contract."""
        for contracts in self._open.values():
            yield from contracts
