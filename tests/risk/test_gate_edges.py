"""Risk gate edges: the price check, rejected intents, overlapping trips, session trips."""

from __future__ import annotations

from framework.risk import DAY, RiskLimits, RiskSnapshot

from .test_gate import T0, Book


def test_the_ask_price_is_checked_against_max_stake() -> None:
    book = Book(RiskLimits(max_stake=10))
    intent = book.intent(5.0, basis="payout")
    refused = book.gate.check_price(intent, 12.0)
    assert (refused.allowed, refused.limit) == (False, "max_stake")
    assert refused.reason == "price 12.00 is above max_stake 10.00"
    assert book.gate.check_price(intent, 10.0).allowed
    assert Book(RiskLimits()).gate.check_price(intent, 1e6).allowed  # no limit, no check


def test_a_rejected_intent_gives_back_its_trade() -> None:
    book = Book(RiskLimits(max_trades=1))
    intent = book.intent()
    assert book.gate.check(intent, RiskSnapshot(T0, 1000.0, 0)).allowed
    assert book.try_buy() == "max_trades"  # the one trade is taken
    book.gate.on_rejected(intent)  # ...but it was never bought
    assert book.gate.trades == 0 and book.gate.in_flight == 0
    assert book.try_buy() is None
    book.gate.on_rejected(book.intent())  # an intent the gate never allowed: nothing changes
    assert book.gate.trades == 1


def test_the_longest_timed_trip_blocks_and_a_session_trip_wins() -> None:
    limits = RiskLimits(max_consecutive_losses=1, loss_cooldown=60, max_daily_loss=2)
    book = Book(limits)
    book.trade(False, epoch=T0)  # one loss: cooldown until T0 + 60; 1.00 lost today
    assert book.try_buy(epoch=T0 + 1) == "max_consecutive_losses"
    # A second loss after the cooldown trips the daily limit, which lasts until midnight.
    assert book.try_buy(epoch=T0 + 61) is None
    book.close(False, epoch=T0 + 62)
    trip = book.gate.trip
    assert trip is not None and trip.limit == "max_daily_loss"
    assert trip.until == (T0 // DAY + 1) * DAY
    book.gate.kill("SIGTERM", epoch=T0 + 63)
    assert book.gate.trip is not None and book.gate.trip.limit == "kill_switch"


def test_a_session_trip_keeps_its_first_reason() -> None:
    book = Book(RiskLimits())
    book.gate.kill("SIGTERM", epoch=T0)
    book.gate.kill("SIGINT", epoch=T0 + 5)
    trip = book.gate.trip
    assert trip is not None and (trip.reason, trip.epoch) == ("kill switch: SIGTERM", T0)


def test_a_cooldown_ends_and_the_loss_count_restarts() -> None:
    book = Book(RiskLimits(max_consecutive_losses=2, loss_cooldown=30))
    book.trade(False, epoch=T0)
    book.trade(False, epoch=T0 + 1)
    assert book.try_buy(epoch=T0 + 10) == "max_consecutive_losses"
    assert book.try_buy(epoch=T0 + 31) is None  # the cooldown is over
    assert book.gate.consecutive_losses == 0 and not book.gate.trips
