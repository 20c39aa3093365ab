"""The simulator's bank and fault rules refuse impossible requests with a clear reason."""

from __future__ import annotations

import re
import string

import pytest
from trio.testing import MockClock

from framework.simulator import Faults, Simulator, parse_faults
from framework.simulator.accounts import Bank
from tests.simulator.client import RawClient

NOW = 1_700_000_000


def test_accounts_and_tokens_are_unique() -> None:
    bank = Bank()
    first = bank.open_account(virtual=True, balance=10, now=NOW, loginid="VRTC5")
    with pytest.raises(ValueError, match="account VRTC5 already exists"):
        bank.open_account(virtual=True, balance=10, now=NOW, loginid="VRTC5")
    bank.issue_token(first.loginid, ["read"], now=NOW, token="fixed1")
    with pytest.raises(ValueError, match="token already exists"):
        bank.issue_token(first.loginid, ["read"], now=NOW, token="fixed1")
    with pytest.raises(ValueError, match="no account CR404"):
        bank.issue_token("CR404", now=NOW)
    with pytest.raises(ValueError, match="unknown scopes: fly, swim"):
        bank.issue_token(first.loginid, ["read", "swim", "fly"], now=NOW)


def test_generated_tokens_are_letters_and_digits_and_oauth_ones_are_marked() -> None:
    bank = Bank()
    account = bank.open_account(virtual=False, balance=0, now=NOW)
    api = bank.issue_token(account.loginid, ["trade", "read"], now=NOW)
    assert re.fullmatch(r"[A-Za-z0-9]{15}", api.token)
    assert api.scopes == ("read", "trade")  # in the API's order, not the caller's
    session = bank.issue_token(account.loginid, now=NOW, oauth=True)
    assert session.token.startswith("a1-") and set(session.token[3:]) <= set(
        string.ascii_letters + string.digits
    )
    assert bank.delete_token(api.token) and not bank.delete_token(api.token)


def test_fault_api_checks_its_arguments() -> None:
    faults = Faults()
    with pytest.raises(ValueError, match="when must be 'before' or 'after', not 'later'"):
        faults.drop_on("buy", when="later")  # type: ignore[arg-type]  # what a caller may pass
    with pytest.raises(ValueError, match="messages must be at least 1"):
        faults.drop_after(0)
    with pytest.raises(ValueError, match="seconds must not be negative"):
        faults.delay(-1)


@pytest.mark.parametrize(
    ("spec", "reason"),
    [
        ("drop_on", "needs a call"),
        ("drop_after=0", "messages must be at least 1"),
        ("delay=-1", "seconds must not be negative"),
        ("delay", "needs SECONDS, e.g. delay=0.5 or delay=0.5:proposal"),
        ("delay=soon", "could not convert string to float: 'soon'"),
    ],
)
def test_bad_fault_specs_quote_the_item(spec: str, reason: str) -> None:
    with pytest.raises(ValueError) as raised:
        parse_faults(f"stall=ping, {spec}")
    assert str(raised.value).startswith(f"bad fault {spec!r}: ")
    assert reason in str(raised.value)


def test_fault_spec_defaults() -> None:
    faults = parse_faults("drop_on=buy,delay=2:*")
    assert [(r.kind, r.call, r.times) for r in faults.rules] == [
        ("drop_before", "buy", 1),
        ("delay", None, None),
    ]
    assert faults.rules[1].seconds == 2.0


async def test_a_loginid_not_authorized_here_is_permission_denied(
    vclock: MockClock, trader: RawClient, sim: Simulator
) -> None:
    other, _ = sim.open_account()
    reply = await trader.call({"balance": 1, "loginid": other.loginid})
    assert reply["error"] == {
        "code": "PermissionDenied",
        "message": f"Permission denied, {other.loginid} is not authorized.",
    }
