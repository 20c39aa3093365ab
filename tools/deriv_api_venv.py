"""A private virtualenv holding Deriv's official Python client, ``python_deriv_api``.

The client pins ``websockets==10.3`` and runs on asyncio, so it cannot share triobot's
environment. Tests (``tests/simulator/test_official_client.py``) and benchmarks
(``bench/connection.py``) run it as a subprocess from ``.venv-deriv-api/`` at the repo root,
created here on first use from the package index.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

__all__ = ["VENV", "ensure_deriv_api"]

VENV = Path(__file__).resolve().parent.parent / ".venv-deriv-api"


def ensure_deriv_api(timeout: float = 300) -> tuple[Path | None, str]:
    """Return the venv's interpreter, creating the venv if needed.

    Returns:
        ``(python, "")`` when ``import deriv_api`` works there, else ``(None, reason)``:
        the caller skips (a test) or says why it did not run (a benchmark).
    """
    python = VENV / "bin" / "python"
    check = [str(python), "-c", "import deriv_api"]
    if python.exists() and subprocess.run(check, capture_output=True).returncode == 0:
        return python, ""
    made = subprocess.run([sys.executable, "-m", "venv", str(VENV)], capture_output=True, text=True)
    if made.returncode != 0:
        return None, f"cannot create {VENV.name}/: {_last_line(made.stderr)}"
    try:
        installed = subprocess.run(
            [str(python), "-m", "pip", "install", "-q", "python_deriv_api"],
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        return None, f"pip did not install python_deriv_api within {timeout:.0f} s"
    if installed.returncode != 0:
        return None, f"pip cannot install python_deriv_api: {_last_line(installed.stderr)}"
    return python, ""


def _last_line(stderr: str) -> str:
    # pip and venv end with the line that says what went wrong; the reason must fit one line.
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    return lines[-1][-300:] if lines else "no error output"
