"""atheris harness for the sans-I/O AGI core (AGIProtocol, parse_reply, the commands).

Each input is 16 flag bytes (delivery, environment expected or not, line and environment
limits, structured mutations) followed by what Asterisk sends.  The seed corpus is the
FastAGI recording (transcript 22), whole and cut at each of its reads.  The checks are
those of ``tests/test_fuzz_agi.py``: only ``AGIProtocolError`` may escape ``next_event``,
events come in order, two deliveries give the same events and error, and every reply is
read by every command class raising only ``AGIException``.

Not part of the test suite; see ``fuzzing/README.md`` for the command.
"""

from __future__ import annotations

from pathlib import Path

import atheris
from _common import HEADER_BYTES, run

from fuzz_support import (
    MUTATION_KINDS,
    Op,
    agi_seed_chunks,
    deliver,
    interpret_quietly,
    mutate,
    run_agi,
)
from pystrix.agi import core
from pystrix.agi.errors import AGIProtocolError
from pystrix.agi.protocol import parse_reply

LINE_LIMITS = (256 * 1024, 32, 256, 4096)
ENV_LIMITS = (1024, 3, 20)
MODES = ("recorded", "whole", "bytewise", "cuts")
BYTEWISE_MAX = 4096


def _commands() -> dict[str, core.Action[object]]:
    """One instance of every command class, built as ``tests/test_fuzz_agi.py`` does."""
    import test_fuzz_agi

    return dict(test_fuzz_agi.COMMANDS)


COMMANDS = _commands()
NAMES = sorted(COMMANDS)


def test_one_input(data: bytes) -> None:
    """Run one input through two deliveries of a checked AGIProtocol and the commands."""
    provider = atheris.FuzzedDataProvider(data)
    flags = provider.ConsumeBytes(HEADER_BYTES).ljust(HEADER_BYTES, b"\0")
    options = {
        "expect_environment": not flags[1] & 1,  # zero flags (the seeds): FastAGI
        "max_line_length": LINE_LIMITS[flags[2] % len(LINE_LIMITS)],
        "max_environment_lines": ENV_LIMITS[flags[3] % len(ENV_LIMITS)],
    }
    line_limit = int(options["max_line_length"])
    ops = [
        Op(
            MUTATION_KINDS[flags[i] % len(MUTATION_KINDS)],
            flags[i + 1],
            flags[i + 2] << 4,
            flags[i + 1] * 37,
            bytes(flags[i + 2 : i + 3]),
        )
        for i in (10, 13)
        if flags[i] & 0x80  # zero flags: no structured mutation, libFuzzer's own only
    ]
    payload = provider.ConsumeBytes(provider.remaining_bytes())
    # The seeds mark the recorded read boundaries with a NUL, which Asterisk never sends.
    chunks = mutate(
        payload.split(b"\0") if flags[4] == 0 else [payload],
        ops,
        huge_size=2 * min(line_limit, 1 << 18),
    )
    joined = b"".join(chunks)
    mode = MODES[flags[0] % len(MODES)]
    if mode == "bytewise" and len(joined) > BYTEWISE_MAX:
        mode = "cuts"
    cuts = [flags[5] * 97 + flags[6] * 13 * i for i in range(1 + flags[7] % 16)]

    first = run_agi([joined], **options)
    second = run_agi(deliver(chunks, mode, cuts), **options)
    assert first == second, "two deliveries of the same bytes give different events"

    # Every line, as a one-line reply, through every command class.
    for line in joined.decode("utf-8", "replace").splitlines()[:20]:
        try:
            reply = parse_reply([line])
        except AGIProtocolError:
            continue
        for name in NAMES:
            interpret_quietly(COMMANDS[name], name, reply)


def main() -> None:
    """Seed ``fuzzing/corpus/agi`` from transcript 22 and fuzz (libFuzzer flags apply)."""
    chunks = agi_seed_chunks()
    seeds = [b"\0".join(chunks), b"".join(chunks)]
    seeds += [b"\0".join(chunks[:i]) for i in range(1, len(chunks))]
    run(test_one_input, Path(__file__).resolve().parent / "corpus" / "agi", seeds)


if __name__ == "__main__":
    main()
