"""Utility calls: ping, time, website_status, exchange_rates, forget, forget_all."""

from __future__ import annotations

from typing import Any

from ..dispatch import Call, Handler
from ..envelope import SimError
from .registry import registrar

HANDLERS: dict[str, Handler] = {}
handles = registrar(HANDLERS)

#: The terms and conditions in force (``website_status``), which real accounts accepted.
TERMS_VERSION = "Version 4.2.0 2020-09-01"

_CURRENCIES: dict[str, dict[str, Any]] = {
    "USD": {
        "fractional_digits": 2,
        "is_deposit_suspended": 0,
        "is_suspended": 0,
        "is_withdrawal_suspended": 0,
        "name": "US Dollar",
        "stake_default": 10,
        "transfer_between_accounts": {
            "fees": {},
            "limits": {"max": 2500, "min": 1},
        },
        "type": "fiat",
    },
}


@handles("ping")
def ping(call: Call) -> None:
    """``{"ping": "pong"}``."""
    call.reply("pong")


@handles("time")
def time_(call: Call) -> None:
    """The server's (simulated) epoch."""
    call.reply(call.now())


def website_status_payload(call: Call) -> dict[str, Any]:
    """The ``website_status`` object."""
    return {
        "api_call_limits": call.core.config.rate_limits.advertised(),
        "broker_codes": ["CR", "VRTC"],
        "clients_country": "id",
        "currencies_config": _CURRENCIES,
        "site_status": "up",
        "supported_languages": ["EN"],
        "terms_conditions_version": TERMS_VERSION,
    }


@handles("website_status")
def website_status(call: Call) -> None:
    """Site status and advertised limits; ``subscribe: 1`` keeps a stream open.

    The simulator's site is always up, so the stream never pushes again; it exists so that
    clients that subscribe get the real answer shape and can forget it.
    """
    sub_id = None
    if call.args.get("subscribe") == 1:
        sub = call.session.subscribe(
            "website_status",
            ("website_status",),
            call.envelope,
            "website_status",
            what="website_status",
        )
        sub_id = sub.id
    call.reply(website_status_payload(call), subscription=sub_id)


@handles("forget")
def forget(call: Call) -> None:
    """End one stream of this connection: 1 if it existed, else 0."""
    call.reply(int(call.session.forget(call.args["forget"])))


@handles("forget_all")
def forget_all(call: Call) -> None:
    """End every stream of the given types; answer their ids."""
    kinds = call.args["forget_all"]
    if isinstance(kinds, str):
        kinds = [kinds]
    call.reply(call.session.forget_kinds(kinds))


def _offered(currency: str) -> str:
    """``currency`` as the server spells it, if the simulator offers it.

    Raises:
        SimError: ``ExchangeRatesNotAvailable`` for any other currency.
    """
    code = currency.upper()
    if code not in _CURRENCIES:
        raise SimError("ExchangeRatesNotAvailable", "Exchange rates are not currently available.")
    return code


@handles("exchange_rates")
def exchange_rates(call: Call) -> None:
    """Rates from ``base_currency`` to the offered currencies (or to ``target_currency``).

    The simulator offers one currency, so every rate is 1 and the base is its own target;
    ``include_spread`` adds ask and bid rates, equal to it. A subscription (which needs a
    target, as the schema says) follows rates that never move, so after the first answer
    it stays quiet until forgotten, like the ``website_status`` stream.
    """
    args = call.args
    base = _offered(args["base_currency"])
    target = args.get("target_currency")
    subscribe = args.get("subscribe") == 1
    if target is None and (subscribe or args.get("include_spread") == 1):
        raise SimError(
            "InputValidationFailed",
            "Input validation failed: target_currency",
            {"target_currency": "Target currency is required."},
        )
    targets = list(_CURRENCIES) if target is None else [_offered(target)]
    rate: Any = 1.0
    if args.get("include_spread") == 1:
        rate = {"ask_rate": 1.0, "bid_rate": 1.0, "spot_rate": 1.0}
    payload: dict[str, Any] = {
        "base_currency": base,
        "date": call.now(),
        "rates": dict.fromkeys(targets, rate),
    }
    sub_id = None
    if subscribe:
        sub = call.session.subscribe(
            "exchange_rates",
            ("exchange_rates", base, targets[0]),
            call.envelope,
            "exchange_rates",
            what="exchange_rates",
        )
        sub_id = sub.id
    call.reply(payload, subscription=sub_id)
