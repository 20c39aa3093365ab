"""The values that pass between a strategy and the runtime or backtest engine.

* :class:`ContractTemplate` is the ``contract:`` section of a strategy's config: the defaults
  :meth:`StrategyContext.buy` fills in when a strategy leaves a term out.
* :class:`TradeIntent` is what a strategy asks for. It maps one to one onto a Deriv
  ``proposal`` request (:meth:`TradeIntent.to_proposal`) and onto the market model's
  :class:`~framework.market.contracts.ContractSpec` (:meth:`TradeIntent.to_contract_spec`).
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

from typing import Any, Literal

import attrs

from framework.deriv.models import OpenContract
from framework.market.contracts import ContractSpec
from framework.market.settlement import Settlement

__all__ = [
    "Basis",
    "ClosedContract",
    "ContractTemplate",
    "ContractUpdate",
    "DurationUnit",
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
    """

    type: str | None = None
    duration: int = 5
    duration_unit: DurationUnit = "t"
    barrier: str | None = None
    basis: Basis = "stake"


@attrs.frozen
class TradeIntent:
    """One trade a strategy asked for and the risk gate let through.

    Attributes:
        intent_id: deterministic id, ``f"{strategy}-{seq}"``; the journal's key and the
            ``passthrough`` the execution actor reconciles a lost buy with.
        strategy: the strategy's configured name.
        symbol: underlying symbol (``"R_100"``).
        contract_type: Deriv contract type (``"CALL"``).
        duration: contract length in ``duration_unit``.
        duration_unit: ``"t"``, ``"s"``, ``"m"``, ``"h"`` or ``"d"``.
        barrier: barrier as Deriv takes it (a string), or ``None``.
        amount: stake or payout, in ``currency``, rounded to cents.
        basis: ``"stake"`` or ``"payout"``.
        currency: the account currency.
        created_epoch: tick time at which the strategy asked.
    """

    intent_id: str
    strategy: str
    symbol: str
    contract_type: str
    duration: int
    duration_unit: str
    barrier: str | None
    amount: float
    basis: Basis
    currency: str
    created_epoch: int

    @property
    def max_loss(self) -> float | None:
        """The most this trade can lose, when known before pricing (stake basis)."""
        return self.amount if self.basis == "stake" else None

    def to_proposal(self) -> dict[str, Any]:
        """Return the fields of the ``proposal`` request for this intent.

        Returns:
            A dict for :meth:`framework.deriv.protocol.DerivProtocol.request` (``"proposal"``
            call); ``barrier`` is present only when set.
        """
        fields: dict[str, Any] = {
            "proposal": 1,
            "amount": self.amount,
            "basis": self.basis,
            "contract_type": self.contract_type,
            "currency": self.currency,
            "duration": self.duration,
            "duration_unit": self.duration_unit,
            "symbol": self.symbol,
        }
        if self.barrier is not None:
            fields["barrier"] = self.barrier
        return fields

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
        )


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
        )


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
        status: ``"won"``, ``"lost"`` or ``"sold"`` as Deriv reports it.
        entry_epoch: epoch of the entry tick.
        entry_quote: the entry spot.
        exit_epoch: epoch of the exit tick.
        exit_quote: the exit spot.
        purchase_time: epoch of the purchase.
        sell_time: epoch of the settlement (tick time; the daily-loss limit's clock).
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
    status: Literal["won", "lost", "sold"]
    entry_epoch: int | None
    entry_quote: float | None
    exit_epoch: int | None
    exit_quote: float | None
    purchase_time: int
    sell_time: int

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
        return cls(
            intent_id=intent.intent_id,
            strategy=intent.strategy,
            contract_id=settlement.contract_id,
            symbol=intent.symbol,
            contract_type=settlement.contract_type,
            currency=intent.currency,
            buy_price=settlement.buy_price,
            payout=settlement.payout,
            sell_price=settlement.sell_price,
            profit=settlement.profit,
            won=settlement.profit > 0,
            status=settlement.status if settlement.status != "open" else "sold",
            entry_epoch=settlement.entry_epoch,
            entry_quote=settlement.entry_quote,
            exit_epoch=settlement.exit_epoch,
            exit_quote=settlement.exit_quote,
            purchase_time=purchase_time,
            sell_time=settlement.sell_epoch,
        )

    @classmethod
    def from_open_contract(cls, contract: OpenContract, intent: TradeIntent) -> ClosedContract:
        """Build from the final live ``proposal_open_contract`` (``is_sold`` set).

        Args:
            contract: the decoded final message.
            intent: the intent it was bought for.

        Returns:
            The closed contract.

        Raises:
            ValueError: if the contract is not sold yet (no sell price).
        """
        if not contract.is_sold or contract.sell_price is None:
            raise ValueError(f"contract {contract.contract_id} is not settled yet")
        profit = (
            contract.profit
            if contract.profit is not None
            else round(contract.sell_price - contract.buy_price, 2)
        )
        status = contract.status if contract.status in ("won", "lost", "sold") else "sold"
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
        )
