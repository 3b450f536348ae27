"""The Python blocks of the documentation pages that promise to run, run as written.

Only whole-program pages are listed: ``catalog.md``'s blocks are fragments of a session
(issue 14 makes every page's blocks run).
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[1] / "docs"
RUNNABLE_PAGES = ("migrating-from-1x.md",)
_BLOCK = re.compile(r"^```python\n(.*?)^```", re.DOTALL | re.MULTILINE)


def _blocks() -> list[tuple[str, int, str]]:
    found = []
    for name in RUNNABLE_PAGES:
        page = DOCS / name
        text = page.read_text()
        for match in _BLOCK.finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            found.append((page.name, line, match.group(1)))
    return found


def test_the_migration_page_has_a_runnable_block() -> None:
    assert any(name == "migrating-from-1x.md" for name, _, _ in _blocks())


@pytest.mark.parametrize(("page", "line", "code"), _blocks(), ids=lambda value: str(value)[:40])
def test_documentation_block_runs(page: str, line: int, code: str) -> None:
    """Each block runs in a fresh interpreter (it starts its own simulator where it needs
    one) and must exit cleanly."""
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, f"{page}:{line}\n{done.stdout}\n{done.stderr}"
