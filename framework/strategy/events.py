"""The values that pass between a strategy and the runtime or backtest engine.

* :class:`ContractTemplate` is the ``contract:`` section of a strategy's config: the defaults
  :meth:`StrategyContext.buy` fills in when a strategy leaves a term out.
* :class:`TradeIntent` is what a strategy asks for. It maps one to one onto a Deriv
  ``proposal`` request (:meth:`TradeIntent.to_proposal`) and onto the market model's
  :class:`~framework.market.contracts.ContractSpec` (:meth:`TradeIntent.to_contract_spec`).
* :class:`ContractOrder` is what a strategy asks of a contract it holds: sell it, change its
  take-profit / stop-loss, or cancel it (a Multiplier's deal cancellation).
* :class:`OrderFailed` says that the venue could not carry out an order (the market's or the
  server's refusal: ``ResaleNotOffered``, ``PriceMoved``...).
* :class:`ContractUpdate` is one observation of an open contract.
* :class:`ClosedContract` is the end of a contract; the live runtime builds it from the final
  ``proposal_open_contract`` and the backtest from a market-model
  :class:`~framework.market.settlement.Settlement`, so both feed strategies, sizing and the
  risk gate with the same value.

All are frozen attrs classes without validators: they are built on trusted paths (the
context validates an intent once, before it exists), and validators would cost on every
construction.
"""

from __future__ import annotations

from typing import Any, Literal, TypeAlias

import attrs

from framework.deriv.models import LimitOrder, OpenContract, OrderKind
from framework.market.accumulator import AccumulatorPosition
from framework.market.contracts import ContractSpec
from framework.market.multiplier import MultiplierPosition
from framework.market.positions import OpenPosition
from framework.market.settlement import EndReason, Settlement

__all__ = [
    "Basis",
    "ClosedContract",
    "ContractOrder",
    "ContractRef",
    "ContractTemplate",
    "ContractUpdate",
    "DurationUnit",
    "OrderFailed",
    "OrderKind",
    "TradeIntent",
]

Basis = Literal["stake", "payout"]
DurationUnit = Literal["t", "s", "m", "h", "d"]


@attrs.frozen
class ContractTemplate:
    """Default contract terms of one strategy (its config's ``contract:`` section).

    Attributes:
        type: default contract type (``"CALL"``, ``"DIGITEVEN"``...), or ``None`` when the
            strategy always chooses it (Rise/Fall strategies pick CALL or PUT per signal).
        duration: contract length in ``duration_unit``.
        duration_unit: ``"t"`` ticks, ``"s"``, ``"m"``, ``"h"`` or ``"d"``.
        barrier: default barrier (a digit for digit contracts, ``"+0.5"`` style offsets for
            Higher/Lower and Touch), or ``None``.
        basis: whether the stake amount is the price paid (``"stake"``) or the payout.
        barrier2: default second (low) barrier of two-barrier types.
        multiplier: default multiplier of Multipliers.
        growth_rate: default growth rate of Accumulators.
        take_profit: default take-profit amount (Multipliers, Accumulators).
        stop_loss: default stop-loss amount (Multipliers).
        cancellation: default deal cancellation window of Multipliers (``"60m"``).
        selected_tick: default predicted tick of High/Low Ticks.
    """

    type: str | None = None
    duration: int = 5
    duration_unit: DurationUnit = "t"
    barrier: str | None = None
    basis: Basis = "stake"
    barrier2: str | None = None
    multiplier: float | None = None
    growth_rate: float | None = None
    take_profit: float | None = None
    stop_loss: float | None = None
    cancellation: str | None = None
    selected_tick: int | None = None


@attrs.frozen
class TradeIntent:
    """One trade a strategy asked for and the risk gate let through.

    Attributes:
        intent_id: deterministic id, ``f"{strategy}-{seq}"``; the journal's key and the
            ``passthrough`` the execution actor reconciles a lost buy with.
        strategy: the strategy's configured name.
        symbol: underlying symbol (``"R_100"``).
        contract_type: Deriv contract type (``"CALL"``).
        duration: contract length in ``duration_unit`` (``None`` for Multipliers and
            Accumulators, which do not expire).
        duration_unit: ``"t"``, ``"s"``, ``"m"``, ``"h"`` or ``"d"`` (``None`` with
            ``duration``).
        barrier: barrier as Deriv takes it (a string), or ``None``.
        amount: stake or payout, in ``currency``, rounded to cents.
        basis: ``"stake"`` or ``"payout"``.
        currency: the account currency.
        created_epoch: tick time at which the strategy asked.
        barrier2: second (low) barrier, or ``None``.
        multiplier: a Multiplier's multiplier.
        growth_rate: an Accumulator's growth rate.
        take_profit: ``limit_order.take_profit``, in currency.
        stop_loss: ``limit_order.stop_loss``, in currency.
        cancellation: a Multiplier's deal cancellation window (``"60m"``).
        selected_tick: High/Low Ticks' predicted tick.
    """

    intent_id: str
    strategy: str
    symbol: str
    contract_type: str
    duration: int | None
    duration_unit: str | None
    barrier: str | None
    amount: float
    basis: Basis
    currency: str
    created_epoch: int
    barrier2: str | None = None
    multiplier: float | None = None
    growth_rate: float | None = None
    take_profit: float | None = None
    stop_loss: float | None = None
    cancellation: str | None = None
    selected_tick: int | None = None

    @property
    def max_loss(self) -> float | None:
        """The most this trade can lose, when known before pricing (stake basis)."""
        return self.amount if self.basis == "stake" else None

    def to_proposal(self) -> dict[str, Any]:
        """Return the fields of the ``proposal`` request for this intent.

        Returns:
            A dict for :meth:`framework.deriv.protocol.DerivProtocol.request` (``"proposal"``
            call); every optional term is present only when set (``limit_order`` holds
            ``take_profit`` and ``stop_loss``).
        """
        fields: dict[str, Any] = {
            "proposal": 1,
            "amount": self.amount,
            "basis": self.basis,
            "contract_type": self.contract_type,
            "currency": self.currency,
            "symbol": self.symbol,
        }
        if self.duration is not None:
            fields["duration"] = self.duration
        if self.duration_unit is not None:
            fields["duration_unit"] = self.duration_unit
        for key in ("barrier", "barrier2", "multiplier", "growth_rate", "cancellation"):
            value = getattr(self, key)
            if value is not None:
                fields[key] = value
        if self.selected_tick is not None:
            fields["selected_tick"] = self.selected_tick
        limit_order = {
            key: value
            for key, value in (("take_profit", self.take_profit), ("stop_loss", self.stop_loss))
            if value is not None
        }
        if limit_order:
            fields["limit_order"] = limit_order
        return fields

    def contract_key(self) -> tuple[Any, ...]:
        """Return what names the contract rather than the trade.

        Two intents with equal keys ask for the same contract (the same
        :meth:`to_contract_spec`): every field but the id, the strategy and the time. A
        strategy repeats a handful of distinct contracts, so what is worked out per contract
        (validation, a price that does not move) is kept under this key.
        """
        return (
            self.symbol, self.contract_type, self.duration, self.duration_unit, self.barrier,
            self.amount, self.basis, self.currency, self.barrier2, self.multiplier,
            self.growth_rate, self.take_profit, self.stop_loss, self.cancellation,
            self.selected_tick,
        )  # fmt: skip

    def to_contract_spec(self) -> ContractSpec:
        """Return the market model's view of the same contract (simulator and backtest)."""
        return ContractSpec(
            contract_type=self.contract_type,
            symbol=self.symbol,
            amount=self.amount,
            basis=self.basis,
            duration=self.duration,
            duration_unit=self.duration_unit,
            currency=self.currency,
            barrier=self.barrier,
            barrier2=self.barrier2,
            multiplier=self.multiplier,
            growth_rate=self.growth_rate,
            take_profit=self.take_profit,
            stop_loss=self.stop_loss,
            cancellation=self.cancellation,
            selected_tick=self.selected_tick,
        )


@attrs.frozen
class ContractOrder:
    """What a strategy asks of one of its open contracts (``ctx.sell``, ``update``, ``cancel``).

    Like an intent, an order is journaled before it is sent and, when its answer is lost,
    decided from the contract's state (never sent twice blindly).

    Attributes:
        order_id: deterministic id, ``f"{intent_id}/{kind}-{n}"``: the journal's key.
        kind: ``"sell"`` (Deriv ``sell``), ``"update"`` (``contract_update``) or
            ``"cancel"`` (``cancel``, a Multiplier's deal cancellation).
        strategy: the strategy that asked.
        intent_id: the intent the contract was bought for.
        contract_id: the contract.
        created_epoch: tick time at which the strategy asked.
        min_price: ``sell`` only: the least accepted (``None``: at market, Deriv's
            ``price: 0``).
        take_profit: ``update`` only, when ``set_take_profit``: the new take-profit amount,
            ``None`` to remove it.
        stop_loss: ``update`` only, when ``set_stop_loss``: the new stop-loss amount,
            ``None`` to remove it.
        set_take_profit: whether the update changes the take-profit.
        set_stop_loss: whether the update changes the stop-loss.
    """

    order_id: str
    kind: OrderKind
    strategy: str
    intent_id: str
    contract_id: int
    created_epoch: int
    min_price: float | None = None
    take_profit: float | None = None
    stop_loss: float | None = None
    set_take_profit: bool = False
    set_stop_loss: bool = False

    def limit_order(self) -> dict[str, float | None]:
        """Return ``contract_update.limit_order`` (only the changed keys; ``None`` removes)."""
        changes: dict[str, float | None] = {}
        if self.set_take_profit:
            changes["take_profit"] = self.take_profit
        if self.set_stop_loss:
            changes["stop_loss"] = self.stop_loss
        return changes

    def to_request(self) -> dict[str, Any]:
        """Return the request fields of the order's call (``sell``, ``contract_update``,
        ``cancel``)."""
        if self.kind == "sell":
            return {"sell": self.contract_id, "price": self.min_price or 0}
        if self.kind == "cancel":
            return {"cancel": self.contract_id}
        return {
            "contract_update": 1,
            "contract_id": self.contract_id,
            "limit_order": self.limit_order(),
        }


@attrs.frozen
class OrderFailed:
    """An order the venue could not carry out (``on_order_failed``).

    Nothing changed on the contract: it is still open (or it closed another way, which its
    ``on_contract_closed`` reports), and the strategy may order again.

    Attributes:
        order: the order.
        code: the refusal's error code (the market model's or the server's:
            ``InvalidSellContractProposal``, ``ResaleNotOffered``, ``SellAtEntryTick``,
            ``PriceMoved``, ``TakeProfitTooLow``, ``ContractUpdateDisabled``...).
        message: its message, as Deriv words it.
        epoch: tick time at which it failed.
    """

    order: ContractOrder
    code: str
    message: str
    epoch: int


@attrs.frozen
class ContractUpdate:
    """One observation of an open contract (live: a ``proposal_open_contract`` message).

    Attributes:
        intent_id: the intent the contract was bought for.
        strategy: the strategy that asked for it.
        contract_id: Deriv's contract id.
        symbol: underlying symbol.
        contract_type: Deriv contract type.
        buy_price: what was paid.
        payout: what a win pays.
        bid_price: what selling now would return, when offered.
        profit: ``bid_price - buy_price`` (or the final profit once settled), when known.
        spot_epoch: epoch of the latest spot seen by the contract, when known.
        spot: that spot.
        entry_epoch: epoch of the entry tick, once known.
        entry_quote: the entry spot, once known.
        is_valid_to_sell: whether a sale would be accepted now.
        is_valid_to_cancel: whether a deal cancellation would be accepted now.
        is_valid_to_update: whether take-profit / stop-loss may be changed now.
        barrier: the barrier (Accumulators: ``None``, see the high/low ones).
        high_barrier: the high barrier of two-barrier types and (for the next tick)
            Accumulators.
        low_barrier: the low barrier, likewise.
        tick_passed: Accumulators: ticks survived since the entry tick.
        take_profit: the take-profit amount in force.
        stop_loss: the stop-loss amount in force.
        stop_out: a Multiplier's stop-out amount (negative: the loss that closes it).
        cancellation_expiry: end of a Multiplier's deal cancellation window, if it has one.
    """

    intent_id: str
    strategy: str
    contract_id: int
    symbol: str
    contract_type: str
    buy_price: float
    payout: float
    bid_price: float | None
    profit: float | None
    spot_epoch: int | None
    spot: float | None
    entry_epoch: int | None
    entry_quote: float | None
    is_valid_to_sell: bool = False
    is_valid_to_cancel: bool = False
    is_valid_to_update: bool = False
    barrier: float | None = None
    high_barrier: float | None = None
    low_barrier: float | None = None
    tick_passed: int | None = None
    take_profit: float | None = None
    stop_loss: float | None = None
    stop_out: float | None = None
    cancellation_expiry: int | None = None

    @classmethod
    def from_position(
        cls, position: OpenPosition, intent: TradeIntent, epoch: int
    ) -> ContractUpdate:
        """Build from the market model's open position (the replay; parity checks).

        Args:
            position: the open position.
            intent: the intent it was bought for.
            epoch: the time now (what a sale, an update or a cancellation would face).

        Returns:
            The update: what the contract's ``proposal_open_contract`` says at ``epoch``.
        """
        entered = position.entry_epoch is not None
        bid = position.bid_price(epoch)
        extras: dict[str, Any] = {}
        if isinstance(position, MultiplierPosition):
            extras = {
                "take_profit": position.take_profit,
                "stop_loss": position.stop_loss,
                "stop_out": -position.terms.stake,
                "cancellation_expiry": position.cancellation_expiry,
            }
        elif isinstance(position, AccumulatorPosition):
            extras = {"take_profit": position.take_profit, "tick_passed": position.tick_passed}
            if entered:
                # The barriers the next tick is checked against, as the open contract shows.
                extras["high_barrier"] = position.current_spot_high_barrier
                extras["low_barrier"] = position.current_spot_low_barrier
        else:
            extras = {"high_barrier": position.high_barrier, "low_barrier": position.low_barrier}
        return cls(
            intent_id=intent.intent_id,
            strategy=intent.strategy,
            contract_id=position.contract_id,
            symbol=position.spec.symbol,
            contract_type=position.spec.contract_type,
            buy_price=position.buy_price,
            payout=position.payout,
            bid_price=bid,
            profit=round(bid - position.buy_price, 2),
            spot_epoch=position.current_epoch if entered else None,
            spot=position.current_quote if entered else None,
            entry_epoch=position.entry_epoch,
            entry_quote=position.entry_quote if entered else None,
            is_valid_to_sell=position.is_valid_to_sell(epoch),
            is_valid_to_cancel=position.is_valid_to_cancel(epoch),
            is_valid_to_update=position.is_valid_to_update(epoch),
            barrier=position.barrier,
            **extras,
        )

    @classmethod
    def from_open_contract(cls, contract: OpenContract, intent: TradeIntent) -> ContractUpdate:
        """Build from a live ``proposal_open_contract`` model.

        Args:
            contract: the decoded message.
            intent: the intent it was bought for.

        Returns:
            The update.
        """
        spot = contract.current_spot
        entry = contract.entry_tick
        limits = contract.limit_order or LimitOrder()
        stop_loss = LimitOrder.amount(limits.stop_loss)
        return cls(
            intent_id=intent.intent_id,
            strategy=intent.strategy,
            contract_id=contract.contract_id,
            symbol=contract.underlying,
            contract_type=contract.contract_type,
            buy_price=contract.buy_price,
            payout=contract.payout,
            bid_price=contract.bid_price,
            profit=contract.profit,
            spot_epoch=None if spot is None else spot.epoch,
            spot=None if spot is None else spot.quote,
            entry_epoch=None if entry is None else entry.epoch,
            entry_quote=None if entry is None else entry.quote,
            is_valid_to_sell=contract.is_valid_to_sell,
            is_valid_to_cancel=contract.is_valid_to_cancel,
            is_valid_to_update=contract.is_valid_to_update,
            barrier=_level(contract.barrier),
            # An Accumulator's live range is the one around the current spot.
            high_barrier=_level(contract.current_spot_high_barrier or contract.high_barrier),
            low_barrier=_level(contract.current_spot_low_barrier or contract.low_barrier),
            tick_passed=contract.tick_passed,
            take_profit=LimitOrder.amount(limits.take_profit),
            # Deriv signs a stop-loss as the loss (negative); the strategy set an amount.
            stop_loss=None if stop_loss is None else abs(stop_loss),
            stop_out=LimitOrder.amount(limits.stop_out),
            cancellation_expiry=contract.cancellation_expiry,
        )


def _level(text: str | None) -> float | None:
    """A barrier as a number (``None`` when absent or not a price, e.g. a digit's ``"x"``)."""
    if text is None:
        return None
    try:
        return float(text)
    except ValueError:
        return None


ContractRef: TypeAlias = ContractUpdate | TradeIntent | int
"""How a strategy names one of its open contracts in ``ctx.sell``, ``update`` and ``cancel``:
an update of it, the intent it was bought for, or its contract id."""


@attrs.frozen
class ClosedContract:
    """A settled (or sold) contract: what strategies, sizing and the risk gate learn from.

    Attributes:
        intent_id: the intent it was bought for.
        strategy: the strategy that asked for it.
        contract_id: Deriv's contract id.
        symbol: underlying symbol.
        contract_type: Deriv contract type.
        currency: account currency.
        buy_price: the stake actually paid.
        payout: what a win pays.
        sell_price: what was credited (payout if won, 0 if lost, the bid if sold).
        profit: ``sell_price - buy_price``.
        won: ``profit > 0`` (a contract sold at a gain counts as won, one sold at a loss
            as lost): what sizing schemes and the consecutive-loss limit count.
        status: ``"won"``, ``"lost"``, ``"sold"`` or ``"cancelled"`` as Deriv reports it.
        entry_epoch: epoch of the entry tick.
        entry_quote: the entry spot.
        exit_epoch: epoch of the exit tick.
        exit_quote: the exit spot.
        purchase_time: epoch of the purchase.
        sell_time: epoch of the settlement (tick time; the daily-loss limit's clock).
        end: how it ended (expired, sold, take_profit, stop_loss, stopped_out,
            knocked_out, cancelled).
    """

    intent_id: str
    strategy: str
    contract_id: int
    symbol: str
    contract_type: str
    currency: str
    buy_price: float
    payout: float
    sell_price: float
    profit: float
    won: bool
    status: Literal["won", "lost", "sold", "cancelled"]
    entry_epoch: int | None
    entry_quote: float | None
    exit_epoch: int | None
    exit_quote: float | None
    purchase_time: int
    sell_time: int
    end: EndReason = "expired"

    @classmethod
    def from_settlement(
        cls, settlement: Settlement, intent: TradeIntent, purchase_time: int
    ) -> ClosedContract:
        """Build from the market model's settlement (backtest, simulator-side checks).

        Args:
            settlement: the position's settlement.
            intent: the intent the position was opened for.
            purchase_time: the purchase epoch.

        Returns:
            The closed contract.
        """
        profit = settlement.profit
        status = settlement.status
        # Positional, in the field order: a replay builds one per trade.
        return cls(
            intent.intent_id, intent.strategy, settlement.contract_id, intent.symbol,
            settlement.contract_type, intent.currency, settlement.buy_price, settlement.payout,
            settlement.sell_price, profit, profit > 0, status if status != "open" else "sold",
            settlement.entry_epoch, settlement.entry_quote, settlement.exit_epoch,
            settlement.exit_quote, purchase_time, settlement.sell_epoch, settlement.end,
        )  # fmt: skip

    @classmethod
    def from_open_contract(
        cls, contract: OpenContract, intent: TradeIntent, closed_by: str | None = None
    ) -> ClosedContract:
        """Build from the final live ``proposal_open_contract`` (``is_sold`` set).

        Args:
            contract: the decoded final message.
            intent: the intent it was bought for.
            closed_by: the kind of the bot's own order that closed it (``"sell"``,
                ``"cancel"``), if one did: ``end`` follows
                :meth:`~framework.deriv.models.OpenContract.end_reason`.

        Returns:
            The closed contract.

        Raises:
            ValueError: if the contract is not sold yet (no sell price).
        """
        if not contract.is_sold or contract.sell_price is None:
            raise ValueError(f"contract {contract.contract_id} is not settled yet")
        profit = contract.final_profit
        status = (
            contract.status if contract.status in ("won", "lost", "sold", "cancelled") else "sold"
        )
        entry, exit_ = contract.entry_tick, contract.exit_tick
        return cls(
            intent_id=intent.intent_id,
            strategy=intent.strategy,
            contract_id=contract.contract_id,
            symbol=contract.underlying,
            contract_type=contract.contract_type,
            currency=contract.currency or intent.currency,
            buy_price=contract.buy_price,
            payout=contract.payout,
            sell_price=contract.sell_price,
            profit=profit,
            won=profit > 0,
            status=status,  # type: ignore[arg-type]
            entry_epoch=None if entry is None else entry.epoch,
            entry_quote=None if entry is None else entry.quote,
            exit_epoch=None if exit_ is None else exit_.epoch,
            exit_quote=None if exit_ is None else exit_.quote,
            purchase_time=contract.purchase_time or intent.created_epoch,
            sell_time=contract.sell_time or contract.date_expiry or intent.created_epoch,
            end=contract.end_reason(closed_by),
        )
