"""Exponential backoff with jitter, capped, with an attempt budget.

Full jitter (a delay drawn uniformly between half and all of the exponential step) keeps many
bots that lost the same server from reconnecting in lockstep.
"""

from __future__ import annotations

import random

import attrs

__all__ = ["Backoff", "BackoffPolicy"]


@attrs.frozen
class BackoffPolicy:
    """How reconnection attempts are spaced.

    Attributes:
        initial: the first step, seconds.
        factor: each step is the previous one times this.
        maximum: steps never exceed this, seconds.
        jitter: fraction of each step that is randomised (0 = none, 1 = full).
        max_attempts: attempts allowed since the connection was last healthy; ``None`` means
            retry forever.
        healthy_after: a connection that stayed up this long resets the attempt count.
    """

    initial: float = attrs.field(default=0.5, validator=attrs.validators.gt(0))
    factor: float = attrs.field(default=2.0, validator=attrs.validators.ge(1))
    maximum: float = attrs.field(default=30.0, validator=attrs.validators.gt(0))
    jitter: float = attrs.field(
        default=0.5, validator=[attrs.validators.ge(0), attrs.validators.le(1)]
    )
    max_attempts: int | None = 20
    healthy_after: float = attrs.field(default=60.0, validator=attrs.validators.ge(0))


class Backoff:
    """Stateful delays for one connection.

    Args:
        policy: the spacing rules.
        rng: the random source (seed it in tests for repeatable delays).
    """

    def __init__(self, policy: BackoffPolicy, rng: random.Random | None = None) -> None:
        self.policy = policy
        self._rng = rng or random.Random()
        self.attempts = 0

    def reset(self) -> None:
        """Forget past failures (the connection has been healthy)."""
        self.attempts = 0

    def next_delay(self) -> float | None:
        """Return the delay before the next attempt, or ``None`` when the budget is spent."""
        policy = self.policy
        if policy.max_attempts is not None and self.attempts >= policy.max_attempts:
            return None
        step = min(policy.maximum, policy.initial * policy.factor**self.attempts)
        self.attempts += 1
        return step * (1 - policy.jitter * self._rng.random())
