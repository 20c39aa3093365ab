"""The live bot runtime: strategies on a live (or embedded) account, supervised.

* :mod:`~framework.runtime.supervisor` :class:`Bot`, the root nursery and its start-up and
  shutdown order;
* :mod:`~framework.runtime.market` one task per symbol: its ticks, the server's candles and
  the declared history, in tick order (the gap after a reconnect filled);
* :mod:`~framework.runtime.runner` the live side of the strategy host: ticks inline, the
  execution actor's sink, restart backoff;
* :mod:`~framework.runtime.gate` the risk gate with refusals journaled;
* :mod:`~framework.runtime.status` the status line and the run summary;
* :mod:`~framework.runtime.report` a journal's history summarised (``triobot report``);
* :mod:`~framework.runtime.groups` a failed nursery's group reduced to its one error.
"""

from framework.strategy._host import StrategyFailed as StrategyFailed

from .gate import JournalingGate as JournalingGate
from .runner import RestartPolicy as RestartPolicy
from .runner import StrategyRunner as StrategyRunner
from .status import RunSummary as RunSummary
from .status import StatusBoard as StatusBoard
from .supervisor import Bot as Bot
from .supervisor import StartupError as StartupError
from .supervisor import StopRequest as StopRequest

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
