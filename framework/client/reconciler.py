"""The one reconciler of lost buys: the account's records, one claimed set, one turn.

A buy whose answer never came may or may not have created a contract. Two moments need
the answer, and both come here:

* the answer was lost now (:meth:`Client.buy` catches ``OutcomeUnknown``);
* a previous process left the buy ``sending`` in its journal (startup recovery, through
  :class:`~framework.execution.live.ClientBroker`).

Rules of operation:

1. One claimed set per client: every contract this process bought (from the answer) or
   attributed to a lost buy, and every contract the journal already holds. A claimed
   contract is never attributed to another buy.
2. One turn per client (:class:`~framework.client.reconcile_turn.RecordsTurn`): buys
   share it, each from before it is sent until its contract is claimed, and a
   reconciliation holds it alone while it reads the records and claims. So a
   reconciliation never sees a contract whose own answer is still on its way, and
   several buys may be on the wire at once.
3. Windows come from the server's clock only (see :func:`~.reconcile.window`): the
   server epoch known when the buy left (:attr:`Reconciler.server_epoch` at send, which
   the execution actor also journals) and the server's ``time`` when the records are
   read. This process's clock never enters a window.
4. The records: every buy since the window's start from ``statement`` (all pages); only
   when a line lacks its shortcode or payout, ``portfolio`` and ``profit_table`` fill
   them in. Reads are patient: timeouts, rate limits and answers that cannot be read are
   asked again; only ``ConnectionClosed`` (the connection stopped for good) or another API
   error ends them.
5. Nothing found: one more look after ``grace`` seconds (the server may still have been
   executing the buy), then "not bought".
6. A lost order on a contract (sell, ``contract_update``, ``cancel``) is decided from that
   contract's state (:meth:`Reconciler.decide_order`, rules in
   :mod:`~framework.client.reconcile_orders`), read as patiently, with the same second
   look after ``grace`` before "not done". It needs no turn: nothing is attributed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from contextlib import AbstractAsyncContextManager
from typing import Any, TypeVar

import trio

from ..connection import Connection, RequestTimeout
from ..connection.unreadable import unreadable
from ..deriv.errors import PayloadError, RateLimit
from ..deriv.models import OpenContract, OrderKind
from ..logs import get_logger
from .reconcile import Candidate, candidates_from, pick, window
from .reconcile_orders import order_done
from .reconcile_turn import RecordsTurn
from .results import (
    BuyOutcome,
    ContractMatch,
    OrderOutcome,
    PortfolioContract,
    ProfitTableEntry,
    StatementEntry,
    epoch_from_payload,
)

__all__ = ["Reconciler"]

log = get_logger("triobot.client")

_T = TypeVar("_T")

#: Seconds one records query may take, client-side rate-limit waits included.
QUERY_TIMEOUT = 120.0
#: Rows per ``statement``/``profit_table`` page (``profit_table`` takes at most 500).
PAGE = 500
#: Seconds before asking again for records whose answer could not be read.
UNREADABLE_RETRY = 1.0


def _portfolio(data: Any) -> list[PortfolioContract]:
    return [PortfolioContract.from_payload(c) for c in data.get("contracts", [])]


class Reconciler:
    """Decides lost buys from the account's records (one per client).

    Args:
        connection: the client's connection.
        slack: server seconds of slack on each side of a lost buy's window.
        grace: seconds to wait before looking a second time for a buy not found at first.

    Attributes:
        claimed: contract ids attributed to a buy (never attributed to another).
        server_epoch: the latest epoch the server stamped on anything this client received
            (ticks, proposals, buys, ``time``), ``None`` before the first.
    """

    def __init__(self, connection: Connection, *, slack: int = 5, grace: float = 2.0) -> None:
        self.connection = connection
        self.slack = slack
        self.grace = grace
        self.claimed: set[int] = set()
        self.server_epoch: int | None = None
        # Taken at once when free: a buy's frame leaves without a scheduler pass for it.
        self._turn = RecordsTurn()

    def saw(self, epoch: int) -> None:
        """Note a server epoch (a tick's, a proposal's spot time, a purchase time...)."""
        if self.server_epoch is None or epoch > self.server_epoch:
            self.server_epoch = epoch

    def claim(self, contract_ids: Iterable[int]) -> None:
        """Mark contracts as attributed (bought from an answer, or held by the journal)."""
        self.claimed.update(contract_ids)

    @property
    def reconciling(self) -> bool:
        """A reconciliation holds the turn now."""
        return self._turn.reading

    def turn(self, number: int | None = None) -> AbstractAsyncContextManager[None]:
        """The turn a reconciliation holds alone: ``async with reconciler.turn():``.

        Args:
            number: the lost buy's number from :meth:`buying` (its place in line).
        """
        return self._turn.alone(number)

    def buying(self) -> AbstractAsyncContextManager[int]:
        """The turn a buy shares with other buys: ``async with reconciler.buying() as n:``."""
        return self._turn.buying()

    async def query(self, call: str, fields: dict[str, Any], *, read: Callable[[Any], _T]) -> _T:
        """A patient read: asked again after a timeout, a rate limit or an unreadable answer.

        Args:
            call: the call.
            fields: its fields.
            read: decodes the payload (a model's ``from_payload``); an answer it refuses is
                logged and counted once, and asked again after :data:`UNREADABLE_RETRY`.

        Returns:
            The payload, decoded by ``read``.
        """
        while True:
            try:
                reply = await self.connection.request(call, fields, timeout=QUERY_TIMEOUT)
            except (RequestTimeout, RateLimit) as exc:
                log.warning("records query unanswered; asking again", call=call, error=str(exc))
                continue
            try:
                return read(reply.data)
            except PayloadError as exc:
                unreadable(self.connection.stats, call, exc, reply.data)
            await trio.sleep(UNREADABLE_RETRY)

    async def server_time(self) -> int:
        """The server's clock now (``time``)."""
        now: int = await self.query("time", {"time": 1}, read=epoch_from_payload)
        self.saw(now)
        return now

    async def _pages(
        self, call: str, fields: dict[str, Any], row: Callable[[Any], Any]
    ) -> list[Any]:
        def read(data: Any) -> list[Any]:
            return [row(item) for item in data.get("transactions", [])]

        rows: list[Any] = []
        while True:
            page = await self.query(call, {**fields, "limit": PAGE, "offset": len(rows)}, read=read)
            rows += page
            if len(page) < PAGE:
                return rows

    async def records(self, earliest: int, loginid: str | None = None) -> list[Candidate]:
        """Every contract bought since ``earliest`` (server epoch), merged from the listings."""
        account = {"loginid": loginid} if loginid is not None else {}
        lines: list[StatementEntry] = await self._pages(
            "statement",
            {"statement": 1, "date_from": earliest, "action_type": "buy", "description": 1}
            | account,
            StatementEntry.from_payload,
        )
        if all(line.shortcode and line.payout is not None for line in lines):
            # The shortcode says the contract type and symbol: the statement is enough.
            return candidates_from(lines)
        portfolio: list[PortfolioContract] = await self.query(
            "portfolio", {"portfolio": 1} | account, read=_portfolio
        )
        closed: list[ProfitTableEntry] = await self._pages(
            "profit_table",
            {"profit_table": 1, "date_from": str(earliest), "description": 1} | account,
            ProfitTableEntry.from_payload,
        )
        return candidates_from(lines, portfolio, closed)

    async def decide(
        self,
        intent_id: str,
        match: ContractMatch,
        *,
        sent_epoch: int,
        loginid: str | None = None,
    ) -> BuyOutcome:
        """Decide a lost buy from the records; call it holding :meth:`turn`.

        Args:
            intent_id: the buy's client-side id.
            match: what the buy asked for.
            sent_epoch: the latest server epoch known when the buy left.
            loginid: the account, with several on one connection.

        Returns:
            ``bought`` (reconciled, with the contract's fields from the records) or
            ``not bought`` (reconciled: no matching unclaimed contract).

        Raises:
            APIError: the records cannot be read (e.g. the token lacks ``read``).
            ConnectionClosed: the connection stopped for good.
        """
        assert self._turn.reading, "decide() runs inside turn()"
        for look in (1, 2):
            earliest, latest = window(sent_epoch, await self.server_time(), self.slack)
            found, count = pick(
                await self.records(earliest, loginid),
                match,
                earliest=earliest,
                latest=latest,
                claimed=self.claimed,
            )
            if found is not None:
                self.claimed.add(found.contract_id)
                if count > 1:
                    log.warning(
                        "several contracts match a lost buy; the earliest is taken",
                        intent_id=intent_id,
                        matches=count,
                    )
                log.info(
                    "lost buy reconciled: bought",
                    intent_id=intent_id,
                    contract_id=found.contract_id,
                    source=found.source,
                )
                return BuyOutcome.bought_as(
                    intent_id,
                    found,
                    reconciled=True,
                    detail=f"answer lost; found in {found.source}",
                )
            if look == 1:
                await trio.sleep(self.grace)
        log.info("lost buy reconciled: not bought", intent_id=intent_id, since=sent_epoch)
        return BuyOutcome(
            intent_id,
            bought=False,
            reconciled=True,
            detail="answer lost; no matching contract in the account's records",
        )

    async def decide_order(
        self,
        kind: OrderKind,
        contract_id: int,
        *,
        limit_order: Mapping[str, float | None] | None = None,
        loginid: str | None = None,
    ) -> OrderOutcome:
        """Decide a lost sell, ``contract_update`` or ``cancel`` from the contract's state.

        Args:
            kind: ``"sell"``, ``"update"`` or ``"cancel"``.
            contract_id: the contract.
            limit_order: an update's changes.
            loginid: the account, with several on one connection.

        Returns:
            The order's outcome (``reconciled``, with the state it was decided from).

        Raises:
            APIError: the state cannot be read (e.g. the token lacks ``read``).
            ConnectionClosed: the connection stopped for good.
        """
        fields: dict[str, Any] = {"proposal_open_contract": 1, "contract_id": contract_id}
        if loginid is not None:
            fields["loginid"] = loginid
        state: OpenContract = await self.query(
            "proposal_open_contract", fields, read=OpenContract.from_payload
        )
        done, detail = order_done(kind, state, limit_order)
        if not done:
            # The server may still have been executing it: one more look, then decide.
            await trio.sleep(self.grace)
            state = await self.query(
                "proposal_open_contract", fields, read=OpenContract.from_payload
            )
            done, detail = order_done(kind, state, limit_order)
        log.info("lost order decided", kind=kind, contract_id=contract_id, done=done)
        return OrderOutcome(
            kind,
            contract_id,
            done=done,
            sold_for=state.sell_price if done and kind != "update" else None,
            contract=state,
            reconciled=True,
            detail=detail,
        )
