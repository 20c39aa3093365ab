"""Market data: ticks, ticks_history (ticks and candles), active_symbols, contracts_for,
payout_currencies, trading_times."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from framework.deriv.models import Tick
from framework.market.digits import format_quote
from framework.market.offerings import Offering
from framework.market.offerings import contracts_for as offerings_for
from framework.market.symbols import SymbolSpec, get_symbol, symbols

from ..dispatch import Call, Handler
from ..envelope import Envelope, SimError, dumps
from ..feed import SymbolFeed
from ..session import Subscription
from .registry import registrar

HANDLERS: dict[str, Handler] = {}
handles = registrar(HANDLERS)


# -- tick streams ---------------------------------------------------------------------------


class TickStream:
    """Sends each feed tick to one subscription, serialising the envelope only once."""

    __slots__ = ("_head", "_id", "_sub")

    def __init__(self, sub: Subscription, msg_type: str = "tick") -> None:
        self._sub = sub
        self._id = sub.id
        head = dumps(sub.envelope.message(msg_type, None, subscription=sub.id))
        self._head = head[:-1] + f',"{msg_type}":'

    def __call__(self, tick: Tick) -> None:
        quote = format_quote(tick.quote, tick.pip_size)
        self._sub.session.push(
            f'{self._head}{{"ask":{quote},"bid":{quote},"epoch":{tick.epoch},'
            f'"id":"{self._id}","pip_size":{tick.pip_size},"quote":{quote},'
            f'"symbol":"{tick.symbol}"}}}}'
        )


def _feed(call: Call, symbol: str) -> SymbolFeed:
    return call.core.feeds.get(symbol)


def _subscribe_ticks(call: Call, feed: SymbolFeed, envelope: Envelope) -> Subscription:
    symbol = feed.spec.symbol
    sub = call.session.subscribe(
        "ticks", ("tick", symbol, call.args.get("req_id")), envelope, "tick", what=symbol
    )
    listener = TickStream(sub)
    feed.add_listener(listener)
    sub.cleanups.append(lambda: feed.remove_listener(listener))
    return sub


@handles("ticks")
def ticks(call: Call) -> None:
    """Stream ticks of one symbol or a list; there is no acknowledgement, the first tick is."""
    wanted = call.args["ticks"]
    names = [wanted] if isinstance(wanted, str) else list(wanted)
    feeds = [_feed(call, name) for name in names]  # every symbol checked before subscribing
    for feed in feeds:
        envelope = call.envelope
        if len(feeds) > 1:
            echo = dict(envelope.echo_req)
            echo["ticks"] = feed.spec.symbol
            envelope = Envelope(echo, envelope.req_id, envelope.passthrough)
        _subscribe_ticks(call, feed, envelope)


# -- history and candles --------------------------------------------------------------------


def _window(call: Call) -> tuple[int, int, int]:
    args = call.args
    now = call.now()
    end_text = args.get("end", "latest")
    end = now if end_text == "latest" else min(int(end_text), now)
    start = int(args.get("start", 0))
    count = int(args.get("count", 1000))
    if count <= 0:
        count = 1000
    return start, end, min(count, 5000)


def _candles(ticks: Iterable[Tick], granularity: int) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    current: dict[str, Any] | None = None
    for tick in ticks:
        bucket = tick.epoch - tick.epoch % granularity
        q = tick.quote
        if current is None or current["epoch"] != bucket:
            current = {"close": q, "epoch": bucket, "high": q, "low": q, "open": q}
            out.append(current)
        else:
            current["close"] = q
            if q > current["high"]:
                current["high"] = q
            if q < current["low"]:
                current["low"] = q
    return out


class OhlcStream:
    """Sends the current candle of one subscription on every tick (``msg_type: ohlc``)."""

    __slots__ = ("_candle", "_granularity", "_sub")

    def __init__(self, sub: Subscription, granularity: int, last: dict[str, Any] | None) -> None:
        self._sub = sub
        self._granularity = granularity
        self._candle = dict(last) if last else None

    def __call__(self, tick: Tick) -> None:
        g = self._granularity
        bucket = tick.epoch - tick.epoch % g
        q = tick.quote
        candle = self._candle
        if candle is None or candle["epoch"] != bucket:
            candle = self._candle = {"close": q, "epoch": bucket, "high": q, "low": q, "open": q}
        else:
            candle["close"] = q
            candle["high"] = max(candle["high"], q)
            candle["low"] = min(candle["low"], q)
        pip = tick.pip_size
        self._sub.emit(
            {
                "close": format_quote(candle["close"], pip),
                "epoch": tick.epoch,
                "granularity": g,
                "high": format_quote(candle["high"], pip),
                "id": self._sub.id,
                "low": format_quote(candle["low"], pip),
                "open": format_quote(candle["open"], pip),
                "open_time": bucket,
                "symbol": tick.symbol,
            }
        )


@handles("ticks_history")
def ticks_history(call: Call) -> None:
    """Past ticks or candles up to ``end`` (the last ``count``), optionally then a stream."""
    args = call.args
    feed = _feed(call, args["ticks_history"])
    spec = feed.spec
    start, end, count = _window(call)
    if start > end:
        raise SimError("InvalidStartEnd", "Start time is later than end time.")
    subscribe = args.get("subscribe") == 1
    candles = args.get("style") == "candles" or "granularity" in args
    if not candles:
        history = list(feed.history(start, end))[-count:]
        sub_id = None
        if subscribe:
            sub_id = _subscribe_ticks(call, feed, call.envelope).id
        call.reply(
            {
                "prices": [t.quote for t in history],
                "times": [t.epoch for t in history],
            },
            msg_type="history",
            subscription=sub_id,
            extra={"pip_size": spec.pip_size},
        )
        return
    granularity = int(args.get("granularity", 60))
    rows = _candles(feed.history(start, end), granularity)[-count:]
    sub_id = None
    if subscribe:
        sub = call.session.subscribe(
            "candles",
            ("candles", spec.symbol, granularity, args.get("req_id")),
            call.envelope,
            "ohlc",
            what=spec.symbol,
        )
        listener = OhlcStream(sub, granularity, rows[-1] if rows else None)
        feed.add_listener(listener)
        sub.cleanups.append(lambda: feed.remove_listener(listener))
        sub_id = sub.id
    call.reply(rows, msg_type="candles", subscription=sub_id, extra={"pip_size": spec.pip_size})


# -- static market facts --------------------------------------------------------------------


def _symbol_entry(call: Call, spec: SymbolSpec, full: bool) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "display_name": spec.display_name,
        "display_order": spec.display_order,
        "exchange_is_open": 1,
        "is_trading_suspended": 0,
        "market": spec.market,
        "market_display_name": spec.market_display_name,
        "pip": spec.pip,
        "subgroup": spec.subgroup,
        "subgroup_display_name": spec.subgroup_display_name,
        "submarket": spec.submarket,
        "submarket_display_name": spec.submarket_display_name,
        "symbol": spec.symbol,
        "symbol_type": spec.symbol_type,
    }
    if full:
        feed = call.core.feeds.get(spec.symbol)
        tick = feed.last
        day_ago = feed.tick_at_or_before(tick.epoch - 86400)
        change = 0.0 if day_ago is None else (tick.quote / day_ago.quote - 1) * 100
        entry.update(
            allow_forward_starting=0,
            delay_amount=0,
            exchange_name=spec.exchange_name,
            intraday_interval_minutes=1,
            quoted_currency_symbol="",
            spot=tick.quote,
            spot_age=str(max(0, call.now() - tick.epoch)),
            spot_percentage_change=f"{change:.2f}",
            spot_time=str(tick.epoch),
        )
    return entry


@handles("active_symbols")
def active_symbols(call: Call) -> None:
    """Every simulated symbol (``brief`` or ``full``)."""
    full = call.args["active_symbols"] == "full"
    call.reply([_symbol_entry(call, spec, full) for spec in symbols()])


def _offering_row(offering: Offering) -> dict[str, Any]:
    row: dict[str, Any] = {
        "barrier_category": offering.barrier_category,
        "barriers": offering.barriers,
        "contract_category": offering.contract_category,
        "contract_category_display": offering.contract_category_display,
        "contract_display": offering.contract_display,
        "contract_type": offering.contract_type,
        "exchange_name": offering.exchange_name,
        "expiry_type": offering.expiry_type,
        "market": offering.market,
        "max_contract_duration": offering.max_contract_duration,
        "min_contract_duration": offering.min_contract_duration,
        "min_stake": offering.min_stake,
        "payout_limit": offering.payout_limit,
        "sentiment": offering.sentiment,
        "start_type": offering.start_type,
        "submarket": offering.submarket,
        "underlying_symbol": offering.underlying_symbol,
    }
    # Each range only where the market model gives one (Multipliers, Accumulators, digits).
    for name, values in (
        ("last_digit_range", offering.last_digit_range),
        ("multiplier_range", offering.multiplier_range),
        ("growth_rate_range", offering.growth_rate_range),
        ("cancellation_range", offering.cancellation_range),
    ):
        if values:
            row[name] = list(values)
    return row


@handles("contracts_for")
def contracts_for(call: Call) -> None:
    """The contracts offered on a symbol, per expiry type."""
    spec = get_symbol(call.args["contracts_for"])
    available = [_offering_row(o) for o in offerings_for(spec)]
    tick = call.core.feeds.get(spec.symbol).last
    day = call.now() - call.now() % 86400
    call.reply(
        {
            "available": available,
            "close": day + 86399,
            "feed_license": "realtime",
            "hit_count": len(available),
            "non_available": [],
            "open": day,
            "spot": tick.quote,
        }
    )


@handles("payout_currencies")
def payout_currencies(call: Call) -> None:
    """The account's currency when logged in, else every currency offered."""
    account = call.session.account
    call.reply([account.currency] if account is not None else [call.core.config.currency])


_DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]


@handles("trading_times")
def trading_times(call: Call) -> None:
    """Synthetic indices trade around the clock, every day."""
    submarkets: dict[str, list[dict[str, Any]]] = {}
    for spec in symbols():
        submarkets.setdefault(spec.submarket_display_name, []).append(
            {
                "events": [],
                "name": spec.display_name,
                "symbol": spec.symbol,
                "times": {"close": ["23:59:59"], "open": ["00:00:00"], "settlement": "23:59:59"},
                "trading_days": _DAYS,
            }
        )
    market = symbols()[0].market_display_name
    call.reply(
        {
            "markets": [
                {
                    "name": market,
                    "submarkets": [{"name": n, "symbols": s} for n, s in submarkets.items()],
                }
            ]
        }
    )
