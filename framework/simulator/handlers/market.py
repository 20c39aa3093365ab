"""Market data: ticks, ticks_history (ticks and candles), active_symbols, contracts_for,
payout_currencies, trading_times, trading_durations."""

from __future__ import annotations

import datetime as _dt
import json
from typing import Any

from framework.deriv.models import Tick
from framework.market.candles import CandleBuilder, check_granularity
from framework.market.digits import format_quote
from framework.market.errors import MarketError
from framework.market.hours import CLOSED_MESSAGE, DAY, MarketHours
from framework.market.offerings import Offering
from framework.market.offerings import contracts_for as offerings_for
from framework.market.symbols import SymbolSpec, get_symbol, symbols

from .. import history
from ..dispatch import Call, Handler
from ..envelope import Envelope, SimError, dumps
from ..feed import SymbolFeed, TickListener
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


def _listen(feed: SymbolFeed, sub: Subscription, listener: TickListener) -> None:
    feed.add_listener(listener)
    sub.cleanups.append(lambda: feed.remove_listener(listener))


def _tick_key(symbol: str, call: Call) -> tuple[str, str, Any]:
    # The server's feed key is "symbol;tick;req_id": ``ticks`` and a ``ticks_history`` tick
    # stream of the same symbol and req_id are the same stream.
    return ("tick", symbol, call.args.get("req_id"))


@handles("ticks")
def ticks(call: Call) -> None:
    """Stream ticks of one symbol or a list; there is no acknowledgement, the first tick is."""
    wanted = call.args["ticks"]
    names = [wanted] if isinstance(wanted, str) else list(wanted)
    feeds = [_feed(call, name) for name in names]  # every symbol checked before subscribing
    for feed in feeds:
        if not feed.is_open(call.now()):
            # Nothing is streamed from a closed market (the real server refuses it too).
            raise SimError("MarketIsClosed", CLOSED_MESSAGE)
    for feed in feeds:
        envelope = call.envelope
        if len(feeds) > 1:
            echo = dict(envelope.echo_req)
            echo["ticks"] = feed.spec.symbol
            envelope = Envelope(echo, envelope.req_id, envelope.passthrough)
        symbol = feed.spec.symbol
        sub = call.session.subscribe(
            "ticks", _tick_key(symbol, call), envelope, "tick", what=symbol
        )
        _listen(feed, sub, TickStream(sub))


# -- history and candles --------------------------------------------------------------------


class OhlcStream:
    """Sends the forming bar of one subscription on every tick (``msg_type: ohlc``).

    It starts from the server's bar at the moment of the answer (:func:`history.forming`,
    every tick of it, however long ago the bar opened) and then takes each published tick
    through the candle rule, so the first ``ohlc`` continues the answer's last bar exactly.
    """

    __slots__ = ("_builder", "_sub")

    def __init__(self, sub: Subscription, feed: SymbolFeed, granularity: int) -> None:
        self._sub = sub
        self._builder = CandleBuilder(feed.spec.symbol, granularity)
        bar = history.forming(feed, granularity)
        if bar is not None:
            self._builder.merge(bar, feed.last.epoch)

    def __call__(self, tick: Tick) -> None:
        builder = self._builder
        builder.add(tick.epoch, tick.quote)
        bar = builder.forming
        assert bar is not None  # it has just taken a tick
        pip = tick.pip_size
        # Prices as strings, as the server's feed sends them (pip-sized text).
        self._sub.emit(
            {
                "close": format_quote(bar.close, pip),
                "epoch": tick.epoch,
                "granularity": builder.granularity,
                "high": format_quote(bar.high, pip),
                "id": self._sub.id,
                "low": format_quote(bar.low, pip),
                "open": format_quote(bar.open, pip),
                "open_time": bar.epoch,
                "symbol": tick.symbol,
            }
        )


def _style(call: Call) -> tuple[str, int]:
    """The style and granularity asked for, as the server reads them.

    Raises:
        MarketError: ``InvalidGranularity``.
        SimError: ``InvalidStyle``.
    """
    granularity = call.args.get("granularity") or 0  # ``granularity: 0`` asks for ticks
    # The style the client sent (not the schema's default): without one, a granularity
    # means candles.
    if "style" in call.envelope.echo_req:
        style = call.args["style"]
    else:
        style = "candles" if granularity else "ticks"
    if style == "candles":
        return style, check_granularity(granularity or 60)
    if style != "ticks":
        raise SimError("InvalidStyle", f"Style {style} invalid")
    return style, granularity


@handles("ticks_history")
def ticks_history(call: Call) -> None:
    """Past ticks or candles of a window (see :mod:`framework.simulator.history`), optionally
    then a ``tick`` or ``ohlc`` stream.

    Like the server, a subscription is opened (and checked for a duplicate) before the
    history is read, and closed again if the request fails; the answer holds every tick
    published so far and the stream every later one, so nothing falls between the two.
    """
    args = call.args
    style, granularity = _style(call)
    symbol = args["ticks_history"]
    sub = None
    if args.get("subscribe") == 1:
        if style == "ticks":
            sub = call.session.subscribe(
                "ticks", _tick_key(symbol, call), call.envelope, "tick", what=symbol
            )
        else:
            key = ("candles", symbol, granularity, args.get("req_id"))
            sub = call.session.subscribe("candles", key, call.envelope, "ohlc", what=symbol)
    try:
        feed = _feed(call, symbol)
        win = history.window(
            start=int(args.get("start", 0)),
            end=str(args["end"]),
            count=int(args.get("count", 1000)),
            granularity=granularity,
            now=call.now(),
        )
    except (MarketError, SimError):
        if sub is not None:
            call.session.forget(sub.id)
        raise
    sub_id = None if sub is None else sub.id
    extra = {"pip_size": feed.spec.pip_size}
    if style == "ticks":
        ticks = list(feed.history(win.start, win.end))[-win.count :]
        if sub is not None:
            _listen(feed, sub, TickStream(sub))
        payload = {"prices": [t.quote for t in ticks], "times": [t.epoch for t in ticks]}
        call.reply(payload, msg_type="history", subscription=sub_id, extra=extra)
        return
    rows = [
        {"close": bar.close, "epoch": bar.epoch, "high": bar.high, "low": bar.low, "open": bar.open}
        for bar in history.candles(feed, win, granularity)
    ]
    if sub is not None:
        _listen(feed, sub, OhlcStream(sub, feed, granularity))
    call.reply(rows, msg_type="candles", subscription=sub_id, extra=extra)


# -- static market facts --------------------------------------------------------------------


def _symbol_entry(call: Call, spec: SymbolSpec, full: bool) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "display_name": spec.display_name,
        "display_order": spec.display_order,
        "exchange_is_open": 1 if spec.hours is None or spec.hours.is_open(call.now()) else 0,
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
    opened, closed = _open_close(spec.hours, call.now())
    call.reply(
        {
            "available": available,
            "close": closed,
            "feed_license": "realtime",
            "hit_count": len(available),
            "non_available": [],
            "open": opened,
            "spot": tick.quote,
        }
    )


def _open_close(hours: MarketHours | None, now: int) -> tuple[int, int]:
    """``contracts_for`` ``open``/``close``: the trading day of now, or the next one.

    A market that never closes opens at 00:00:00 and closes at 23:59:59 every day; one
    that closes gives the opening and close of the session open now, or of the next one
    while it is closed ("next market-open time", receive.json). The session of a market
    open now is the current day's (forex opens at 00:00:00 on each trading day).
    """
    day = now - now % DAY
    if hours is None:
        return day, day + DAY - 1
    if hours.is_open(now):
        today = hours.day(day)
        assert today is not None  # open now, so it trades today
        return today[0], hours.next_close(now)
    opened = hours.next_open(now)
    return opened, hours.next_close(opened)


@handles("payout_currencies")
def payout_currencies(call: Call) -> None:
    """The account's currency when logged in, else every currency offered."""
    account = call.session.account
    call.reply([account.currency] if account is not None else [call.core.config.currency])


_DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]


def _times(spec: SymbolSpec, day: int) -> dict[str, Any]:
    """One symbol's ``trading_times`` entry for the UTC day starting at ``day``.

    A day the market does not trade shows ``--`` for its times (an assumption: how Deriv
    shows a closed day); a day that ends with the market open closes at ``23:59:59``.
    """
    entry: dict[str, Any] = {"events": [], "name": spec.display_name, "symbol": spec.symbol}
    hours = spec.hours
    if hours is None:
        entry["times"] = {"close": ["23:59:59"], "open": ["00:00:00"], "settlement": "23:59:59"}
        entry["trading_days"] = _DAYS
        return entry
    span = hours.day(day)
    if span is None:
        entry["times"] = {"close": ["--"], "open": ["--"], "settlement": "--"}
    else:
        opened, closed = span
        entry["times"] = {
            "close": [_clock(min(closed - day, DAY - 1))],
            "open": [_clock(opened - day)],
            "settlement": "23:59:59",
        }
    # Deriv lists a weekly early close on every day's answer ("Fridays", "Closes early").
    entry["events"] = [{"dates": f"{name}s", "descrip": text} for name, text in hours.early_close]
    entry["trading_days"] = [d for d in _DAYS if d in hours.trading_days()]
    return entry


def _clock(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


def _trading_day(call: Call) -> int:
    """The UTC day asked for (``today`` or ``YYYY-MM-DD``), as its 00:00 epoch."""
    asked = call.args["trading_times"]
    if asked == "today":
        now = call.now()
        return now - now % DAY
    try:
        date = _dt.date.fromisoformat("-".join(part.zfill(2) for part in asked.split("-")))
    except ValueError:
        raise SimError("InputValidationFailed", "Input validation failed: trading_times",
                       {"trading_times": "Invalid date."}) from None  # fmt: skip
    return (date - _dt.date(1970, 1, 1)).days * DAY


@handles("trading_times")
def trading_times(call: Call) -> None:
    """Each market's trading hours on one day (synthetic indices: around the clock)."""
    day = _trading_day(call)
    markets: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for spec in symbols():
        submarkets = markets.setdefault(spec.market_display_name, {})
        submarkets.setdefault(spec.submarket_display_name, []).append(_times(spec, day))
    call.reply(
        {
            "markets": [
                {
                    "name": market,
                    "submarkets": [{"name": n, "symbols": s} for n, s in submarkets.items()],
                }
                for market, submarkets in markets.items()
            ]
        }
    )


#: ``trading_durations`` units: name, display name, seconds in one (ticks: ``None``).
_DURATION_UNITS: tuple[tuple[str, str, int | None], ...] = (
    ("ticks", "Ticks", None),
    ("seconds", "Seconds", 1),
    ("minutes", "Minutes", 60),
    ("hours", "Hours", 3600),
    ("days", "Days", 86400),
)


def _trade_type(offering: Offering) -> tuple[str, str]:
    # Up/Down at the money is Rise/Fall, with a barrier Higher/Lower (how Deriv names them).
    if offering.contract_category in ("callput", "callputequal"):
        if offering.barrier_category == "euro_atm":
            return "rise_fall", "Rise/Fall"
        return "higher_lower", "Higher/Lower"
    return offering.contract_category, offering.contract_category_display


def _seconds(duration: str) -> int:
    """``"15s"`` -> 15, ``"1d"`` -> 86400 (the units ``contracts_for`` uses)."""
    return int(duration[:-1]) * (86400 if duration.endswith("d") else 1)


def _durations(offerings: list[Offering]) -> list[dict[str, Any]]:
    """Each unit's bounds over the offerings of one trade type, in the units' order."""
    bounds: dict[str, tuple[int, int]] = {}

    def widen(unit: str, lo: int, hi: int) -> None:
        old = bounds.get(unit, (lo, hi))
        bounds[unit] = (min(old[0], lo), max(old[1], hi))

    for o in offerings:
        if o.expiry_type == "tick":
            widen("ticks", int(o.min_contract_duration[:-1]), int(o.max_contract_duration[:-1]))
            continue
        lo, hi = _seconds(o.min_contract_duration), _seconds(o.max_contract_duration)
        # An intraday contract is asked for in seconds, minutes or hours, a daily one in days.
        units = _DURATION_UNITS[4:] if o.expiry_type == "daily" else _DURATION_UNITS[1:4]
        for unit, _, size in units:
            assert size is not None
            # Whole units only: the shortest is rounded up, the longest down.
            if hi >= size:
                widen(unit, max(1, -(-lo // size)), hi // size)
    return [
        {"display_name": display, "max": bounds[unit][1], "min": bounds[unit][0], "name": unit}
        for unit, display, _ in _DURATION_UNITS
        if unit in bounds
    ]


def _trade_durations(spec: SymbolSpec) -> list[dict[str, Any]]:
    by_type: dict[tuple[str, str], list[Offering]] = {}
    for offering in offerings_for(spec):
        if offering.expiry_type != "no_expiry":  # Multipliers, Accumulators: no duration
            by_type.setdefault(_trade_type(offering), []).append(offering)
    return [
        {"durations": _durations(group), "trade_type": {"display_name": display, "name": name}}
        for (name, display), group in by_type.items()
    ]


@handles("trading_durations")
def trading_durations(call: Call) -> None:
    """The duration bounds of each trade type, per submarket and symbols that share them.

    Every landing company the simulator has (``virtual``, ``svg``) offers the same
    synthetic indices, so ``landing_company_short`` filters nothing out.
    """
    submarkets: dict[str, list[SymbolSpec]] = {}
    for spec in symbols():
        submarkets.setdefault(spec.submarket, []).append(spec)
    answer = []
    for group in submarkets.values():
        first = group[0]
        market = {"display_name": first.market_display_name, "name": first.market}
        submarket = {"display_name": first.submarket_display_name, "name": first.submarket}
        shared: dict[str, tuple[list[SymbolSpec], list[dict[str, Any]]]] = {}
        for spec in group:
            table = _trade_durations(spec)
            shared.setdefault(json.dumps(table), ([], table))[0].append(spec)
        data = [
            {
                "market": market,
                "submarket": submarket,
                "symbol": [{"display_name": s.display_name, "name": s.symbol} for s in specs],
                "trade_durations": table,
            }
            for specs, table in shared.values()
        ]
        answer.append({"data": data, "market": market, "submarket": submarket})
    call.reply(answer)
