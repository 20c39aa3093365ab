"""What the tests of Deriv's official clients share: a ``triobot sim`` process, the frames.

Each official client (Python's ``python_deriv_api``, JavaScript's ``@deriv/deriv-api``) runs
in its own environment as a subprocess, against a ``triobot sim`` process started here, and
writes every frame it sent and received to a file, one JSON object a line:
``{"dir": "send" | "recv", "frame": {...}}``. :func:`schema_problems` checks each frame
against Deriv's own ``send.json`` or ``receive.json``.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from framework.deriv.calls import call_of_request
from tests.schemas import validator

REPO = Path(__file__).resolve().parents[2]

#: The simulator's built-in demo token (a virtual account with every scope).
DEMO_TOKEN = "demo-token-0001"

Frame = dict[str, Any]


@contextmanager
def running_sim(*args: str) -> Iterator[str]:
    """Run ``triobot sim --port 0 ARGS``; yield its endpoint (``ws://127.0.0.1:PORT``).

    On leaving, the process gets SIGTERM and must stop cleanly (exit status 0) within 20 s.
    """
    sim = subprocess.Popen(
        [sys.executable, "-m", "bots.cli", "sim", "--port", "0", *args],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert sim.stdout is not None and sim.stderr is not None
        first = sim.stdout.readline()
        assert first.startswith("listening ws://"), first + sim.stderr.read()[-2000:]
        yield first.split()[1].removesuffix("/websockets/v3")
    finally:
        sim.send_signal(signal.SIGTERM)
        try:
            sim.wait(timeout=20)
        except subprocess.TimeoutExpired:
            sim.kill()
            sim.wait()
    assert sim.returncode == 0


def read_frames(path: Path) -> list[tuple[str, Frame]]:
    """The ``(direction, frame)`` pairs a session wrote, in the order they crossed."""
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    return [(row["dir"], row["frame"]) for row in rows]


def schema_problems(frames: list[tuple[str, Frame]]) -> list[tuple[str, str, str]]:
    """Every way the frames break Deriv's schemas, as ``(direction, call, message)``.

    A sent frame is checked against its call's ``send.json``, a received one against the
    ``receive.json`` of the call its ``echo_req`` names. A frame whose call is not known at
    all is a problem too.
    """
    problems: list[tuple[str, str, str]] = []
    for direction, frame in frames:
        request = frame if direction == "send" else frame.get("echo_req", {})
        spec = call_of_request(request)
        if spec is None:
            problems.append((direction, "?", f"no known call in {json.dumps(frame)[:200]}"))
            continue
        kind = "send" if direction == "send" else "receive"
        for problem in validator(spec.name, kind).iter_errors(frame):
            problems.append((direction, spec.name, problem.message))
    return problems
