"""Which token scopes a bot needs, and whether a token has them.

A bot makes the runtime's own calls (:data:`RUNTIME_CALLS`) plus what each strategy
declares in ``extra_calls``. The call table says which scopes allow each call (any one
suffices). :func:`bot_needs` lists the calls with who needs them; :func:`check_scopes`
compares them with ``authorize.scopes``:

* a call none of whose scopes the token holds makes a **missing** scope, reported with the
  calls and the strategies that need it; the bot must not start;
* scopes the token holds that no call of the bot can use are **unneeded**; ``payments``
  and ``admin`` among them deserve a warning (least privilege: a leaked trading bot token
  should not be able to withdraw money or mint new tokens).

Every command checks its token here, before it sends or starts anything: ``triobot run`` and
``check --online`` with :func:`bot_needs`, the account commands (``account``, ``agent``,
``oauth``, ``api``) with :func:`call_needs`. :func:`require_scopes` raises
:class:`MissingScopes`, one line naming each missing scope and the calls needing it, and the
command line exits with :data:`EXIT_SCOPES`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import attrs

from framework.deriv.calls import ALL_SCOPES, CALL_TABLE, get_call
from framework.errors import UserError

__all__ = [
    "DANGEROUS_SCOPES",
    "EXIT_SCOPES",
    "RUNTIME",
    "RUNTIME_CALLS",
    "CallNeed",
    "MissingScope",
    "MissingScopes",
    "ScopeReport",
    "bot_needs",
    "call_needs",
    "check_scopes",
    "needs_table",
    "report_scope",
    "require_scopes",
    "scopes_needed",
    "unknown_calls",
]

#: The exit code of every command whose token lacks a scope, is refused or is malformed.
EXIT_SCOPES = 3

#: Who the runtime's own calls are attributed to in reports.
RUNTIME = "runtime"

#: Calls the bot runtime makes itself: market data (ticks; the candles and history the
#: strategies declare), trading (the orders every strategy may give on its open contracts,
#: ``ctx.sell``/``update``/``cancel``, included), following contracts, and the
#: reconciliation calls it uses after a restart or a lost answer.
RUNTIME_CALLS: tuple[str, ...] = (
    "authorize",
    "ticks",
    "ticks_history",
    "proposal",
    "buy",
    "sell",
    "contract_update",
    "cancel",
    "proposal_open_contract",
    "transaction",
    "balance",
    "forget",
    "portfolio",
    "profit_table",
    "statement",
)

#: Scopes a trading bot never needs and a leaked token should not carry.
DANGEROUS_SCOPES: frozenset[str] = frozenset({"payments", "admin"})

# When a call accepts several scopes, report the one a user most likely grants to a bot.
_PREFERENCE = ("read", "trade", "trading_information", "payments", "admin")


@attrs.frozen
class CallNeed:
    """One call a bot makes.

    Attributes:
        call: the call name.
        scopes: scopes that allow it (any one suffices; empty: no authorization needed).
        needed_by: ``"runtime"`` and/or strategy names.
    """

    call: str
    scopes: tuple[str, ...]
    needed_by: tuple[str, ...]


@attrs.frozen
class MissingScope:
    """A scope the token lacks.

    Attributes:
        scope: the scope to grant.
        alternatives: other scopes that would do instead.
        calls: the calls that need it.
        needed_by: who makes those calls.
    """

    scope: str
    alternatives: tuple[str, ...]
    calls: tuple[str, ...]
    needed_by: tuple[str, ...]

    def describe(self) -> str:
        """``'read' (or 'trading_information') for statement, needed by runtime, momentum``."""
        alt = f" (or {', '.join(repr(a) for a in self.alternatives)})" if self.alternatives else ""
        who = f", needed by {', '.join(self.needed_by)}" if self.needed_by else ""
        return f"{self.scope!r}{alt} for {', '.join(self.calls)}{who}"


@attrs.frozen
class ScopeReport:
    """The outcome of comparing a bot's needs with a token's scopes.

    Attributes:
        needed: the scopes to report as needed (one per call, see :func:`report_scope`).
        token: the token's scopes.
        missing: scopes the token lacks, with who needs them.
        unneeded: token scopes no call of the bot can use.
    """

    needed: tuple[str, ...]
    token: tuple[str, ...]
    missing: tuple[MissingScope, ...]
    unneeded: tuple[str, ...]

    @property
    def ok(self) -> bool:
        """True when nothing is missing."""
        return not self.missing

    @property
    def dangerous(self) -> tuple[str, ...]:
        """Unneeded scopes that a trading bot's token should not carry."""
        return tuple(s for s in self.unneeded if s in DANGEROUS_SCOPES)

    def problems(self) -> list[str]:
        """One phrase per missing scope (see :meth:`MissingScope.describe`)."""
        return [m.describe() for m in self.missing]

    def warnings(self) -> list[str]:
        """One line per dangerous unneeded scope."""
        return [
            f"the token has scope {s!r}, which this bot never uses: create a token with "
            f"only {', '.join(repr(n) for n in self.needed)} (least privilege)"
            for s in self.dangerous
        ]


class MissingScopes(UserError):
    """The token lacks a scope that a call of the command needs; nothing was sent or started.

    The message is one line: each missing scope with the calls (and, for a bot, the
    strategies) that need it, the scopes the token has, and the scopes to create one with.

    Attributes:
        report: the comparison that failed.
        token_source: where the token came from (never the token itself).
        code: the error's name in a ``--json`` error document.
    """

    code = "MissingScopes"
    exit_code = EXIT_SCOPES

    def __init__(
        self, report: ScopeReport, *, token_source: str, consequence: str = "nothing was sent"
    ) -> None:
        noun = "scope" if len(report.missing) == 1 else "scopes"
        has = ", ".join(report.token) or "no scopes"
        super().__init__(
            f"the API token ({token_source}) lacks {noun} {'; '.join(report.problems())}; "
            f"it has: {has}. {consequence[:1].upper()}{consequence[1:]}; create a token "
            f"with scopes {', '.join(report.needed)} "
            f"(triobot oauth create-token NAME --scopes {','.join(report.needed)})."
        )
        self.report = report
        self.token_source = token_source


def report_scope(scopes: Iterable[str]) -> str | None:
    """Pick the scope to name for a call allowed by any of ``scopes``."""
    options = tuple(scopes)
    for scope in _PREFERENCE:
        if scope in options:
            return scope
    return options[0] if options else None


def unknown_calls(calls: Iterable[str]) -> list[str]:
    """Return the names in ``calls`` that are not API calls."""
    return [call for call in calls if call not in CALL_TABLE]


def bot_needs(strategies: Iterable[tuple[str, Any]]) -> tuple[CallNeed, ...]:
    """List the calls a bot makes and who makes them.

    Args:
        strategies: ``(name, strategy class)`` pairs; each class's ``extra_calls`` count.

    Returns:
        One :class:`CallNeed` per call, runtime calls first, in a stable order.

    Raises:
        ValueError: a strategy declares a call that does not exist.
    """
    users: dict[str, list[str]] = {call: [RUNTIME] for call in RUNTIME_CALLS}
    for name, cls in strategies:
        for call in getattr(cls, "extra_calls", ()):
            if call not in CALL_TABLE:
                raise ValueError(f"strategy {name!r} declares unknown API call {call!r}")
            who = users.setdefault(call, [])
            if name not in who:
                who.append(name)
    return tuple(CallNeed(call, CALL_TABLE[call].scopes, tuple(who)) for call, who in users.items())


def call_needs(calls: Iterable[str], needed_by: Iterable[str] = ()) -> tuple[CallNeed, ...]:
    """The needs of a command that makes ``calls`` (each listed once, in order).

    Raises:
        LocalProtocolError: a name that is not an API call (a programming error).
    """
    who = tuple(needed_by)
    return tuple(CallNeed(name, get_call(name).scopes, who) for name in dict.fromkeys(calls))


def check_scopes(needs: Iterable[CallNeed], token_scopes: Iterable[str]) -> ScopeReport:
    """Compare a bot's calls with a token's scopes.

    Args:
        needs: from :func:`bot_needs`.
        token_scopes: ``authorize.scopes``.

    Returns:
        The report; :attr:`ScopeReport.ok` is False when the bot must not start.
    """
    have = frozenset(token_scopes)
    needed: list[str] = []
    usable: set[str] = set()
    missing: dict[str, tuple[tuple[str, ...], list[str], list[str]]] = {}
    for need in needs:
        if not need.scopes:
            continue
        usable.update(need.scopes)
        scope = report_scope(need.scopes)
        assert scope is not None
        if scope not in needed:
            needed.append(scope)
        if any(s in have for s in need.scopes):
            continue
        alternatives = tuple(s for s in need.scopes if s != scope)
        _, calls, who = missing.setdefault(scope, (alternatives, [], []))
        calls.append(need.call)
        who.extend(w for w in need.needed_by if w not in who)
    order = {scope: i for i, scope in enumerate(ALL_SCOPES)}
    return ScopeReport(
        needed=tuple(sorted(needed, key=lambda s: order.get(s, 99))),
        token=tuple(sorted(have, key=lambda s: order.get(s, 99))),
        missing=tuple(
            MissingScope(scope, alt, tuple(calls), tuple(who))
            for scope, (alt, calls, who) in missing.items()
        ),
        unneeded=tuple(sorted(have - usable, key=lambda s: order.get(s, 99))),
    )


def needs_table(needs: Iterable[CallNeed]) -> list[tuple[str, str, str]]:
    """Rows ``(call, scope, needed by)`` for display (``-`` for calls needing no scope)."""
    rows = []
    for need in needs:
        scope = report_scope(need.scopes)
        alternatives = [s for s in need.scopes if s != scope]
        text = (
            "-"
            if scope is None
            else scope + (f" (or {', '.join(alternatives)})" if alternatives else "")
        )
        rows.append((need.call, text, ", ".join(need.needed_by)))
    return rows


def scopes_needed(needs: Iterable[CallNeed]) -> Mapping[str, tuple[str, ...]]:
    """The scope to grant for each call that needs one, by scope: ``{"trade": ("buy",)}``."""
    out: dict[str, list[str]] = {}
    for need in needs:
        scope = report_scope(need.scopes)
        if scope is not None:
            out.setdefault(scope, []).append(need.call)
    order = {scope: i for i, scope in enumerate(ALL_SCOPES)}
    ranked = sorted(out.items(), key=lambda item: order.get(item[0], 99))
    return {scope: tuple(calls) for scope, calls in ranked}


def require_scopes(
    needs: Iterable[CallNeed],
    token_scopes: Iterable[str],
    *,
    token_source: str,
    consequence: str = "nothing was sent",
) -> ScopeReport:
    """Compare like :func:`check_scopes`, and stop when a scope is missing.

    Args:
        needs: from :func:`bot_needs` or :func:`call_needs`.
        token_scopes: ``authorize.scopes``.
        token_source: where the token came from, for the message.
        consequence: what did not happen, for the message (``"nothing was started"``).

    Returns:
        The report (its warnings are the caller's to show).

    Raises:
        MissingScopes: the token lacks a scope a call needs.
    """
    report = check_scopes(needs, token_scopes)
    if not report.ok:
        raise MissingScopes(report, token_source=token_source, consequence=consequence)
    return report
