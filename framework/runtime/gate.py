"""The bot's risk gate, with its refusals written to the journal.

:class:`~framework.risk.RiskGate` decides; this subclass also journals each refusal as a
``rejected`` intent with the limit's reason, so ``triobot report`` can say why trades did
not happen. A strategy that keeps asking while a limit holds would write a row per tick, so
consecutive refusals of one strategy by the same limit are journaled once (the first) and
counted in memory (:attr:`JournalingGate.refused`, shown in the status line and summary).
Every trip is journaled when it starts and when it ends, so ``triobot report`` lists the
pauses that are over too.
"""

from __future__ import annotations

from typing import Any

import attrs

from framework.bus import EventBus
from framework.journal import Journal, JournalError
from framework.risk import Decision, RiskGate, RiskLimits, RiskSnapshot, Trip
from framework.strategy.events import TradeIntent

__all__ = ["JournalingGate"]


class JournalingGate(RiskGate):
    """A :class:`RiskGate` that journals refusals.

    Attributes:
        refused: refusals by limit (every one, journaled or not).
    """

    def __init__(
        self,
        limits: RiskLimits,
        journal: Journal,
        *,
        events: EventBus | None = None,
        log: Any = None,
    ) -> None:
        super().__init__(limits, log=log)
        self._journal = journal
        self._events = events if events is not None else EventBus()
        self.refused: dict[str, int] = {}
        self._last: dict[str, str] = {}
        self._serial = 0

    def check(self, intent: TradeIntent, snapshot: RiskSnapshot) -> Decision:
        """Decide as the risk gate does; journal the first of a run of equal refusals."""
        decision = super().check(intent, snapshot)
        if decision.allowed:
            self._last.pop(intent.strategy, None)
            return decision
        limit = decision.limit or "risk"
        self.refused[limit] = self.refused.get(limit, 0) + 1
        if self._last.get(intent.strategy) != limit:
            self._last[intent.strategy] = limit
            self._serial += 1
            # The context does not spend an id on a refused intent; give the row its own.
            row = attrs.evolve(
                intent, intent_id=f"{intent.intent_id}~refused-{snapshot.epoch}-{self._serial}"
            )
            try:
                self._journal.record_intent(row)
                self._journal.record_rejected(row.intent_id, f"{limit}: {decision.reason}")
            except JournalError:
                pass  # an audit row only; never let it stop the bot
        return decision

    def trip_changed(self, trip: Trip) -> None:
        """Journal a trip that started or ended, and publish it."""
        fields = trip.as_dict()
        self._journal.record_trip(fields)
        self._events.publish("trip", **fields)
