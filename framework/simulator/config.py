"""The simulator's configuration: one frozen value, from Python or from the command line."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import attrs

from framework.deriv.calls import ALL_SCOPES
from framework.market.pricing import PricingConfig

from .feed import DEFAULT_HISTORY_SECONDS
from .ratelimit import RateLimits

__all__ = ["DEMO_TOKEN", "SimulatorConfig", "TokenConfig"]

#: The token of the default demo account (all five scopes) when no token is configured.
DEMO_TOKEN = "demo-token-0001"


@attrs.frozen
class TokenConfig:
    """A token the simulator accepts.

    Attributes:
        token: the secret (``^[\\w-]{1,128}$``).
        scopes: its scopes.
        account: which account of the configured user it logs in to.
    """

    token: str
    scopes: tuple[str, ...] = ALL_SCOPES
    account: Literal["virtual", "real"] = "virtual"

    def __attrs_post_init__(self) -> None:
        unknown = sorted(set(self.scopes) - set(ALL_SCOPES))
        if unknown:
            raise ValueError(
                f"token {self.token!r}: unknown scope(s) {', '.join(unknown)} "
                f"(known: {', '.join(ALL_SCOPES)})"
            )


def _default_tokens() -> tuple[TokenConfig, ...]:
    return (TokenConfig(DEMO_TOKEN),)


@attrs.frozen
class SimulatorConfig:
    """Everything that shapes a simulator run.

    Attributes:
        host: interface to listen on.
        port: TCP port (0: any free port; read it back from ``Simulator.port``).
        seed: market seed; the same seed and genesis give the same ticks.
        speed: simulated seconds per real second.
        start_epoch: the epoch the simulated clock starts at (default: now).
        tokens: accepted tokens; the default is one demo token with every scope.
        balance: opening balance of each configured account.
        currency: account currency.
        outbox: file the verification emails are appended to (JSON lines).
        state: SQLite file that makes accounts and contracts survive a restart.
        faults: fault specification (see :func:`framework.simulator.faults.parse_faults`).
        rate_limits: request limits.
        pricing: commission and stake/payout limits (the market model's).
        history_seconds: how much past market each feed keeps.
        idle_timeout: close a connection after this many seconds without traffic either
            way (the real server: 120); ``None`` never.
        queue_size: messages buffered per connection before a slow client is dropped.
        app_ids: accepted ``app_id`` values (``None``: any well-formed one).
    """

    host: str = "127.0.0.1"
    port: int = 0
    seed: int | str = 1
    speed: float = 1.0
    start_epoch: float | None = None
    tokens: tuple[TokenConfig, ...] = attrs.field(factory=_default_tokens)
    balance: float = 10000.0
    currency: str = "USD"
    outbox: Path | None = None
    state: Path | None = None
    faults: str = ""
    rate_limits: RateLimits = attrs.field(factory=RateLimits)
    pricing: PricingConfig = attrs.field(factory=PricingConfig)
    history_seconds: int = DEFAULT_HISTORY_SECONDS
    idle_timeout: float | None = 120.0
    queue_size: int = 10_000
    app_ids: frozenset[int] | None = None

    def __attrs_post_init__(self) -> None:
        if not self.speed > 0:
            raise ValueError(f"speed must be positive, got {self.speed}")
        if self.balance < 0:
            raise ValueError(f"balance must not be negative, got {self.balance}")
        if not 0 <= self.port <= 65535:
            raise ValueError(f"port must be 0-65535, got {self.port}")
        seen: set[str] = set()
        for token in self.tokens:
            if token.token in seen:
                raise ValueError(f"token {token.token!r} given twice")
            seen.add(token.token)
