"""Call handlers, one module per call family; :data:`HANDLERS` maps call name to handler."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from ..dispatch import Handler
from . import accounts, auth, lifecycle, market, pricing, profile, trading, utility

__all__ = ["HANDLERS"]


def _merge() -> dict[str, Handler]:
    merged: dict[str, Handler] = {}
    for module in (utility, auth, market, pricing, trading, lifecycle, accounts, profile):
        overlap = merged.keys() & module.HANDLERS.keys()
        if overlap:
            raise RuntimeError(f"calls handled twice: {sorted(overlap)}")
        merged.update(module.HANDLERS)
    return merged


#: Every implemented call.
HANDLERS: Mapping[str, Handler] = MappingProxyType(_merge())
