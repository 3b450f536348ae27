"""What both atheris harnesses share: the import path, the seed corpus, the run loop.

The oracles live in ``tests/fuzz_support.py`` (the hypothesis tests use the same ones), so
``tests/`` goes on ``sys.path``; pystrix itself is imported under atheris's coverage
instrumentation so that libFuzzer sees which branches an input reaches.
"""

from __future__ import annotations

import hashlib
import sys
from collections.abc import Callable, Iterable
from pathlib import Path

import atheris

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

with atheris.instrument_imports(include=["pystrix"]):
    import pystrix.agi.core
    import pystrix.agi.protocol
    import pystrix.ami.protocol  # noqa: F401

#: Flag bytes every input starts with (the seeds use zeros: the first delivery mode).
HEADER_BYTES = 16


def seed(directory: Path, payloads: Iterable[bytes]) -> None:
    """Write each payload, behind a zero header, into ``directory`` (kept across runs)."""
    directory.mkdir(parents=True, exist_ok=True)
    for payload in payloads:
        data = bytes(HEADER_BYTES) + payload
        (directory / hashlib.sha1(data).hexdigest()).write_bytes(data)


def run(test_one_input: Callable[[bytes], None], corpus: Path, seeds: Iterable[bytes]) -> None:
    """Start libFuzzer with ``sys.argv``, adding the seeded default corpus if none is named."""
    argv = list(sys.argv)
    if not any(not arg.startswith("-") for arg in argv[1:]):
        seed(corpus, seeds)
        argv.append(str(corpus))
    atheris.Setup(argv, test_one_input)
    atheris.Fuzz()
