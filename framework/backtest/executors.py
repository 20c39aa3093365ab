"""Where sweep work runs: the :class:`Executor` seam and its local implementations.

A sweep hands self-contained, picklable jobs to an executor and collects their results. The
interface is the one of :class:`concurrent.futures.Executor` (``submit`` returning a
:class:`~concurrent.futures.Future`, ``map``, ``shutdown``, context manager), so a cluster
engine only has to provide those four things: a Ray executor, for instance, submits a remote
task and wraps its ``ObjectRef.future()``.

* :class:`SerialExecutor` runs jobs in the calling process, one after the other (tests,
  ``--workers 1``, debugging with breakpoints).
* :func:`local_processes` returns a :class:`~concurrent.futures.ProcessPoolExecutor` using
  the ``spawn`` start method: workers import what they need afresh, inherit no threads or
  open files from the parent, and behave the same on every OS.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from types import TracebackType
from typing import Any, Protocol, TypeVar, runtime_checkable

__all__ = ["Executor", "SerialExecutor", "default_workers", "local_processes"]

T = TypeVar("T")
R = TypeVar("R")


@runtime_checkable
class Executor(Protocol):
    """What a sweep needs from an engine that runs jobs (local processes, a cluster...)."""

    def submit(self, fn: Callable[..., R], /, *args: Any, **kwargs: Any) -> Future[R]:
        """Schedule ``fn(*args, **kwargs)``; the future holds its result or exception."""
        ...

    def map(
        self,
        fn: Callable[..., R],
        *iterables: Iterable[Any],
        timeout: float | None = None,
        chunksize: int = 1,
    ) -> Iterator[R]:
        """Run ``fn`` over the items; yield results in the items' order."""
        ...

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        """Release the workers."""
        ...

    def __enter__(self) -> Any:
        """Start using the executor (``with executor: ...``)."""
        ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> Any:
        """Shut the executor down."""
        ...


class SerialExecutor:
    """Runs every job at once in the calling process."""

    def submit(self, fn: Callable[..., R], /, *args: Any, **kwargs: Any) -> Future[R]:
        """Run ``fn`` now; return a completed future."""
        future: Future[R] = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # the future carries it, as a process pool's would
            future.set_exception(exc)
        return future

    def map(
        self,
        fn: Callable[..., R],
        *iterables: Iterable[Any],
        timeout: float | None = None,
        chunksize: int = 1,
    ) -> Iterator[R]:
        """Run ``fn`` over the items lazily, in order."""
        return map(fn, *iterables)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        """Nothing to release."""

    def __enter__(self) -> SerialExecutor:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.shutdown()


def default_workers() -> int:
    """One worker per available CPU (the process's affinity, not the machine's count)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def local_processes(workers: int | None = None) -> ProcessPoolExecutor:
    """A pool of local worker processes (``spawn`` start method).

    Args:
        workers: how many (default: :func:`default_workers`).

    Returns:
        The pool; use it as a context manager.
    """
    return ProcessPoolExecutor(
        max_workers=workers or default_workers(),
        mp_context=multiprocessing.get_context("spawn"),
    )
