"""How the execution actor buys: how many intents at once, how many waiting, and how priced.

The ``execution:`` section of a bot config. Defaults suit one account on one connection:

* ``max_in_flight`` intents are carried out at once, each from its journal row to its
  buy's outcome (the quote and the buy's round trips overlap; the client's pacing still
  holds each request to the server's budgets);
* up to ``max_waiting`` more wait for a place, in the order they were given; an intent
  given when that many wait already is *refused*, never queued without bound: it is
  journaled ``rejected`` with the reason (:data:`BUSY`), counted
  (:attr:`~framework.execution.ExecutionStats.busy`) and handed back to its strategy, as any
  other refusal. The risk gate counts every waiting and in-flight intent as open
  (``max_open_contracts``, ``max_daily_loss``), so a gate with limits usually refuses
  first;
* ``quote: auto`` buys a contract whose price is its stake (stake basis, no deal
  cancellation) in one round trip: ``buy`` with the contract's ``parameters`` and the
  stake as ``price``, the most the server may take, so the cost is bounded exactly as by a
  quote's ask. Every other contract (payout basis, whose price is known only once quoted and
  must pass ``max_stake``; a Multiplier with deal cancellation, whose fee adds to the
  stake) is quoted first. ``quote: always`` quotes every contract first.
"""

from __future__ import annotations

from typing import Literal

import attrs
from attrs import validators as v

from framework.strategy.events import TradeIntent

__all__ = ["BUSY", "ExecutionPolicy", "priced_by_stake"]

#: The start of the journal's reason for an intent refused because too many were waiting.
BUSY = "execution busy"


@attrs.frozen
class ExecutionPolicy:
    """The ``execution:`` section.

    Attributes:
        max_in_flight: intents carried out at once (quote and buy), 1 to 64.
        max_waiting: intents that may wait for a place, 0 to 10000; one more is refused.
        quote: ``auto`` (buy stake-priced contracts directly, see the module docstring) or
            ``always`` (quote every contract first).
    """

    max_in_flight: int = attrs.field(default=8, validator=[v.ge(1), v.le(64)])
    max_waiting: int = attrs.field(default=100, validator=[v.ge(0), v.le(10_000)])
    quote: Literal["auto", "always"] = attrs.field(
        default="auto", validator=v.in_(("auto", "always"))
    )

    def buys_directly(self, intent: TradeIntent) -> bool:
        """Whether ``intent`` is bought without a quote (see the module docstring)."""
        return self.quote == "auto" and priced_by_stake(intent)


def priced_by_stake(intent: TradeIntent) -> bool:
    """Whether the contract costs exactly its stake: the stake is then a safe price cap."""
    return intent.basis == "stake" and intent.cancellation is None
