"""Access to Deriv's official schemas in ``../shared`` for the tests that validate against them.

The schemas are reference data that the project never copies; a test that needs them skips,
with the reason, on a machine where ``../shared`` is not beside the repository.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
SCHEMA_DIR = REPO_ROOT.parent / "shared" / "deriv-api" / "v3"
SKIP_REASON = f"Deriv schemas not found at {SCHEMA_DIR} (../shared is not beside the repo)"


def require_schemas() -> Path:
    """Return the schema folder, or skip the calling test."""
    if not SCHEMA_DIR.is_dir():
        pytest.skip(SKIP_REASON)
    return SCHEMA_DIR


@cache
def _read(call: str, kind: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((SCHEMA_DIR / call / f"{kind}.json").read_text())
    return data


def load_schema(call: str, kind: str) -> dict[str, Any]:
    """Return ``v3/<call>/<kind>.json`` (kind: send, receive, example); skip when absent."""
    require_schemas()
    return _read(call, kind)


def validator(call: str, kind: str) -> Any:
    """A jsonschema Draft 4 validator for ``v3/<call>/<kind>.json``; skip when absent."""
    import jsonschema

    return jsonschema.Draft4Validator(load_schema(call, kind))
