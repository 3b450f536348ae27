"""Every code example of the documentation runs, and the generated reference is complete.

How the Python examples of ``docs/`` run (the convention every page follows):

* Every fenced block tagged ``python`` (```` ```python ````) of every Markdown page under
  ``docs/`` runs.  Blocks that are not Python use another tag (``console``, ``text``,
  ``ini``, ...) and do not run; the CLI's shell commands are left to ``test_cli.py``.
* By default each block is a complete program, run in a fresh interpreter: it starts its
  own ``AsteriskSimulator()`` (or FastAGI server, or AGI helper) where it needs one.
* A page whose source holds the MyST comment line ``% pystrix-docs: session`` is a
  sequence of fragments: its blocks run in order in one interpreter, each seeing what the
  previous ones defined (the first one starts the simulator; the last one stops it).
* A ``{literalinclude}`` of a Python file under ``docs/`` shows a file that a block of
  some page runs (the block names the file's path); this test checks that one does.
* The only Python that does not run is the panoramisk side of
  ``docs/from-panoramisk.md``: ```` ```{code-block} python ```` blocks with a
  ``:caption:`` naming panoramisk.  They are compiled here, and run against a simulator
  (their ``5038`` replaced by its port) when panoramisk is installed.
* Blocks run with ``docs/`` as the working directory, under a subprocess timeout that
  only guards against a hang; they must finish quickly on their own.

The generated parts of the site (the API reference, the catalog of AMI actions, AMI
events and AGI commands, the CLI reference) are produced by ``docs/_ext/pystrix_docs.py``;
the tests below check that they cover every public module, action, event, command and
subcommand.  The site itself is built by ``python -m sphinx -W --keep-going -b html docs
docs/_build/html``.
"""

from __future__ import annotations

import importlib
import json
import os
import pkgutil
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

import pystrix
from pystrix.testing import AsteriskSimulator

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
SESSION_MARK = "% pystrix-docs: session"
HANG_GUARD = 300  # seconds: a block that takes this long is stuck, not slow
# Fence tags of blocks that are shown, not run.
NOT_RUN = {"console", "text", "sh", "shell", "ini", "json", "toml", "none"}

sys.path.insert(0, str(DOCS / "_ext"))
import pystrix_docs  # noqa: E402  (docs/_ext is not a package)


@dataclass(frozen=True)
class Block:
    page: str
    line: int
    info: str
    code: str

    @property
    def tag(self) -> str:
        return self.info.split()[0] if self.info.split() else ""

    @property
    def label(self) -> str:
        return f"{self.page}:{self.line}"


def _pages() -> list[Path]:
    return sorted(p for p in DOCS.rglob("*.md") if "_build" not in p.parts)


def _fences(page: Path) -> list[Block]:
    """The fenced blocks of a MyST page (backtick or tilde fences, any length)."""
    blocks: list[Block] = []
    lines = page.read_text().splitlines()
    index = 0
    while index < len(lines):
        opening = re.match(r"^(`{3,}|~{3,})(.*)$", lines[index])
        if opening is None:
            index += 1
            continue
        fence, info = opening.group(1), opening.group(2).strip()
        closing = re.compile(rf"^{re.escape(fence[0])}{{{len(fence)},}}\s*$")
        body: list[str] = []
        start = index + 1
        index += 1
        while index < len(lines) and not closing.match(lines[index]):
            body.append(lines[index])
            index += 1
        index += 1  # the closing fence
        name = str(page.relative_to(DOCS))
        blocks.append(Block(name, start, info, "\n".join(body) + "\n"))
    return blocks


def _all_blocks() -> list[Block]:
    return [block for page in _pages() for block in _fences(page)]


def _python(page: Path) -> list[Block]:
    return [block for block in _fences(page) if block.tag == "python"]


def _is_session(page: Path) -> bool:
    return any(line.strip() == SESSION_MARK for line in page.read_text().splitlines())


def _run(blocks: list[Block], *, replace: tuple[str, str] | None = None) -> None:
    """Run ``blocks`` in order in one fresh interpreter (tracebacks name page:line)."""
    sources = [(block.label, block.code) for block in blocks]
    if replace is not None:
        sources = [(label, code.replace(*replace)) for label, code in sources]
    runner = (
        "import json, sys\n"
        "namespace = {'__name__': '__main__'}\n"
        "for label, code in json.loads(sys.stdin.read()):\n"
        "    exec(compile(code, label, 'exec'), namespace)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", runner],
        input=json.dumps(sources),
        capture_output=True,
        text=True,
        cwd=DOCS,
        timeout=HANG_GUARD,
        check=False,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    where = ", ".join(block.label for block in blocks)
    assert done.returncode == 0, f"{where}\n{done.stdout}\n{done.stderr}"


def _needs_skip(blocks: list[Block]) -> str | None:
    if any("openssl" in block.code for block in blocks) and shutil.which("openssl") is None:
        return "needs the openssl command"
    return None


def _cases() -> list[tuple[str, list[Block]]]:
    """One case per page in session mode, one per block otherwise."""
    cases: list[tuple[str, list[Block]]] = []
    for page in _pages():
        blocks = _python(page)
        if not blocks:
            continue
        if _is_session(page):
            cases.append((str(page.relative_to(DOCS)), blocks))
        else:
            cases.extend((block.label, [block]) for block in blocks)
    return cases


@pytest.mark.parametrize(("name", "blocks"), _cases(), ids=[name for name, _ in _cases()])
def test_documentation_examples_run(name: str, blocks: list[Block]) -> None:
    reason = _needs_skip(blocks)
    if reason is not None:
        pytest.skip(reason)
    _run(blocks)


DIRECTIVES = {"{toctree}", "{include}", "{literalinclude}", "{pystrix-cli}", "{code-block}"}


def test_every_python_block_runs() -> None:
    """No Python hides behind another tag: the only Python shown without running it is
    the panoramisk side of the comparison page, and an included file is run by a block."""
    runs = "".join(block.code for page in _pages() for block in _python(page))
    for block in _all_blocks():
        words = block.info.split()
        if block.tag == "python" or block.tag in NOT_RUN:
            continue
        assert block.tag in DIRECTIVES, f"{block.label}: fence tag {block.tag!r}"
        if block.tag == "{code-block}":
            assert words[1:2] != ["python"] or (
                block.page == "from-panoramisk.md"
                and re.search(r"^:caption:.*panoramisk", block.code, re.M)
            ), f"{block.label}: Python that does not run"
        if block.tag == "{literalinclude}":
            path = DOCS / Path(block.page).parent / words[1]
            assert path.is_file(), block.label
            if path.suffix == ".py":
                shown = str(path.relative_to(DOCS / Path(block.page).parent))
                assert shown in runs, f"{block.label}: no Python block runs {shown}"
    for block in _all_blocks():
        if block.tag in ("text", "console"):
            assert not re.search(r"^(import \w|from \w+ import|def \w+\()", block.code, re.M), (
                f"{block.label}: Python in a {block.tag} block"
            )


def test_rst_pages_hold_no_code() -> None:
    """The reStructuredText pages are the generated reference: no examples hide there."""
    for page in DOCS.rglob("*.rst"):
        if "_build" in page.parts:
            continue
        text = page.read_text()
        assert not re.search(r"^\s*\.\. (code-block|code|sourcecode)::", text, re.M), page


def _panoramisk_blocks() -> list[Block]:
    return [
        block
        for block in _fences(DOCS / "from-panoramisk.md")
        if block.tag == "{code-block}" and "panoramisk" in block.code
    ]


def test_panoramisk_side_compiles() -> None:
    blocks = _panoramisk_blocks()
    assert blocks, "the comparison page shows panoramisk code"
    for block in blocks:
        code = "\n".join(line for line in block.code.splitlines() if not line.startswith(":"))
        compile(code, block.label, "exec")


def test_panoramisk_side_runs_when_installed() -> None:
    pytest.importorskip("panoramisk")
    with AsteriskSimulator(auth_failure_delay=0.01, time_scale=0.05) as simulator:
        for block in _panoramisk_blocks():
            code = "\n".join(line for line in block.code.splitlines() if not line.startswith(":"))
            shown = Block(block.page, block.line, "python", code + "\n")
            _run([shown], replace=("5038", str(simulator.port)))


# -- the generated reference ---------------------------------------------------------------


def _public_modules() -> set[str]:
    found = {"pystrix"}
    for info in pkgutil.walk_packages(pystrix.__path__, "pystrix."):
        parts = info.name.split(".")
        if any(part.startswith("_") for part in parts):
            continue  # private modules, __main__
        found.add(info.name)
    return found


def _api_directives() -> list[str]:
    return [
        match.group(1)
        for page in sorted(DOCS.rglob("*.rst"))
        if "_build" not in page.parts
        for match in re.finditer(r"^\.\. pystrix-api:: (\S+)$", page.read_text(), re.M)
    ]


def test_every_public_module_is_in_the_api_reference() -> None:
    documented = _api_directives()
    assert len(documented) == len(set(documented)), "a module is documented twice"
    assert set(documented) == _public_modules()
    assert set(pystrix_docs.API_MODULES) == _public_modules()


def test_api_reference_documents_each_object_once() -> None:
    homes: dict[int, str] = {}
    for name in pystrix_docs.API_MODULES:
        module = importlib.import_module(name)
        for attribute, value in pystrix_docs._documented(module, pystrix_docs._homes()):
            if isinstance(value, type) or callable(value):
                # Once per module: an alias in the same module (core_events.NewExten for
                # Newexten) is documented as an alias; another module's never.
                home = homes.setdefault(id(value), name)
                assert home == name, f"{name}.{attribute} is documented in {home} too"
    from pystrix.ami import ReconnectPolicy, aio, manager

    assert homes[id(manager.Manager)] == "pystrix.ami.manager"
    assert homes[id(aio.Manager)] == "pystrix.ami.aio"
    assert homes[id(ReconnectPolicy)] == "pystrix.ami"


def _labels(lines: list[str], prefix: str) -> set[str]:
    return {m.group(1) for line in lines if (m := re.match(rf"^\.\. _({prefix}-\S+):$", line))}


def test_catalog_reference_has_every_action_event_and_command() -> None:
    from pystrix.agi import core as agi_core
    from pystrix.ami import catalog

    actions = pystrix_docs.ami_action_lines()
    assert _labels(actions, "ami-action") == {
        pystrix_docs._anchor("ami-action", name) for name in catalog.actions()
    }
    events = pystrix_docs.ami_event_lines()
    assert _labels(events, "ami-event") == {
        pystrix_docs._anchor("ami-event", name) for name in catalog.events()
    }
    commands = pystrix_docs.agi_command_lines()
    assert _labels(commands, "agi-command") == {
        pystrix_docs._anchor("agi-command", words) for words in agi_core.COMMANDS
    }
    text = "\n".join(actions)
    # Parameters, the header each sets, required or not, since when.
    assert "``bridge_uniqueid``" in text and "``BridgeUniqueid``" in text
    assert ":Since: Asterisk 12.0.0" in text
    commands_text = "\n".join(commands)
    assert ":Sends: ``GET VARIABLE <variable>``" in commands_text


def test_cli_reference_covers_every_subcommand() -> None:
    from pystrix import cli

    parser = cli.build_parser() if hasattr(cli, "build_parser") else cli._build_parser()
    names = {title for title, _ in pystrix_docs.cli_help()}
    for action in parser._actions:
        if action.choices and isinstance(action.choices, dict):
            assert {f"pystrix {name}" for name in action.choices} <= names
    assert "pystrix" in names
