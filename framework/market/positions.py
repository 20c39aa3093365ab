"""The open-position interface every contract family implements, and opening one.

:class:`OpenPosition` is what the simulator's desk, the backtest broker and every other
user of a bought contract code against; they never look at the family behind it:

* the binary options: :class:`~framework.market.settlement.Position`;
* Multipliers: :class:`~framework.market.multiplier.MultiplierPosition`;
* Accumulators: :class:`~framework.market.accumulator.AccumulatorPosition`.

Time passes only through :meth:`OpenPosition.on_tick`; every other method takes the
current epoch and never changes the position except ``sell``, ``update`` and ``cancel``.
The refusals they raise are listed in :mod:`framework.market.selling`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from .accumulator import AccumulatorPosition
from .contracts import OPEN_ENDED, ContractSpec, validate
from .errors import MarketError
from .multiplier import MultiplierPosition
from .openended import AccumulatorTerms, MultiplierTerms
from .pricing import DEFAULT_PRICING, PricingConfig, Quote, price
from .selling import KEEP, LimitChange
from .settlement import Position, Settlement, Status
from .symbols import SymbolSpec, get_symbol

__all__ = ["KEEP", "OpenPosition", "open_position"]


class OpenPosition(Protocol):
    """A bought contract, advanced tick by tick until it closes.

    Attributes:
        spec: the contract.
        symbol: its symbol.
        contract_id: caller-chosen id.
        buy_price: what was paid.
        payout: what a win pays (0 for Multipliers and Accumulators: no fixed payout).
        purchase_epoch: purchase time.
        date_expiry: expiry epoch of time contracts, else ``None``.
        entry_epoch: epoch of the entry tick (``None`` until it arrives).
        entry_quote: its quote.
        current_epoch: epoch of the last tick belonging to the contract.
        current_quote: its quote.
        tick_count: ticks seen after the purchase.
        tick_stream: ``(epoch, quote)`` ticks shown in ``proposal_open_contract``.
        barrier: the absolute barrier, if the contract has one.
        high_barrier: the high barrier of two-barrier binaries and Accumulators, else
            ``None``.
        low_barrier: the low barrier likewise.
        settlement: the :class:`Settlement` once closed, else ``None``.
    """

    spec: ContractSpec
    symbol: SymbolSpec
    contract_id: int
    buy_price: float
    payout: float
    purchase_epoch: int
    date_expiry: int | None
    entry_epoch: int | None
    entry_quote: float
    current_epoch: int
    current_quote: float
    tick_count: int
    barrier: float | None
    settlement: Settlement | None

    @property
    def tick_stream(self) -> Sequence[tuple[int, float]]:
        """Ticks for the open-contract view."""

    @property
    def high_barrier(self) -> float | None:
        """The high barrier, if any."""

    @property
    def low_barrier(self) -> float | None:
        """The low barrier, if any."""

    @property
    def status(self) -> Status:
        """``"open"`` until closed, then the settlement's status."""

    def on_tick(self, epoch: int, quote: float) -> Settlement | None:
        """Feed the next tick of the symbol; return the settlement if it closes."""

    def is_expired(self, epoch: int) -> bool:
        """POC ``is_expired``."""

    def bid_price(self, epoch: int) -> float:
        """What selling now would pay (after the close: what was credited)."""

    def sell_error(self, epoch: int) -> MarketError | None:
        """Why :meth:`sell` at market would be refused now, or ``None``."""

    def validation_error(self, epoch: int) -> str | None:
        """POC ``validation_error``: :meth:`sell_error`'s message."""

    def is_valid_to_sell(self, epoch: int) -> bool:
        """POC ``is_valid_to_sell``."""

    def sell(self, epoch: int, min_price: float = 0.0, currency: str = "USD") -> Settlement:
        """Sell at the bid, refused with ``PriceMoved`` below ``min_price``."""

    def is_valid_to_update(self, epoch: int) -> bool:
        """POC ``is_valid_to_update``."""

    def update(
        self, epoch: int, take_profit: LimitChange = KEEP, stop_loss: LimitChange = KEEP
    ) -> None:
        """``contract_update``: change the limit orders (``None`` removes one)."""

    def is_valid_to_cancel(self, epoch: int) -> bool:
        """POC ``is_valid_to_cancel``."""

    def cancel(self, epoch: int) -> Settlement:
        """``cancel``: use a Multiplier's deal cancellation."""


def open_position(
    spec: ContractSpec,
    quote: Quote,
    purchase_epoch: int,
    contract_id: int = 0,
    *,
    config: PricingConfig = DEFAULT_PRICING,
) -> OpenPosition:
    """Open a position of the contract's family on a priced contract.

    Args:
        spec: the contract (normally ``quote.spec``).
        quote: its price; ``buy_price`` = ``quote.ask_price`` (a Multiplier or
            Accumulator whose spec differs from ``quote.spec`` is priced afresh at
            ``quote.spot``).
        purchase_epoch: purchase time.
        contract_id: id to carry into the settlement.
        config: pricing config (its commission is used for binary bids).

    Returns:
        The open position.

    Raises:
        MarketError: if ``spec`` does not validate (only checked when ``spec`` is not the
            contract ``quote`` was priced for: :func:`price` already validated that one).
    """
    same = quote.spec is spec or quote.spec == spec
    if not same:
        validate(spec, min_stake=config.min_stake, max_payout=config.max_payout)
    symbol = get_symbol(spec.symbol)
    if spec.contract_type in OPEN_ENDED:
        if not same:
            # The terms (multiplier, limit orders, cancellation fee) belong to the spec:
            # price this one at the quote's spot.
            quote = price(spec, quote.spot, date_start=quote.date_start, config=config)
        terms = quote.terms
        if isinstance(terms, MultiplierTerms):
            return MultiplierPosition(
                spec, symbol, terms, contract_id=contract_id, buy_price=quote.ask_price,
                purchase_epoch=purchase_epoch,
            )  # fmt: skip
        assert isinstance(terms, AccumulatorTerms)
        return AccumulatorPosition(
            spec, symbol, terms, contract_id=contract_id, purchase_epoch=purchase_epoch
        )
    return Position(
        spec,
        symbol,
        contract_id=contract_id,
        buy_price=quote.ask_price,
        payout=quote.payout,
        purchase_epoch=purchase_epoch,
        commission=config.commission,
        probability=quote.probability,
    )
