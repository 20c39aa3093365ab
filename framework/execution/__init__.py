"""Trade execution: intents bought at most once, contracts followed and settled once.

* :mod:`~framework.execution.actor` the execution actor (the strategies' live venue);
* :mod:`~framework.execution.broker` the small protocol it needs from the API client;
* :mod:`~framework.execution.live` that protocol on the typed client;
* :mod:`~framework.execution.policy` how many intents at once, and how they are priced;
* :mod:`~framework.execution.recovery` a previous run's loose ends, at start-up.
"""

from .actor import ExecutionActor as ExecutionActor
from .actor import ExecutionSink as ExecutionSink
from .actor import ExecutionStats as ExecutionStats
from .actor import Followed as Followed
from .broker import Broker as Broker
from .broker import BuyOutcome as BuyOutcome
from .live import ClientBroker as ClientBroker
from .policy import ExecutionPolicy as ExecutionPolicy
from .recovery import RecoveryReport as RecoveryReport
from .recovery import intent_from_journal as intent_from_journal
from .recovery import recover as recover

__all__ = [
    "Broker",
    "BuyOutcome",
    "ClientBroker",
    "ExecutionActor",
    "ExecutionPolicy",
    "ExecutionSink",
    "ExecutionStats",
    "Followed",
    "RecoveryReport",
    "intent_from_journal",
    "recover",
]
