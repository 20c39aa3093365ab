"""The simulator's clock: epochs that can run faster than real time.

Every epoch the simulator shows (tick epochs, purchase times, ``time``) comes from one
:class:`SimClock`. It maps Trio's clock to epochs: ``epoch = start_epoch + elapsed * speed``,
where ``elapsed`` is :func:`trio.current_time` minus the moment the clock was created. Sleeping
until an epoch is :func:`trio.sleep_until` on the matching Trio time, so

* with ``speed=1`` ticks arrive in real time,
* with ``speed=N`` everything (ticks, expiries, rate-limit windows) runs N times faster,
* under pytest-trio's ``autojump_clock`` nothing waits at all: Trio's virtual clock jumps
  straight to the next tick.

Simulated time never goes backwards across a restart: a simulator restarted from its
state file starts its clock at the later of its configured start and the epoch it had
reached when it stopped (``not_before``). An accelerated simulator runs ahead of the wall
clock, so restarting it at wall time would make every epoch it already showed (a tick a
buy was sent on, a purchase time) lie in its future.
"""

from __future__ import annotations

import time

import trio

__all__ = ["SimClock"]


class SimClock:
    """Maps Trio time to simulated epochs.

    Must be created inside a Trio run (it reads :func:`trio.current_time`).

    Attributes:
        start_epoch: the epoch at creation.
        speed: simulated seconds per real (or virtual) second.
    """

    __slots__ = ("_t0", "speed", "start_epoch")

    def __init__(
        self,
        *,
        speed: float = 1.0,
        start_epoch: float | None = None,
        not_before: float | None = None,
    ) -> None:
        """Create a clock.

        Args:
            speed: simulated seconds per Trio second; must be positive.
            start_epoch: the epoch "now" maps to; defaults to the wall clock.
            not_before: the epoch a previous run of the same simulator had reached; the
                clock starts no earlier.

        Raises:
            ValueError: when ``speed`` is not positive.
        """
        if not speed > 0:
            raise ValueError(f"speed must be positive, got {speed!r}")
        self.speed = float(speed)
        start = float(time.time() if start_epoch is None else start_epoch)
        self.start_epoch = start if not_before is None else max(start, float(not_before))
        self._t0 = trio.current_time()

    def now(self) -> float:
        """Return the current simulated epoch, with fractions of a second."""
        return self.start_epoch + (trio.current_time() - self._t0) * self.speed

    def epoch(self) -> int:
        """Return the current simulated epoch, whole seconds (what the API shows)."""
        return int(self.now())

    def trio_time_of(self, epoch: float) -> float:
        """Return the Trio time at which the simulated clock reads ``epoch``."""
        return self._t0 + (epoch - self.start_epoch) / self.speed

    async def sleep_until(self, epoch: float) -> None:
        """Sleep until the simulated clock reads ``epoch`` (returns at once if it already has)."""
        await trio.sleep_until(self.trio_time_of(epoch))
