"""The ``new_account_real`` form: a YAML file checked completely before anything is sent.

The file holds the request's fields by their API names (``first_name``, ``date_of_birth``,
``residence``...). Every problem is reported at once, each as ``field: message (file:line)``:
YAML errors and duplicate keys, unknown fields (with the closest known name), values the API
schema rejects, the fields triobot requires (:data:`REQUIRED`), a date of birth that is not a
date or belongs to someone under 18. YAML 1.2 scalars apply (``no`` stays text; a date stays
the string the API wants).
"""

from __future__ import annotations

import datetime as _dt
import difflib
from pathlib import Path
from typing import Any

import yaml

from framework.config.yamlload import load_yaml
from framework.deriv.calls import COMMON_FIELDS, get_call
from framework.deriv.validate import validate
from framework.errors import ConfigError

__all__ = ["MINIMUM_AGE", "REQUIRED", "load_real_account_form"]

#: Fields the form must have. The API marks none required but refuses an account without
#: them; failing here costs nothing.
REQUIRED: tuple[str, ...] = ("first_name", "last_name", "date_of_birth", "residence")
#: The youngest account holder any Deriv landing company accepts.
MINIMUM_AGE = 18


def _age(born: _dt.date, today: _dt.date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def load_real_account_form(
    path: Path, *, affiliate_token: str | None = None, today: _dt.date | None = None
) -> dict[str, Any]:
    """Read and check a ``new_account_real`` form; return the request fields.

    Args:
        path: the YAML file.
        affiliate_token: ``--affiliate-token``, added to the fields (conflicts with the
            file's own).
        today: the date ages are computed at (default: today, UTC).

    Raises:
        ConfigError: every problem found, one per line (exit 2).
    """
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: {exc.strerror}") from None
    try:
        data, lines, duplicates = load_yaml(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        raise ConfigError(f"{where}: not valid YAML: {getattr(exc, 'problem', exc)}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping of new_account_real fields")

    problems: list[str] = []

    def report(field: str, message: str) -> None:
        line = lines.get((field,))
        problems.append(f"{field}: {message} ({path}:{line})" if line else f"{field}: {message}")

    for (key, *_), message, _line in duplicates:
        report(str(key), message)
    spec = get_call("new_account_real")
    allowed = sorted(spec.fields - COMMON_FIELDS - {spec.name})
    fields: dict[str, Any] = {}
    for key, value in data.items():
        if key not in allowed:
            close = difflib.get_close_matches(str(key), allowed, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            report(str(key), f"unknown field{hint}")
        else:
            fields[key] = value
    if affiliate_token is not None:
        if "affiliate_token" in fields and fields["affiliate_token"] != affiliate_token:
            report("affiliate_token", "also given with --affiliate-token; keep one")
        fields["affiliate_token"] = affiliate_token
    for name in REQUIRED:
        if fields.get(name) in (None, ""):
            problems.append(f"{name}: required ({path})")
    _, schema_problems = validate(spec.request, {spec.name: 1, **fields})
    for problem in schema_problems:
        report(problem.path.split(".")[0].split("[")[0], problem.message)
    born = fields.get("date_of_birth")
    if isinstance(born, str) and not any(p.startswith("date_of_birth:") for p in problems):
        try:
            day = _dt.date(*(int(part) for part in born.split("-")))
        except (TypeError, ValueError):
            report("date_of_birth", f"{born!r} is not a date (YYYY-MM-DD)")
        else:
            now = today or _dt.datetime.now(_dt.UTC).date()
            if _age(day, now) < MINIMUM_AGE:
                report("date_of_birth", f"the account holder must be {MINIMUM_AGE} or older")
    if problems:
        listing = "\n  ".join(problems)
        raise ConfigError(f"{path}: the form cannot be sent:\n  {listing}")
    return fields
