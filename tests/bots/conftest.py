"""Fixtures for the account-level commands: a CLI runner, a simulator in a thread, a wiretap.

Most tests run ``triobot ...`` in-process (``bots.cli.main``) against the embedded simulator
it starts itself. Tests that need a server that outlives one command (trades made beforehand,
a transaction pushed while a command listens, the ``--endpoint`` path) use
:class:`SimThread`: a simulator in its own thread and Trio run, reached over loopback.
:func:`wiretap` records the call of every frame any simulator in this process receives, to
prove that a refused command sent nothing.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Awaitable, Callable, Iterator
from typing import Any, TypeVar

import attrs
import pytest
import trio

import framework.simulator.dispatch as sim_dispatch
import framework.simulator.server as sim_server
from bots.cli import main
from framework.deriv.calls import call_of_request
from framework.simulator import Simulator, open_simulator

T = TypeVar("T")


@attrs.frozen
class Result:
    """What one ``triobot`` run did."""

    code: int
    out: str
    err: str

    def json(self) -> Any:
        """stdout as one JSON document."""
        return json.loads(self.out)

    def lines(self) -> list[Any]:
        """stdout as JSON Lines."""
        return [json.loads(line) for line in self.out.splitlines() if line.strip()]


Runner = Callable[..., Result]


@pytest.fixture(autouse=True)
def _no_ambient_token(monkeypatch: pytest.MonkeyPatch) -> None:
    """A DERIV_TOKEN in the developer's shell must not leak into these tests."""
    monkeypatch.delenv("DERIV_TOKEN", raising=False)


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Runner:
    """Run ``triobot ARGS`` in-process; return its exit code and captured output."""

    def run(*argv: str) -> Result:
        capsys.readouterr()  # drop anything printed before
        try:
            code = main(list(argv))
        except SystemExit as exc:  # argparse's usage errors
            code = exc.code if isinstance(exc.code, int) else 1
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return run


class SimThread:
    """A simulator running in a thread of its own, until :meth:`stop`."""

    def __init__(self, **config: Any) -> None:
        self._config = config
        self._ready = threading.Event()
        self._failure: BaseException | None = None
        self._thread = threading.Thread(target=self._main, daemon=True)
        self.sim: Simulator
        self._token: trio.lowlevel.TrioToken
        self._stop: trio.Event

    def _main(self) -> None:
        try:
            trio.run(self._serve)
        except BaseException as exc:  # reported by start()
            self._failure = exc
            self._ready.set()

    async def _serve(self) -> None:
        self._token = trio.lowlevel.current_trio_token()
        self._stop = trio.Event()
        async with open_simulator(**self._config) as sim:
            self.sim = sim
            self._ready.set()
            await self._stop.wait()

    def start(self) -> SimThread:
        self._thread.start()
        if not self._ready.wait(timeout=30) or self._failure is not None:
            raise RuntimeError(f"simulator thread did not start: {self._failure!r}")
        return self

    def run(self, afn: Callable[..., Awaitable[T]], *args: Any) -> T:
        """Run ``afn(*args)`` in the simulator's Trio loop; return its result."""
        return trio.from_thread.run(afn, *args, trio_token=self._token)

    def run_sync(self, fn: Callable[..., T], *args: Any) -> T:
        """Run ``fn(*args)`` in the simulator's Trio loop (its state is not thread-safe)."""
        return trio.from_thread.run_sync(fn, *args, trio_token=self._token)

    def stop(self) -> None:
        self.run_sync(self._stop.set)
        self._thread.join(timeout=30)

    @property
    def url(self) -> str:
        return self.sim.url


@pytest.fixture
def remote() -> Iterator[SimThread]:
    """A simulator in a thread, 20x real time so that tick contracts settle in milliseconds."""
    thread = SimThread(seed=3, speed=20.0).start()
    try:
        yield thread
    finally:
        thread.stop()


class Wiretap:
    """Call names of every request the simulators in this process received, in order."""

    def __init__(self) -> None:
        self.calls: list[str] = []
        self.seen: dict[str, threading.Event] = {}

    def event(self, call: str) -> threading.Event:
        """An event set once a ``call`` request has been handled."""
        return self.seen.setdefault(call, threading.Event())


@pytest.fixture
def wiretap(monkeypatch: pytest.MonkeyPatch) -> Wiretap:
    """Record every request any simulator handles (the server's dispatch is wrapped)."""
    tap = Wiretap()
    original = sim_dispatch.dispatch  # what the server module imported by name

    def recording(core: Any, session: Any, request: Any, handlers: Any) -> None:
        spec = call_of_request(request) if isinstance(request, dict) else None
        name = spec.name if spec is not None else "?"
        tap.calls.append(name)
        original(core, session, request, handlers)
        tap.event(name).set()

    monkeypatch.setattr(sim_server, "dispatch", recording)
    return tap
