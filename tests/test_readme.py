"""Every ```python block of README.md runs, against the simulator, as a reader would run it.

The convention: each ``python`` block is a complete program, run as written in a fresh
interpreter, with one exception.  Blocks talk to the addresses a reader's machine uses:
``127.0.0.1:5038``, where ``pystrix sim`` listens, and FastAGI's ``4573``.  Tests must use
free ports, so the test starts an :class:`~pystrix.testing.AsteriskSimulator` on a free
port and replaces ``5038`` in the block with that port, and ``4573`` with another free
port; nothing else in the text changes.  A block must exit with status 0 and print no
traceback; ``EXPECTED`` adds what some blocks must print.  Shell commands go in ``sh`` or
``console`` blocks, which this test does not run (the CLI's tests cover them).
"""

from __future__ import annotations

import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from pystrix.testing import AsteriskSimulator

README = Path(__file__).resolve().parents[1] / "README.md"
_FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.DOTALL | re.MULTILINE)
#: Output that a block holding the key must print (each a regular expression).  Where
#: callbacks print on their own thread, lines may interleave: only what one write prints
#: is looked for.
EXPECTED = {
    "register_callback(None, on_orphan)": [r"\['Asterisk 22\."],
    "aio.Manager()": [r"new channel Local/100@test-\w+;1", r"hangup Local/100@test-\w+;[12] "],
    "AsteriskSimulator() as simulator": [r"^True$"],
    "fastagi_call(": [
        r"Alice pressed 1; args \('arg1', 'arg2'\), kwargs \{'lang': \['fr'\]\}",
        r"'STREAM FILE welcome 12'",
    ],
    "catalog.describe": [r"BridgeKick"],
}


def _blocks() -> list[tuple[int, str, str]]:
    """``(line, language, code)`` of every fenced block of the README."""
    text = README.read_text()
    return [
        (text.count("\n", 0, match.start()) + 1, match.group(1), match.group(2))
        for match in _FENCE.finditer(text)
    ]


def _python_blocks() -> list[tuple[int, str]]:
    return [(line, code) for line, language, code in _blocks() if language == "python"]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_every_block_says_what_it_is() -> None:
    """Code is either a ``python`` block (run here) or a shell block (not run): an
    unlabelled or ``py`` block would escape this test."""
    languages = {language for _, language, _ in _blocks()}
    assert languages <= {"python", "sh", "console"}, languages
    assert len(_python_blocks()) >= 5


def test_every_expectation_has_its_block() -> None:
    for key in EXPECTED:
        assert any(key in code for _, code in _python_blocks()), key


@pytest.mark.parametrize(
    ("line", "code"), _python_blocks(), ids=[f"line-{line}" for line, _ in _python_blocks()]
)
def test_readme_block_runs(line: int, code: str) -> None:
    with AsteriskSimulator(time_scale=0.05, auth_failure_delay=0.01) as simulator:
        program = code.replace("5038", str(simulator.port)).replace("4573", str(_free_port()))
        done = subprocess.run(
            [sys.executable, "-c", program],
            capture_output=True,
            text=True,
            timeout=120,  # a hang guard only
            check=False,
        )
    report = f"README.md:{line}\n--- stdout\n{done.stdout}\n--- stderr\n{done.stderr}"
    assert done.returncode == 0, report
    assert "Traceback" not in done.stderr, report
    for key, patterns in EXPECTED.items():
        if key in code:
            for pattern in patterns:
                assert re.search(pattern, done.stdout, re.MULTILINE), f"{pattern}\n{report}"
