"""The retry decision, alone: every cell of its table, and the properties that keep money safe.

No connection, no clock: :func:`decide` is pure, so an outcome and a rule are all a test needs.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from framework.connection import (
    ConnectionLost,
    KeepaliveTimeout,
    NotConnected,
    OutcomeUnknown,
    RequestTimeout,
    TransportError,
)
from framework.connection.retry import (
    NOT_SENT,
    OPEN_RATE_LIMIT_DELAY,
    RATE_LIMIT_FIRST,
    RATE_LIMIT_MAX,
    Answered,
    Decision,
    Done,
    Fail,
    Lost,
    Outcome,
    Refused,
    Retry,
    Rule,
    TimedOut,
    decide,
    rate_limit_delay,
)
from framework.deriv.errors import RateLimit, api_error
from framework.deriv.protocol import Reply

CALL = "buy"
LIMIT = 30.0


def _reply(req_id: int = 7) -> Reply:
    return Reply(
        req_id=req_id,
        call=CALL,
        msg_type=CALL,
        data={"contract_id": 1},
        subscription_id=None,
        echo_req={},
        passthrough=None,
        message={},
    )


def _decide(
    outcome: Outcome, rule: Rule, *, remaining: float = LIMIT, throttled: int = 0
) -> Decision:
    return decide(outcome, rule, call=CALL, limit=LIMIT, remaining=remaining, throttled=throttled)


def _error(decision: Decision) -> BaseException:
    assert isinstance(decision, Fail), decision
    return decision.error


# ---------------------------------------------------------------------- the table, cell by cell

RATE_LIMITED = Refused(api_error("RateLimit", "too many requests"))
INVALID = Refused(api_error("InvalidSymbol", "no such symbol"))
DROPPED = Lost(ConnectionLost(1006, "cut"), req_id=9, sent_at=12.5)
SENT_TIMEOUT = TimedOut(req_id=9, sent_at=12.5)
UNSENT_TIMEOUT = TimedOut()


@pytest.mark.parametrize("rule", list(Rule))
def test_an_answer_is_returned(rule: Rule) -> None:
    reply = _reply()
    assert _decide(Answered(reply), rule) == Done(reply)


@pytest.mark.parametrize("rule", list(Rule))
def test_an_error_answer_other_than_rate_limit_is_raised_as_is(rule: Rule) -> None:
    decision = _decide(INVALID, rule)
    assert decision == Fail(INVALID.error)
    assert _error(decision) is INVALID.error


def test_rate_limit_on_a_read_waits_then_retries() -> None:
    assert _decide(RATE_LIMITED, Rule.READ) == Retry(RATE_LIMIT_FIRST, throttled=True)
    assert _decide(RATE_LIMITED, Rule.READ, throttled=2) == Retry(4 * RATE_LIMIT_FIRST, True)


def test_rate_limit_on_a_read_never_waits_past_the_deadline() -> None:
    assert _decide(RATE_LIMITED, Rule.READ, remaining=0.2) == Retry(0.2, throttled=True)
    out_of_time = _decide(RATE_LIMITED, Rule.READ, remaining=0.0)
    assert out_of_time == Fail(RATE_LIMITED.error, throttled=True)


def test_rate_limit_on_a_stream_opening_waits_a_second_or_what_is_left() -> None:
    assert _decide(RATE_LIMITED, Rule.OPEN) == Retry(OPEN_RATE_LIMIT_DELAY, throttled=True)
    assert _decide(RATE_LIMITED, Rule.OPEN, remaining=0.25) == Retry(0.25, throttled=True)
    # Out of time: one more attempt, whose deadline has passed, ends it as a timeout.
    assert _decide(RATE_LIMITED, Rule.OPEN, remaining=-1.0) == Retry(0.0, throttled=True)


@pytest.mark.parametrize("rule", [Rule.WRITE, Rule.SESSION])
def test_rate_limit_is_raised_where_nothing_is_retried(rule: Rule) -> None:
    assert _decide(RATE_LIMITED, rule) == Fail(RATE_LIMITED.error)


@pytest.mark.parametrize("rule", [Rule.READ, Rule.OPEN])
def test_reads_and_stream_openings_are_sent_again_after_a_loss(rule: Rule) -> None:
    assert _decide(NOT_SENT, rule) == Retry()
    assert _decide(DROPPED, rule) == Retry()


def test_a_write_not_sent_is_not_connected() -> None:
    error = _error(_decide(NOT_SENT, Rule.WRITE))
    assert isinstance(error, NotConnected) and error.call == CALL


def test_a_write_whose_answer_was_lost_is_outcome_unknown() -> None:
    error = _error(_decide(DROPPED, Rule.WRITE))
    assert isinstance(error, OutcomeUnknown)
    assert (error.call, error.req_id, error.sent_at) == (CALL, 9, 12.5)
    assert error.cause is DROPPED.cause


def test_a_write_sent_but_timed_out_is_outcome_unknown() -> None:
    error = _error(_decide(SENT_TIMEOUT, Rule.WRITE))
    assert isinstance(error, OutcomeUnknown)
    assert (error.req_id, error.sent_at) == (9, 12.5)
    assert isinstance(error.cause, RequestTimeout) and error.cause.timeout == LIMIT


def test_a_session_exchange_fails_with_what_ended_the_session() -> None:
    assert _error(_decide(DROPPED, Rule.SESSION)) is DROPPED.cause
    error = _error(_decide(NOT_SENT, Rule.SESSION))
    assert isinstance(error, ConnectionLost) and error.code == 1006


@pytest.mark.parametrize("rule", list(Rule))
def test_timeouts_say_whether_the_request_went_out(rule: Rule) -> None:
    unsent = _error(_decide(UNSENT_TIMEOUT, rule))
    assert isinstance(unsent, RequestTimeout) and not unsent.sent
    assert unsent.timeout == LIMIT
    if rule is not Rule.WRITE:
        sent = _error(_decide(SENT_TIMEOUT, rule))
        assert isinstance(sent, RequestTimeout) and sent.sent


def test_rate_limit_backoff_doubles_up_to_its_cap() -> None:
    delays = [rate_limit_delay(n) for n in range(10)]
    assert delays[:4] == [0.5, 1.0, 2.0, 4.0]
    assert delays[-1] == RATE_LIMIT_MAX
    assert rate_limit_delay(10**6) == RATE_LIMIT_MAX


# ---------------------------------------------------------------------- properties

_transport_errors = st.one_of(
    st.builds(ConnectionLost, st.sampled_from([1000, 1001, 1006, 1011]), st.text(max_size=10)),
    st.builds(KeepaliveTimeout, st.floats(0.1, 60)),
    st.builds(TransportError, st.text(max_size=10)),
)
_req_ids = st.integers(1, 2**31)
_times = st.floats(0, 1e9, allow_nan=False)
_api_errors = st.builds(
    api_error,
    st.sampled_from(["RateLimit", "InvalidSymbol", "PriceMoved", "InsufficientBalance"]),
    st.text(max_size=10),
)
outcomes: st.SearchStrategy[Outcome] = st.one_of(
    st.builds(Answered, st.builds(_reply, _req_ids)),
    st.builds(Refused, _api_errors),
    st.builds(Lost, _transport_errors, _req_ids, _times),
    st.just(NOT_SENT),
    st.builds(TimedOut, st.one_of(st.just(0), _req_ids), _times),
)
remainings = st.floats(-100, 100, allow_nan=False)
throttles = st.integers(0, 100)


def _may_have_reached_the_server(outcome: Outcome) -> bool:
    return isinstance(outcome, Lost) or (isinstance(outcome, TimedOut) and outcome.sent)


@given(outcome=outcomes, remaining=remainings, throttled=throttles)
def test_a_write_is_never_sent_twice(outcome: Outcome, remaining: float, throttled: int) -> None:
    decision = _decide(outcome, Rule.WRITE, remaining=remaining, throttled=throttled)
    assert not isinstance(decision, Retry)


@given(outcome=outcomes, remaining=remainings, throttled=throttles)
def test_a_write_that_may_have_acted_is_always_outcome_unknown(
    outcome: Outcome, remaining: float, throttled: int
) -> None:
    decision = _decide(outcome, Rule.WRITE, remaining=remaining, throttled=throttled)
    unknown = isinstance(decision, Fail) and isinstance(decision.error, OutcomeUnknown)
    # Both ways: an OutcomeUnknown is never claimed for a request that surely did nothing
    # (the client would reconcile for nothing), and never missed for one that may have acted.
    assert unknown == _may_have_reached_the_server(outcome)
    if unknown:
        assert isinstance(decision, Fail) and isinstance(decision.error, OutcomeUnknown)
        assert isinstance(outcome, Lost | TimedOut)
        assert (decision.error.req_id, decision.error.sent_at) == (outcome.req_id, outcome.sent_at)


@given(outcome=outcomes, remaining=remainings, throttled=throttles)
def test_a_session_exchange_is_never_retried(
    outcome: Outcome, remaining: float, throttled: int
) -> None:
    decision = _decide(outcome, Rule.SESSION, remaining=remaining, throttled=throttled)
    assert not isinstance(decision, Retry)


@given(outcome=outcomes, rule=st.sampled_from(Rule), remaining=remainings, throttled=throttles)
def test_waits_are_bounded_and_never_outlast_the_deadline(
    outcome: Outcome, rule: Rule, remaining: float, throttled: int
) -> None:
    decision = _decide(outcome, rule, remaining=remaining, throttled=throttled)
    if isinstance(decision, Retry):
        assert 0.0 <= decision.delay <= max(remaining, 0.0)
        assert decision.delay <= RATE_LIMIT_MAX
        if not decision.throttled:
            assert decision.delay == 0.0  # a loss is retried at once (waiting to reconnect)


@given(outcome=outcomes, rule=st.sampled_from(Rule), remaining=remainings, throttled=throttles)
def test_only_a_rate_limit_answer_counts_as_throttled(
    outcome: Outcome, rule: Rule, remaining: float, throttled: int
) -> None:
    decision = _decide(outcome, rule, remaining=remaining, throttled=throttled)
    rate_limited = isinstance(outcome, Refused) and isinstance(outcome.error, RateLimit)
    if isinstance(decision, Fail | Retry) and decision.throttled:
        assert rate_limited and rule in (Rule.READ, Rule.OPEN)


@given(outcome=outcomes, rule=st.sampled_from(Rule), remaining=remainings, throttled=throttles)
def test_done_exactly_when_answered(
    outcome: Outcome, rule: Rule, remaining: float, throttled: int
) -> None:
    decision = _decide(outcome, rule, remaining=remaining, throttled=throttled)
    assert isinstance(decision, Done) == isinstance(outcome, Answered)
    if isinstance(decision, Done):
        assert isinstance(outcome, Answered) and decision.reply is outcome.reply


@given(st.integers(0, 200), st.integers(0, 200))
def test_rate_limit_backoff_never_shrinks(first: int, second: int) -> None:
    low, high = sorted((first, second))
    assert RATE_LIMIT_FIRST <= rate_limit_delay(low) <= rate_limit_delay(high) <= RATE_LIMIT_MAX
