"""``Position.advance``: several ticks at once settle a contract exactly as one at a time."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from framework.market import ContractSpec, MarketError, Position, get_symbol, validate

DECIDED_AT_EXIT = (
    ("CALL", None), ("PUT", None), ("CALLE", None), ("PUTE", None), ("CALL", "+0.3"),
    ("DIGITMATCH", "4"), ("DIGITDIFF", "4"), ("DIGITOVER", "3"), ("DIGITUNDER", "6"),
    ("DIGITEVEN", None), ("DIGITODD", None),
)  # fmt: skip
PURCHASE = 1_700_000_010


def _position(contract_type: str, barrier: str | None, duration: int) -> Position:
    spec = ContractSpec(contract_type, "R_100", 10.0, duration=duration, barrier=barrier)
    validate(spec)
    return Position(
        spec, get_symbol("R_100"), contract_id=1, buy_price=10.0, payout=19.5,
        purchase_epoch=PURCHASE, commission=0.025,
    )  # fmt: skip


def _state(p: Position) -> tuple[object, ...]:
    return (
        p.settlement, p.tick_count, list(p.tick_stream), p.entry_epoch, p.entry_quote,
        p.barrier, p.current_epoch, p.current_quote,
    )  # fmt: skip


@given(
    kind=st.sampled_from(DECIDED_AT_EXIT),
    duration=st.integers(min_value=1, max_value=10),
    # Epochs from before the purchase on (those are ignored), quotes in pips around 1000.
    steps=st.lists(st.integers(min_value=0, max_value=3), min_size=1, max_size=30),
    moves=st.lists(st.integers(min_value=-40, max_value=40), min_size=30, max_size=30),
    cuts=st.lists(st.integers(min_value=0, max_value=30), max_size=6),
)
def test_advance_over_any_split_equals_on_tick_one_by_one(
    kind: tuple[str, str | None],
    duration: int,
    steps: list[int],
    moves: list[int],
    cuts: list[int],
) -> None:
    contract_type, barrier = kind
    try:
        one = _position(contract_type, barrier, duration)
    except MarketError:
        assume(False)  # a duration this type does not offer
    batch = _position(contract_type, barrier, duration)
    epoch, pips, ticks = PURCHASE - 2, 100_000, []
    for step, move in zip(steps, moves, strict=False):
        epoch += step or 1
        pips += move
        ticks.append((epoch, round(pips / 100, 2)))
    assert batch.decided_at_exit
    settled_one = None
    for tick in ticks:
        settled_one = one.on_tick(*tick) or settled_one
    settled_batch = None
    bounds = sorted({0, len(ticks), *(c for c in cuts if c <= len(ticks))})
    for start, end in itertools.pairwise(bounds):
        settled_batch = batch.advance(ticks[start:end]) or settled_batch
    assert settled_batch == settled_one
    assert _state(batch) == _state(one)


@pytest.mark.parametrize(("contract_type", "barrier"), [("ONETOUCH", "+0.5"), ("RUNHIGH", None)])
def test_a_path_dependent_contract_is_fed_tick_by_tick(
    contract_type: str, barrier: str | None
) -> None:
    position = _position(contract_type, barrier, 5)
    assert not position.decided_at_exit
    with pytest.raises(AssertionError, match="decided at the exit tick"):
        position.advance([(PURCHASE + 1, 1000.0)])


def test_advance_of_nothing_or_after_settlement_changes_nothing() -> None:
    position = _position("CALL", None, 1)
    assert position.advance([]) is None
    assert position.advance([(PURCHASE, 999.0), (PURCHASE - 1, 998.0)]) is None  # not after P
    assert position.tick_count == 0
    settled = position.advance([(PURCHASE + 1, 1000.0), (PURCHASE + 2, 1001.0)])
    assert settled is not None and settled.status == "won"
    assert position.advance([(PURCHASE + 3, 1002.0)]) is None
    assert position.tick_stream == [(PURCHASE + 1, 1000.0), (PURCHASE + 2, 1001.0)]
