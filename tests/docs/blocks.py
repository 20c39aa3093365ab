"""The fenced code blocks of the project's Markdown documents, as the tests read them."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import attrs

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
DOCUMENTS = (README, *sorted((ROOT / "docs").glob("*.md")))

_FENCE = re.compile(
    r"^(?P<indent> *)```(?P<lang>[\w-]*)\n(?P<body>.*?)^(?P=indent)```", re.M | re.S
)
_FILE_HEADER = re.compile(r"# (?P<name>[\w.-]+\.(?:py|ya?ml))\n")


@attrs.frozen
class Block:
    """One fenced block.

    Attributes:
        path: the document.
        line: the line of its opening fence.
        lang: its info string (``sh``, ``console``, ``yaml``, ``python``, or empty).
        body: its text, without the fences (and without a list item's indentation).
    """

    path: Path
    line: int
    lang: str
    body: str

    @property
    def where(self) -> str:
        """``docs/strategies.md:35``."""
        return f"{self.path.relative_to(ROOT)}:{self.line}"

    @property
    def file_name(self) -> str | None:
        """The file the document asks the reader to save the block as (its ``# NAME`` line)."""
        found = _FILE_HEADER.match(self.body)
        return found.group("name") if found else None


def blocks(path: Path) -> Iterator[Block]:
    """Every fenced block of a document, in order."""
    text = path.read_text(encoding="utf-8")
    for found in _FENCE.finditer(text):
        indent = len(found.group("indent"))
        body = "".join(line[indent:] for line in found.group("body").splitlines(keepends=True))
        line = text.count("\n", 0, found.start()) + 1
        yield Block(path, line, found.group("lang"), body)


def all_blocks() -> Iterator[Block]:
    """Every fenced block of README.md and docs/*.md."""
    for path in DOCUMENTS:
        yield from blocks(path)
