"""The market model: synthetic-index symbols, ticks, contracts, pricing and settlement.

Pure, synchronous and deterministic: no I/O, no Trio, no clock (epochs are passed in), no
logging on per-tick paths. Shared by the embedded Deriv simulator and the backtest engine.

Typical use::

    spec = ContractSpec("CALL", "R_100", amount=10, duration=5, duration_unit="t")
    quote = price(spec, spot=1234.56, date_start=now)        # proposal
    pos = open_position(spec, quote, purchase_epoch=now, contract_id=1)   # buy, any family
    for epoch, q in ticks:
        settlement = pos.on_tick(epoch, q)
        if settlement is not None:
            break
"""

from .accumulator import AccumulatorPosition as AccumulatorPosition
from .contracts import CONTRACT_TYPES as CONTRACT_TYPES
from .contracts import OPEN_ENDED as OPEN_ENDED
from .contracts import UNIT_SECONDS as UNIT_SECONDS
from .contracts import Barrier as Barrier
from .contracts import ContractSpec as ContractSpec
from .contracts import ContractType as ContractType
from .contracts import DurationRange as DurationRange
from .contracts import duration_seconds as duration_seconds
from .contracts import parse_barrier as parse_barrier
from .contracts import validate as validate
from .digits import format_quote as format_quote
from .digits import last_digit as last_digit
from .errors import MarketError as MarketError
from .limits import DEFAULT_COMMISSION as DEFAULT_COMMISSION
from .limits import MAX_PAYOUT as MAX_PAYOUT
from .limits import MAX_TICKS as MAX_TICKS
from .limits import MIN_STAKE as MIN_STAKE
from .money import format_money as format_money
from .money import round_money as round_money
from .multiplier import MultiplierPosition as MultiplierPosition
from .offerings import Offering as Offering
from .offerings import contracts_for as contracts_for
from .positions import KEEP as KEEP
from .positions import OpenPosition as OpenPosition
from .positions import open_position as open_position
from .pricing import DEFAULT_PRICING as DEFAULT_PRICING
from .pricing import PricingConfig as PricingConfig
from .pricing import Quote as Quote
from .pricing import longcode as longcode
from .pricing import price as price
from .pricing import probability as probability
from .settlement import END_REASONS as END_REASONS
from .settlement import EndReason as EndReason
from .settlement import Position as Position
from .settlement import Settlement as Settlement
from .symbols import SYMBOLS as SYMBOLS
from .symbols import SymbolSpec as SymbolSpec
from .symbols import get_symbol as get_symbol
from .symbols import symbols as symbols
from .symbols import tick_intervals as tick_intervals
from .ticks import TickGenerator as TickGenerator
from .ticks import derive_seed as derive_seed

__all__ = [
    "CONTRACT_TYPES",
    "DEFAULT_COMMISSION",
    "DEFAULT_PRICING",
    "END_REASONS",
    "KEEP",
    "MAX_PAYOUT",
    "MAX_TICKS",
    "MIN_STAKE",
    "OPEN_ENDED",
    "SYMBOLS",
    "UNIT_SECONDS",
    "AccumulatorPosition",
    "Barrier",
    "ContractSpec",
    "ContractType",
    "DurationRange",
    "EndReason",
    "MarketError",
    "MultiplierPosition",
    "Offering",
    "OpenPosition",
    "Position",
    "PricingConfig",
    "Quote",
    "Settlement",
    "SymbolSpec",
    "TickGenerator",
    "contracts_for",
    "derive_seed",
    "duration_seconds",
    "format_money",
    "format_quote",
    "get_symbol",
    "last_digit",
    "longcode",
    "open_position",
    "parse_barrier",
    "price",
    "probability",
    "round_money",
    "symbols",
    "tick_intervals",
    "validate",
]
