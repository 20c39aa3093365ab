"""The session's connection sends only what the command declared (and so checked)."""

from __future__ import annotations

import pytest

from bots.accounting import EndpointOptions, Session, run_session
from bots.accounting.session import Body
from framework.runtime.groups import sole_error
from tests.bots.conftest import Wiretap


def _refusal(body: Body) -> str:
    """What a command declaring only ``balance`` fails with when ``body`` runs."""
    with pytest.raises(BaseExceptionGroup) as caught:  # a bug, not a user error: unwrapped
        run_session(EndpointOptions(), ("balance",), body)
    error = sole_error(caught.value)
    assert isinstance(error, RuntimeError)
    return str(error)


def test_an_undeclared_call_is_refused_before_it_is_sent(wiretap: Wiretap) -> None:
    async def body(session: Session) -> int:
        await session.client.balance()
        await session.client.portfolio()  # not declared: the scope check did not cover it
        return 0

    assert _refusal(body) == "portfolio was not declared in the command's calls"
    assert "balance" in wiretap.calls and "portfolio" not in wiretap.calls


def test_an_undeclared_stream_is_refused(wiretap: Wiretap) -> None:
    async def body(session: Session) -> int:
        async with session.client.transaction():
            return 0  # pragma: no cover - refused on entry

    assert _refusal(body) == "transaction was not declared in the command's calls"
    assert "transaction" not in wiretap.calls
