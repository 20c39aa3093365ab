"""sole_error: the one meaningful error of a failed nursery."""

from __future__ import annotations

import trio
import trio.testing

from framework.errors import UserError
from framework.runtime.groups import sole_error


def test_a_lone_error_is_unwrapped_from_nested_groups() -> None:
    error = UserError("token refused")
    group = BaseExceptionGroup("outer", [ExceptionGroup("inner", [error])])
    assert sole_error(group) is error


def test_two_real_errors_keep_the_group() -> None:
    group = ExceptionGroup("two", [ValueError("a"), ExceptionGroup("in", [KeyError("b")])])
    assert sole_error(group) is group


async def test_cancellations_beside_the_error_are_not_meaningful() -> None:
    # A task that fails while its nursery is being cancelled: the group holds the sibling's
    # Cancelled and the real error, and the real error is what a command must report.
    caught: list[BaseExceptionGroup[BaseException]] = []

    async def fails_when_cancelled() -> None:
        try:
            await trio.sleep_forever()
        except trio.Cancelled:
            raise UserError("missing scope: trade") from None

    with trio.CancelScope() as scope:
        try:
            async with trio.open_nursery() as nursery:
                nursery.start_soon(trio.sleep_forever)
                nursery.start_soon(fails_when_cancelled)
                await trio.testing.wait_all_tasks_blocked()
                scope.cancel()
        except BaseExceptionGroup as raised:
            caught.append(raised)
    (group,) = caught
    assert any(isinstance(leaf, trio.Cancelled) for leaf in group.exceptions)
    sole = sole_error(group)
    assert isinstance(sole, UserError) and str(sole) == "missing scope: trade"


async def test_only_cancellations_keep_the_group() -> None:
    caught: list[BaseExceptionGroup[BaseException]] = []

    async def cancelled() -> None:
        await trio.sleep_forever()

    with trio.CancelScope() as scope:
        try:
            async with trio.open_nursery() as nursery:
                nursery.start_soon(cancelled)
                await trio.testing.wait_all_tasks_blocked()
                scope.cancel()
                await trio.sleep_forever()
        except BaseExceptionGroup as raised:
            caught.append(raised)
            raise  # the cancel scope absorbs its own cancellations
    (group,) = caught
    assert all(isinstance(leaf, trio.Cancelled) for leaf in group.exceptions)
    assert sole_error(group) is group
