"""The trading desk: buys, sells and settles contracts with the shared market model.

Pricing (:func:`framework.market.pricing.price`) and settlement
(:class:`framework.market.settlement.Position`) are the market model's; the desk only adds
what a server adds around them: money (through the bank), contract ids, shortcodes, the
``PriceMoved`` slippage rule of ``buy``/``sell``, and telling watchers (the connections'
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
from framework.market.digits import format_quote
from framework.market.errors import MarketError
from framework.market.positions import OpenPosition, open_position
from framework.market.pricing import PricingConfig, Quote, price
from framework.market.settlement import Settlement

from .accounts import Account, Bank, Transaction
from .clock import SimClock
from .envelope import SimError
from .feed import MarketFeeds, SymbolFeed

__all__ = ["Contract", "ContractWatcher", "TradingDesk", "shortcode"]


@attrs.define(eq=False)
class Contract:
    """A bought contract and its bookkeeping.

    Attributes:
        contract_id: the id clients see.
        loginid: the owner.
        currency: account currency.
        position: the market model's state machine.
        longcode: description.
        shortcode: compact description.
        buy_txn: the purchase transaction.
        sell_txn: the settlement or sale transaction, once there is one.
        app_id: the app that bought it.
        probability: theoretical win probability at purchase (kept to rebuild the position).
    """

    contract_id: int
    loginid: str
    currency: str
    position: OpenPosition
    longcode: str
    shortcode: str
    buy_txn: Transaction
    sell_txn: Transaction | None = None
    app_id: int | None = None
    probability: float = 0.5

    @property
    def spec(self) -> ContractSpec:
        """The contract parameters."""
        return self.position.spec

    @property
    def is_open(self) -> bool:
        """True until settled or sold."""
        return self.position.settlement is None

    @property
    def settlement(self) -> Settlement | None:
        """How it ended, once it has."""
        return self.position.settlement


ContractWatcher = Callable[[Contract], None]


def _barrier_code(spec: ContractSpec, pip_size: int) -> str:
    if spec.barrier is None:
        return "S0P_0"
    text = spec.barrier.strip()
    if spec.contract_type.startswith("DIGIT"):
        return f"{int(text) if text.lstrip('+-').isdigit() else 0}_0"
    if text[:1] in "+-":
        pips = round(float(text) * 10**pip_size)
        return f"S{pips}P_0"
    return f"{round(float(text) * 10**pip_size)}_0"


def shortcode(spec: ContractSpec, payout: float, purchase: int, pip_size: int) -> str:
    """Build Deriv's shortcode (``CALL_R_100_19.50_1700000000_5T_S0P_0``)."""
    if spec.duration_unit == "t":
        duration = f"{spec.duration}T"
    else:
        from framework.market.contracts import duration_seconds

        duration = str(purchase + duration_seconds(spec))
    return (
        f"{spec.contract_type}_{spec.symbol}_{payout:.2f}_{purchase}_{duration}_"
        f"{_barrier_code(spec, pip_size)}"
    )


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
        pip_size = self.feeds.get(spec.symbol).spec.pip_size
        contract_id = self.bank.next_contract_id()
        code = shortcode(spec, quote.payout, now, pip_size)
        txn = self.bank.post(
            account.loginid,
            "buy",
            -ask,
            now=now,
            contract_id=contract_id,
            longcode=quote.longcode,
            shortcode=code,
            payout=quote.payout,
            app_id=app_id,
        )
        position = open_position(spec, quote, now, contract_id, config=self.pricing)
        contract = Contract(
            contract_id,
            account.loginid,
            account.currency,
            position,
            quote.longcode,
            code,
            txn,
            app_id=app_id,
            probability=quote.probability,
        )
        self._register(contract)
        self.on_change(contract)
        self._notify(contract)
        return contract

    def _register(self, contract: Contract) -> None:
        self.contracts[contract.contract_id] = contract
        if contract.is_open:
            self._open.setdefault(contract.spec.symbol, []).append(contract)

    def sell(self, account: Account, contract_id: int, min_price: float) -> Contract:
        """Sell an open contract back at its bid.

        Args:
            account: the owner.
            contract_id: the contract.
            min_price: the least the client accepts (0: any price).

        Returns:
            The sold contract.

        Raises:
            SimError: ``NoOpenPosition``, ``PriceMoved``.
            MarketError: ``InvalidSellContractProposal`` when resale is not offered.
        """
        contract = self.contracts.get(contract_id)
        if contract is None or contract.loginid != account.loginid or not contract.is_open:
            raise SimError(
                "NoOpenPosition", "This contract was not found among your open positions."
            )
        now = self.clock.epoch()
        reason = contract.position.validation_error(now)
        if reason is not None:
            raise MarketError("InvalidSellContractProposal", reason)
        bid = contract.position.bid_price(now)
        if min_price > bid + 1e-9:
            raise SimError(
                "PriceMoved",
                "The underlying market has moved too much since you priced the contract. "
                f"The contract price has changed from {min_price:.2f} {account.currency} "
                f"to {bid:.2f} {account.currency}.",
            )
        settlement = contract.position.sell(now)
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
        """Feed a restored open contract the ticks it missed (state restore)."""
        feed = self.feeds.get(contract.spec.symbol)
        for tick in feed.history(contract.position.current_epoch + 1, feed.last.epoch):
            settlement = contract.position.on_tick(tick.epoch, tick.quote)
            if settlement is not None:
                self._close(contract, settlement)
                return

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


def contract_payload(contract: Contract, now: int, sub_id: str | None = None) -> dict[str, Any]:
    """Build a ``proposal_open_contract`` object for ``contract`` as of ``now``."""
    pos = contract.position
    spec = pos.spec
    pip = pos.symbol.pip_size
    settlement = pos.settlement
    bid = pos.bid_price(now)
    buy_price = pos.buy_price
    profit = round(bid - buy_price, 2)
    expired = pos.is_expired(now)
    reason = pos.validation_error(now)
    data: dict[str, Any] = {
        "account_id": contract.buy_txn.transaction_id % 100000,
        "barrier_count": 1,
        "bid_price": bid,
        "buy_price": buy_price,
        "contract_id": contract.contract_id,
        "contract_type": spec.contract_type,
        "currency": contract.currency,
        "date_start": pos.purchase_epoch,
        "display_name": pos.symbol.display_name,
        "is_expired": int(expired),
        "is_forward_starting": 0,
        "is_intraday": 1,
        "is_path_dependent": int(spec.contract_type in ("ONETOUCH", "NOTOUCH")),
        "is_settleable": int(expired and settlement is None),
        "is_sold": int(settlement is not None),
        "is_valid_to_cancel": 0,
        "is_valid_to_sell": int(reason is None),
        "longcode": contract.longcode,
        "payout": pos.payout,
        "profit": profit,
        "profit_percentage": round(profit / buy_price * 100, 2) if buy_price else 0.0,
        "purchase_time": pos.purchase_epoch,
        "shortcode": contract.shortcode,
        "status": pos.status,
        "transaction_ids": {"buy": contract.buy_txn.transaction_id},
        "underlying": spec.symbol,
    }
    if sub_id is not None:
        data["id"] = sub_id
    if reason is not None:
        data["validation_error"] = reason
        data["validation_error_code"] = (
            "ContractSold" if settlement is not None else "InvalidSellContractProposal"
        )
    if pos.date_expiry is not None:
        data["date_expiry"] = pos.date_expiry
        data["expiry_time"] = pos.date_expiry
    if spec.duration_unit == "t":
        data["tick_count"] = spec.duration
        data["tick_stream"] = [
            {"epoch": e, "tick": q, "tick_display_value": format_quote(q, pip)}
            for e, q in pos.tick_stream
        ]
    if pos.barrier is not None:
        data["barrier"] = (
            str(int(pos.barrier))
            if spec.contract_type.startswith("DIGIT")
            else format_quote(pos.barrier, pip)
        )
    if pos.entry_epoch is not None:
        entry = format_quote(pos.entry_quote, pip)
        data.update(
            entry_tick=pos.entry_quote,
            entry_tick_display_value=entry,
            entry_tick_time=pos.entry_epoch,
            entry_spot=pos.entry_quote,
            entry_spot_display_value=entry,
            current_spot=pos.current_quote,
            current_spot_display_value=format_quote(pos.current_quote, pip),
            current_spot_time=pos.current_epoch,
        )
    if settlement is not None:
        exit_text = format_quote(settlement.exit_quote, pip)
        data.update(
            exit_tick=settlement.exit_quote,
            exit_tick_display_value=exit_text,
            exit_tick_time=settlement.exit_epoch,
            sell_price=settlement.sell_price,
            sell_spot=settlement.exit_quote,
            sell_spot_display_value=exit_text,
            sell_spot_time=settlement.exit_epoch,
            sell_time=settlement.sell_epoch,
            date_settlement=settlement.sell_epoch,
        )
        if contract.sell_txn is not None:
            data["transaction_ids"]["sell"] = contract.sell_txn.transaction_id
    return data
