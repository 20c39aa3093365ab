"""Properties of lost-buy matching: a false match is never accepted, claims are exclusive."""

from __future__ import annotations

import attrs
from hypothesis import given
from hypothesis import strategies as st

from framework.client.reconcile import Candidate, candidates_from, pick, window
from framework.client.results import ContractMatch, PortfolioContract, StatementEntry

TYPES = ("CALL", "CALLE", "PUT", "DIGITDIFF", "DIGITMATCH")
SYMBOLS = ("R_10", "R_100", "R_50", "1HZ100V", "1HZ10V")
SLACK = 5


@st.composite
def buys(draw: st.DrawFn) -> tuple[ContractMatch, int, int]:
    """What a lost buy asked for, its server epoch at send and the server's clock now."""
    stake = draw(st.integers(35, 100_000)) / 100
    with_stake = draw(st.booleans())
    max_price = stake + draw(st.integers(0, 500)) / 100
    match = ContractMatch(
        draw(st.sampled_from(TYPES)),
        draw(st.sampled_from(SYMBOLS)),
        stake if with_stake else None,
        max_price,
    )
    sent = draw(st.integers(1_600_000_000, 1_900_000_000))
    return match, sent, sent + draw(st.integers(0, 10_000))


def genuine(
    match: ContractMatch, *, contract_id: int, purchase_time: int, by_shortcode: bool
) -> Candidate:
    """The contract that buy would have created, as a statement line or a listing row."""
    assert match.contract_type is not None and match.symbol is not None
    price = match.stake if match.stake is not None else match.max_price
    code = f"{match.contract_type}_{match.symbol}_{price * 1.95:.2f}_{purchase_time}_5T"
    return Candidate(
        contract_id,
        contract_id + 1,
        None if by_shortcode else match.contract_type,
        None if by_shortcode else match.symbol,
        code,
        price,
        round(price * 1.95, 2),
        purchase_time,
        "statement" if by_shortcode else "portfolio",
    )


def _other(choices: tuple[str, ...], not_this: str | None, data: st.DataObject) -> str:
    return data.draw(st.sampled_from([c for c in choices if c != not_this]))


def falsify(
    candidate: Candidate, match: ContractMatch, earliest: int, latest: int, data: st.DataObject
) -> tuple[Candidate, set[int]]:
    """Break exactly one thing that makes ``candidate`` the buy's contract."""
    flaw = data.draw(st.sampled_from(["type", "symbol", "stake", "price", "early", "late", "held"]))
    claimed: set[int] = set()
    contract_type = candidate.contract_type or match.contract_type
    symbol = candidate.symbol or match.symbol
    if flaw in ("type", "symbol"):
        if flaw == "type":
            contract_type = _other(TYPES, match.contract_type, data)
        else:
            symbol = _other(SYMBOLS, match.symbol, data)
        code = f"{contract_type}_{symbol}_19.50_{candidate.purchase_time}_5T"
        if candidate.contract_type is None:
            return attrs.evolve(candidate, shortcode=code), claimed
        return attrs.evolve(candidate, contract_type=contract_type, symbol=symbol), claimed
    if flaw == "stake":
        stake = match.stake
        if stake is None:
            # No stake to differ from: pay more than the maximum instead.
            return attrs.evolve(candidate, buy_price=match.max_price + 0.01), claimed
        off = data.draw(st.integers(1, 300)) / 100 * data.draw(st.sampled_from([-1, 1]))
        price = round(stake + off, 2)
        return attrs.evolve(candidate, buy_price=price if price > 0 else stake + 0.01), claimed
    if flaw == "price":
        over = data.draw(st.integers(1, 1000)) / 100
        return attrs.evolve(candidate, buy_price=round(match.max_price + over, 2)), claimed
    if flaw == "early":
        before = earliest - data.draw(st.integers(1, 100_000))
        return attrs.evolve(candidate, purchase_time=before), claimed
    if flaw == "late":
        after = latest + data.draw(st.integers(1, 99))
        return attrs.evolve(candidate, purchase_time=after), claimed
    claimed.add(candidate.contract_id)
    return candidate, claimed


@given(buys(), st.booleans(), st.data())
def test_a_false_match_is_never_accepted(
    buy: tuple[ContractMatch, int, int], by_shortcode: bool, data: st.DataObject
) -> None:
    match, sent, now = buy
    earliest, latest = window(sent, now, SLACK)
    when = data.draw(st.integers(earliest, latest))
    true = genuine(match, contract_id=500, purchase_time=when, by_shortcode=by_shortcode)
    assert pick([true], match, earliest=earliest, latest=latest, claimed=set()) == (true, 1)
    false, claimed = falsify(true, match, earliest, latest, data)
    assert pick([false], match, earliest=earliest, latest=latest, claimed=claimed) == (None, 0)


@given(buys(), st.lists(st.booleans(), min_size=2, max_size=6), st.data())
def test_identical_lost_buys_claim_different_contracts(
    buy: tuple[ContractMatch, int, int], shapes: list[bool], data: st.DataObject
) -> None:
    match, sent, now = buy
    earliest, latest = window(sent, now, SLACK)
    times = data.draw(
        st.lists(st.integers(earliest, latest), min_size=len(shapes), max_size=len(shapes))
    )
    records = [
        genuine(match, contract_id=1000 + 2 * i, purchase_time=t, by_shortcode=s)
        for i, (t, s) in enumerate(zip(times, shapes, strict=True))
    ]
    claimed: set[int] = set()
    taken: list[Candidate] = []
    for left in range(len(records), 0, -1):
        found, count = pick(records, match, earliest=earliest, latest=latest, claimed=claimed)
        assert found is not None and count == left
        claimed.add(found.contract_id)
        taken.append(found)
    assert pick(records, match, earliest=earliest, latest=latest, claimed=claimed) == (None, 0)
    assert len({c.contract_id for c in taken}) == len(records)
    # In purchase order: the server executes one connection's requests in order.
    assert [c.purchase_time for c in taken] == sorted(times)


@given(st.integers(0, 2_000_000_000), st.integers(-10_000, 10_000), st.integers(0, 30))
def test_the_window_holds_the_send_epoch_whatever_the_server_clock_says(
    sent: int, drift: int, slack: int
) -> None:
    earliest, latest = window(sent, sent + drift, slack)
    assert earliest == sent - slack
    assert latest >= sent + slack and latest >= sent + drift + slack


def test_a_buy_without_type_or_symbol_matches_only_by_price() -> None:
    blind = ContractMatch(None, None, 10.0, 10.0)
    line = Candidate(1, 2, None, None, None, 10.0, None, 100, "statement")
    assert pick([line], blind, earliest=0, latest=200, claimed=()) == (line, 1)
    typed = ContractMatch("CALL", "R_100", 10.0, 10.0)
    assert pick([line], typed, earliest=0, latest=200, claimed=()) == (None, 0)
    symbol_only = ContractMatch(None, "R_100", None, 10.0)
    listed = attrs.evolve(line, contract_type="PUT", symbol="R_100")
    assert pick([listed], symbol_only, earliest=0, latest=200, claimed=()) == (listed, 1)


def test_listings_fill_what_a_statement_line_lacks() -> None:
    line = StatementEntry("buy", -10.0, 11, 100, 7, None, None, None)
    sell = StatementEntry("sell", 19.5, 12, 110, 7, 19.5, None, None)
    deposit = StatementEntry("buy", -5.0, 13, 105, None, None, None, None)
    row = PortfolioContract(7, 11, "CALL", "R_100", 10.0, 19.5, 100, 110, "CALL_R_100", None)
    (merged,) = candidates_from([line, sell, deposit], [row])
    assert merged == Candidate(7, 11, "CALL", "R_100", "CALL_R_100", 10.0, 19.5, 100, "statement")
    (kept,) = candidates_from([attrs.evolve(line, payout=19.0, shortcode="PUT_R_10_x")], [row])
    assert (kept.payout, kept.shortcode, kept.contract_type) == (19.0, "PUT_R_10_x", "CALL")
