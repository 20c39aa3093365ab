"""The live bot runtime: strategies on a live (or embedded) account, supervised.

* :mod:`~framework.runtime.supervisor` :class:`Bot`, the root nursery and its start-up and
  shutdown order;
* :mod:`~framework.runtime.runner` the live side of the strategy host: ticks inline, the
  execution actor's sink, restart backoff;
* :mod:`~framework.runtime.gate` the risk gate with refusals journaled;
* :mod:`~framework.runtime.status` the status line and the run summary;
* :mod:`~framework.runtime.report` a journal's history summarised (``triobot report``);
* :mod:`~framework.runtime.groups` a failed nursery's group reduced to its one error.
"""

from framework.strategy._host import StrategyFailed

from .gate import JournalingGate
from .runner import RestartPolicy, StrategyRunner
from .status import RunSummary, StatusBoard
from .supervisor import Bot, StartupError, StopRequest

__all__ = [
    "Bot",
    "JournalingGate",
    "RestartPolicy",
    "RunSummary",
    "StartupError",
    "StatusBoard",
    "StopRequest",
    "StrategyFailed",
    "StrategyRunner",
]
