"""A private virtualenv holding Deriv's official Python client, ``python_deriv_api``.

The client pins ``websockets==10.3`` and runs on asyncio, so it cannot share triobot's
environment. Tests (``tests/simulator/test_official_client.py``) and benchmarks
(``bench/connection.py``) run it as a subprocess from ``.venv-deriv-api/`` at the repo root,
created here on first use from the package index (:mod:`tools.private_venv`).
"""

from __future__ import annotations

from pathlib import Path

from .private_venv import ROOT, ensure_venv

__all__ = ["VENV", "ensure_deriv_api"]

VENV = ROOT / ".venv-deriv-api"


def ensure_deriv_api(timeout: float = 300) -> tuple[Path | None, str]:
    """Return the venv's interpreter, creating the venv if needed.

    Returns:
        ``(python, "")`` when ``import deriv_api`` works there, else ``(None, reason)``:
        the caller skips (a test) or says why it did not run (a benchmark).
    """
    return ensure_venv("deriv-api", ["python_deriv_api"], "deriv_api", timeout=timeout)
