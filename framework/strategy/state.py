"""A strategy's small persistent key-value store (``ctx.state``).

Values must be JSON-serialisable (``None``, bool, int, float, str, lists and string-keyed
dicts of those); a value that is not is refused when it is set, not when it is saved, so the
error points at the strategy line that stored it.

Setting a key only marks the store dirty; the runtime calls :meth:`StateStore.flush` when it
suits it (after a contract closes, on each status line, on stop), so ``on_tick`` never
writes a file. :class:`JsonFileStateStore` writes atomically (temp file, fsync, rename): a
crash leaves either the old or the new file, never half of one.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import tempfile
from collections.abc import Iterator, MutableMapping
from pathlib import Path
from typing import Any

from framework.errors import TriobotError

__all__ = ["JsonFileStateStore", "MemoryStateStore", "StateError", "StateStore"]


# Also a ValueError: a strategy handed in a bad value, and plugin code written against the public
# surface may catch it as one.
class StateError(TriobotError, ValueError):
    """A value that cannot be stored, or a state file that cannot be read."""


def _check_json(value: Any, where: str) -> None:
    kind = type(value)
    if value is None or kind in (bool, int, str):
        return
    if kind is float:
        if not math.isfinite(value):
            raise StateError(f"state[{where}]: {value!r} is not JSON (only finite numbers)")
        return
    if kind in (list, tuple):
        for i, item in enumerate(value):
            _check_json(item, f"{where}][{i}")
        return
    if kind is dict:
        for key, item in value.items():
            if type(key) is not str:
                raise StateError(f"state[{where}]: dict keys must be str, got {key!r}")
            _check_json(item, f"{where}][{key!r}")
        return
    raise StateError(f"state[{where}]: {kind.__name__} is not JSON-serialisable")


class StateStore(MutableMapping[str, Any]):
    """A string-keyed mapping of JSON values with an explicit :meth:`flush`.

    Attributes:
        dirty: True when something changed since the last flush.
    """

    def __init__(self, data: dict[str, Any] | None = None) -> None:
        self._data: dict[str, Any] = {}
        self.dirty = False
        for key, value in (data or {}).items():
            self[key] = value
        self.dirty = False

    def __getitem__(self, key: str) -> Any:
        return self._data[key]

    def __setitem__(self, key: str, value: Any) -> None:
        if type(key) is not str:
            raise StateError(f"state keys must be str, got {key!r}")
        _check_json(value, repr(key))
        self._data[key] = value
        self.dirty = True

    def __delitem__(self, key: str) -> None:
        del self._data[key]
        self.dirty = True

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def snapshot(self) -> dict[str, Any]:
        """Return a deep copy of the contents (through JSON, as a reload would see them)."""
        result: dict[str, Any] = json.loads(json.dumps(self._data))
        return result

    def flush(self) -> None:
        """Persist the contents if they changed (a no-op in memory)."""
        self.dirty = False


class MemoryStateStore(StateStore):
    """A store that lives as long as the process (tests, backtests)."""


class JsonFileStateStore(StateStore):
    """A store kept in one JSON file.

    Attributes:
        path: the file.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        """Open the store, loading the file if it exists.

        Args:
            path: the JSON file (its folder is created on the first flush).

        Raises:
            StateError: the file exists but is not a JSON object.
        """
        self.path = Path(path)
        data: dict[str, Any] = {}
        if self.path.exists():
            try:
                loaded = json.loads(self.path.read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                raise StateError(f"cannot read strategy state {self.path}: {exc}") from exc
            if not isinstance(loaded, dict):
                raise StateError(f"strategy state {self.path} is not a JSON object")
            data = loaded
        super().__init__(data)

    def flush(self) -> None:
        """Write the file atomically if anything changed.

        Raises:
            StateError: the file cannot be written.
        """
        if not self.dirty:
            return
        text = json.dumps(self._data, indent=1, sort_keys=True, allow_nan=False)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", dir=self.path.parent)
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as handle:
                    handle.write(text)
                    handle.flush()
                    os.fsync(handle.fileno())
                os.replace(tmp, self.path)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
                raise
        except OSError as exc:
            raise StateError(f"cannot write strategy state {self.path}: {exc}") from exc
        self.dirty = False
