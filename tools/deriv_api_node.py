"""A private ``node_modules`` holding Deriv's official JavaScript client, ``@deriv/deriv-api``.

The client and the ``ws`` WebSocket library it needs on Node are pinned, with their whole
dependency tree, by ``tools/deriv_api_js/package.json`` and its lock file (which records
versions and integrity hashes, not download addresses). Tests
(``tests/simulator/test_official_js_client.py``) run the client with Node from
``.node-deriv-api/`` at the repo root, installed here on first use with ``npm ci`` from the
registry npm is configured for.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

__all__ = ["MODULES", "PINS", "ensure_deriv_api_js"]

REPO = Path(__file__).resolve().parent.parent
PINS = Path(__file__).resolve().parent / "deriv_api_js"
PREFIX = REPO / ".node-deriv-api"
MODULES = PREFIX / "node_modules"
_PINNED_FILES = ("package.json", "package-lock.json")


def ensure_deriv_api_js(timeout: float = 300) -> tuple[Path | None, str]:
    """Return the ``node_modules`` folder holding the pinned client, installing it if needed.

    Returns:
        ``(node_modules, "")`` when ``node`` is on the PATH and the pinned packages are
        installed, else ``(None, reason)``: the caller skips (a test) or says why it did not
        run. The folder is reinstalled when the committed pins changed since it was made.
    """
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        return None, "node and npm are needed for Deriv's JS client and are not on the PATH"
    if _installed():
        return MODULES, ""
    PREFIX.mkdir(exist_ok=True)
    for name in _PINNED_FILES:
        shutil.copyfile(PINS / name, PREFIX / name)
    # ci installs exactly the lock file's tree (or fails); no audit or funding calls, no
    # install scripts (the client and ws are plain JavaScript), and one retry, so that an
    # unreachable registry is a skip within a minute, not after npm's default back-off.
    command = [npm, "ci", "--no-audit", "--no-fund", "--ignore-scripts", "--fetch-retries=1"]
    try:
        installed = subprocess.run(
            command, cwd=PREFIX, capture_output=True, text=True, timeout=timeout
        )
    except subprocess.TimeoutExpired:
        return None, f"npm did not install @deriv/deriv-api within {timeout:.0f} s"
    if installed.returncode != 0:
        return None, f"npm cannot install @deriv/deriv-api: {_reason(installed.stderr)}"
    return MODULES, ""


def _installed() -> bool:
    # The installed tree is the committed one when npm's own record of it is there and the
    # pins it was installed from are byte for byte the committed pins.
    if not (MODULES / ".package-lock.json").exists():
        return False
    return all(
        (PREFIX / name).exists() and (PREFIX / name).read_bytes() == (PINS / name).read_bytes()
        for name in _PINNED_FILES
    )


def _reason(stderr: str) -> str:
    # npm writes "npm error code X", "syscall", "errno", then the line that says what went
    # wrong (a FetchError, "404 Not Found - GET ..."), then advice; the reason is that line.
    lines = [line.removeprefix("npm error").strip() for line in stderr.splitlines()]
    labels = ("code ", "syscall ", "errno ")
    said = [line for line in lines if line and not line.startswith(labels)]
    return (said or ["no error output"])[0][:300]


def main() -> int:
    """Install the pinned client if needed; print its ``node_modules`` (for ``NODE_PATH``)."""
    modules, reason = ensure_deriv_api_js()
    if modules is None:
        print(f"deriv_api_node: {reason}")
        return 1
    print(modules)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
