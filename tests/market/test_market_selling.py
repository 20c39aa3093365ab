"""The selling rules every family shares, seen on the binary options."""

from __future__ import annotations

import pytest

from framework.market import (
    KEEP,
    ContractSpec,
    MarketError,
    OpenPosition,
    Position,
    open_position,
    price,
)
from tests.market.specs import spec

P = 1000


def opened(s: ContractSpec) -> OpenPosition:
    return open_position(s, price(s, 1000.0, date_start=P), P, contract_id=3)


def test_sell_below_the_minimum_price_is_refused() -> None:
    pos = opened(spec("CALL", duration=60, duration_unit="s"))
    pos.on_tick(P + 2, 1000.0)
    bid = pos.bid_price(P + 3)
    with pytest.raises(MarketError) as info:
        pos.sell(P + 3, min_price=bid + 0.01, currency="USD")
    assert info.value.code == "PriceMoved"
    assert info.value.message == (
        "The underlying market has moved too much since you priced the contract. The "
        f"contract sell price has changed from {bid + 0.01:.2f} USD to {bid:.2f} USD."
    )
    settlement = pos.sell(P + 3, min_price=bid)
    assert (settlement.status, settlement.end, settlement.sell_price) == ("sold", "sold", bid)


def test_binary_options_have_no_limit_orders_or_cancellation() -> None:
    pos = opened(spec("CALL", duration=5))
    assert isinstance(pos, Position)
    assert not pos.is_valid_to_update(P) and not pos.is_valid_to_cancel(P)
    with pytest.raises(MarketError) as info:
        pos.update(P, take_profit=1.0, stop_loss=KEEP)
    assert info.value.code == "ContractUpdateNotAllowed"
    with pytest.raises(MarketError) as info:
        pos.cancel(P)
    assert info.value.code == "CannotCancelContract"
    for k in range(6):
        pos.on_tick(P + 1 + k, 1000.0 + k)
    assert pos.settlement is not None
    with pytest.raises(MarketError) as info:
        pos.update(P + 9, stop_loss=None)
    assert (info.value.code, info.value.message) == (
        "ContractUpdateFailure",
        "This contract has been sold.",
    )
    error = pos.sell_error(P + 9)
    assert error is not None and error.code == "InvalidSellContractProposal"


def test_every_family_is_an_open_position() -> None:
    # open_position returns every family as the protocol; mypy checks each conforms there.
    families: list[OpenPosition] = [
        opened(spec("CALL", duration=5)),
        opened(spec("MULTUP", duration=None, duration_unit=None, multiplier=40)),
        opened(spec("ACCU", duration=None, duration_unit=None, growth_rate=0.01)),
    ]
    assert [type(p).__name__ for p in families] == [
        "Position", "MultiplierPosition", "AccumulatorPosition"
    ]  # fmt: skip
    assert all(p.status == "open" and p.settlement is None for p in families)
