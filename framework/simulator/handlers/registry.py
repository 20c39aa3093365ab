"""A tiny registry: each handler module fills its own table with ``@handles("call")``."""

from __future__ import annotations

from collections.abc import Callable

from ..dispatch import Handler

__all__ = ["registrar"]


def registrar(table: dict[str, Handler]) -> Callable[..., Callable[[Handler], Handler]]:
    """Return a decorator that records handlers in ``table`` under one or more call names."""

    def handles(*names: str) -> Callable[[Handler], Handler]:
        def record(handler: Handler) -> Handler:
            for name in names:
                if name in table:
                    raise RuntimeError(f"two handlers for {name}")
                table[name] = handler
            return handler

        return record

    return handles
