"""The simulator's configuration: one frozen value, from Python, the command line or a bot config.

A bot config's ``simulator:`` section (``endpoint: embedded``) is this class, structured from
YAML by :mod:`framework.config`: the fields a bot config may set are ``seed``, ``speed``,
``balance``, ``currency`` and ``state``; the others are marked ``internal`` (the config
loader's word for "not from YAML") because the embedded simulator always listens on loopback
with its demo token. The ranges are field validators, so a bad value in a config is reported
at its own ``simulator.KEY`` path.

The built-in tokens (the demo token, the payment agent's) are printed in the docs and hold
every scope: a simulator that listens beyond loopback is refused unless
``expose_demo_tokens`` says that is meant (:func:`is_loopback`).
"""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Literal

import attrs
from attrs import validators as v

from framework.deriv.calls import ALL_SCOPES
from framework.market.pricing import PricingConfig

from .bars import DEFAULT_BAR_HISTORY_SECONDS
from .feed import DEFAULT_HISTORY_SECONDS
from .ratelimit import RateLimits

__all__ = ["DEMO_TOKEN", "SimulatorConfig", "TokenConfig", "is_loopback"]

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


def is_loopback(host: str) -> bool:
    """Whether listening on ``host`` is reachable from this machine only.

    ``localhost`` and loopback addresses (``127.0.0.0/8``, ``::1``) are; any other name, an
    empty host or ``0.0.0.0`` (every interface) is not - a name could resolve anywhere.
    """
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _default_tokens() -> tuple[TokenConfig, ...]:
    return (TokenConfig(DEMO_TOKEN),)


#: Field metadata: a bot config's ``simulator:`` section cannot set this field.
_INTERNAL = {"internal": True}
#: A bot config's seed is an int (``seed: yes`` is a YAML 1.1 leftover, not a seed).
_CONFIG_SEED = {"config_type": int}


@attrs.frozen
class SimulatorConfig:
    """Everything that shapes a simulator run.

    Attributes:
        host: interface to listen on.
        port: TCP port (0: any free port; read it back from ``Simulator.port``).
        seed: market seed; the same seed and genesis give the same ticks (an int in a bot
            config; the command line also takes a word).
        speed: simulated seconds per real second (> 0, at most 10000).
        start_epoch: the epoch the simulated clock starts at (default: now).
        tokens: accepted tokens; the default is one demo token with every scope.
        balance: opening balance of each configured account (0 to 10^9).
        currency: account currency (3-4 capital letters).
        outbox: file the verification emails are appended to (JSON lines).
        state: SQLite file that makes accounts and contracts survive a restart.
        faults: fault specification (see :func:`framework.simulator.faults.parse_faults`).
        rate_limits: request limits.
        pricing: commission and stake/payout limits (the market model's).
        history_seconds: how much past market each feed keeps as ticks.
        bar_history_seconds: how much past market each feed keeps as minute bars, for
            ``ticks_history`` candles of every granularity (drawn before genesis on demand).
        idle_timeout: close a connection after this many seconds without traffic either
            way (the real server: 120); ``None`` never.
        queue_size: messages buffered per connection before a slow client is dropped.
        app_ids: accepted ``app_id`` values (``None``: any well-formed one).
        expose_demo_tokens: allow a ``host`` beyond loopback although the built-in tokens
            (the demo token, the payment agent's; every scope, and well known) are live.
    """

    host: str = attrs.field(default="127.0.0.1", metadata=_INTERNAL)
    port: int = attrs.field(default=0, validator=[v.ge(0), v.le(65535)], metadata=_INTERNAL)
    seed: int | str = attrs.field(default=1, metadata=_CONFIG_SEED)
    speed: float = attrs.field(default=1.0, validator=[v.gt(0), v.le(10_000)])
    start_epoch: float | None = attrs.field(default=None, metadata=_INTERNAL)
    tokens: tuple[TokenConfig, ...] = attrs.field(factory=_default_tokens, metadata=_INTERNAL)
    balance: float = attrs.field(default=10_000.0, validator=[v.ge(0), v.le(1e9)])
    currency: str = attrs.field(default="USD", validator=v.matches_re(r"^[A-Z]{3,4}$"))
    outbox: Path | None = attrs.field(default=None, metadata=_INTERNAL)
    state: Path | None = None
    faults: str = attrs.field(default="", metadata=_INTERNAL)
    rate_limits: RateLimits = attrs.field(factory=RateLimits, metadata=_INTERNAL)
    pricing: PricingConfig = attrs.field(factory=PricingConfig, metadata=_INTERNAL)
    history_seconds: int = attrs.field(default=DEFAULT_HISTORY_SECONDS, metadata=_INTERNAL)
    bar_history_seconds: int = attrs.field(
        default=DEFAULT_BAR_HISTORY_SECONDS, validator=v.ge(0), metadata=_INTERNAL
    )
    idle_timeout: float | None = attrs.field(default=120.0, metadata=_INTERNAL)
    queue_size: int = attrs.field(default=10_000, metadata=_INTERNAL)
    app_ids: frozenset[int] | None = attrs.field(default=None, metadata=_INTERNAL)
    expose_demo_tokens: bool = attrs.field(default=False, metadata=_INTERNAL)

    def __attrs_post_init__(self) -> None:
        if not self.expose_demo_tokens and not is_loopback(self.host):
            # The payment agent's token is always live, so this holds with --token too.
            raise ValueError(
                f"host {self.host!r} is not a loopback address: the simulator's built-in "
                "tokens (every scope, printed in its docs) would be usable by anyone who "
                "reaches it; listen on 127.0.0.1, or allow it with expose_demo_tokens "
                "(triobot sim --expose-demo-tokens)"
            )
        seen: set[str] = set()
        for token in self.tokens:
            if token.token in seen:
                raise ValueError(f"token {token.token!r} given twice")
            seen.add(token.token)
