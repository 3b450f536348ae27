"""Loading the recorded Asterisk sessions in ``tests/data/transcripts``.

Each ``*.jsonl`` file holds one JSON object a line: ``{"dir": "recv"|"send", "t": s,
"data": text}`` (``"eof": true`` marks the server closing).  The recordings live in the
repository (see ``tests/data/README.md``): a missing file is an error, never a skip.

:func:`normalize` removes what differs from one run to the next (timestamps, session and
unique ids, addresses, channel-name counters) so that a simulator's answer can be compared
with the recording header by header.
"""

from __future__ import annotations

import json
import os
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from pystrix.ami.message import Message
from pystrix.ami.protocol import MessageParser

__all__ = [
    "AMI_TRANSCRIPT_COUNT",
    "TRANSCRIPTS_DIR",
    "Record",
    "Transcript",
    "ami_transcript_names",
    "event_multiset",
    "events_by_channel",
    "load",
    "normalize",
    "recv_bytes",
    "recv_chunks",
    "split_messages",
]

#: ``tests/data/transcripts``, found from this file's location, unless the environment
#: variable ``PYSTRIX_TRANSCRIPTS`` names another folder.
TRANSCRIPTS_DIR = (
    Path(os.environ["PYSTRIX_TRANSCRIPTS"])
    if os.environ.get("PYSTRIX_TRANSCRIPTS")
    else Path(__file__).resolve().parent / "data" / "transcripts"
)

#: How many AMI transcripts (every ``*.jsonl`` but ``22-fastagi.jsonl``) the folder holds:
#: :func:`ami_transcript_names` checks it, so that a lost file fails instead of quietly
#: dropping the tests parametrised over the names.  Change it with the recordings.
AMI_TRANSCRIPT_COUNT = 30

# Headers whose values change on every run (compared by presence and position only).
_VARYING = {
    "timestamp",
    "eventtv",
    "sessiontv",
    "sessionid",
    "challenge",
    "uptime",
    "lastreload",
    "localaddress",
    "remoteaddress",
    "duration",
    "seconds",
}
_CHANNEL_COUNTER = re.compile(r"-[0-9a-f]{8}(?=;[12])")


@dataclass
class Record:
    """One recorded chunk."""

    direction: str
    t: float
    data: str
    eof: bool = False


@dataclass
class Step:
    """A chunk the client sent, with what the server had sent around it.

    ``expected_total``: server messages received before the next send (or the end).
    ``events_before_answer``: asynchronous events (see :func:`split_messages`) received
    before the first response that followed this send: the state the server was in when
    it answered, which a replay should wait for before sending.
    """

    data: str
    expected_total: int = 0
    events_before_answer: int = 0


@dataclass
class Transcript:
    """One recorded connection."""

    name: str
    records: list[Record] = field(default_factory=list)

    @property
    def server_closed(self) -> bool:
        """True if the recording ends with the server closing the socket."""
        return any(record.eof for record in self.records)

    def server_messages(self) -> list[Message]:
        """Every message the server sent, parsed (the banner is not a message)."""
        parser = MessageParser(expect_banner=True)
        messages: list[Message] = []
        for record in self.records:
            if record.direction == "recv" and not record.eof:
                messages.extend(parser.feed(record.data.encode("utf-8")))
        return messages

    def banner(self) -> str | None:
        """The banner line the server sent first."""
        parser = MessageParser(expect_banner=True)
        for record in self.records:
            if record.direction == "recv" and not record.eof:
                parser.feed(record.data.encode("utf-8"))
                if parser.banner is not None:
                    return parser.banner
        return None

    def steps(self) -> list[Step]:
        """What the client sent, in order, with the server's message counts around it."""
        parser = MessageParser(expect_banner=True)
        received: list[Message] = []
        steps: list[Step] = []
        waiting: list[Step] = []  # sent, no response seen yet
        for record in self.records:
            if record.direction == "send":
                if steps:
                    steps[-1].expected_total = len(received)
                step = Step(record.data, 0, len(split_messages(received)[1]))
                steps.append(step)
                waiting.append(step)
            elif not record.eof:
                for message in parser.feed(record.data.encode("utf-8")):
                    received.append(message)
                    if waiting and not message.is_event:
                        events = len(split_messages(received)[1])
                        for step in waiting:
                            step.events_before_answer = events
                        waiting.clear()
        if steps:
            steps[-1].expected_total = len(received)
        return steps


def load(name: str) -> Transcript:
    """The transcript ``name`` (with or without ``.jsonl``); FileNotFoundError if absent."""
    path = TRANSCRIPTS_DIR / (name if name.endswith(".jsonl") else name + ".jsonl")
    transcript = Transcript(path.stem)
    with path.open(encoding="utf-8") as stream:
        for line in stream:
            if line.strip():
                raw = json.loads(line)
                transcript.records.append(
                    Record(raw["dir"], float(raw["t"]), raw["data"], bool(raw.get("eof")))
                )
    return transcript


def _varying(name: str) -> bool:
    lowered = name.lower()
    return lowered in _VARYING or lowered.endswith("uniqueid") or lowered.endswith("linkedid")


def normalize(message: Message) -> tuple[tuple[str, str], ...]:
    """The message's headers in order, with run-dependent values masked."""
    out = []
    for name, value in message.header_pairs():
        out.append((name, "*" if _varying(name) else _CHANNEL_COUNTER.sub("-N", value)))
    return tuple(out)


def split_messages(messages: Iterable[Message]) -> tuple[list[Message], list[Message]]:
    """(responses and list items in order, asynchronous events).

    Events that belong to an action's answer (they carry an ``EventList`` or follow a
    ``Response`` with ``EventList: start`` and share its ActionID) stay with the responses;
    everything else is an asynchronous event, whose position relative to responses races
    even on a real Asterisk.
    """
    ordered: list[Message] = []
    events: list[Message] = []
    open_lists: set[str] = set()
    for message in messages:
        action_id = message.get("ActionID") or ""
        if message.is_event:
            if action_id in open_lists:
                ordered.append(message)
                if (message.get("EventList") or "").lower() == "complete":
                    open_lists.discard(action_id)
            else:
                events.append(message)
            continue
        ordered.append(message)
        if (message.get("EventList") or "").lower() == "start":
            open_lists.add(action_id)
    return ordered, events


def event_multiset(events: Iterable[Message]) -> Counter[tuple[tuple[str, str], ...]]:
    """Normalized events, counted regardless of order."""
    return Counter(normalize(event) for event in events)


def events_by_channel(events: Iterable[Message]) -> dict[str, list[str]]:
    """Event names per channel, in order: each channel's own story.

    Channel counters are renumbered by first appearance, so two calls to the same
    extension keep separate stories.  ``OriginateResponse`` is left out: it reports the
    action, and races with the channel's ``Newstate`` even on a real Asterisk (07 vs 08).
    """
    stories: dict[str, list[str]] = {}
    counters: dict[str, str] = {}

    def renumber(match: re.Match[str]) -> str:
        return counters.setdefault(match.group(0), f"-#{len(counters)}")

    for event in events:
        channel = event.get("Channel")
        if channel and event.name != "OriginateResponse":
            stories.setdefault(_CHANNEL_COUNTER.sub(renumber, channel), []).append(event.name)
    return stories


# -- raw server bytes (used by the parser tests) -------------------------------------------


def ami_transcript_names() -> list[str]:
    """File names (``NN-name.jsonl``) of the AMI transcripts.

    ``22-fastagi.jsonl`` is left out: its ``recv`` side is Asterisk speaking FastAGI.  A
    missing or incomplete folder raises rather than yielding fewer names (which would
    silently drop the tests parametrised over them).
    """
    names = sorted(
        path.name for path in TRANSCRIPTS_DIR.glob("*.jsonl") if path.name != "22-fastagi.jsonl"
    )
    if len(names) != AMI_TRANSCRIPT_COUNT:
        raise RuntimeError(
            f"{TRANSCRIPTS_DIR} holds {len(names)} AMI transcripts, not {AMI_TRANSCRIPT_COUNT}"
        )
    return names


def recv_chunks(name: str) -> list[bytes]:
    """What the server sent, as the recorded ``recv()`` chunks."""
    return [
        record.data.encode("utf-8")
        for record in load(name).records
        if record.direction == "recv" and not record.eof
    ]


def recv_bytes(name: str) -> bytes:
    """Everything the server sent, in one piece."""
    return b"".join(recv_chunks(name))
