"""Every package re-exports one way: ``from .module import Name as Name``, listed in ``__all__``.

One style, so a reader (and mypy's explicit-export rule) sees at a glance what a package
offers; the private modules behind it can move without its users noticing.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = sorted(
    p
    for top in ("framework", "bots", "strategies")
    for p in (ROOT / top).rglob("__init__.py")
    if p.read_text().strip()
)


def _exports(tree: ast.Module) -> tuple[list[ast.alias], set[str] | None]:
    imported: list[ast.alias] = []
    listed: set[str] | None = None
    for node in tree.body:
        # Imports of the package's own modules (level 1) are what it offers; ``from ..x``
        # and absolute imports serve code that lives in the __init__ itself.
        if isinstance(node, ast.ImportFrom) and node.level == 1 and node.module:
            imported.extend(node.names)
        elif isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets
        ):
            listed = set(ast.literal_eval(node.value))
    return imported, listed


@pytest.mark.parametrize("init", PACKAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_one_re_export_style(init: Path) -> None:
    imported, listed = _exports(ast.parse(init.read_text()))
    if not imported:
        return  # a package whose __init__ only holds code of its own
    assert listed is not None, f"{init.relative_to(ROOT)} re-exports without __all__"
    for alias in imported:
        assert alias.asname == alias.name, (
            f"{init.relative_to(ROOT)}: use '{alias.name} as {alias.name}'"
        )
        assert alias.name in listed, f"{init.relative_to(ROOT)}: {alias.name} missing from __all__"
