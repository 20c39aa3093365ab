"""Every synthetic family through the simulator over a real loopback socket.

``active_symbols`` lists each family with its names; on each symbol of the newer families a
contract of every category ``contracts_for`` offers is bought and followed to its end (the
open-ended ones sold), and every frame both ways validates against Deriv's official schemas
where ``../shared`` is present.
"""

from __future__ import annotations

import math
from typing import Any

import pytest
from trio.testing import MockClock

from framework.deriv.calls import call_of_request
from framework.market.symbols import SymbolSpec, get_symbol, symbols
from framework.market.ticks import YEAR_SECONDS
from framework.simulator import open_simulator
from framework.simulator.ratelimit import RateLimits
from tests import schemas
from tests.simulator.client import SocketClient, connect_tcp
from tests.simulator.conftest import sim_options

#: The families added beside the first Volatility, Jump and Step indices, by family.
FAMILIES: dict[str, tuple[str, ...]] = {
    "volatility_1s": ("1HZ15V", "1HZ30V", "1HZ90V", "1HZ150V", "1HZ250V"),
    "jump": ("JD150", "JD200"),
    "step": ("stpRNG2", "stpRNG3", "stpRNG4", "stpRNG5"),
    "boom": ("BOOM300N", "BOOM500", "BOOM600", "BOOM900", "BOOM1000"),
    "crash": ("CRASH300N", "CRASH500", "CRASH600", "CRASH900", "CRASH1000"),
    "range_break": ("RB100", "RB200"),
    "daily_reset": ("RDBULL", "RDBEAR"),
}

STAKE = 10


def _barrier(spec: SymbolSpec, spot: float, sign: str) -> str:
    """A relative barrier about one standard deviation of five minutes away."""
    offset = spot * spec.volatility * math.sqrt(300 / YEAR_SECONDS)
    offset = max(round(offset, spec.pip_size), 5 * spec.pip)
    return f"{sign}{offset:.{spec.pip_size}f}"


def _terms(category: str, spec: SymbolSpec, spot: float, offered: dict[str, Any]) -> dict[str, Any]:
    """Parameters of one contract of ``category``, from what ``contracts_for`` offered."""
    base = {"symbol": spec.symbol, "currency": "USD", "amount": STAKE, "basis": "stake"}
    if category == "multiplier":
        return {**base, "contract_type": "MULTUP", "multiplier": offered["multiplier_range"][0]}
    if category == "accumulator":
        return {**base, "contract_type": "ACCU", "growth_rate": offered["growth_rate_range"][-1]}
    up, down = _barrier(spec, spot, "+"), _barrier(spec, spot, "-")
    by_category: dict[str, dict[str, Any]] = {
        "callput": {"contract_type": "CALL", "duration": 5, "duration_unit": "t"},
        "callputequal": {"contract_type": "PUTE", "duration": 3, "duration_unit": "t"},
        "digits": {"contract_type": "DIGITEVEN", "duration": 1, "duration_unit": "t"},
        "touchnotouch": {
            "contract_type": "ONETOUCH", "barrier": up, "duration": 5, "duration_unit": "t",
        },
        "endsinout": {
            "contract_type": "EXPIRYRANGE", "barrier": up, "barrier2": down, "duration": 2,
            "duration_unit": "m",
        },
        "staysinout": {
            "contract_type": "RANGE", "barrier": up, "barrier2": down, "duration": 2,
            "duration_unit": "m",
        },
        "highlowticks": {
            "contract_type": "TICKHIGH", "selected_tick": 1, "duration": 5, "duration_unit": "t",
        },
        "runs": {"contract_type": "RUNHIGH", "duration": 2, "duration_unit": "t"},
    }  # fmt: skip
    return {**base, **by_category[category]}


def _validate(frames: list[tuple[str, dict[str, Any]]]) -> None:
    """Check each frame against its call's official schema (where the schemas are)."""
    if not schemas.SCHEMA_DIR.is_dir():
        return
    failures = []
    for kind, frame in frames:
        request = frame if kind == "send" else frame["echo_req"]
        spec = call_of_request(request)
        assert spec is not None, frame
        errors = sorted(schemas.validator(spec.name, kind).iter_errors(frame), key=str)
        if errors:
            failures.append((kind, spec.name, errors[0].message, list(errors[0].path)))
    assert not failures, failures[:5]


class _Recorder:
    """A socket client that keeps every frame it sends, for the schema check."""

    def __init__(self, raw: SocketClient) -> None:
        self.raw = raw
        self.sent: list[dict[str, Any]] = []

    async def call(self, request: dict[str, Any]) -> dict[str, Any]:
        rid = await self.raw.send(request)
        self.sent.append({**request, "req_id": rid})
        return await self.raw.wait(lambda m: m.get("req_id") == rid, limit=600)

    def frames(self) -> list[tuple[str, dict[str, Any]]]:
        return [("send", f) for f in self.sent] + [("receive", f) for f in self.raw.seen]


async def _trade_everything(client: _Recorder, symbol: str) -> dict[str, str]:
    """Buy one contract of each offered category on ``symbol``; follow each to its end."""
    spec = get_symbol(symbol)
    offered = (await client.call({"contracts_for": symbol}))["contracts_for"]
    by_category: dict[str, dict[str, Any]] = {}
    for row in offered["available"]:
        by_category.setdefault(row["contract_category"], row)
    assert set(by_category) == set(spec.contract_categories)
    open_ones: dict[str, tuple[str, int]] = {}  # subscription id -> (category, contract id)
    for category, row in by_category.items():
        terms = _terms(category, spec, offered["spot"], row)
        bought = await client.call(
            {"buy": "1", "price": STAKE, "parameters": terms, "subscribe": 1}
        )
        assert "error" not in bought, (symbol, category, bought)
        open_ones[bought["subscription"]["id"]] = (category, bought["buy"]["contract_id"])
    ended: dict[str, str] = {}
    sold_asked: set[int] = set()
    while open_ones:
        update = await client.raw.wait(
            lambda m: m.get("subscription", {}).get("id") in open_ones, limit=900
        )
        assert "error" not in update, update
        view = update["proposal_open_contract"]
        category, contract_id = open_ones[update["subscription"]["id"]]
        if view.get("is_sold"):
            ended[category] = view["status"]
            del open_ones[update["subscription"]["id"]]
        elif (
            category == "multiplier" and contract_id not in sold_asked and view["is_valid_to_sell"]
        ):
            sold_asked.add(contract_id)
            sold = await client.call({"sell": contract_id, "price": 0})
            assert "error" not in sold, sold
    return ended


@pytest.mark.parametrize("family", sorted(FAMILIES))
async def test_each_offered_category_buys_and_settles(vclock: MockClock, family: str) -> None:
    options = sim_options(rate_limits=RateLimits(enabled=False))
    async with open_simulator(**options) as sim, connect_tcp(sim) as raw:
        client = _Recorder(raw)
        authorized = await client.call({"authorize": sim.token})
        assert "error" not in authorized, authorized
        for symbol in FAMILIES[family]:
            ended = await _trade_everything(client, symbol)
            spec = get_symbol(symbol)
            assert set(ended) == set(spec.contract_categories)
            # Options end won or lost; an open-ended contract sold (or knocked out) is "sold"
            # or "lost".
            assert all(status in ("won", "lost", "sold") for status in ended.values()), ended
        _validate(client.frames())


async def test_active_symbols_lists_every_family(vclock: MockClock) -> None:
    async with open_simulator(**sim_options()) as sim, connect_tcp(sim) as raw:
        client = _Recorder(raw)
        listed = (await client.call({"active_symbols": "brief"}))["active_symbols"]
        full = (await client.call({"active_symbols": "full"}))["active_symbols"]
        _validate(client.frames())
    by_symbol = {entry["symbol"]: entry for entry in listed}
    assert list(by_symbol) == [spec.symbol for spec in symbols()]
    for symbol in (s for group in FAMILIES.values() for s in group):
        spec = get_symbol(symbol)
        entry = by_symbol[symbol]
        assert (entry["display_name"], entry["submarket"], entry["pip"]) == (
            spec.display_name,
            spec.submarket,
            spec.pip,
        )
    submarkets = {e["submarket"]: e["submarket_display_name"] for e in listed}
    assert submarkets["crash_index"] == "Crash/Boom Indices"
    assert submarkets["random_daily"] == "Daily Reset Indices"
    assert submarkets["range_index"] == "Range Break Indices"
    assert submarkets["step_index"] == "Step Indices"
    # ``full`` quotes each symbol's spot at its own pip size.
    for entry in full:
        spec = get_symbol(entry["symbol"])
        assert entry["spot"] == round(entry["spot"], spec.pip_size)
