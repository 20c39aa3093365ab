"""The strategy plugin API: everything a strategy (and its tests) imports, from one place.

A plugin needs nothing else from triobot::

    from framework.strategy import ClosedContract, NoParams, Strategy, Tick

* :class:`Strategy`, the hooks' base class, and :class:`StrategyContext`, what ``self.ctx``
  offers; :class:`NoParams` for a strategy without parameters;
* what history it declares: :class:`CandleSeries` (granularities in :data:`GRANULARITIES`);
* the values that pass through the hooks: :class:`Tick`, :class:`Candle`, :class:`Transaction`,
  :class:`ContractUpdate`, :class:`ClosedContract`, :class:`OrderFailed`, and what
  ``ctx.buy`` makes, :class:`TradeIntent` (from the defaults in :class:`ContractTemplate`),
  and ``ctx.sell``/``update``/``cancel``, :class:`ContractOrder` (naming a contract by a
  :data:`ContractRef`);
* :class:`StateStore` (``ctx.state``) and its :class:`StateError`; :class:`IntentError`, the
  error of a contract that cannot exist;
* :func:`last_digit`, the digit a digit contract settles on;
* for tests: :class:`MemoryVenue`, :func:`make_host` (which returns a
  :class:`HostedStrategy`) and :class:`MemoryStateStore`.

The modules named ``_x`` (the context, the host, plugin loading) are the framework's own:
the live runtime, the replay engine and the config loader use them; plugins must not.
"""

from __future__ import annotations

from framework.deriv.models import Candle as Candle
from framework.deriv.models import Tick as Tick
from framework.deriv.models import Transaction as Transaction
from framework.market.digits import last_digit as last_digit

from ._context import IntentError as IntentError
from .base import NoParams as NoParams
from .base import Strategy as Strategy
from .base import StrategyContext as StrategyContext
from .events import ClosedContract as ClosedContract
from .events import ContractOrder as ContractOrder
from .events import ContractRef as ContractRef
from .events import ContractTemplate as ContractTemplate
from .events import ContractUpdate as ContractUpdate
from .events import OrderFailed as OrderFailed
from .events import TradeIntent as TradeIntent
from .series import GRANULARITIES as GRANULARITIES
from .series import CandleSeries as CandleSeries
from .series import valid_granularity as valid_granularity
from .state import MemoryStateStore as MemoryStateStore
from .state import StateError as StateError
from .state import StateStore as StateStore
from .testing import HostedStrategy as HostedStrategy
from .testing import MemoryVenue as MemoryVenue
from .testing import make_host as make_host

__all__ = [
    "GRANULARITIES",
    "Candle",
    "CandleSeries",
    "ClosedContract",
    "ContractOrder",
    "ContractRef",
    "ContractTemplate",
    "ContractUpdate",
    "HostedStrategy",
    "IntentError",
    "MemoryStateStore",
    "MemoryVenue",
    "NoParams",
    "OrderFailed",
    "StateError",
    "StateStore",
    "Strategy",
    "StrategyContext",
    "Tick",
    "TradeIntent",
    "Transaction",
    "last_digit",
    "make_host",
    "valid_granularity",
]
