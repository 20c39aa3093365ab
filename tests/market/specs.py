"""The contract spec the market tests start from: ten USD on R_100 for five ticks."""

from __future__ import annotations

from typing import Any

from framework.market import ContractSpec


def spec(contract_type: str = "CALL", **fields: Any) -> ContractSpec:
    """A :class:`ContractSpec` of ``contract_type`` with the defaults overridden by ``fields``.

    ``fields`` is typed ``Any`` on purpose: the tests also pass values the spec must refuse.
    """
    args: dict[str, Any] = {"symbol": "R_100", "amount": 10.0, "duration": 5}
    args.update(fields)
    return ContractSpec(contract_type, **args)
