"""A small scripted Deriv server over in-memory channels, with fault injection.

It speaks enough of the API (authorize, ping, time, website_status, ticks, proposal, buy,
sell, portfolio, profit_table, statement, transaction, balance, proposal_open_contract,
forget) for the connection actor and the client to be tested in virtual time, with no
sockets. Faults: drop a session after N frames or on a given call (before or after it is
processed), stall (read but never answer), inject malformed frames, answer RateLimit, delay
answers, refuse connections, restart (drop every session, keep the account state).

Account state (contracts, balance) survives sessions and restarts, as with the simulator's
``--state``: that is what the buy reconciliation is checked against.
"""

from __future__ import annotations

import json
import math
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import attrs
import trio

from framework.transport import ConnectFailed, ConnectionLost, Transport

EPOCH0 = 1_700_000_000
TOKENS = {"tok-a-0001": "VRTC1001", "tok-b-0002": "VRTC1002"}


def server_now() -> int:
    return EPOCH0 + int(trio.current_time())


class MemoryTransport(Transport):
    """The client end of an in-memory session."""

    def __init__(self, session: Session) -> None:
        self._session = session

    async def send(self, text: str) -> None:
        session = self._session
        if session.closed:
            raise ConnectionLost(session.close_code, session.close_reason)
        session.inbox_send.send_nowait(text)
        await trio.lowlevel.checkpoint()

    async def receive(self) -> str:
        try:
            return await self._session.outbox_receive.receive()
        except (trio.EndOfChannel, trio.ClosedResourceError, trio.BrokenResourceError):
            raise ConnectionLost(self._session.close_code, self._session.close_reason) from None

    async def aclose(self, code: int = 1000, reason: str = "") -> None:
        self._session.close(code, reason)
        await trio.lowlevel.checkpoint()


class Session:
    """One connection as the server sees it."""

    def __init__(self, number: int) -> None:
        self.number = number
        self.inbox_send, self.inbox_receive = trio.open_memory_channel[str](math.inf)
        self.outbox_send, self.outbox_receive = trio.open_memory_channel[str](math.inf)
        self.closed = False
        self.close_code = 1006
        self.close_reason = ""
        self.sent = 0
        self.loginids: list[str] = []
        # subscription id -> (kind, request, req_id)
        self.streams: dict[str, tuple[str, dict[str, Any], int | None]] = {}
        self.proposals: dict[str, dict[str, Any]] = {}

    def close(self, code: int = 1006, reason: str = "dropped") -> None:
        if not self.closed:
            self.closed = True
            self.close_code = code
            self.close_reason = reason
            self.outbox_send.close()
            self.inbox_send.close()


@attrs.define
class Contract:
    contract_id: int
    transaction_id: int
    loginid: str
    contract_type: str
    symbol: str
    buy_price: float
    payout: float
    purchase_time: int
    shortcode: str
    longcode: str
    sold_for: float | None = None
    sell_time: int | None = None


class FakeDeriv:
    """The scripted server. Use :meth:`connector` as the connection's connector."""

    def __init__(self, *, tick_symbols: tuple[str, ...] = ("R_100", "R_50", "1HZ100V")) -> None:
        self.tick_symbols = tick_symbols
        self.sessions: list[Session] = []
        self.requests: list[dict[str, Any]] = []
        self.contracts: list[Contract] = []
        self.balances: dict[str, float] = dict.fromkeys(TOKENS.values(), 10_000.0)
        self.quotes = {symbol: 100.0 + i for i, symbol in enumerate(tick_symbols)}
        self._next_id = 1000
        self._nursery: trio.Nursery | None = None
        # faults
        self.stalled = False
        self.drop_after_frames: int | None = None
        self.drop_on: dict[str, str] = {}  # call -> "before" | "after"
        self.rate_limit_next: dict[str, int] = {}
        self.reply_delay = 0.0
        self.refuse_next = 0
        self.silent_symbols: set[str] = set()
        self.api_call_limits: dict[str, Any] = {
            "max_requestes_general": {"minutely": 180, "hourly": 14400},
            "max_requests_outcome": {"minutely": 25, "hourly": 1500},
            "max_requests_pricing": {"minutely": 80, "hourly": 3600},
            "max_proposal_subscription": {"max": 5},
        }

    # -------------------------------------------------------------- running

    @asynccontextmanager
    async def running(self) -> AsyncIterator[FakeDeriv]:
        async with trio.open_nursery() as nursery:
            self._nursery = nursery
            nursery.start_soon(self._ticker)
            try:
                yield self
            finally:
                nursery.cancel_scope.cancel()

    @asynccontextmanager
    async def connector(self) -> AsyncIterator[Transport]:
        await trio.lowlevel.checkpoint()
        if self.refuse_next:
            self.refuse_next -= 1
            raise ConnectFailed("memory://fake", "refused")
        assert self._nursery is not None, "use `async with fake.running()`"
        session = Session(len(self.sessions) + 1)
        self.sessions.append(session)
        self._nursery.start_soon(self._serve, session)
        try:
            yield MemoryTransport(session)
        finally:
            session.close(1000, "client closed")

    @property
    def live(self) -> list[Session]:
        return [s for s in self.sessions if not s.closed]

    def restart(self) -> None:
        """Drop every session; account state survives (like ``--state``)."""
        for session in self.live:
            session.close(1012, "service restart")

    def inject(self, text: str) -> None:
        for session in self.live:
            self._emit(session, text)

    # -------------------------------------------------------------- plumbing

    def _emit(self, session: Session, message: dict[str, Any] | str) -> None:
        if session.closed:
            return
        text = message if isinstance(message, str) else json.dumps(message)
        session.outbox_send.send_nowait(text)
        session.sent += 1
        if self.drop_after_frames is not None:
            self.drop_after_frames -= 1
            if self.drop_after_frames <= 0:
                self.drop_after_frames = None
                session.close(1006, "fault: drop after frames")

    def _new_id(self) -> int:
        self._next_id += 1
        return self._next_id

    async def _serve(self, session: Session) -> None:
        async for text in session.inbox_receive:
            request = json.loads(text)
            self.requests.append(request)
            if self.stalled:
                continue
            call = next(
                key
                for key in request
                if key not in ("req_id", "passthrough", "loginid", "subscribe")
            )
            fault = self.drop_on.pop(call, None)
            if fault == "before":
                session.close(1006, f"fault: drop before {call}")
                return
            if self.reply_delay:
                await trio.sleep(self.reply_delay)
            if self.rate_limit_next.get(call):
                self.rate_limit_next[call] -= 1
                self._emit(
                    session,
                    self._error(
                        request, call, "RateLimit", f"You have reached the rate limit for {call}."
                    ),
                )
                continue
            reply = self._handle(session, call, request)
            if fault == "after":
                session.close(1006, f"fault: drop after {call}")
                return
            if reply is not None:
                self._emit(session, reply)

    def _envelope(self, request: dict[str, Any], msg_type: str, payload: Any) -> dict[str, Any]:
        message: dict[str, Any] = {"echo_req": request, "msg_type": msg_type, msg_type: payload}
        if "req_id" in request:
            message["req_id"] = request["req_id"]
        if "passthrough" in request:
            message["passthrough"] = request["passthrough"]
        return message

    def _error(
        self, request: dict[str, Any], msg_type: str, code: str, text: str
    ) -> dict[str, Any]:
        message: dict[str, Any] = {
            "echo_req": request,
            "msg_type": msg_type,
            "error": {"code": code, "message": text},
        }
        if "req_id" in request:
            message["req_id"] = request["req_id"]
        return message

    def _subscribe(
        self, session: Session, kind: str, request: dict[str, Any], message: dict[str, Any]
    ) -> str:
        sub_id = uuid.uuid4().hex
        session.streams[sub_id] = (kind, request, request.get("req_id"))
        message["subscription"] = {"id": sub_id}
        return sub_id

    # -------------------------------------------------------------- calls

    def _handle(
        self, session: Session, call: str, request: dict[str, Any]
    ) -> dict[str, Any] | None:
        handler = getattr(self, f"_call_{call}", None)
        if handler is None:
            return self._error(request, call, "NotImplemented", f"{call} is not scripted")
        result: dict[str, Any] | None = handler(session, request)
        return result

    def _loginid(self, session: Session, request: dict[str, Any]) -> str | None:
        if not session.loginids:
            return None
        return str(request.get("loginid") or session.loginids[0])

    def _call_ping(self, session: Session, request: dict[str, Any]) -> dict[str, Any]:
        return self._envelope(request, "ping", "pong")

    def _call_time(self, session: Session, request: dict[str, Any]) -> dict[str, Any]:
        return self._envelope(request, "time", server_now())

    def _call_website_status(self, session: Session, request: dict[str, Any]) -> dict[str, Any]:
        return self._envelope(
            request,
            "website_status",
            {"api_call_limits": self.api_call_limits, "currencies_config": {}, "site_status": "up"},
        )

    def _call_authorize(self, session: Session, request: dict[str, Any]) -> dict[str, Any]:
        tokens = (
            request.get("tokens") if request["authorize"] == "MULTI" else [request["authorize"]]
        )
        loginids = [TOKENS.get(token) for token in tokens or []]
        if not loginids or None in loginids:
            return self._error(
                {**request, "authorize": "<not shown>"},
                "authorize",
                "InvalidToken",
                "The token is invalid.",
            )
        session.loginids = [str(x) for x in loginids]
        first = session.loginids[0]
        return self._envelope(
            {"authorize": "<not shown>", "req_id": request.get("req_id")},
            "authorize",
            {
                "loginid": first,
                "currency": "USD",
                "balance": self.balances[first],
                "is_virtual": 1,
                "scopes": ["read", "trade", "trading_information", "payments", "admin"],
                "account_list": [
                    {"loginid": x, "currency": "USD", "is_virtual": 1, "is_disabled": 0}
                    for x in session.loginids
                ],
                "landing_company_name": "virtual",
                "email": "user@example.com",
                "country": "id",
            },
        )

    def _call_ticks(self, session: Session, request: dict[str, Any]) -> None:
        symbols = request["ticks"] if isinstance(request["ticks"], list) else [request["ticks"]]
        for symbol in symbols:
            if symbol not in self.quotes:
                self._emit(
                    session,
                    self._error(request, "tick", "InvalidSymbol", f"Symbol {symbol} invalid."),
                )
                return None
        for symbol in symbols:
            sub_id = uuid.uuid4().hex
            session.streams[sub_id] = ("tick", {**request, "ticks": symbol}, request.get("req_id"))
        return None  # no acknowledgement: the first tick is the answer

    def _call_forget(self, session: Session, request: dict[str, Any]) -> dict[str, Any]:
        found = session.streams.pop(request["forget"], None) is not None
        return self._envelope(request, "forget", 1 if found else 0)

    def _call_forget_all(self, session: Session, request: dict[str, Any]) -> dict[str, Any]:
        kinds = (
            request["forget_all"]
            if isinstance(request["forget_all"], list)
            else [request["forget_all"]]
        )
        kinds = ["tick" if k == "ticks" else k for k in kinds]
        gone = [sid for sid, (kind, _, _) in session.streams.items() if kind in kinds]
        for sid in gone:
            del session.streams[sid]
        return self._envelope(request, "forget_all", gone)

    def _proposal_payload(self, proposal_id: str, request: dict[str, Any]) -> dict[str, Any]:
        amount = float(request.get("amount", 10))
        quote = self.quotes[request["symbol"]]
        return {
            "id": proposal_id,
            "ask_price": amount,
            "payout": round(amount * 1.95, 2),
            "spot": quote,
            "spot_time": server_now(),
            "date_start": server_now(),
            "longcode": f"Win payout if {request['symbol']} ...",
            "display_value": f"{amount:.2f}",
        }

    def _call_proposal(self, session: Session, request: dict[str, Any]) -> dict[str, Any]:
        if request["symbol"] not in self.quotes:
            return self._error(request, "proposal", "InvalidSymbol", "Symbol invalid.")
        proposal_id = uuid.uuid4().hex
        session.proposals[proposal_id] = request
        message = self._envelope(request, "proposal", self._proposal_payload(proposal_id, request))
        if request.get("subscribe"):
            session.streams[proposal_id] = ("proposal", request, request.get("req_id"))
            message["subscription"] = {"id": proposal_id}
        return message

    def _call_buy(self, session: Session, request: dict[str, Any]) -> dict[str, Any]:
        loginid = self._loginid(session, request)
        if loginid is None:
            return self._error(request, "buy", "AuthorizationRequired", "Please log in.")
        if request["buy"] in ("1", 1):
            params = request["parameters"]
        else:
            params = session.proposals.pop(request["buy"], None)
            session.streams.pop(request["buy"], None)
            if params is None:
                return self._error(
                    request, "buy", "InvalidContractProposal", "Unknown contract proposal"
                )
        price = float(params.get("amount", 10))
        if price > float(request["price"]):
            return self._error(
                request, "buy", "PriceMoved", "The underlying market has moved too much."
            )
        now = server_now()
        contract = Contract(
            contract_id=self._new_id(),
            transaction_id=self._new_id(),
            loginid=loginid,
            contract_type=params["contract_type"],
            symbol=params["symbol"],
            buy_price=price,
            payout=round(price * 1.95, 2),
            purchase_time=now,
            shortcode=f"{params['contract_type']}_{params['symbol']}_{price * 1.95:.2f}_{now}_5T",
            longcode="Win payout if ...",
        )
        self.contracts.append(contract)
        self.balances[loginid] -= price
        self._transaction(loginid, "buy", -price, contract)
        return self._envelope(
            request,
            "buy",
            {
                "balance_after": self.balances[loginid],
                "buy_price": price,
                "contract_id": contract.contract_id,
                "longcode": contract.longcode,
                "payout": contract.payout,
                "purchase_time": now,
                "shortcode": contract.shortcode,
                "start_time": now,
                "transaction_id": contract.transaction_id,
            },
        )

    def _find(self, contract_id: Any, loginid: str | None) -> Contract | None:
        for contract in self.contracts:
            if contract.contract_id == int(contract_id) and contract.loginid == loginid:
                return contract
        return None

    def _call_sell(self, session: Session, request: dict[str, Any]) -> dict[str, Any]:
        loginid = self._loginid(session, request)
        contract = self._find(request["sell"], loginid)
        if contract is None or contract.sold_for is not None:
            return self._error(
                request,
                "sell",
                "NoOpenPosition",
                "This contract was not found among your open positions.",
            )
        assert loginid is not None
        contract.sold_for = round(contract.buy_price * 0.9, 2)
        contract.sell_time = server_now()
        self.balances[loginid] += contract.sold_for
        self._transaction(loginid, "sell", contract.sold_for, contract)
        return self._envelope(
            request,
            "sell",
            {
                "balance_after": self.balances[loginid],
                "contract_id": contract.contract_id,
                "reference_id": contract.transaction_id,
                "sold_for": contract.sold_for,
                "transaction_id": self._new_id(),
            },
        )

    def _call_portfolio(self, session: Session, request: dict[str, Any]) -> dict[str, Any]:
        loginid = self._loginid(session, request)
        return self._envelope(
            request,
            "portfolio",
            {
                "contracts": [
                    {
                        "contract_id": c.contract_id,
                        "transaction_id": c.transaction_id,
                        "contract_type": c.contract_type,
                        "symbol": c.symbol,
                        "buy_price": c.buy_price,
                        "payout": c.payout,
                        "purchase_time": c.purchase_time,
                        "date_start": c.purchase_time,
                        "expiry_time": c.purchase_time + 10,
                        "currency": "USD",
                        "shortcode": c.shortcode,
                        "longcode": c.longcode,
                    }
                    for c in self.contracts
                    if c.loginid == loginid and c.sold_for is None
                ]
            },
        )

    def _call_profit_table(self, session: Session, request: dict[str, Any]) -> dict[str, Any]:
        loginid = self._loginid(session, request)
        rows = [
            {
                "contract_id": c.contract_id,
                "transaction_id": c.transaction_id,
                "contract_type": c.contract_type,
                "underlying_symbol": c.symbol,
                "buy_price": c.buy_price,
                "sell_price": c.sold_for,
                "payout": c.payout,
                "purchase_time": c.purchase_time,
                "sell_time": c.sell_time,
                "shortcode": c.shortcode,
                "longcode": c.longcode,
            }
            for c in self.contracts
            if c.loginid == loginid and c.sold_for is not None
        ]
        return self._envelope(request, "profit_table", {"count": len(rows), "transactions": rows})

    def _call_statement(self, session: Session, request: dict[str, Any]) -> dict[str, Any]:
        loginid = self._loginid(session, request)
        rows = [
            {
                "action_type": "buy",
                "amount": -c.buy_price,
                "contract_id": c.contract_id,
                "transaction_id": c.transaction_id,
                "transaction_time": c.purchase_time,
                "purchase_time": c.purchase_time,
                "payout": c.payout,
                "shortcode": c.shortcode,
                "longcode": c.longcode,
                "balance_after": 0.0,
            }
            for c in self.contracts
            if c.loginid == loginid
        ]
        return self._envelope(request, "statement", {"count": len(rows), "transactions": rows})

    def _call_balance(self, session: Session, request: dict[str, Any]) -> dict[str, Any]:
        loginid = self._loginid(session, request)
        if loginid is None:
            return self._error(request, "balance", "AuthorizationRequired", "Please log in.")
        message = self._envelope(
            request,
            "balance",
            {"balance": self.balances[loginid], "currency": "USD", "loginid": loginid},
        )
        if request.get("subscribe"):
            sub_id = self._subscribe(session, "balance", request, message)
            message["balance"]["id"] = sub_id
        return message

    def _call_transaction(self, session: Session, request: dict[str, Any]) -> dict[str, Any]:
        if self._loginid(session, request) is None:
            return self._error(request, "transaction", "AuthorizationRequired", "Please log in.")
        message = self._envelope(request, "transaction", {})
        sub_id = self._subscribe(session, "transaction", request, message)
        message["transaction"] = {"id": sub_id}
        return message

    def _contract_payload(self, contract: Contract) -> dict[str, Any]:
        sold = contract.sold_for is not None
        return {
            "contract_id": contract.contract_id,
            "contract_type": contract.contract_type,
            "underlying": contract.symbol,
            "currency": "USD",
            "buy_price": contract.buy_price,
            "payout": contract.payout,
            "purchase_time": contract.purchase_time,
            "is_sold": 1 if sold else 0,
            "is_expired": 0,
            "is_valid_to_sell": 0 if sold else 1,
            "status": "sold" if sold else "open",
            "sell_price": contract.sold_for,
            "sell_time": contract.sell_time,
            "bid_price": round(contract.buy_price * 0.9, 2),
            "shortcode": contract.shortcode,
        }

    def _call_proposal_open_contract(
        self, session: Session, request: dict[str, Any]
    ) -> dict[str, Any]:
        loginid = self._loginid(session, request)
        contract = self._find(request.get("contract_id", 0), loginid)
        if contract is None:
            return self._error(
                request,
                "proposal_open_contract",
                "ContractValidationError",
                "Cannot validate contract.",
            )
        message = self._envelope(
            request, "proposal_open_contract", self._contract_payload(contract)
        )
        if request.get("subscribe") and contract.sold_for is None:
            self._subscribe(session, "proposal_open_contract", request, message)
        return message

    def _transaction(self, loginid: str, action: str, amount: float, contract: Contract) -> None:
        for session in self.live:
            if loginid not in session.loginids:
                continue
            for sub_id, (kind, request, _) in list(session.streams.items()):
                if kind != "transaction":
                    continue
                message = self._envelope(
                    request,
                    "transaction",
                    {
                        "action": action,
                        "amount": amount,
                        "balance": self.balances[loginid],
                        "contract_id": contract.contract_id,
                        "currency": "USD",
                        "id": sub_id,
                        "symbol": contract.symbol,
                        "transaction_id": self._new_id(),
                        "transaction_time": server_now(),
                    },
                )
                message["subscription"] = {"id": sub_id}
                self._emit(session, message)

    # -------------------------------------------------------------- ticks

    async def _ticker(self) -> None:
        """Every second: 1HZ symbols tick; every other second, the R_ symbols too."""
        second = 0
        while True:
            await trio.sleep(1)
            second += 1
            for symbol in self.tick_symbols:
                if not symbol.startswith("1HZ") and second % 2:
                    continue
                self.quotes[symbol] = round(self.quotes[symbol] + 0.01 * ((second % 7) - 3), 2)
                if symbol in self.silent_symbols:
                    continue
                self._broadcast_tick(symbol)

    def _broadcast_tick(self, symbol: str) -> None:
        epoch = server_now()
        for session in self.live:
            for sub_id, (kind, request, _) in list(session.streams.items()):
                if kind == "tick" and request["ticks"] == symbol:
                    tick = {
                        "epoch": epoch,
                        "quote": self.quotes[symbol],
                        "pip_size": 2,
                        "symbol": symbol,
                        "id": sub_id,
                    }
                    message = self._envelope(request, "tick", tick)
                    message["subscription"] = {"id": sub_id}
                    self._emit(session, message)
                elif kind == "proposal" and request["symbol"] == symbol:
                    message = self._envelope(
                        request, "proposal", self._proposal_payload(sub_id, request)
                    )
                    message["subscription"] = {"id": sub_id}
                    self._emit(session, message)
