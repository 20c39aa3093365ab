"""Typed view of the generated call table.

Every Deriv v3 call has a :class:`CallSpec`: whether it needs an authorized connection, which
token scopes allow it (any one suffices), whether it streams, which ``msg_type`` values its
answers carry and the compact request schema the encoder checks against.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from ._calltable import CALLS
from .errors import LocalProtocolError

__all__ = [
    "ALL_SCOPES",
    "API_GUIDE_CALLS",
    "CALL_TABLE",
    "COMMON_FIELDS",
    "CallSpec",
    "call_of_request",
    "get_call",
    "sensitive_fields",
]

#: Token scopes the API knows, in the order the docs list them.
ALL_SCOPES: tuple[str, ...] = ("read", "trade", "trading_information", "payments", "admin")

#: The calls the API guide walks through (trading, accounts, accounting, payment agents,
#: utilities, app registration). The typed client has a method for each.
API_GUIDE_CALLS: tuple[str, ...] = (
    "authorize", "logout", "balance", "ticks", "ticks_history", "active_symbols",
    "contracts_for", "payout_currencies", "trading_times", "proposal", "buy", "sell",
    "proposal_open_contract", "transaction", "portfolio", "statement", "profit_table",
    "sell_expired", "verify_email", "new_account_virtual", "topup_virtual", "residence_list",
    "states_list", "new_account_real", "landing_company", "landing_company_details",
    "paymentagent_list", "paymentagent_withdraw", "paymentagent_transfer", "api_token",
    "app_register", "app_list", "get_limits", "ping", "time", "website_status", "forget",
    "forget_all",
)  # fmt: skip

#: Fields every call accepts and that are not part of a call's payload.
COMMON_FIELDS: frozenset[str] = frozenset({"req_id", "passthrough", "loginid"})


@attrs.frozen
class CallSpec:
    """Facts about one API call.

    Attributes:
        name: the call key, e.g. ``"ticks"``.
        auth_required: the connection must be authorized first.
        scopes: token scopes that allow the call; any one of them suffices. Empty when the
            call needs no authorization.
        subscribable: the request accepts ``subscribe``.
        msg_types: the ``msg_type`` values its answers carry (``ticks`` answers ``tick``).
        required: required fields besides the call key.
        sensitive: fields whose values must never be logged or echoed.
        request: the compact JSON schema of the request.
    """

    name: str
    auth_required: bool
    scopes: tuple[str, ...]
    subscribable: bool
    msg_types: tuple[str, ...]
    required: tuple[str, ...]
    sensitive: tuple[str, ...]
    request: Mapping[str, Any] = attrs.field(repr=False)

    @property
    def fields(self) -> frozenset[str]:
        """All field names the request accepts (the call key included)."""
        return frozenset(self.request.get("properties", {}))

    def allowed_by(self, token_scopes: frozenset[str] | set[str] | tuple[str, ...]) -> bool:
        """Whether a token holding ``token_scopes`` may make this call."""
        return not self.scopes or any(scope in token_scopes for scope in self.scopes)


def _build() -> dict[str, CallSpec]:
    return {
        name: CallSpec(
            name=name,
            auth_required=facts["auth_required"],
            scopes=tuple(facts["scopes"]),
            subscribable=facts["subscribable"],
            msg_types=tuple(facts["msg_types"]),
            required=tuple(facts["required"]),
            sensitive=tuple(facts["sensitive"]),
            request=facts["request"],
        )
        for name, facts in CALLS.items()
    }


#: Every call of the API, by name.
CALL_TABLE: Mapping[str, CallSpec] = _build()

_ALL_SENSITIVE: frozenset[str] = frozenset(
    field for spec in CALL_TABLE.values() for field in spec.sensitive
)


def get_call(name: str) -> CallSpec:
    """Return the spec of ``name`` or raise :class:`LocalProtocolError`."""
    try:
        return CALL_TABLE[name]
    except KeyError:
        raise LocalProtocolError(f"unknown call {name!r}", call=name) from None


def call_of_request(request: Mapping[str, Any]) -> CallSpec | None:
    """Return the call a request dict is for, or ``None`` when no key names a call.

    A few calls have a field named like another call (``active_symbols`` takes
    ``landing_company``), so with several call-named keys the call is the one whose fields
    include all the others; failing that, the first.
    """
    candidates = [CALL_TABLE[key] for key in request if key in CALL_TABLE]
    if len(candidates) <= 1:
        return candidates[0] if candidates else None
    for spec in candidates:
        if all(other.name in spec.fields for other in candidates if other is not spec):
            return spec
    return candidates[0]


def sensitive_fields() -> frozenset[str]:
    """Names of every field that any call marks sensitive."""
    return _ALL_SENSITIVE
