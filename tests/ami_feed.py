"""Feed bytes to a :class:`MessageParser` in several ways and insist on one result.

Every parser test goes through :func:`feed_both`: the input is parsed once as given (whole,
or in the chunks given) and once one byte at a time, and both runs must produce the same
messages (class, headers in order, ``data`` and ``raw``), the same banner and the same
number of bytes left buffered.  Chunking is the parser's business, never the caller's.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import pytest

from pystrix.ami.errors import MessageTooLargeError
from pystrix.ami.message import Message
from pystrix.ami.protocol import DEFAULT_MAX_MESSAGE_SIZE, MessageParser

#: What identifies a parsed message: class, header pairs in order, data lines, raw text.
Snapshot = tuple[type, tuple[tuple[str, str], ...], tuple[str, ...], str | None]


def snapshot(message: Message) -> Snapshot:
    """Everything a parsed message carries, in a comparable form."""
    return (type(message), tuple(message.header_pairs()), tuple(message.data), message.raw)


@dataclass
class Fed:
    """The outcome of one parse."""

    messages: list[Message]
    banner: str | None
    buffered: int

    def snapshots(self) -> list[Snapshot]:
        return [snapshot(m) for m in self.messages]


def feed_chunks(
    chunks: Iterable[bytes],
    *,
    expect_banner: bool = False,
    max_message_size: int = DEFAULT_MAX_MESSAGE_SIZE,
) -> Fed:
    """Parse ``chunks`` in order with a fresh parser."""
    parser = MessageParser(expect_banner=expect_banner, max_message_size=max_message_size)
    messages: list[Message] = []
    for chunk in chunks:
        messages.extend(parser.feed(chunk))
    return Fed(messages, parser.banner, parser.buffered)


def bytewise(data: bytes) -> list[bytes]:
    """``data`` cut into one-byte chunks."""
    return [data[i : i + 1] for i in range(len(data))]


def feed_both(
    data: bytes | Sequence[bytes],
    *,
    expect_banner: bool = False,
    max_message_size: int = DEFAULT_MAX_MESSAGE_SIZE,
) -> Fed:
    """Parse ``data`` as given and byte by byte; assert both agree; return the first."""
    chunks = [data] if isinstance(data, bytes) else list(data)
    whole = feed_chunks(chunks, expect_banner=expect_banner, max_message_size=max_message_size)
    single = feed_chunks(
        bytewise(b"".join(chunks)),
        expect_banner=expect_banner,
        max_message_size=max_message_size,
    )
    assert single.snapshots() == whole.snapshots(), "byte-by-byte parse differs"
    assert single.banner == whole.banner
    assert single.buffered == whole.buffered
    return whole


def feed_splits(data: bytes, *, expect_banner: bool = False) -> Fed:
    """Like :func:`feed_both`, and also cut in two at every possible point."""
    reference = feed_both(data, expect_banner=expect_banner)
    for cut in range(1, len(data)):
        split = feed_chunks([data[:cut], data[cut:]], expect_banner=expect_banner)
        assert split.snapshots() == reference.snapshots(), f"split at {cut} differs"
        assert split.banner == reference.banner
        assert split.buffered == reference.buffered, f"split at {cut} buffers differently"
    return reference


def assert_too_large(
    data: bytes | Sequence[bytes], *, max_message_size: int, expect_banner: bool = False
) -> None:
    """Both the whole and the byte-by-byte parse raise :class:`MessageTooLargeError`."""
    chunks = [data] if isinstance(data, bytes) else list(data)
    for attempt in (chunks, bytewise(b"".join(chunks))):
        with pytest.raises(MessageTooLargeError) as caught:
            feed_chunks(attempt, expect_banner=expect_banner, max_message_size=max_message_size)
        assert caught.value.limit == max_message_size
        assert caught.value.size > max_message_size
