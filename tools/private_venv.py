"""Private virtualenvs at the repository root, each holding a package triobot cannot share
its environment with (Deriv's official client, the benchmarks' peer frameworks).

:func:`ensure_venv` creates ``.venv-NAME/`` from the package index on first use and says in
one line why when it cannot; the caller skips (a test) or reports the reason (a benchmark).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

__all__ = ["ROOT", "ensure_venv"]

ROOT = Path(__file__).resolve().parent.parent
"""The repository root, where the virtualenvs live (git-ignored)."""


def ensure_venv(
    name: str, requirements: list[str], module: str, *, timeout: float = 300
) -> tuple[Path | None, str]:
    """Return the interpreter of ``.venv-NAME/``, creating the venv if needed.

    Args:
        name: the venv's name (``.venv-NAME/``).
        requirements: what ``pip install`` is given.
        module: the module whose import proves the venv usable.
        timeout: seconds ``pip install`` may take.

    Returns:
        ``(python, "")`` when ``import MODULE`` works there, else ``(None, reason)``.
    """
    venv = ROOT / f".venv-{name}"
    python = venv / "bin" / "python"
    check = [str(python), "-c", f"import {module}"]
    if python.exists() and subprocess.run(check, capture_output=True).returncode == 0:
        return python, ""
    made = subprocess.run([sys.executable, "-m", "venv", str(venv)], capture_output=True, text=True)
    if made.returncode != 0:
        return None, f"cannot create {venv.name}/: {_last_line(made.stderr)}"
    wanted = " ".join(requirements)
    try:
        installed = subprocess.run(
            [str(python), "-m", "pip", "install", "-q", *requirements],
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        return None, f"pip did not install {wanted} within {timeout:.0f} s"
    if installed.returncode != 0:
        return None, f"pip cannot install {wanted}: {_last_line(installed.stderr)}"
    if subprocess.run(check, capture_output=True).returncode != 0:
        return None, f"{wanted} installed in {venv.name}/ but `import {module}` fails there"
    return python, ""


def _last_line(stderr: str) -> str:
    # pip and venv end with the line that says what went wrong; the reason must fit one line.
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    return lines[-1][-300:] if lines else "no error output"
