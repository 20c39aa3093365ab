"""How a contract ended: :class:`Settlement`, its :data:`Status` and :data:`EndReason`.

Shared by every contract family (:mod:`framework.market.settlement`,
:mod:`framework.market.multiplier`, :mod:`framework.market.accumulator`) and by everyone
who reads a closed contract.
"""

from __future__ import annotations

from typing import Final, Literal

import attrs

__all__ = ["END_REASONS", "EndReason", "Settlement", "Status", "Tick"]

Status = Literal["open", "won", "lost", "sold", "cancelled"]

EndReason = Literal[
    "expired", "sold", "take_profit", "stop_loss", "stopped_out", "knocked_out", "cancelled"
]
"""How a contract ended, whichever way it did:

* ``expired``: it reached its end by its own rule (expiry, a touch, an Accumulator's maximum
  ticks or payout) and was settled won or lost;
* ``sold``: its owner sold it before the end;
* ``take_profit`` / ``stop_loss``: a Multiplier's or Accumulator's limit order closed it;
* ``stopped_out``: a Multiplier's loss reached its stake (Deriv's stop-out);
* ``knocked_out``: an Accumulator's spot left its barriers (the stake is lost);
* ``cancelled``: a Multiplier's deal cancellation was used (the stake is returned).
"""

END_REASONS: Final[tuple[EndReason, ...]] = (
    "expired",
    "sold",
    "take_profit",
    "stop_loss",
    "stopped_out",
    "knocked_out",
    "cancelled",
)
Tick = tuple[int, float]


@attrs.frozen
class Settlement:
    """The end of a contract, whichever way it ended (:attr:`end`).

    Attributes:
        contract_id: the position's id.
        contract_type: Deriv contract type.
        status: ``"won"``, ``"lost"``, ``"sold"`` or ``"cancelled"`` (a Multiplier's
            limit order or stop-out, or an Accumulator's own close, is ``"won"`` or
            ``"lost"``).
        entry_epoch: epoch of the entry tick (a Multiplier's: the purchase).
        entry_quote: quote of the entry tick (a Multiplier's: the basis spot).
        exit_epoch: epoch of the exit tick (the touching tick, the expiry tick, the tick
            that closed a Multiplier or Accumulator, or the last tick seen when sold or
            cancelled).
        exit_quote: its quote.
        barrier: absolute barrier the contract was settled against (the digit for digit
            contracts, the selected tick's quote for High/Low Ticks, the entry spot for
            Only Ups/Downs, ``None`` for even/odd, two-barrier types, Multipliers and
            Accumulators).
        buy_price: what was paid.
        payout: the contract's payout (what a win pays; 0 for Multipliers and
            Accumulators, which have none).
        sell_price: what is credited: ``payout`` if won, 0 if lost, the bid if sold; a
            Multiplier's or Accumulator's value when it closed, the stake when cancelled.
        profit: ``sell_price - buy_price``.
        sell_epoch: when the contract was settled or sold (the epoch of the tick that
            settled it, which for time contracts may be after the exit tick).
        tick_stream: ``(epoch, quote)`` from the entry tick to the exit tick (tick-expiry
            contracts; an Accumulator's last 10 ticks; empty otherwise).
        end: how it ended (:data:`EndReason`).
        high_barrier: two-barrier types: the absolute high barrier; an Accumulator: the
            high barrier its last tick was checked against, as shown; else ``None``.
        low_barrier: likewise the low barrier.
    """

    contract_id: int
    contract_type: str
    status: Status
    entry_epoch: int
    entry_quote: float
    exit_epoch: int
    exit_quote: float
    barrier: float | None
    buy_price: float
    payout: float
    sell_price: float
    profit: float
    sell_epoch: int
    tick_stream: tuple[Tick, ...]
    end: EndReason = "expired"
    high_barrier: float | None = None
    low_barrier: float | None = None

    @property
    def is_won(self) -> bool:
        """True when the contract expired in the money."""
        return self.status == "won"
