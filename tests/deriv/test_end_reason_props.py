"""How a contract ended, read live from its final state, against the market model's settlement.

Multipliers and Accumulators with random terms run over random tick paths in the market
model, sold or cancelled by their owner at a random tick, or not; the simulator's
``proposal_open_contract`` view of the final position, read by the client's model, must give
the end the market model settled it with.
"""

from __future__ import annotations

from typing import Any

from hypothesis import assume, event, given, settings
from hypothesis import strategies as st

from framework.deriv.models import OpenContract
from framework.market import ContractSpec, MarketError, open_position, price
from framework.market.settlement import Settlement
from framework.simulator.accounts import Transaction
from framework.simulator.trading import Contract
from framework.simulator.views import contract_payload

P = 1_700_000_000
SPOT = 1000.0

TERMS: st.SearchStrategy[dict[str, Any]] = st.one_of(
    st.builds(
        dict,
        contract_type=st.sampled_from(["MULTUP", "MULTDOWN"]),
        multiplier=st.sampled_from([40, 120, 200]),
        take_profit=st.one_of(st.none(), st.sampled_from([0.5, 2.0, 5.0])),
        stop_loss=st.one_of(st.none(), st.sampled_from([0.5, 2.0, 5.0])),
        cancellation=st.one_of(st.none(), st.just("5m")),
    ),
    st.builds(
        dict,
        contract_type=st.just("ACCU"),
        growth_rate=st.sampled_from([0.01, 0.03, 0.05]),
        take_profit=st.one_of(st.none(), st.sampled_from([0.2, 1.0, 5.0])),
    ),
)
#: Relative moves per tick: large enough that limit orders and barriers are met.
MOVES = st.lists(st.floats(-0.004, 0.004, allow_nan=False), min_size=1, max_size=120)
ACTION = st.tuples(st.sampled_from(["sell", "cancel", None]), st.integers(0, 119))


def _contract(spec: ContractSpec) -> Contract:
    quote = price(spec, SPOT, date_start=P)
    position = open_position(spec, quote, P, contract_id=1)
    buy = Transaction(7, "VRTC1", "buy", -10.0, 990.0, P, contract_id=1)
    return Contract(1, "VRTC1", "USD", position, quote, "", "", buy)


def _run(
    contract: Contract, moves: list[float], action: tuple[str | None, int]
) -> tuple[Settlement | None, str | None, int]:
    pos = contract.position
    kind, when = action
    spot, epoch = SPOT, P
    for n, move in enumerate(moves):
        epoch += 2
        spot = round(spot * (1 + move), 2)
        settlement = pos.on_tick(epoch, spot)
        if settlement is not None:
            return settlement, None, epoch
        if n == when and kind == "sell" and pos.is_valid_to_sell(epoch):
            return pos.sell(epoch), "sell", epoch
        if n == when and kind == "cancel" and pos.is_valid_to_cancel(epoch):
            return pos.cancel(epoch), "cancel", epoch
    return None, None, epoch


@settings(max_examples=500, deadline=None)
@given(terms=TERMS, moves=MOVES, action=ACTION)
def test_the_live_end_is_the_market_models(
    terms: dict[str, Any], moves: list[float], action: tuple[str | None, int]
) -> None:
    spec = ContractSpec(symbol="R_100", amount=10.0, duration=None, duration_unit=None, **terms)
    try:
        contract = _contract(spec)
    except MarketError:
        assume(False)  # terms the market refuses (a stop-loss with deal cancellation...)
        raise
    settlement, closed_by, epoch = _run(contract, moves, action)
    assume(settlement is not None)
    assert settlement is not None
    state = OpenContract.from_payload(contract_payload(contract, epoch))
    assert state.is_sold
    event(f"{spec.contract_type[:4]} {settlement.end}")
    assert state.end_reason(closed_by) == settlement.end
