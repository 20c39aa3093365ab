"""Rate-limit facts: which call counts against which advertised budget.

The server meters every request before it even validates it, against one *service* per call,
in a one-minute and a one-hour window. ``website_status.api_call_limits`` advertises the
figures of three of those services; this module is the one place that knows them, read by
the client's pacing (:mod:`framework.connection.ratelimit`) and by the simulator's
enforcement (:mod:`framework.simulator.ratelimit`), so the two agree call by call.

Two sources describe the grouping and they disagree:

* the advertised ``applies_to`` texts: outcome is "portfolio, statement and proposal",
  pricing "proposal and proposal_open_contract", general "rest of calls";
* the server's implementation (``%rate_limit_map`` and ``site_limits`` of the websocket
  API): ``portfolio``, ``statement``, ``profit_table`` and ``reality_check`` go to the
  *expensive* service, ``proposal`` and ``proposal_open_contract`` to the *pricing* one,
  ``buy``/``sell`` on a virtual account to services of their own
  (``virtual_buy_transaction``, ``virtual_sell_transaction``), ``verify_email`` to an
  e-mail service, ``ping`` and ``time`` to none, and everything else to the *general* one.
  ``site_limits`` fills ``max_requests_outcome`` from the expensive service,
  ``max_requests_pricing`` from the pricing one and ``max_requestes_general`` from the
  general one.

**The implementation wins.** The ``applies_to`` strings are constants typed next to the
figure lookups and never read when a request is metered; the map is what refuses requests.
So ``proposal`` does *not* count against the outcome budget (counting it there held busy bots
to 22 buys a minute), and a call counts against exactly one budget, never general *and*
another one.

What the advertisement leaves open, and how it is settled here:

* ``buy`` and ``sell`` (and ``verify_email``) are metered by services whose figures are not
  published. They count against none of the three budgets: the client does not pace them and
  the simulator does not refuse them (its fault injection can still answer ``RateLimit``).
* On a *real* account the server meters ``proposal``, ``proposal_open_contract``, ``buy`` and
  ``sell`` together on a real-money pricing service, whose figures are not published either.
  Both sides keep ``proposal``/``proposal_open_contract`` on the advertised pricing budget
  (the only pricing figures there are) whatever the account, so a real-money bot may still
  meet ``RateLimit`` on a buy; the execution layer backs off from it.
* ``reality_check`` is on the expensive service for real accounts only (a virtual account's
  falls through to general); it is a real-money call, so it stays on the outcome budget.
* The counters belong to a client, not to a connection: the server keys them by
  ``app_id`` and ``loginid`` once authorized, else by ``app_id``, IP address and the MD5 of
  the ``User-Agent`` (:func:`client_key`). Every connection of one client draws on the same
  budgets; the client paces the requests of its own connection only.
* ``max_proposal_subscription`` (concurrent proposal streams) is advertised but no code
  enforcing it was found; it is passed through, not enforced.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any, Final

import attrs

__all__ = [
    "BUDGETS",
    "EXEMPT",
    "MAX_PROPOSAL_SUBSCRIPTION",
    "UNPUBLISHED",
    "Budget",
    "api_call_limits",
    "budget_of",
    "client_key",
    "limits_from_website_status",
]


@attrs.frozen
class Budget:
    """One advertised budget and its figures.

    Attributes:
        name: our short name (``general``, ``outcome``, ``pricing``).
        key: its key in ``api_call_limits`` (the server's spelling, ``requestes`` included).
        service: the server's limiting service it is filled from.
        applies_to: the server's own description, verbatim (inexact for ``outcome``, see the
            module docstring).
        minutely: calls allowed per minute (``None``: not limited per minute).
        hourly: calls allowed per hour (``None``: not limited per hour).
    """

    name: str
    key: str
    service: str
    applies_to: str
    minutely: int | None
    hourly: int | None


#: The budgets with the figures the real server advertised when this was written; they hold
#: until (or unless) ``website_status`` says otherwise.
BUDGETS: Final[Mapping[str, Budget]] = {
    "general": Budget(
        "general", "max_requestes_general", "websocket_call", "rest of calls", 180, 14400
    ),
    "outcome": Budget(
        "outcome",
        "max_requests_outcome",
        "websocket_call_expensive",
        "portfolio, statement and proposal",
        25,
        1500,
    ),
    "pricing": Budget(
        "pricing",
        "max_requests_pricing",
        "websocket_call_pricing",
        "proposal and proposal_open_contract",
        80,
        3600,
    ),
}

#: Never metered.
EXEMPT: Final = frozenset({"ping", "time"})

#: Calls metered by services whose figures are not advertised, with the service's name.
UNPUBLISHED: Final[Mapping[str, str]] = {
    "buy": "virtual_buy_transaction",
    "sell": "virtual_sell_transaction",
    "verify_email": "websocket_call_email",
}

#: The advertised number of concurrent proposal streams.
MAX_PROPOSAL_SUBSCRIPTION: Final = 5

_BUDGET_OF: Final[Mapping[str, str]] = {
    "portfolio": "outcome",
    "statement": "outcome",
    "profit_table": "outcome",
    "reality_check": "outcome",
    "proposal": "pricing",
    "proposal_open_contract": "pricing",
}


def budget_of(call: str) -> str | None:
    """The advertised budget ``call`` counts against (``None``: exempt or unpublished)."""
    if call in EXEMPT or call in UNPUBLISHED:
        return None
    return _BUDGET_OF.get(call, "general")


def client_key(app_id: int, loginid: str | None, ip: str, user_agent: str) -> str:
    """The key one client's counters are kept under, spelt like the server's.

    Args:
        app_id: the connection's ``app_id``.
        loginid: the authorized account (``None`` before ``authorize``).
        ip: the peer's IP address (not part of the key once authorized).
        user_agent: its ``User-Agent`` header, empty when it sent none (likewise).
    """
    if loginid is not None:
        return f"authorised::{app_id}/{loginid}"
    # The hash is an identifier, not a safeguard: MD5 is what the server keys by.
    agent = hashlib.md5(user_agent.encode(), usedforsecurity=False).hexdigest()
    return f"unauthorised::{app_id}/{ip}:{agent}"


def _positive_int(value: Any) -> int | None:
    if type(value) is int and value > 0:
        return value
    if type(value) is float and value.is_integer() and value > 0:
        return int(value)
    return None


def limits_from_website_status(status: Mapping[str, Any]) -> dict[str, Budget]:
    """The budgets a ``website_status`` payload advertises; missing ones keep the defaults.

    A window whose figure is not a positive whole number is taken as not limited.
    """
    advertised = status.get("api_call_limits")
    budgets = dict(BUDGETS)
    if not isinstance(advertised, Mapping):
        return budgets
    for name, budget in BUDGETS.items():
        entry = advertised.get(budget.key)
        if isinstance(entry, Mapping):
            budgets[name] = attrs.evolve(
                budget,
                minutely=_positive_int(entry.get("minutely")),
                hourly=_positive_int(entry.get("hourly")),
            )
    return budgets


def api_call_limits(
    budgets: Mapping[str, Budget] = BUDGETS,
    *,
    max_proposal_subscription: int = MAX_PROPOSAL_SUBSCRIPTION,
) -> dict[str, Any]:
    """The ``api_call_limits`` object of ``website_status``, as the server words it.

    A window without a figure is advertised as 0, the schema requiring a number.
    """
    limits: dict[str, Any] = {
        "max_proposal_subscription": {
            "applies_to": "subscribing to proposal concurrently",
            "max": max_proposal_subscription,
        }
    }
    for budget in budgets.values():
        limits[budget.key] = {
            "applies_to": budget.applies_to,
            "hourly": budget.hourly or 0,
            "minutely": budget.minutely or 0,
        }
    return limits
