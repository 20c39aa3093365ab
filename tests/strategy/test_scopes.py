"""Scopes: the calls a bot makes, what its token lacks, and what it should not have."""

from __future__ import annotations

from typing import ClassVar

import pytest

from framework.scopes import (
    EXIT_SCOPES,
    RUNTIME_CALLS,
    MissingScopes,
    bot_needs,
    call_needs,
    check_scopes,
    needs_table,
    require_scopes,
    scopes_needed,
)
from framework.strategy import NoParams, Strategy


class Lister(Strategy[NoParams]):
    Params = NoParams
    extra_calls: ClassVar[tuple[str, ...]] = ("sell", "ticks_history")


class Statement(Strategy[NoParams]):
    Params = NoParams
    extra_calls: ClassVar[tuple[str, ...]] = ("statement", "get_limits")


def test_runtime_calls_need_read_and_trade() -> None:
    needs = bot_needs([])
    assert [n.call for n in needs] == list(RUNTIME_CALLS)
    assert dict(scopes_needed(needs)) == {
        "read": ("proposal_open_contract", "transaction", "balance", "portfolio",
                 "profit_table", "statement"),
        "trade": ("buy", "sell", "contract_update", "cancel"),
    }  # fmt: skip
    assert check_scopes(needs, ["read", "trade"]).ok


def test_missing_scope_names_the_call_and_the_strategy() -> None:
    needs = bot_needs([("scalper", Lister), ("auditor", Statement)])
    report = check_scopes(needs, ["read"])
    assert not report.ok
    (missing,) = report.missing
    assert missing.scope == "trade"
    assert missing.calls == ("buy", "sell", "contract_update", "cancel")
    assert missing.needed_by == ("runtime", "scalper")
    assert report.problems() == [
        "'trade' for buy, sell, contract_update, cancel, needed by runtime, scalper"
    ]


def test_a_strategy_only_scope_is_attributed_to_that_strategy() -> None:
    needs = bot_needs([("auditor", Statement)])
    report = check_scopes(needs, ["trade", "trading_information"])
    # trading_information covers the runtime's read calls but not get_limits (read only).
    (missing,) = report.missing
    assert (missing.scope, missing.calls, missing.needed_by) == ("read", ("get_limits",),
                                                                 ("auditor",))  # fmt: skip


def test_any_one_of_a_calls_scopes_suffices() -> None:
    report = check_scopes(bot_needs([]), ["trade", "trading_information"])
    assert report.ok and report.unneeded == ()


def test_payments_and_admin_are_flagged_as_unneeded() -> None:
    report = check_scopes(bot_needs([]), ["read", "trade", "payments", "admin"])
    assert report.ok
    assert report.unneeded == ("payments", "admin")
    assert report.dangerous == ("payments", "admin")
    assert len(report.warnings()) == 2 and "least privilege" in report.warnings()[0]


def test_unknown_extra_call_is_refused() -> None:
    class Typo(Strategy[NoParams]):
        Params = NoParams
        extra_calls: ClassVar[tuple[str, ...]] = ("buyy",)

    with pytest.raises(ValueError, match="strategy 'x' declares unknown API call 'buyy'"):
        bot_needs([("x", Typo)])


def test_table_rows() -> None:
    rows = dict((call, (scope, who)) for call, scope, who in needs_table(bot_needs([])))
    assert rows["buy"] == ("trade", "runtime")
    assert rows["ticks"] == ("-", "runtime")
    assert rows["balance"] == ("read (or trading_information)", "runtime")


def test_require_scopes_raises_one_line_naming_every_missing_scope() -> None:
    needs = call_needs(["balance", "topup_virtual", "paymentagent_transfer"])
    with pytest.raises(MissingScopes) as caught:
        require_scopes(needs, ["read"], token_source="DERIV_TOKEN")
    error = caught.value
    assert error.exit_code == EXIT_SCOPES
    assert str(error) == (
        "the API token (DERIV_TOKEN) lacks scopes 'trade' for topup_virtual; "
        "'payments' for paymentagent_transfer; it has: read. Nothing was sent; create a token "
        "with scopes read, trade, payments "
        "(triobot oauth create-token NAME --scopes read,trade,payments)."
    )
    assert [m.scope for m in error.report.missing] == ["trade", "payments"]


def test_require_scopes_returns_the_report_when_nothing_is_missing() -> None:
    report = require_scopes(call_needs(["ping", "balance"]), ["read", "admin"], token_source="x")
    assert report.ok and report.unneeded == ("admin",)
