"""Trade execution: intents bought at most once, contracts followed and settled once.

* :mod:`~framework.execution.actor` the execution actor (the strategies' live venue);
* :mod:`~framework.execution.broker` the small protocol it needs from the API client;
* :mod:`~framework.execution.live` that protocol on the typed client;
* :mod:`~framework.execution.recovery` a previous run's loose ends, at start-up.
"""

from .actor import ExecutionActor, ExecutionSink, ExecutionStats, Followed
from .broker import Broker, BuyOutcome
from .live import ClientBroker
from .recovery import RecoveryReport, intent_from_journal, recover

__all__ = [
    "Broker",
    "BuyOutcome",
    "ClientBroker",
    "ExecutionActor",
    "ExecutionSink",
    "ExecutionStats",
    "Followed",
    "RecoveryReport",
    "intent_from_journal",
    "recover",
]
