"""Exception groups of a failed nursery, reduced to the one error a command reports.

Trio's strict exception groups wrap even a single failure. A command that must print one clear
line (a refused token, a missing scope) unwraps the group here. This lives with the runtime,
not in ``framework.errors``: it needs Trio, and the error root must not.
"""

from __future__ import annotations

from typing import Any

import trio

__all__ = ["sole_error"]


def sole_error(group: BaseExceptionGroup[Any]) -> BaseException:
    """The one meaningful error of a failed nursery, or the group itself.

    Cancellations caused by that failure are not meaningful; two real failures keep the group.
    """
    leaves: list[BaseException] = []

    def walk(exc: BaseException) -> None:
        if isinstance(exc, BaseExceptionGroup):
            for inner in exc.exceptions:
                walk(inner)
        elif not isinstance(exc, trio.Cancelled):
            leaves.append(exc)

    walk(group)
    return leaves[0] if len(leaves) == 1 else group
