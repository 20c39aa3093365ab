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


def _perl_pattern(validator: Any, pattern: str, instance: Any, schema: Any) -> Any:
    # The schemas' patterns are Perl regexes (``\p{L}``, ``\x{b0}``): check them in the
    # dialect the protocol core uses, not with the stdlib ``re`` jsonschema defaults to.
    from jsonschema.exceptions import ValidationError

    from framework.deriv.validate import compile_pattern

    if isinstance(instance, str) and not compile_pattern(pattern).search(instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


@cache
def _validator_class() -> Any:
    import jsonschema

    return jsonschema.validators.extend(jsonschema.Draft4Validator, {"pattern": _perl_pattern})


def validator(call: str, kind: str) -> Any:
    """A jsonschema Draft 4 validator for ``v3/<call>/<kind>.json``; skip when absent."""
    return _validator_class()(load_schema(call, kind))
