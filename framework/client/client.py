"""The typed Deriv API client: one method per call of the API guide, over a Connection.

* One-shot calls are ``await client.<call>(...)`` and return a model from
  ``framework.deriv.models`` (or :mod:`framework.client.results`, which keeps the server's
  object as ``raw``), a plain value (``ping``, ``time``), or the payload mapping for
  reference lists and rarely used account calls (``residence_list``, ``get_limits``).
  Errors are the typed :class:`~framework.deriv.errors.APIError` subclasses.
* Streams are async context managers yielding a :class:`~framework.connection.Stream`, which
  is re-created across reconnects and forgotten on exit: ``ticks``, ``candles`` (a
  symbol's bars at one granularity), ``transaction``, and ``<call>_stream`` for the calls
  that stream optionally (``balance_stream``, ``proposal_stream``, ``open_contract_stream``,
  ``ticks_history_stream``, ``website_status_stream``).
* :meth:`Client.buy` and the orders on a contract (:meth:`Client.sell`,
  :meth:`Client.contract_update`, :meth:`Client.cancel`) return exactly one outcome per
  attempt (:class:`BuyOutcome`, :class:`OrderOutcome`). Neither is ever re-sent; when its
  answer is lost the client's :class:`~framework.client.reconciler.Reconciler` decides it,
  a buy from the account's records, an order from its contract's state.
* :meth:`Client.call` and :meth:`Client.subscribe` reach every other call of the table.
* An answer whose payload the models refuse is logged and counted once
  (:meth:`Client.read`) and raises :class:`~framework.deriv.errors.PayloadError`, except a
  ``buy`` or order answer: that one is an unknown outcome, decided like a lost answer.
  Lossless streams (``transaction``, ``open_contract_stream``) yield an
  :class:`~framework.connection.Unreadable` in place of an update they cannot read.

Every method takes ``loginid`` where the API does, for several accounts on one connection.
"""

from __future__ import annotations

import uuid
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any, TypeVar

from ..connection import (
    Connection,
    NotConnected,
    OutcomeUnknown,
    Overflow,
    RequestTimeout,
    Stream,
    Unreadable,
)
from ..connection.streams import SKIP, Parser, raw_parser
from ..connection.unreadable import unreadable
from ..deriv.errors import APIError, PayloadError
from ..deriv.models import (
    Authorize,
    Balance,
    BuyReceipt,
    Candle,
    ContractUpdateReceipt,
    OpenContract,
    OrderKind,
    Proposal,
    SellReceipt,
    Tick,
    Transaction,
    UpdateHistoryEntry,
)
from ..deriv.protocol import StreamUpdate
from ..logs import get_logger
from .reconciler import Reconciler
from .results import (
    ApiToken,
    App,
    BuyOutcome,
    CandleUpdate,
    ContractMatch,
    NewAccount,
    OrderOutcome,
    PaymentAgentMove,
    PortfolioContract,
    ProfitTableEntry,
    StatementEntry,
    TickHistory,
    TopUp,
    candles_of_message,
    epoch_from_payload,
)

__all__ = ["Client"]

log = get_logger("triobot.client")

_M = TypeVar("_M")

#: Proposals remembered for reconciliation (id -> what it would buy).
_PROPOSAL_MEMORY = 4096


def _fields(**values: Any) -> dict[str, Any]:
    """Request fields without the ``None`` ones (optional arguments not given)."""
    return {key: value for key, value in values.items() if value is not None}


def _tick_parser(saw: Callable[[int], None]) -> Parser:
    """Ticks, without duplicates: a replayed or repeated epoch is skipped per symbol.

    Each tick's epoch is also given to ``saw``: the server's clock read at least that.
    """
    last: dict[str, int] = {}
    from_payload = Tick.from_payload

    def parse(update: StreamUpdate) -> Any:
        tick = from_payload(update.data)
        if last.get(tick.symbol, -1) >= tick.epoch:
            return SKIP
        last[tick.symbol] = tick.epoch
        saw(tick.epoch)
        return tick

    return parse


def _unreadable_answer(call: str, error: PayloadError) -> OutcomeUnknown:
    """The unknown outcome of a request whose answer came but could not be read.

    Its ``cause`` is the :class:`PayloadError`; ``req_id`` and ``sent_at`` are 0: the
    request was answered, what is unknown is only what the answer said.
    """
    return OutcomeUnknown(call, 0, 0.0, error)


def _list(data: Any) -> list[Any]:
    if not isinstance(data, list):
        raise PayloadError(f"expected a list, got {type(data).__name__}")
    return data


def _model_parser(model: Any) -> Parser:
    from_payload = model.from_payload

    def parse(update: StreamUpdate) -> Any:
        data = update.data
        if not data or (isinstance(data, Mapping) and set(data) == {"id"}):
            return SKIP
        return from_payload(data)

    return parse


def _history_parser(update: StreamUpdate) -> Any:
    if update.msg_type == "tick":
        return Tick.from_payload(update.data)
    if update.msg_type == "ohlc":
        return Candle.from_payload(update.data)
    if update.msg_type == "history":
        return TickHistory.from_message(update.message)
    if update.msg_type == "candles":
        return candles_of_message(update.message)
    return raw_parser(update)


def _candle_parser(update: StreamUpdate) -> Any:
    if update.msg_type == "ohlc":
        return CandleUpdate.from_payload(update.data)
    if update.msg_type == "candles":
        return candles_of_message(update.message)
    return raw_parser(update)


class Client:
    """Typed access to every Deriv API call over one :class:`Connection`.

    Args:
        connection: a running connection (``await nursery.start(connection.run)``).
        reconcile_slack: server seconds of slack on each side of a lost buy's time window.
        reconcile_grace: seconds to wait before looking a second time for a lost buy that
            was not found at first (the server may still have been executing it).

    Attributes:
        connection: the connection.
        reconciler: decides lost buys; holds the claimed contracts and the server epoch.
    """

    def __init__(
        self,
        connection: Connection,
        *,
        reconcile_slack: int = 5,
        reconcile_grace: float = 2.0,
    ) -> None:
        self.connection = connection
        self.reconciler = Reconciler(connection, slack=reconcile_slack, grace=reconcile_grace)
        self._proposals: OrderedDict[str, ContractMatch] = OrderedDict()

    @property
    def server_epoch(self) -> int | None:
        """The latest epoch the server stamped on anything this client received."""
        return self.reconciler.server_epoch

    # ------------------------------------------------------------------ generic

    def read(self, call: str, build: Callable[[Any], _M], data: Any) -> _M:
        """Decode the payload of a ``call`` answer with ``build`` (a model's ``from_payload``).

        The one place answers are decoded: a payload the model refuses is logged once (call,
        field, the start of the payload) and counted in ``connection.stats.unreadable``.

        Raises:
            PayloadError: the payload is not what the model needs.
        """
        try:
            return build(data)
        except PayloadError as exc:
            unreadable(self.connection.stats, call, exc, data)
            raise

    async def call(
        self,
        name: str,
        /,
        *,
        passthrough: Mapping[str, Any] | None = None,
        timeout: float | None = None,  # noqa: ASYNC109 - see Connection.request
        **fields: Any,
    ) -> Any:
        """Make any call of the table and return its payload (the ``msg_type`` value).

        Example: ``await client.call("trading_times", trading_times="today")``.

        Raises:
            APIError: the server refused; LocalProtocolError: invalid request (not sent);
            RequestTimeout, OutcomeUnknown, NotConnected: see ``Connection.request``.
        """
        reply = await self.connection.request(
            name, fields, passthrough=passthrough, timeout=timeout
        )
        return reply.data

    def subscribe(
        self,
        name: str,
        /,
        *,
        parse: Parser = raw_parser,
        policy: Overflow | None = None,
        capacity: int | None = None,
        **fields: Any,
    ) -> AbstractAsyncContextManager[Stream[Any]]:
        """Open any stream of the table: ``async with client.subscribe("exchange_rates", ...)``."""
        return self.connection.subscribe(
            name, fields, parse=parse, policy=policy, capacity=capacity
        )

    # ------------------------------------------------------------------ session

    async def authorize(self, token: str | Sequence[str]) -> Authorize:
        """Authorize this connection with a token, or several (``loginid`` picks one later).

        Prefer putting tokens in the connection settings: those are re-sent after every
        reconnect. This call authorizes the current session only.
        """
        tokens = [token] if isinstance(token, str) else list(token)
        fields: dict[str, Any] = (
            {"authorize": tokens[0]}
            if len(tokens) == 1
            else {"authorize": "MULTI", "tokens": tokens}
        )
        return self.read(
            "authorize", Authorize.from_payload, await self.call("authorize", **fields)
        )

    async def ping(self) -> str:
        """``ping``: returns ``"pong"``."""
        return str(await self.call("ping"))

    async def time(self) -> int:
        """``time``: the server's epoch, in seconds."""
        value = self.read("time", epoch_from_payload, await self.call("time"))
        self.reconciler.saw(value)
        return value

    async def website_status(self) -> Mapping[str, Any]:
        """``website_status``: site status, API call limits, currencies."""
        return dict(await self.call("website_status"))

    def website_status_stream(self) -> AbstractAsyncContextManager[Stream[Mapping[str, Any]]]:
        """Stream site status changes."""
        return self.subscribe("website_status")

    async def forget(self, subscription_id: str) -> bool:
        """``forget``: stop one stream by server id; whether it existed.

        Streams opened through this client are forgotten when their ``async with`` exits;
        this is for streams opened by other means.
        """
        return bool(await self.call("forget", forget=subscription_id))

    async def forget_all(self, *types: str) -> list[str]:
        """``forget_all``: stop every stream of the given types; the ids stopped."""
        value: Any = types[0] if len(types) == 1 else list(types)
        return list(await self.call("forget_all", forget_all=value))

    # ------------------------------------------------------------------ account

    async def balance(self, *, account: str | None = None, loginid: str | None = None) -> Balance:
        """``balance`` of the current (or ``loginid``) account."""
        return self.read(
            "balance",
            Balance.from_payload,
            await self.call("balance", **_fields(account=account, loginid=loginid)),
        )

    def balance_stream(
        self, *, loginid: str | None = None
    ) -> AbstractAsyncContextManager[Stream[Balance]]:
        """Stream balance changes (conflated: the latest balance is what counts)."""
        return self.subscribe("balance", parse=_model_parser(Balance), **_fields(loginid=loginid))

    async def portfolio(self, *, loginid: str | None = None) -> tuple[PortfolioContract, ...]:
        """``portfolio``: the open contracts."""
        data = await self.call("portfolio", **_fields(loginid=loginid))
        return tuple(PortfolioContract.from_payload(c) for c in data.get("contracts", []))

    async def statement(
        self,
        *,
        date_from: int | None = None,
        date_to: int | None = None,
        action_type: str | None = None,
        limit: int | None = None,
        offset: int | None = None,
        description: bool = True,
        loginid: str | None = None,
    ) -> tuple[StatementEntry, ...]:
        """``statement``: account transactions, newest first."""
        data = await self.call(
            "statement",
            **_fields(
                date_from=date_from,
                date_to=date_to,
                action_type=action_type,
                limit=limit,
                offset=offset,
                description=1 if description else None,
                loginid=loginid,
            ),
        )
        return tuple(StatementEntry.from_payload(t) for t in data.get("transactions", []))

    async def profit_table(
        self,
        *,
        date_from: int | str | None = None,
        date_to: int | str | None = None,
        contract_type: Sequence[str] | None = None,
        limit: int | None = None,
        offset: int | None = None,
        sort: str | None = None,
        description: bool = True,
        loginid: str | None = None,
    ) -> tuple[ProfitTableEntry, ...]:
        """``profit_table``: closed contracts."""
        data = await self.call(
            "profit_table",
            # Epoch or YYYY-MM-DD, as a string: the API's type for these two fields.
            **_fields(
                date_from=None if date_from is None else str(date_from),
                date_to=None if date_to is None else str(date_to),
                contract_type=list(contract_type) if contract_type else None,
                limit=limit,
                offset=offset,
                sort=sort,
                description=1 if description else None,
                loginid=loginid,
            ),
        )
        return tuple(ProfitTableEntry.from_payload(t) for t in data.get("transactions", []))

    def transaction(
        self, *, loginid: str | None = None
    ) -> AbstractAsyncContextManager[Stream[Transaction | Unreadable]]:
        """Stream account transactions (lossless: overflow fails the stream).

        An update that cannot be read comes as an :class:`Unreadable` in its place.
        """
        return self.subscribe(
            "transaction", parse=_model_parser(Transaction), **_fields(loginid=loginid)
        )

    async def topup_virtual(self, *, loginid: str | None = None) -> TopUp:
        """``topup_virtual``: refill a virtual account."""
        return TopUp.from_payload(await self.call("topup_virtual", **_fields(loginid=loginid)))

    async def get_limits(self, *, loginid: str | None = None) -> Mapping[str, Any]:
        """``get_limits``: trading and withdrawal limits (open positions, payout, turnover)."""
        return dict(await self.call("get_limits", **_fields(loginid=loginid)))

    async def verify_email(self, email: str, type: str, **fields: Any) -> bool:
        """``verify_email``: send a verification code (``type``: ``account_opening``...)."""
        return bool(await self.call("verify_email", verify_email=email, type=type, **fields))

    async def new_account_virtual(self, **fields: Any) -> NewAccount:
        """``new_account_virtual``: open a virtual account (fields as the API names them)."""
        return NewAccount.from_payload(await self.call("new_account_virtual", **fields))

    async def new_account_real(self, **fields: Any) -> NewAccount:
        """``new_account_real``: open a real account (fields as the API names them)."""
        return NewAccount.from_payload(await self.call("new_account_real", **fields))

    async def api_token(
        self,
        *,
        new_token: str | None = None,
        new_token_scopes: Sequence[str] | None = None,
        valid_for_current_ip_only: bool = False,
        delete_token: str | None = None,
        loginid: str | None = None,
    ) -> tuple[ApiToken, ...]:
        """``api_token``: the account's API tokens, after creating or deleting one if asked."""
        data = await self.call(
            "api_token",
            **_fields(
                new_token=new_token,
                new_token_scopes=list(new_token_scopes) if new_token_scopes else None,
                valid_for_current_ip_only=1 if valid_for_current_ip_only else None,
                delete_token=delete_token,
                loginid=loginid,
            ),
        )
        return tuple(ApiToken.from_payload(t) for t in data.get("tokens", []))

    async def app_list(self) -> tuple[App, ...]:
        """``app_list``: the applications this account registered."""
        return tuple(App.from_payload(a) for a in await self.call("app_list"))

    async def app_register(self, *, name: str, scopes: Sequence[str], **fields: Any) -> App:
        """``app_register``: register an application (other fields as the API names them)."""
        return App.from_payload(
            await self.call("app_register", name=name, scopes=list(scopes), **fields)
        )

    async def residence_list(self) -> list[Mapping[str, Any]]:
        """``residence_list``: countries."""
        return list(await self.call("residence_list"))

    async def states_list(self, country: str) -> list[Mapping[str, Any]]:
        """``states_list``: states of a country (two-letter code)."""
        return list(await self.call("states_list", states_list=country))

    async def landing_company(self, country: str) -> Mapping[str, Any]:
        """``landing_company``: companies serving a country."""
        return dict(await self.call("landing_company", landing_company=country))

    async def landing_company_details(self, shortcode: str, **fields: Any) -> Mapping[str, Any]:
        """``landing_company_details``: one company (``svg``, ``maltainvest``...)."""
        return dict(
            await self.call("landing_company_details", landing_company_details=shortcode, **fields)
        )

    async def paymentagent_list(self, country: str, **fields: Any) -> Mapping[str, Any]:
        """``paymentagent_list``: payment agents of a country."""
        return dict(await self.call("paymentagent_list", paymentagent_list=country, **fields))

    async def paymentagent_withdraw(self, **fields: Any) -> PaymentAgentMove:
        """``paymentagent_withdraw`` (never re-sent; a lost answer raises OutcomeUnknown).

        ``dry_run=1`` checks it without moving money (the answer's status is then 2).
        """
        return await self._payment_agent("paymentagent_withdraw", fields)

    async def paymentagent_transfer(self, **fields: Any) -> PaymentAgentMove:
        """``paymentagent_transfer`` (never re-sent; a lost answer raises OutcomeUnknown).

        ``dry_run=1`` checks it without moving money (the answer's status is then 2).
        """
        return await self._payment_agent("paymentagent_transfer", fields)

    async def _payment_agent(self, call: str, fields: Mapping[str, Any]) -> PaymentAgentMove:
        # The status is the payload; who the other party is and the transaction id come
        # beside it in the message, so the whole message is read.
        reply = await self.connection.request(call, fields)
        return PaymentAgentMove.from_message(call, reply.message)

    # ------------------------------------------------------------------ market data

    def ticks(self, symbols: str | Sequence[str]) -> AbstractAsyncContextManager[Stream[Tick]]:
        """Stream ticks of one symbol or several (one server stream each, one consumer stream).

        Ticks come in epoch order per symbol; none is delivered twice, reconnects included.
        """
        value: Any = symbols if isinstance(symbols, str) else list(symbols)
        return self.connection.subscribe(
            "ticks", {"ticks": value}, parse=_tick_parser(self.reconciler.saw)
        )

    async def ticks_history(
        self,
        symbol: str,
        *,
        end: str | int = "latest",
        count: int | None = None,
        start: int | None = None,
        style: str | None = None,
        granularity: int | None = None,
        adjust_start_time: int | None = None,
    ) -> TickHistory | tuple[Candle, ...]:
        """``ticks_history``: past ticks (:class:`TickHistory`) or candles."""
        reply = await self.connection.request(
            "ticks_history",
            _fields(
                ticks_history=symbol,
                end=str(end),
                count=count,
                start=start,
                style=style,
                granularity=granularity,
                adjust_start_time=adjust_start_time,
            ),
        )
        if reply.msg_type == "candles":
            return candles_of_message(reply.message)
        return TickHistory.from_message(reply.message)

    def ticks_history_stream(
        self,
        symbol: str,
        *,
        end: str | int = "latest",
        count: int | None = None,
        style: str | None = None,
        granularity: int | None = None,
    ) -> AbstractAsyncContextManager[Stream[Any]]:
        """History, then live updates: a :class:`TickHistory` (or candles) then Ticks/Candles."""
        return self.subscribe(
            "ticks_history",
            parse=_history_parser,
            **_fields(
                ticks_history=symbol,
                end=str(end),
                count=count,
                style=style,
                granularity=granularity,
            ),
        )

    def candles(
        self, symbol: str, granularity: int, *, count: int
    ) -> AbstractAsyncContextManager[Stream[tuple[Candle, ...] | CandleUpdate]]:
        """The server's bars of one symbol: the last ``count`` (the forming one last), then
        every move of the forming bar (``ticks_history`` candles with ``subscribe: 1``).

        The stream gives a tuple of named candles for the history answer (again after every
        reconnect: the subscription is re-sent, and answers the history anew), then one
        :class:`CandleUpdate` per ``ohlc`` message.
        """
        return self.subscribe(
            "ticks_history",
            parse=_candle_parser,
            ticks_history=symbol,
            end="latest",
            count=count,
            style="candles",
            granularity=granularity,
        )

    async def active_symbols(self, kind: str = "brief", **fields: Any) -> list[Mapping[str, Any]]:
        """``active_symbols``: tradable symbols (``"brief"`` or ``"full"``)."""
        return list(await self.call("active_symbols", active_symbols=kind, **fields))

    async def contracts_for(self, symbol: str, **fields: Any) -> Mapping[str, Any]:
        """``contracts_for``: contract types offered on a symbol, with their limits."""
        return dict(await self.call("contracts_for", contracts_for=symbol, **fields))

    # ------------------------------------------------------------------ trading

    @staticmethod
    def _proposal_fields(
        contract_type: str,
        symbol: str,
        amount: float,
        basis: str,
        currency: str,
        duration: int | None,
        duration_unit: str | None,
        extra: Mapping[str, Any],
    ) -> dict[str, Any]:
        return _fields(
            contract_type=contract_type,
            symbol=symbol,
            amount=amount,
            basis=basis,
            currency=currency,
            duration=duration,
            duration_unit=duration_unit,
            **extra,
        )

    def _remember(self, proposal: Proposal, fields: Mapping[str, Any]) -> None:
        self.reconciler.saw(proposal.spot_time)
        stake = float(fields["amount"]) if fields.get("basis") == "stake" else None
        self._proposals[proposal.id] = ContractMatch(
            fields["contract_type"], fields["symbol"], stake, proposal.ask_price
        )
        while len(self._proposals) > _PROPOSAL_MEMORY:
            self._proposals.popitem(last=False)

    async def proposal(
        self,
        *,
        contract_type: str,
        symbol: str,
        amount: float,
        basis: str = "stake",
        currency: str = "USD",
        duration: int | None = None,
        duration_unit: str | None = None,
        **extra: Any,
    ) -> Proposal:
        """``proposal``: a price for a contract; pass it to :meth:`buy`."""
        fields = self._proposal_fields(
            contract_type, symbol, amount, basis, currency, duration, duration_unit, extra
        )
        proposal = self.read(
            "proposal", Proposal.from_payload, await self.call("proposal", **fields)
        )
        self._remember(proposal, fields)
        return proposal

    @asynccontextmanager
    async def proposal_stream(
        self,
        *,
        contract_type: str,
        symbol: str,
        amount: float,
        basis: str = "stake",
        currency: str = "USD",
        duration: int | None = None,
        duration_unit: str | None = None,
        **extra: Any,
    ) -> AsyncIterator[Stream[Proposal]]:
        """Stream re-priced proposals (conflated); any of them can be bought."""
        fields = self._proposal_fields(
            contract_type, symbol, amount, basis, currency, duration, duration_unit, extra
        )

        def parse(update: StreamUpdate) -> Any:
            proposal = Proposal.from_payload(update.data)
            self._remember(proposal, fields)
            return proposal

        async with self.connection.subscribe("proposal", fields, parse=parse) as stream:
            yield stream

    async def buy(
        self,
        contract: Proposal | str | Mapping[str, Any],
        *,
        price: float,
        intent_id: str | None = None,
        match: ContractMatch | None = None,
        loginid: str | None = None,
        may_send: Callable[[], bool] | None = None,
    ) -> BuyOutcome:
        """Buy a contract; return exactly one outcome. Never re-sent.

        Args:
            contract: a :class:`Proposal` (or its id) from this client, or the contract
                ``parameters`` for a buy without a proposal.
            price: the maximum price to pay.
            intent_id: a client-side id for this buy (sent in ``passthrough``; generated
                when omitted).
            match: what identifies the contract, for reconciliation, when ``contract`` is
                a proposal id this client did not price.
            loginid: the account, with several on one connection.
            may_send: asked once the buy's turn came, right before it is written; False
                sends nothing (``not sent: stopped before sending``). A stopping bot's
                buy may wait for its turn behind a reconciliation.

        Returns:
            ``bought`` with the contract id when the contract exists; ``not bought`` when
            the server refused (``error``), the connection was down or ``may_send`` said
            no (nothing sent), or reconciliation found no such contract.

        Raises:
            LocalProtocolError: invalid request (nothing sent).
            OutcomeUnknown: the answer was lost and the account's records cannot be read
                (an API error on the records queries); try again with
                :meth:`Reconciler.decide`.
            ConnectionClosed: the connection stopped for good before a lost answer could be
                reconciled; the outcome is then unknown to this process.
        """
        intent = intent_id or uuid.uuid4().hex
        fields: dict[str, Any]
        if isinstance(contract, Mapping):
            fields = {"buy": "1", "price": price, "parameters": dict(contract)}
            stake = float(contract["amount"]) if contract.get("basis") == "stake" else None
            criteria = match or ContractMatch(
                contract.get("contract_type"), contract.get("symbol"), stake, price
            )
        else:
            proposal_id = contract.id if isinstance(contract, Proposal) else contract
            fields = {"buy": proposal_id, "price": price}
            known = self._proposals.get(proposal_id)
            criteria = match or (
                ContractMatch(known.contract_type, known.symbol, known.stake, price)
                if known
                else ContractMatch(None, None, None, price)
            )
        if loginid is not None:
            fields["loginid"] = loginid
        reconciler = self.reconciler
        # The buying turn is held until the contract is claimed: a reconciliation running
        # meanwhile would otherwise see this contract before its answer arrived. Other buys
        # share it; a reconciliation waits for all of them.
        async with reconciler.buying() as number:
            sent_epoch = self.server_epoch
            if sent_epoch is None:
                try:
                    sent_epoch = await self.time()
                except RequestTimeout as exc:
                    return BuyOutcome(intent, bought=False, detail=f"not sent: {exc}")
            if may_send is not None and not may_send():
                return BuyOutcome(intent, bought=False, detail="not sent: stopped before sending")
            try:
                data = await self.call("buy", passthrough={"intent_id": intent}, **fields)
                receipt = self.read("buy", BuyReceipt.from_payload, data)
            except APIError as exc:
                return BuyOutcome(intent, bought=False, error=exc, detail=f"refused: {exc}")
            except NotConnected as exc:
                return BuyOutcome(intent, bought=False, detail=f"not sent: {exc}")
            except (OutcomeUnknown, PayloadError) as exc:
                # An answer that cannot be read says no more than a lost one: the server
                # may have bought. The account's records decide, never a re-send.
                lost = exc if isinstance(exc, OutcomeUnknown) else _unreadable_answer("buy", exc)
            else:
                reconciler.claim((receipt.contract_id,))
                reconciler.saw(receipt.purchase_time)
                return BuyOutcome.bought_as(intent, receipt, receipt=receipt, detail="bought")
        # No checkpoint from leaving the buying turn to asking for the records' turn (in
        # line by this buy's number): no buy starts in between.
        log.warning("buy outcome unknown; reconciling", intent_id=intent, cause=str(lost.cause))
        async with reconciler.turn(number):
            try:
                return await reconciler.decide(
                    intent, criteria, sent_epoch=sent_epoch, loginid=loginid
                )
            except APIError as error:
                log.error("the account's records cannot be read", error=str(error))
                raise lost from error

    async def sell(
        self, contract_id: int, *, price: float = 0, loginid: str | None = None
    ) -> OrderOutcome:
        """Sell an open contract at ``price`` or better (0 = at market); exactly one outcome.

        Never re-sent: a lost or unreadable answer is decided from the contract's state
        (:meth:`Reconciler.decide_order`).

        Raises:
            LocalProtocolError: invalid request (nothing sent).
            OutcomeUnknown: the answer was lost and the contract's state cannot be read.
            ConnectionClosed: the connection stopped before a lost answer was decided.
        """
        return await self._order(
            "sell", contract_id, _fields(sell=contract_id, price=price, loginid=loginid), loginid
        )

    async def cancel(self, contract_id: int, *, loginid: str | None = None) -> OrderOutcome:
        """``cancel``: use a Multiplier's deal cancellation (the stake back); one outcome.

        Never re-sent; a lost answer is decided from the contract's state.

        Raises:
            LocalProtocolError: invalid request (nothing sent).
            OutcomeUnknown: the answer was lost and the contract's state cannot be read.
            ConnectionClosed: the connection stopped before a lost answer was decided.
        """
        return await self._order(
            "cancel", contract_id, _fields(cancel=contract_id, loginid=loginid), loginid
        )

    async def contract_update(
        self,
        contract_id: int,
        limit_order: Mapping[str, float | None],
        *,
        loginid: str | None = None,
    ) -> OrderOutcome:
        """``contract_update``: change a contract's take-profit / stop-loss; one outcome.

        Args:
            contract_id: the contract.
            limit_order: the levels to change (``take_profit``, ``stop_loss``); ``None``
                removes one.
            loginid: the account, with several on one connection.

        Never re-sent; a lost answer is decided from the contract's state.

        Raises:
            LocalProtocolError: invalid request (nothing sent).
            OutcomeUnknown: the answer was lost and the contract's state cannot be read.
            ConnectionClosed: the connection stopped before a lost answer was decided.
        """
        fields = _fields(
            contract_update=1,
            contract_id=contract_id,
            limit_order=dict(limit_order),
            loginid=loginid,
        )
        return await self._order("update", contract_id, fields, loginid, limit_order)

    async def _order(
        self,
        kind: OrderKind,
        contract_id: int,
        fields: dict[str, Any],
        loginid: str | None,
        limit_order: Mapping[str, float | None] | None = None,
    ) -> OrderOutcome:
        call = "contract_update" if kind == "update" else kind
        try:
            data = await self.call(call, **fields)
            if kind == "update":
                limits = self.read(call, ContractUpdateReceipt.from_payload, data)
                return OrderOutcome(kind, contract_id, done=True, limits=limits, detail="updated")
            receipt = self.read(call, SellReceipt.from_payload, data)
        except APIError as exc:
            return OrderOutcome(kind, contract_id, done=False, error=exc, detail=f"refused: {exc}")
        except NotConnected as exc:
            return OrderOutcome(kind, contract_id, done=False, detail=f"not sent: {exc}")
        except (OutcomeUnknown, PayloadError) as exc:
            # Unreadable or lost, the answer says nothing: the contract's state decides.
            lost = exc if isinstance(exc, OutcomeUnknown) else _unreadable_answer(call, exc)
            log.warning(
                f"{call} outcome unknown; deciding it from the contract",
                contract_id=contract_id,
                cause=str(lost.cause),
            )
            try:
                return await self.reconciler.decide_order(
                    kind, contract_id, limit_order=limit_order, loginid=loginid
                )
            except APIError as error:
                log.error("the contract's state cannot be read", error=str(error))
                raise lost from error
        return OrderOutcome(
            kind,
            contract_id,
            done=True,
            sold_for=receipt.sold_for,
            receipt=receipt,
            detail="sold" if kind == "sell" else "cancelled",
        )

    async def contract_update_history(
        self, contract_id: int, *, limit: int | None = None, loginid: str | None = None
    ) -> tuple[UpdateHistoryEntry, ...]:
        """``contract_update_history``: every change of a contract's limit order, newest first."""
        data = await self.call(
            "contract_update_history",
            **_fields(contract_id=contract_id, limit=limit, loginid=loginid),
        )
        return self.read(
            "contract_update_history",
            lambda rows: tuple(UpdateHistoryEntry.from_payload(row) for row in _list(rows)),
            data,
        )

    async def sell_expired(self, *, loginid: str | None = None) -> int:
        """``sell_expired``: settle expired contracts; how many were."""
        data = await self.call("sell_expired", **_fields(loginid=loginid))
        return int(data.get("count", 0))

    async def proposal_open_contract(
        self, contract_id: int, *, loginid: str | None = None
    ) -> OpenContract:
        """``proposal_open_contract``: the current state of one contract."""
        return self.read(
            "proposal_open_contract",
            OpenContract.from_payload,
            await self.call(
                "proposal_open_contract", **_fields(contract_id=contract_id, loginid=loginid)
            ),
        )

    def open_contract_stream(
        self, contract_id: int | None = None, *, loginid: str | None = None
    ) -> AbstractAsyncContextManager[Stream[OpenContract | Unreadable]]:
        """Stream contract updates (one contract, or all open ones); lossless.

        A contract's stream ends after the update that reports it sold or settled. An update
        that cannot be read comes as an :class:`Unreadable` in its place: ask
        :meth:`proposal_open_contract` for the contract's state.
        """
        return self.subscribe(
            "proposal_open_contract",
            parse=_model_parser(OpenContract),
            **_fields(contract_id=contract_id, loginid=loginid),
        )
