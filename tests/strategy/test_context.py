"""The strategy context: filling in terms, sizing, the gate, intent ids, bookkeeping."""

from __future__ import annotations

from typing import Any

import attrs
import pytest

from framework.deriv.models import Tick
from framework.risk import RiskGate, RiskLimits
from framework.sizing import Martingale
from framework.strategy import (
    ContractTemplate,
    IntentError,
    NoParams,
    Strategy,
    TradeIntent,
)
from framework.strategy.testing import MemoryVenue, make_host


class BuyEveryTick(Strategy[NoParams]):
    """Buys whatever ``kwargs`` say on every tick."""

    Params = NoParams
    kwargs: dict[str, Any] = {}

    def on_tick(self, tick: Tick) -> None:
        self.ctx.buy(**self.kwargs)


@pytest.fixture(autouse=True)
def _fresh_kwargs() -> None:
    BuyEveryTick.kwargs = {}


def tick(epoch: int, quote: float = 1000.0) -> Tick:
    return Tick("R_100", epoch, quote, 2)


def test_buy_fills_terms_from_the_contract_template() -> None:
    venue = MemoryVenue(balance=100, now=1000)
    template = ContractTemplate(type="CALL", duration=3, duration_unit="t")
    host = make_host(BuyEveryTick, NoParams(), venue, name="m", contract=template)
    host.start()
    host.tick(tick(1000))
    assert venue.intents == [
        TradeIntent(
            intent_id="m-1",
            strategy="m",
            symbol="R_100",
            contract_type="CALL",
            duration=3,
            duration_unit="t",
            barrier=None,
            amount=1.0,
            basis="stake",
            currency="USD",
            created_epoch=1000,
        )
    ]
    assert dict(host.ctx.open_contracts) == {"m-1": venue.intents[0]}


def test_intent_maps_onto_a_proposal_request() -> None:
    intent = TradeIntent("s-1", "s", "R_100", "DIGITOVER", 5, "t", "3", 2.5, "stake", "USD", 7)
    assert intent.to_proposal() == {
        "proposal": 1,
        "amount": 2.5,
        "basis": "stake",
        "contract_type": "DIGITOVER",
        "currency": "USD",
        "duration": 5,
        "duration_unit": "t",
        "symbol": "R_100",
        "barrier": "3",
    }
    spec = intent.to_contract_spec()
    assert (spec.contract_type, spec.symbol, spec.amount, spec.barrier) == (
        "DIGITOVER",
        "R_100",
        2.5,
        "3",
    )


def test_ids_are_sequential_and_resume_after_first_seq() -> None:
    venue = MemoryVenue()
    BuyEveryTick.kwargs = {"contract_type": "PUT"}
    host = make_host(BuyEveryTick, NoParams(), venue, name="x")
    host.ctx._seq = 41  # what the runtime passes as first_seq after a restart
    host.tick(tick(1))
    host.tick(tick(2))
    assert [i.intent_id for i in venue.intents] == ["x-42", "x-43"]


def test_refused_intent_returns_none_and_uses_no_id() -> None:
    venue = MemoryVenue()
    gate = RiskGate(RiskLimits(max_open_contracts=1))
    BuyEveryTick.kwargs = {"contract_type": "CALL"}
    host = make_host(BuyEveryTick, NoParams(), venue, name="x", gate=gate)
    host.tick(tick(1))
    host.tick(tick(2))
    assert [i.intent_id for i in venue.intents] == ["x-1"]
    assert host.ctx.refusals == {"max_open_contracts": 1}
    host.contract_closed(venue.settle(venue.intents[0], won=True))
    host.tick(tick(3))
    assert [i.intent_id for i in venue.intents] == ["x-1", "x-2"]


def test_sized_stake_follows_results_and_is_capped_by_max_stake() -> None:
    venue = MemoryVenue(balance=10_000)
    gate = RiskGate(RiskLimits(max_stake=5.0))
    BuyEveryTick.kwargs = {"contract_type": "CALL"}
    host = make_host(
        BuyEveryTick, NoParams(), venue, gate=gate, stake=Martingale(base=1.0, max_steps=5)
    )
    stakes = []
    for n in range(5):
        host.tick(tick(n))
        intent = venue.intents[-1]
        stakes.append(intent.amount)
        host.contract_closed(venue.settle(intent, won=False))
    assert stakes == [1.0, 2.0, 4.0, 5.0, 5.0]


def test_explicit_stake_above_max_stake_is_refused() -> None:
    venue = MemoryVenue()
    gate = RiskGate(RiskLimits(max_stake=5.0))
    BuyEveryTick.kwargs = {"contract_type": "CALL", "stake": 6.0}
    host = make_host(BuyEveryTick, NoParams(), venue, gate=gate)
    host.tick(tick(1))
    assert venue.intents == []
    assert host.ctx.refusals == {"max_stake": 1}


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({}, "needs a contract type"),
        ({"contract_type": "NOPE"}, "Trading is not offered for this contract type"),
        ({"contract_type": "CALL", "duration": 11}, "Number of ticks must be between 1 and 10"),
        ({"contract_type": "DIGITOVER", "barrier": 9}, "Digit must be in the range of 0 to 8"),
        ({"contract_type": "CALL", "symbol": "R_50"}, "not one of its configured symbols"),
        ({"contract_type": "CALL", "stake": 0.1}, "Minimum stake of 0.35"),
    ],
)
def test_invalid_contracts_raise_intent_error(kwargs: dict[str, Any], fragment: str) -> None:
    BuyEveryTick.kwargs = kwargs
    host = make_host(BuyEveryTick, NoParams(), MemoryVenue())
    with pytest.raises(IntentError, match=fragment):
        host.tick(tick(1))


def test_numeric_barriers_become_deriv_strings() -> None:
    venue = MemoryVenue()
    host = make_host(BuyEveryTick, NoParams(), venue)
    BuyEveryTick.kwargs = {"contract_type": "DIGITUNDER", "barrier": 7}
    host.tick(tick(1))
    BuyEveryTick.kwargs = {"contract_type": "CALL", "barrier": 0.5}
    host.tick(tick(2))
    assert [i.barrier for i in venue.intents] == ["7", "+0.5"]


def test_unknown_symbol_is_passed_to_the_server_unchecked() -> None:
    # A real account trades symbols the local market model does not know.
    venue = MemoryVenue()
    BuyEveryTick.kwargs = {"contract_type": "CALL", "duration": 5, "duration_unit": "m"}
    host = make_host(BuyEveryTick, NoParams(), venue, symbols=("OTC_NDX",))
    host.tick(Tick("OTC_NDX", 1, 1.1, 5))
    assert venue.intents[0].symbol == "OTC_NDX"


class Failing(Strategy[NoParams]):
    Params = NoParams
    starts = 0

    def on_start(self) -> None:
        type(self).starts += 1

    def on_contract_closed(self, result: Any) -> None:
        raise RuntimeError("boom")


def test_bookkeeping_happens_even_when_the_hook_raises() -> None:
    venue = MemoryVenue()
    gate = RiskGate(RiskLimits())
    host = make_host(Failing, NoParams(), venue, gate=gate, contract=ContractTemplate("CALL"))
    host.ctx.buy()
    result = venue.settle(venue.intents[0], won=False)
    with pytest.raises(RuntimeError):
        host.contract_closed(result)
    assert gate.session_profit == -1.0
    assert dict(host.ctx.open_contracts) == {}
    host.restart()
    assert Failing.starts == 1 and host.restarts == 1


def test_rejected_intent_is_forgotten_by_gate_and_context() -> None:
    venue = MemoryVenue()
    gate = RiskGate(RiskLimits(max_trades=1))
    host = make_host(Failing, NoParams(), venue, gate=gate, contract=ContractTemplate("CALL"))
    intent = host.ctx.buy()
    assert intent is not None and host.ctx.buy() is None
    host.intent_rejected(intent)
    assert gate.trades == 0 and gate.trip is None
    assert host.ctx.buy() is not None


def test_context_satisfies_the_protocol() -> None:
    from framework.strategy import StrategyContext

    host = make_host(Failing, NoParams(), MemoryVenue())
    assert isinstance(host.ctx, StrategyContext)
    assert attrs.has(NoParams)
