"""Rate-limit facts: the server's grouping, the advertisement, and both limiters agreeing."""

from __future__ import annotations

import pytest
import trio

from framework.connection.ratelimit import RateLimiter as ClientLimiter
from framework.deriv import CALL_TABLE
from framework.deriv.ratelimits import (
    BUDGETS,
    EXEMPT,
    UNPUBLISHED,
    api_call_limits,
    budget_of,
    client_key,
    limits_from_website_status,
)
from framework.simulator.ratelimit import RateLimiter as SimLimiter
from framework.simulator.ratelimit import RateLimits

#: The server's ``%rate_limit_map`` (virtual accounts), written out independently of the module:
#: the calls it names, by the budget they count against (``None``: none of the advertised ones).
SERVER_GROUPS: dict[str | None, set[str]] = {
    "outcome": {"portfolio", "statement", "profit_table", "reality_check"},
    "pricing": {"proposal", "proposal_open_contract"},
    None: {"ping", "time", "buy", "sell", "verify_email"},
}

#: A call known to count against each budget, to probe which budget another call used.
PROBES = {"general": "active_symbols", "outcome": "statement", "pricing": "proposal"}


def test_grouping_follows_the_server_implementation() -> None:
    for expected, calls in SERVER_GROUPS.items():
        for call in calls:
            assert call in CALL_TABLE
            assert budget_of(call) == expected, call
    # Everything the map does not name is general, trading calls included.
    for call in ("active_symbols", "ticks", "ticks_history", "balance", "sell_expired", "forget"):
        assert budget_of(call) == "general"
    assert EXEMPT | set(UNPUBLISHED) == SERVER_GROUPS[None]


def test_every_named_call_exists() -> None:
    named = set(EXEMPT) | set(UNPUBLISHED) | set(PROBES.values())
    assert named <= set(CALL_TABLE)


def test_advertised_limits_read_back_to_the_same_budgets() -> None:
    advertised = api_call_limits()
    assert advertised["max_requestes_general"] == {
        "applies_to": "rest of calls",
        "hourly": 14400,
        "minutely": 180,
    }
    assert advertised["max_requests_outcome"]["minutely"] == 25
    assert advertised["max_proposal_subscription"] == {
        "applies_to": "subscribing to proposal concurrently",
        "max": 5,
    }
    assert limits_from_website_status({"api_call_limits": advertised}) == dict(BUDGETS)


def test_advertised_figures_override_defaults_and_bad_ones_mean_unlimited() -> None:
    limits = limits_from_website_status(
        {
            "api_call_limits": {
                "max_requests_outcome": {"minutely": 10.0, "hourly": 100},
                "max_requests_pricing": {"minutely": 0, "hourly": "many"},
            }
        }
    )
    assert (limits["outcome"].minutely, limits["outcome"].hourly) == (10, 100)
    assert (limits["pricing"].minutely, limits["pricing"].hourly) == (None, None)
    assert limits["general"] == BUDGETS["general"]  # not advertised: the default stays
    assert limits_from_website_status({"api_call_limits": "n/a"}) == dict(BUDGETS)
    assert limits_from_website_status({}) == dict(BUDGETS)


def _one_a_minute() -> RateLimits:
    return RateLimits().per_minute(general=1, outcome=1, pricing=1)


def _simulator_budgets(call: str) -> set[str]:
    """The budgets a first ``call`` used up on a simulator connection allowing one a minute."""
    used = set()
    for name, probe in PROBES.items():
        limiter = SimLimiter(_one_a_minute())
        assert limiter.allow("c", call, 0.0)
        if not limiter.allow("c", probe, 1.0):
            used.add(name)
    return used


async def _client_budgets(call: str) -> set[str]:
    """The budgets a first ``call`` used up in the client's limiter allowing one a minute."""
    budgets = _one_a_minute().budgets
    used = set()
    for name, probe in PROBES.items():
        limiter = ClientLimiter(budgets)
        await limiter.acquire(call)
        with trio.move_on_after(1) as waited:
            await limiter.acquire(probe)
        if waited.cancelled_caught:
            used.add(name)
    return used


async def test_client_and_simulator_agree_call_by_call(autojump_clock: trio.abc.Clock) -> None:
    disagree = {}
    for call in sorted(CALL_TABLE):
        client, simulator = await _client_budgets(call), _simulator_budgets(call)
        expected = budget_of(call)
        if not client == simulator == ({expected} if expected else set()):
            disagree[call] = (client, simulator)
    assert disagree == {}


@pytest.mark.parametrize("call", ["ping", "time", "buy", "sell"])
def test_unmetered_calls_are_never_refused(call: str) -> None:
    limiter = SimLimiter(_one_a_minute())
    assert all(limiter.allow("c", call, 0.0) for _ in range(100))


def test_the_client_key_names_the_account_once_authorized_else_the_peer() -> None:
    ip = "10.0.0.1"
    assert client_key(1089, "VRTC1", ip, "Firefox") == "authorised::1089/VRTC1"
    assert client_key(1089, "VRTC1", ip, "Firefox") == client_key(1089, "VRTC1", "::1", "curl")
    assert client_key(1089, "VRTC1", ip, "") != client_key(1090, "VRTC1", ip, "")
    assert client_key(1089, None, ip, "Firefox") != client_key(1089, None, ip, "curl")
    assert client_key(1089, None, ip, "curl") != client_key(1089, None, "10.0.0.2", "curl")
    # The server's spelling: app_id/ip:md5(user agent); no header hashes as "".
    assert client_key(1089, None, ip, "") == (
        "unauthorised::1089/10.0.0.1:d41d8cd98f00b204e9800998ecf8427e"
    )
