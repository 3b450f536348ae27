"""atheris harness for the sans-I/O AMI core (MessageParser and ClientProtocol).

Each input is 16 flag bytes (delivery, banner, deferred events, size limit, the kind of
each action, structured mutations) followed by the server's bytes.  The seed corpus is
every recorded AMI transcript, cut into windows of at most ~12 KB.  The checks are those
of ``tests/test_fuzz_ami.py``: only ``RemoteProtocolError`` may escape, ClientProtocol's
invariants hold after every read, and deliveries that both parse agree.

Not part of the test suite; see ``fuzzing/README.md`` for the command.
"""

from __future__ import annotations

from pathlib import Path

import atheris
from _common import HEADER_BYTES, run

from fuzz_support import (
    ACTION_KINDS,
    MUTATION_KINDS,
    ClientRun,
    Op,
    action_ids_in,
    ami_seed_chunks,
    deliver,
    mutate,
    parse_ami,
)
from pystrix.ami.protocol import DEFAULT_MAX_MESSAGE_SIZE

LIMITS = (64, 512, 4096, DEFAULT_MAX_MESSAGE_SIZE)
MODES = ("whole", "bytewise", "cuts", "recorded")
# One byte per read is the slowest delivery; past this size the input is cut instead.
BYTEWISE_MAX = 2048


def test_one_input(data: bytes) -> None:
    """Run one input through the parser and a checked ClientProtocol session."""
    provider = atheris.FuzzedDataProvider(data)
    flags = provider.ConsumeBytes(HEADER_BYTES).ljust(HEADER_BYTES, b"\0")
    limit = LIMITS[flags[1] % len(LIMITS)]
    banner = not flags[2] & 1  # zero flags (the seeds): a client that expects the banner
    defer = bool(flags[2] & 2)
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
    chunks = mutate([payload], ops, huge_size=2 * min(limit, 1 << 16))
    joined = b"".join(chunks)
    mode = MODES[flags[0] % len(MODES)]
    if mode == "bytewise" and len(joined) > BYTEWISE_MAX:
        mode = "cuts"
    cuts = [flags[3] * 97 + flags[4] * 13 * i for i in range(1 + flags[5] % 16)]

    # The parser alone: this delivery, compared with a single read when both parse.
    whole = parse_ami([joined], expect_banner=banner, max_message_size=limit)
    other = parse_ami(deliver(chunks, mode, cuts), expect_banner=banner, max_message_size=limit)
    if whole[2] is None and other[2] is None:
        assert whole == other, "two deliveries of the same bytes parse differently"

    # A client session: one action per ActionID the bytes carry, plus two generated ones.
    session = ClientRun(defer_events=defer, max_message_size=limit)
    for index, action_id in enumerate([*action_ids_in(joined), None, None]):
        session.send(ACTION_KINDS[flags[6 + index % 4] % len(ACTION_KINDS)], action_id)
    pieces = deliver(chunks, mode, cuts)
    for index, piece in enumerate(pieces):
        if flags[9] and index == flags[9] % (len(pieces) + 1):
            session.abandon(flags[8])
        session.receive(piece)


def main() -> None:
    """Seed ``fuzzing/corpus/ami`` from the transcripts and fuzz (libFuzzer flags apply)."""
    windows = [b"".join(window) for window in ami_seed_chunks()]
    run(test_one_input, Path(__file__).resolve().parent / "corpus" / "ami", windows)


if __name__ == "__main__":
    main()
