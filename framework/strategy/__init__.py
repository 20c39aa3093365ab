"""Strategy plugins: the base class, the context they trade through, and plugin loading.

The public names live here; the submodules are:

* :mod:`~framework.strategy.events` trade intents, contract updates and results;
* :mod:`~framework.strategy.base` :class:`Strategy` and the :class:`StrategyContext` protocol;
* :mod:`~framework.strategy.context` the context implementation over a :class:`Venue`, and
  the :class:`StrategyHost` that dispatches events to one strategy;
* :mod:`~framework.strategy.state` the persistent key-value store;
* :mod:`~framework.strategy.plugins` resolving a plugin reference to a class;
* :mod:`~framework.strategy.testing` an in-memory venue for tests.
"""

from __future__ import annotations

from .base import NoParams, Strategy, StrategyContext
from .context import Context, IntentError, StrategyHost, Venue, check_intent
from .events import ClosedContract, ContractTemplate, ContractUpdate, TradeIntent
from .plugins import BUILTIN, ENTRY_POINT_GROUP, PluginError, available, load_strategy_class
from .state import JsonFileStateStore, MemoryStateStore, StateError, StateStore

__all__ = [
    "BUILTIN",
    "ENTRY_POINT_GROUP",
    "ClosedContract",
    "Context",
    "ContractTemplate",
    "ContractUpdate",
    "IntentError",
    "JsonFileStateStore",
    "MemoryStateStore",
    "NoParams",
    "PluginError",
    "StateError",
    "StateStore",
    "Strategy",
    "StrategyContext",
    "StrategyHost",
    "TradeIntent",
    "Venue",
    "available",
    "check_intent",
    "load_strategy_class",
]
