"""Finding the contract a lost buy created, if it created one. Pure functions, no I/O.

The reconciler (:mod:`framework.client.reconciler`) lists the account's buys since shortly
before the buy was sent and gives them here, with what the buy asked for. A candidate is
the buy's contract only if it is:

* bought within the time window (:func:`window`): not before the server's clock read the
  epoch the buy was sent at, less a few seconds of slack (the server stamps whole
  seconds), and not after the server's clock now. Both ends are server epochs; no
  window is ever computed from this process's clock, so no simulator speed and no
  restart can shift it;
* the same contract type and symbol (from the record's fields, or from the shortcode's
  ``<TYPE>_<SYMBOL>_`` prefix for statement lines);
* paid no more than the buy's maximum price, and exactly the stake when one was given;
* not already claimed: contracts the journal holds, and every contract this process
  attributed to a buy (two identical buys lost in the same outage get two contracts).

With several candidates left, the earliest purchase wins: the server executes the
requests of one connection in order.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable

import attrs

from .results import ContractMatch, PortfolioContract, ProfitTableEntry, StatementEntry

__all__ = ["Candidate", "candidates_from", "pick", "window"]

# Prices are in account currency with 2 decimals; anything closer is the same price.
PRICE_TOLERANCE = 0.005


@attrs.frozen
class Candidate:
    """A bought contract found in the account's records.

    Attributes:
        contract_id: the contract.
        transaction_id: its buy transaction.
        contract_type: e.g. ``"CALL"``, when the record says.
        symbol: e.g. ``"R_100"``, when the record says.
        shortcode: the compact description, when the record has one.
        buy_price: what was paid.
        payout: what it pays if won, when a record says.
        purchase_time: server epoch of the purchase.
        source: the listing it was first found in.
    """

    contract_id: int
    transaction_id: int
    contract_type: str | None
    symbol: str | None
    shortcode: str | None
    buy_price: float
    payout: float | None
    purchase_time: int
    source: str


def _merge(found: dict[int, Candidate], new: Candidate) -> None:
    """Add ``new``, or fill the fields an earlier record of the same contract lacked."""
    old = found.get(new.contract_id)
    if old is None:
        found[new.contract_id] = new
        return
    found[new.contract_id] = attrs.evolve(
        old,
        contract_type=old.contract_type or new.contract_type,
        symbol=old.symbol or new.symbol,
        shortcode=old.shortcode or new.shortcode,
        payout=old.payout if old.payout is not None else new.payout,
    )


def candidates_from(
    statement: Iterable[StatementEntry],
    portfolio: Iterable[PortfolioContract] = (),
    profit_table: Iterable[ProfitTableEntry] = (),
) -> list[Candidate]:
    """Merge the listings: one candidate per contract id, fields filled from any listing.

    The statement comes first: every buy is in it, open or closed, with what was paid.
    ``portfolio`` and ``profit_table`` add the contract type, symbol and payout where a
    statement line lacks them.
    """
    found: dict[int, Candidate] = {}
    for line in statement:
        if line.action_type != "buy" or line.contract_id is None:
            continue
        _merge(
            found,
            Candidate(
                line.contract_id,
                line.transaction_id,
                None,
                None,
                line.shortcode,
                abs(line.amount),
                line.payout,
                line.transaction_time,
                "statement",
            ),
        )
    for item in portfolio:
        _merge(
            found,
            Candidate(
                item.contract_id,
                item.transaction_id,
                item.contract_type,
                item.symbol,
                item.shortcode,
                item.buy_price,
                item.payout,
                item.purchase_time,
                "portfolio",
            ),
        )
    for row in profit_table:
        _merge(
            found,
            Candidate(
                row.contract_id,
                row.transaction_id,
                row.contract_type,
                row.symbol,
                row.shortcode,
                row.buy_price,
                row.payout,
                row.purchase_time,
                "profit_table",
            ),
        )
    return list(found.values())


def window(sent_epoch: int, server_now: int, slack: int) -> tuple[int, int]:
    """The server epochs between which a buy sent at ``sent_epoch`` can have executed.

    Args:
        sent_epoch: the latest server epoch known when the buy left (a tick's, a
            proposal's, a ``time`` answer's): the server's clock read at least that.
        server_now: the server's ``time`` when its records were read.
        slack: seconds on each side (whole-second stamps, several server machines).

    Returns:
        ``(earliest, latest)``, inclusive. ``latest`` is never before ``sent_epoch``: a
        server whose clock reads earlier than an epoch it already showed (a restarted
        simulator that lost its clock) must not make every record look too new.
    """
    return sent_epoch - slack, max(server_now, sent_epoch) + slack


def _same_contract(candidate: Candidate, match: ContractMatch) -> bool:
    if candidate.contract_type is not None or candidate.symbol is not None:
        if match.contract_type is not None and candidate.contract_type != match.contract_type:
            return False
        return match.symbol is None or candidate.symbol == match.symbol
    if candidate.shortcode is None or match.contract_type is None or match.symbol is None:
        return match.contract_type is None and match.symbol is None
    return candidate.shortcode.upper().startswith(f"{match.contract_type}_{match.symbol}_".upper())


def _same_price(candidate: Candidate, match: ContractMatch) -> bool:
    if candidate.buy_price > match.max_price + PRICE_TOLERANCE:
        return False
    return match.stake is None or abs(candidate.buy_price - match.stake) <= PRICE_TOLERANCE


def pick(
    candidates: Iterable[Candidate],
    match: ContractMatch,
    *,
    earliest: int,
    latest: int,
    claimed: Collection[int],
) -> tuple[Candidate | None, int]:
    """Return the contract the buy created (or ``None``) and how many candidates matched.

    Args:
        candidates: contracts from the account's records.
        match: what the buy asked for.
        earliest: server epoch before which the buy cannot have executed.
        latest: server epoch after which it cannot have executed.
        claimed: contract ids already attributed to other buys.
    """
    matching = sorted(
        (
            c
            for c in candidates
            if c.contract_id not in claimed
            and earliest <= c.purchase_time <= latest
            and _same_contract(c, match)
            and _same_price(c, match)
        ),
        key=lambda c: (c.purchase_time, c.contract_id),
    )
    return (matching[0] if matching else None), len(matching)
