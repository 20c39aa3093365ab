"""docs/strategies.md names every contract type and every way a contract ends, and no other.

The two tables are prose for readers, but they are checked against the market model's own
tables (``CONTRACT_TYPES``, ``END_REASONS``), so a type added to the market without a word
in the guide, or a guide naming a type the market does not have, fails here.
"""

from __future__ import annotations

import re

from framework.market.contracts import CONTRACT_TYPES
from framework.market.settlement import END_REASONS
from tests.docs.blocks import ROOT

GUIDE = ROOT / "docs" / "strategies.md"


def _section(title: str) -> str:
    text = GUIDE.read_text(encoding="utf-8")
    start = text.index(f"\n## {title}\n")
    end = text.find("\n## ", start + 1)
    return text[start : end if end != -1 else len(text)]


def _table(section: str, header: str) -> list[list[str]]:
    """The body rows of the table whose header row starts with ``header``, cell by cell."""
    lines = section[section.index(header) :].splitlines()
    rows = []
    for line in lines[2:]:  # after the header and the rule
        if not line.startswith("| "):
            break
        rows.append([cell.strip() for cell in line.split("|")[1:-1]])
    return rows


def test_the_contract_types_table_names_every_type_of_the_market_model() -> None:
    rows = _table(_section("Contract types"), "| family |")
    named = {code for row in rows for code in re.findall(r"`([A-Z]{3,})`", row[1])}
    assert named == set(CONTRACT_TYPES)


def test_the_end_reasons_table_names_every_end_of_the_market_model() -> None:
    rows = _table(_section("The contract lifecycle"), "| `end` |")
    assert [row[0].strip("`") for row in rows] == list(END_REASONS)
