"""The risk gate: each limit refuses or trips, says which and why, and clears when it should."""

from __future__ import annotations

from pathlib import Path

import pytest

from framework.market.contracts import Basis
from framework.risk import DAY, RiskGate, RiskLimits, RiskSnapshot
from framework.strategy.events import ClosedContract, TradeIntent

T0 = 1_700_000_000  # 2023-11-14 22:13:20 UTC


class Book:
    """Drives a gate with intents and results."""

    def __init__(self, limits: RiskLimits, balance: float = 1000.0) -> None:
        self.gate = RiskGate(limits)
        self.balance = balance
        self.seq = 0
        self.open: dict[str, TradeIntent] = {}

    def intent(self, stake: float = 1.0, basis: Basis = "stake", epoch: int = T0) -> TradeIntent:
        self.seq += 1
        return TradeIntent(
            f"s-{self.seq}", "s", "R_100", "CALL", 5, "t", None, stake, basis, "USD", epoch
        )

    def try_buy(self, stake: float = 1.0, epoch: int = T0, basis: Basis = "stake") -> str | None:
        """Return None when allowed, else the refusing limit."""
        intent = self.intent(stake, basis, epoch)
        decision = self.gate.check(intent, RiskSnapshot(epoch, self.balance, len(self.open)))
        if decision.allowed:
            self.open[intent.intent_id] = intent
            return None
        assert decision.reason
        return decision.limit

    def close(self, won: bool, epoch: int = T0, profit: float | None = None) -> None:
        intent_id, intent = next(iter(self.open.items()))
        del self.open[intent_id]
        if profit is None:
            profit = round(intent.amount * 0.95, 2) if won else -intent.amount
        result = ClosedContract(
            intent_id, "s", 1, "R_100", "CALL", "USD", intent.amount, intent.amount * 1.95,
            intent.amount + profit, profit, profit > 0, "won" if won else "lost",
            None, None, None, None, epoch - 10, epoch,
        )  # fmt: skip
        self.gate.on_contract_closed(result)

    def trade(self, won: bool, stake: float = 1.0, epoch: int = T0) -> None:
        assert self.try_buy(stake, epoch) is None
        self.close(won, epoch)


def test_no_limits_allows_everything() -> None:
    book = Book(RiskLimits())
    for _ in range(50):
        book.trade(won=False, stake=10)
    assert book.gate.trip is None


def test_a_gate_without_limits_counts_what_a_gate_with_loose_ones_counts() -> None:
    # The gate without limits takes a short cut; the figures it keeps must not differ.
    loose = RiskLimits(max_stake=1e6, max_open_contracts=10**6, min_balance=0.0)
    free, bound = Book(RiskLimits()), Book(loose)
    for book in (free, bound):
        for k in range(30):
            assert book.try_buy(stake=1.0 + k % 3, basis="payout" if k % 4 else "stake") is None
            if k % 2:
                book.close(won=k % 3 == 0, epoch=T0 + k * DAY // 7)
    for name in ("trades", "in_flight", "exposure", "session_profit", "day_profit", "day"):
        assert getattr(free.gate, name) == getattr(bound.gate, name), name
    assert free.gate.consecutive_losses == bound.gate.consecutive_losses


def test_a_gate_without_limits_still_refuses_after_a_kill_or_a_stop() -> None:
    book = Book(RiskLimits())
    book.gate.kill("SIGUSR1", T0)
    assert book.try_buy() == "kill_switch"
    stopped = Book(RiskLimits())
    stopped.gate.stop("SIGTERM")
    assert stopped.try_buy() == "stopping"


def test_max_stake_refuses_but_does_not_trip() -> None:
    book = Book(RiskLimits(max_stake=5))
    assert book.try_buy(5.01) == "max_stake"
    assert book.gate.trip is None
    assert book.try_buy(5.0) is None


def test_max_stake_checks_the_price_of_payout_basis_trades() -> None:
    gate = RiskGate(RiskLimits(max_stake=5))
    intent = Book(RiskLimits()).intent(20, basis="payout")
    assert gate.check(intent, RiskSnapshot(T0, 1000, 0)).allowed
    decision = gate.check_price(intent, 10.26)
    assert (decision.allowed, decision.limit) == (False, "max_stake")
    assert "10.26" in decision.reason


def test_max_open_contracts_counts_in_flight_intents() -> None:
    book = Book(RiskLimits(max_open_contracts=2))
    assert book.try_buy() is None
    assert book.try_buy() is None
    assert book.try_buy() == "max_open_contracts"
    book.close(won=True)
    assert book.try_buy() is None


def test_max_open_contracts_counts_recovered_contracts() -> None:
    gate = RiskGate(RiskLimits(max_open_contracts=1))
    intent = Book(RiskLimits()).intent()
    decision = gate.check(intent, RiskSnapshot(T0, 1000, open_contracts=1))
    assert decision.limit == "max_open_contracts"


def test_max_trades_trips_for_the_session() -> None:
    book = Book(RiskLimits(max_trades=3))
    for _ in range(3):
        book.trade(won=True)
    assert book.try_buy(epoch=T0 + 5 * DAY) == "max_trades"
    trip = book.gate.trip
    assert trip is not None and trip.limit == "max_trades" and "3 trades" in trip.reason


def test_max_daily_loss_trips_until_the_next_utc_day() -> None:
    book = Book(RiskLimits(max_daily_loss=3))
    for _ in range(3):
        book.trade(won=False)
    assert book.try_buy() == "max_daily_loss"
    trip = book.gate.trip
    assert trip is not None and "lost 3.00 today" in trip.reason
    midnight = (T0 // DAY + 1) * DAY
    assert book.try_buy(epoch=midnight - 1) == "max_daily_loss"
    assert book.try_buy(epoch=midnight) is None
    assert book.gate.day_profit == 0.0


def test_max_daily_loss_refuses_a_trade_whose_worst_case_passes_it() -> None:
    book = Book(RiskLimits(max_daily_loss=5))
    book.trade(won=False, stake=3)  # lost 3 today
    assert book.try_buy(stake=2.5) == "max_daily_loss"  # could lose 5.5
    assert book.gate.trip is None
    assert book.try_buy(stake=2) is None  # could lose exactly 5
    assert book.try_buy(stake=0.5) == "max_daily_loss"  # 2 already at risk


def test_max_consecutive_losses_trips_for_the_session() -> None:
    book = Book(RiskLimits(max_consecutive_losses=3))
    book.trade(won=False)
    book.trade(won=False)
    book.trade(won=True)
    book.trade(won=False)
    book.trade(won=False)
    assert book.gate.trip is None
    book.trade(won=False)
    assert book.try_buy(epoch=T0 + DAY) == "max_consecutive_losses"
    trip = book.gate.trip
    assert trip is not None and "3 losses in a row" in trip.reason


def test_loss_cooldown_clears_the_consecutive_loss_trip() -> None:
    book = Book(RiskLimits(max_consecutive_losses=2, loss_cooldown=600))
    book.trade(won=False)
    book.trade(won=False)
    assert book.try_buy(epoch=T0 + 599) == "max_consecutive_losses"
    assert book.try_buy(epoch=T0 + 600) is None
    assert book.gate.consecutive_losses == 0


def test_take_profit_trips_for_the_session() -> None:
    book = Book(RiskLimits(take_profit=2))
    book.trade(won=True, stake=1)
    book.trade(won=True, stake=1)
    assert book.gate.trip is None  # 1.90
    book.trade(won=True, stake=1)
    assert book.try_buy() == "take_profit"
    trip = book.gate.trip
    assert trip is not None and "2.85" in trip.reason


def test_min_balance_refuses_a_trade_that_would_cross_it() -> None:
    book = Book(RiskLimits(min_balance=100), balance=101)
    assert book.try_buy(stake=1) is None
    book.balance = 100.5
    assert book.try_buy(stake=1) == "min_balance"
    assert book.gate.trip is None  # the balance can recover as contracts settle


def test_kill_switch_by_signal() -> None:
    book = Book(RiskLimits())
    book.gate.kill("SIGTERM", T0)
    assert book.try_buy() == "kill_switch"
    trip = book.gate.trip
    assert trip is not None and "SIGTERM" in trip.reason


def test_kill_file_is_looked_for_every_interval_of_tick_time(tmp_path: Path) -> None:
    stop = tmp_path / "STOP"
    book = Book(RiskLimits(kill_file=stop, kill_file_interval=10))
    assert book.try_buy(epoch=T0) is None  # looked: absent; next look at T0 + 10
    stop.touch()
    assert book.try_buy(epoch=T0 + 9) is None  # not looked again yet
    assert book.try_buy(epoch=T0 + 10) == "kill_switch"
    stop.unlink()
    assert book.try_buy(epoch=T0 + 100) == "kill_switch"  # for the session


def test_a_timed_trip_does_not_hide_a_session_trip() -> None:
    book = Book(RiskLimits(max_daily_loss=2, take_profit=1, max_consecutive_losses=5))
    book.trade(won=True, stake=2)  # +1.90: take profit (session)
    assert book.gate.trip is not None and book.gate.trip.limit == "take_profit"
    assert book.try_buy(epoch=T0 + 2 * DAY) == "take_profit"


def test_open_contracts_still_count_after_a_trip() -> None:
    book = Book(RiskLimits(max_trades=2))
    assert book.try_buy() is None
    assert book.try_buy() is None
    assert book.try_buy() == "max_trades"
    book.close(won=False)
    book.close(won=True)
    assert book.gate.in_flight == 0
    assert book.gate.session_profit == pytest.approx(-1 + 0.95)


def test_rejected_intent_releases_its_trade_and_slot() -> None:
    book = Book(RiskLimits(max_trades=1, max_open_contracts=1))
    intent = book.intent()
    assert book.gate.check(intent, RiskSnapshot(T0, 1000, 0)).allowed
    book.gate.on_rejected(intent)
    assert book.gate.trades == 0 and book.gate.trip is None and book.gate.in_flight == 0
    assert book.try_buy() is None


@pytest.mark.parametrize(
    "kwargs",
    [{"max_stake": 0}, {"max_trades": -1}, {"min_balance": -1}, {"kill_file_interval": 0}],
)
def test_invalid_limits_are_refused(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        RiskLimits(**kwargs)  # type: ignore[arg-type]  # out-of-range values on purpose
