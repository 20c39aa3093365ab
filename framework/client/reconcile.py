"""Finding the contract a lost buy created, if it created one. Pure functions, no I/O.

After a reconnect the client lists the account's contracts bought since shortly before the
buy was sent (``portfolio`` for open ones, ``profit_table`` for closed ones, ``statement``
for any buy either misses) and picks the one that matches what the buy asked for:

* bought within the time window (server epochs, a few seconds of slack each side: the
  server stamps whole seconds and our estimate of its clock is approximate);
* same contract type and symbol (from the fields, or from the shortcode's
  ``<TYPE>_<SYMBOL>_`` prefix for statement lines);
* paid no more than the buy's maximum price, and exactly the stake when one was given;
* not already claimed by another buy of this client (two identical buys lost in the same
  outage get two different contracts, in purchase order).

With several candidates left, the earliest purchase after the buy was sent wins: the
server executes requests of one connection in order.
"""

from __future__ import annotations

from collections.abc import Iterable

import attrs

from .results import ContractMatch, PortfolioContract, ProfitTableEntry, StatementEntry

__all__ = ["Candidate", "candidates_from", "pick"]

# Prices are in account currency with 2 decimals; anything closer is the same price.
PRICE_TOLERANCE = 0.005


@attrs.frozen
class Candidate:
    """A bought contract found in the account's records."""

    contract_id: int
    transaction_id: int
    contract_type: str | None
    symbol: str | None
    shortcode: str | None
    buy_price: float
    purchase_time: int
    source: str


def candidates_from(
    portfolio: Iterable[PortfolioContract],
    profit_table: Iterable[ProfitTableEntry],
    statement: Iterable[StatementEntry],
) -> list[Candidate]:
    """Merge the three listings, one candidate per contract id."""
    found: dict[int, Candidate] = {}
    for item in portfolio:
        found.setdefault(
            item.contract_id,
            Candidate(
                item.contract_id,
                item.transaction_id,
                item.contract_type,
                item.symbol,
                item.shortcode,
                item.buy_price,
                item.purchase_time,
                "portfolio",
            ),
        )
    for row in profit_table:
        found.setdefault(
            row.contract_id,
            Candidate(
                row.contract_id,
                row.transaction_id,
                row.contract_type,
                row.symbol,
                row.shortcode,
                row.buy_price,
                row.purchase_time,
                "profit_table",
            ),
        )
    for line in statement:
        if line.action_type != "buy" or line.contract_id is None:
            continue
        found.setdefault(
            line.contract_id,
            Candidate(
                line.contract_id,
                line.transaction_id,
                None,
                None,
                line.shortcode,
                abs(line.amount),
                line.transaction_time,
                "statement",
            ),
        )
    return list(found.values())


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
    claimed: set[int] | frozenset[int],
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
