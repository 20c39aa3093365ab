"""Utility calls: ping, time, website_status, forget, forget_all."""

from __future__ import annotations

from typing import Any

from ..dispatch import Call, Handler
from .registry import registrar

HANDLERS: dict[str, Handler] = {}
handles = registrar(HANDLERS)

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
        "terms_conditions_version": "Version 4.2.0 2020-09-01",
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
