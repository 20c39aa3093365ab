"""Exponential backoff with jitter, capped, with a budget for each of two phases.

Full jitter (a delay drawn uniformly between half and all of the exponential step) keeps many
bots that lost the same server from reconnecting in lockstep.

The budget depends on whether the connection was ever established (connected and
authorized) in this process:

* **never connected yet**: the attempts share ``first_connect`` seconds, counted from the
  first attempt, each attempt's own connecting time included. A server that cannot be reached
  now is most likely a wrong endpoint or a network that is down, and the user should hear
  about it in seconds, not after twenty reconnects.
* **once connected**: ``max_attempts`` attempts since the connection was last healthy, however
  long they take. A connection that worked is worth waiting for through an outage.
"""

from __future__ import annotations

import random

import attrs

__all__ = ["Backoff", "BackoffPolicy"]


@attrs.frozen
class BackoffPolicy:
    """How reconnection attempts are spaced, and when to give up.

    Attributes:
        initial: the first step, seconds.
        factor: each step is the previous one times this.
        maximum: steps never exceed this, seconds.
        jitter: fraction of each step that is randomised (0 = none, 1 = full).
        max_attempts: attempts allowed since the connection was last healthy; ``None`` means
            retry forever.
        healthy_after: a connection that stayed up this long resets the attempt count.
        first_connect: seconds the first connection of a process may take, every attempt
            and its connecting time included; when they run out, the connection gives up.
    """

    initial: float = attrs.field(default=0.5, validator=attrs.validators.gt(0))
    factor: float = attrs.field(default=2.0, validator=attrs.validators.ge(1))
    maximum: float = attrs.field(default=30.0, validator=attrs.validators.gt(0))
    jitter: float = attrs.field(
        default=0.5, validator=[attrs.validators.ge(0), attrs.validators.le(1)]
    )
    max_attempts: int | None = 20
    healthy_after: float = attrs.field(default=60.0, validator=attrs.validators.ge(0))
    first_connect: float = attrs.field(
        default=10.0, validator=[attrs.validators.gt(0), attrs.validators.le(86_400)]
    )


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

    def next_delay(self, *, within: float | None = None) -> float | None:
        """Return the delay before the next attempt, or ``None`` when the budget is spent.

        Args:
            within: seconds left of a budget in time (the first connection's), ``None`` when
                there is none; a delay that would use them all up spends the budget too,
                since the attempt after it would have no time left to connect.
        """
        policy = self.policy
        if policy.max_attempts is not None and self.attempts >= policy.max_attempts:
            return None
        step = min(policy.maximum, policy.initial * policy.factor**self.attempts)
        delay = step * (1 - policy.jitter * self._rng.random())
        if within is not None and delay >= within:
            return None
        self.attempts += 1
        return delay
