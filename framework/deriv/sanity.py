"""The server's key/value sanity check, run on every request before the call is looked up.

The production WebSocket proxy checks each request before dispatch (see the reference notes,
section 1.3) and answers ``SanityCheckFailed`` when a key or a value fails its patterns:

* a key must be 1 to 50 ASCII letters, digits, ``_`` or ``-`` (so a key with a space, a dot,
  a non-ASCII digit or more than 50 characters fails);
* a scalar value must be at most 300 characters, each a letter, a word character, white
  space, printable ASCII or a character of the Unicode script "Common" (so a private-use or
  unassigned code point, or punctuation of a particular script, fails);
* keys containing ``password`` skip the value check; ``null``, ``0``, ``""`` and booleans
  are never checked (the Perl check reads them as false or as references).

The check goes one level down, exactly as the server's does: the top-level keys, the keys and
scalar values of a top-level object, and the scalar items of a top-level array (under the
array's own key). Deeper values and nested containers are left to the schema validation.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import regex

__all__ = ["SANITY_MESSAGE", "sanity_failure"]

SANITY_MESSAGE = "Parameters sanity check failed."

_KEY = regex.compile(r"^[A-Za-z0-9_-]{1,50}$")
# The server's value pattern, character for character (Perl semantics: ``\w`` and ``\s``
# are Unicode-aware, ``$`` also matches before a final newline, as in the ``regex`` module).
_VALUE = regex.compile(r"^[\p{Script=Common}\p{L}\s\w\@_:!-~]{0,300}$")
_SKIP_VALUE = "password"


def _scalar_text(value: Any) -> str | None:
    """The text the Perl check sees for a scalar, or ``None`` when it checks nothing."""
    if value is None or isinstance(value, bool | dict | list):
        return None  # null is false; booleans and containers are references there
    text = str(value)
    if text in ("", "0") or (isinstance(value, int | float) and value == 0):
        return None  # false in Perl: skipped by the server's ``$value and ...``
    return text


def _failed(key: str, value: Any) -> bool:
    if not _KEY.match(key):
        return True
    if _SKIP_VALUE in key:
        return False
    text = _scalar_text(value)
    return text is not None and not _VALUE.match(text)


def sanity_failure(request: Mapping[str, Any]) -> str | None:
    """Return the first key that fails the server's sanity check, or ``None``.

    Args:
        request: the decoded request object.

    Returns:
        The offending key (the array's key for an array item), ``None`` when all pass.
    """
    for key, value in request.items():
        if isinstance(value, dict):
            for inner, item in value.items():
                if _failed(str(inner), item):
                    return str(inner)
        elif isinstance(value, list):
            for item in value:
                if _failed(key, item):
                    return key
        elif _failed(key, value):
            return key
    return None
