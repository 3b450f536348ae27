"""MessageParser: bytes in, messages out.

Every case goes through :func:`ami_feed.feed_both` (whole and one byte at a time) or
:func:`ami_feed.feed_splits` (also cut in two at every point).
"""

from __future__ import annotations

import collections

import pytest

from ami_feed import assert_too_large, feed_both, feed_chunks, feed_splits
from pystrix.ami.errors import MessageTooLargeError, RemoteProtocolError
from pystrix.ami.events import Event
from pystrix.ami.message import Message
from pystrix.ami.protocol import MessageParser, parse_version
from transcripts import ami_transcript_names, recv_bytes, recv_chunks

BANNER = b"Asterisk Call Manager/11.0.0\r\n"
PING = (
    b"Response: Success\r\nActionID: ping-1\r\nPing: Pong\r\nTimestamp: 1795754748.053745\r\n\r\n"
)

# -- banner ---------------------------------------------------------------------------------


def test_banner_alone() -> None:
    fed = feed_splits(BANNER, expect_banner=True)
    assert fed.banner == "Asterisk Call Manager/11.0.0"
    assert fed.messages == []
    assert fed.buffered == 0


def test_banner_then_messages_in_one_chunk() -> None:
    fed = feed_splits(BANNER + PING, expect_banner=True)
    assert fed.banner == "Asterisk Call Manager/11.0.0"
    assert [m["ActionID"] for m in fed.messages] == ["ping-1"]
    assert fed.buffered == 0


def test_banner_with_bare_lf() -> None:
    fed = feed_both(b"Asterisk Call Manager/9.0.0\nResponse: Success\n\n", expect_banner=True)
    assert fed.banner == "Asterisk Call Manager/9.0.0"
    assert fed.messages[0].name == "Success"


def test_banner_incomplete_is_buffered() -> None:
    parser = MessageParser(expect_banner=True)
    assert parser.feed(b"Asterisk Call Man") == []
    assert parser.banner is None
    assert parser.buffered == len(b"Asterisk Call Man")
    assert parser.feed(b"ager/11.0.0\r\n") == []
    assert parser.banner == "Asterisk Call Manager/11.0.0"
    assert parser.buffered == 0


def test_banner_is_not_a_message_even_with_a_colon() -> None:
    fed = feed_both(b"Weird: banner/1.2\r\nResponse: Success\r\n\r\n", expect_banner=True)
    assert fed.banner == "Weird: banner/1.2"
    assert [m.header_pairs() for m in fed.messages] == [[("Response", "Success")]]


def test_endless_banner_is_too_large() -> None:
    assert_too_large(
        b"Asterisk Call Manager/" + b"9" * 200, max_message_size=64, expect_banner=True
    )


@pytest.mark.parametrize(
    ("banner", "version"),
    [
        ("Asterisk Call Manager/11.0.0", "11.0.0"),
        ("Asterisk Call Manager/9.0.0", "9.0.0"),
        ("Asterisk Call Manager/1.1", "1.1"),
        ("Asterisk Call Manager/2.10.4 ", "2.10.4"),
        ("no version here", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_version(banner: str | None, version: str | None) -> None:
    assert parse_version(banner) == version


# -- framing ----------------------------------------------------------------------------------


def test_crlf_message() -> None:
    fed = feed_splits(PING)
    assert len(fed.messages) == 1
    message = fed.messages[0]
    assert type(message) is Message
    assert message.header_pairs() == [
        ("Response", "Success"),
        ("ActionID", "ping-1"),
        ("Ping", "Pong"),
        ("Timestamp", "1795754748.053745"),
    ]
    assert message.data == []
    assert fed.buffered == 0


def test_bare_lf_message() -> None:
    fed = feed_splits(b"Response: Success\nActionID: lf-only-1\nPing: Pong\n\n")
    assert [m.header_pairs() for m in fed.messages] == [
        [("Response", "Success"), ("ActionID", "lf-only-1"), ("Ping", "Pong")]
    ]


@pytest.mark.parametrize(
    "data",
    [
        b"A: 1\r\nB: 2\n\n",
        b"A: 1\nB: 2\r\n\r\n",
        b"A: 1\r\nB: 2\r\n\n",
        b"A: 1\nB: 2\n\r\n",
        b"A: 1\nB: 2\r\n\n",
    ],
    ids=["crlf-lines-lf-end", "lf-lines-crlf-end", "crlf-lf", "lf-crlf", "mixed"],
)
def test_mixed_line_endings(data: bytes) -> None:
    fed = feed_splits(data)
    assert [m.header_pairs() for m in fed.messages] == [[("A", "1"), ("B", "2")]]
    assert fed.buffered == 0


def test_messages_back_to_back() -> None:
    data = (
        PING + b"Event: FullyBooted\r\nPrivilege: system,all\r\nStatus: Fully Booted\r\n\r\n" + PING
    )
    fed = feed_splits(data)
    assert [m.name for m in fed.messages] == ["Success", "FullyBooted", "Success"]
    assert isinstance(fed.messages[1], Event)


def test_terminator_split_at_every_point() -> None:
    # feed_splits cuts between every pair of bytes, so inside \r\n\r\n too; spell it out.
    whole = feed_chunks([PING]).snapshots()
    end = len(PING)
    for cut in (end - 3, end - 2, end - 1):
        assert feed_chunks([PING[:cut], PING[cut:]]).snapshots() == whole
    assert feed_chunks([PING[: end - 3], PING[end - 3 : end - 1], PING[end - 1 :]]).snapshots() == (
        whole
    )


def test_incomplete_message_waits() -> None:
    parser = MessageParser()
    assert parser.feed(PING[:-2]) == []
    assert parser.buffered == len(PING) - 2
    (message,) = parser.feed(PING[-2:])
    assert message["Ping"] == "Pong"
    assert parser.buffered == 0


def test_no_message_without_the_empty_line() -> None:
    fed = feed_both(b"Response: Success\r\nActionID: x\r\n")
    assert fed.messages == []
    assert fed.buffered == len(b"Response: Success\r\nActionID: x\r\n")


@pytest.mark.parametrize(
    "gap",
    [b"\r\n", b"\n", b"\r\n\r\n", b"\n\n\n", b"\r\n\n\r\n"],
    ids=["crlf", "lf", "2crlf", "3lf", "mixed"],
)
def test_blank_lines_between_messages_are_ignored(gap: bytes) -> None:
    fed = feed_both(b"A: 1\r\n\r\n" + gap + b"B: 2\r\n\r\n")
    assert [m.header_pairs() for m in fed.messages] == [[("A", "1")], [("B", "2")]]
    assert fed.buffered == 0


@pytest.mark.parametrize("gap", [b"\r\n", b"\n"], ids=["crlf", "lf"])
def test_blank_lines_between_messages_split_anywhere(gap: bytes) -> None:
    fed = feed_splits(b"A: 1\r\n\r\n" + gap + b"B: 2\r\n\r\n")
    assert [m.header_pairs() for m in fed.messages] == [[("A", "1")], [("B", "2")]]


@pytest.mark.parametrize("gap", [b"\r\n", b"\n", b"\r\n\r\n"], ids=["crlf", "lf", "2crlf"])
def test_blank_lines_before_the_first_message_are_ignored(gap: bytes) -> None:
    fed = feed_splits(gap + b"A: 1\r\n\r\n")
    assert [m.header_pairs() for m in fed.messages] == [[("A", "1")]]
    fed = feed_splits(BANNER + gap + b"A: 1\r\n\r\n", expect_banner=True)
    assert [m.header_pairs() for m in fed.messages] == [[("A", "1")]]


@pytest.mark.parametrize(
    "data",
    [
        b"A: 1\r\n\r\n\r\n",
        b"A: 1\n\n\n",
        b"Response: Error\r\nActionID: pjsip-contacts\r\nMessage: No Contacts found\n\r\n\r\n",
    ],
    ids=["crlf", "lf", "transcript-24"],
)
def test_trailing_blank_line_yields_no_empty_message(data: bytes) -> None:
    fed = feed_both(data)
    assert len(fed.messages) == 1
    assert all(m.header_pairs() for m in fed.messages)


def test_trailing_blank_line_then_next_message() -> None:
    # Once the next message arrives, the blank line must be gone, however it was read.
    for chunks in ([b"A: 1\r\n\r\n\r\n", b"B: 2\r\n\r\n"], [b"A: 1\r\n\r\n\r", b"\nB: 2\r\n\r\n"]):
        parser = MessageParser()
        first = parser.feed(chunks[0])
        second = parser.feed(chunks[1])
        named = [m.header_pairs() for m in first + second if m.header_pairs()]
        assert named == [[("A", "1")], [("B", "2")]]
        assert parser.buffered == 0


def test_a_value_ending_in_lf_before_the_terminator() -> None:
    # Asterisk writes "Message: No Contacts found\n" + "\r\n" + "\r\n" (transcript 24).
    data = (
        b"Response: Error\r\nActionID: pjsip-contacts\r\nMessage: No Contacts found\n\r\n\r\n"
        b"Response: Success\r\nActionID: next\r\n\r\n"
    )
    fed = feed_both(data)
    real = [m for m in fed.messages if m.header_pairs()]
    assert [m.action_id for m in real] == ["pjsip-contacts", "next"]
    assert real[0]["Message"] == "No Contacts found"
    assert fed.buffered == 0


# -- header lines ------------------------------------------------------------------------------


def test_line_without_colon_goes_to_data() -> None:
    fed = feed_splits(b"Response: Success\r\nThisLineHasNoColon\r\nActionID: nocolon-1\r\n\r\n")
    (message,) = fed.messages
    assert message.data == ["ThisLineHasNoColon"]
    assert message.header_pairs() == [("Response", "Success"), ("ActionID", "nocolon-1")]


def test_message_of_only_colonless_lines() -> None:
    fed = feed_both(b"just text\r\nmore text\r\n\r\n")
    (message,) = fed.messages
    assert message.data == ["just text", "more text"]
    assert message.header_pairs() == []


def test_value_containing_colon_space_is_kept_whole() -> None:
    data = (
        b"Response: Error\r\nActionID: unknown-1\r\n"
        b"Message: Invalid/unknown command: NoSuchThing. Use Action: ListCommands to show "
        b"available commands.\r\n\r\n"
        b"Event: RequestBadFormat\r\nRequestType: Action: NoSuchThing\r\n"
        b"LocalAddress: IPV4/TCP/127.0.0.1/5038\r\nEventTV: 2026-11-27T04:46:32.032+0000\r\n\r\n"
    )
    fed = feed_both(data)
    assert fed.messages[0]["Message"] == (
        "Invalid/unknown command: NoSuchThing. Use Action: ListCommands to show available commands."
    )
    assert fed.messages[1]["RequestType"] == "Action: NoSuchThing"
    assert fed.messages[1]["EventTV"] == "2026-11-27T04:46:32.032+0000"


@pytest.mark.parametrize(
    ("line", "key", "value"),
    [
        (b"ActionID:nospace-1", "ActionID", "nospace-1"),
        (b"ActionID: one-space", "ActionID", "one-space"),
        (b"Output:   indented", "Output", "  indented"),
        (b"AccountCode: ", "AccountCode", ""),
        (b"AccountCode:", "AccountCode", ""),
        (b"Trailing: spaces  ", "Trailing", "spaces  "),
        (b"a:b: c", "a:b", "c"),
        (b"a:b:c", "a", "b:c"),
        (b"ChanVariable(SIP/[::1]:5060-01): X=1", "ChanVariable(SIP/[::1]:5060-01)", "X=1"),
        (b"Key:\tTab", "Key", "\tTab"),
        (b"Key: caf\xc3\xa9 \xe2\x98\x8e", "Key", "caf\u00e9 \u260e"),
    ],
)
def test_header_line_shapes(line: bytes, key: str, value: str) -> None:
    fed = feed_splits(b"Response: Success\r\n" + line + b"\r\n\r\n")
    (message,) = fed.messages
    assert message.header_pairs() == [("Response", "Success"), (key, value)]


def test_empty_values_in_a_real_event() -> None:
    data = (
        b"Event: Newchannel\r\nPrivilege: call,all\r\nChannel: Local/500@test-0000000a;1\r\n"
        b"Language: en\r\nAccountCode: \r\nContext: test\r\n\r\n"
    )
    (event,) = feed_both(data).messages
    assert event["AccountCode"] == ""
    assert "accountcode" in event
    assert event["Context"] == "test"


def test_invalid_utf8_is_replaced_not_fatal() -> None:
    (message,) = feed_both(b"Response: Success\r\nMessage: bad \xff\xfe bytes\r\n\r\n").messages
    assert message["Message"].startswith("bad ")
    assert "\ufffd" in message["Message"]


def test_case_insensitive_access_on_parsed_messages() -> None:
    (message,) = feed_both(PING).messages
    assert message["actionid"] == "ping-1"
    assert message.get("PING") == "Pong"
    assert "timestamp" in message
    assert message.action_id == "ping-1"


def test_header_order_is_kept_when_parsed() -> None:
    names = ["Zulu", "Alpha", "Mike", "Bravo", "Yankee"]
    data = "".join(f"{n}: {i}\r\n" for i, n in enumerate(names)).encode() + b"\r\n"
    (message,) = feed_both(data).messages
    assert list(message) == names
    assert [k for k, _ in message.header_pairs()] == names


# -- repeated headers ---------------------------------------------------------------------------


def test_repeated_variable_and_chanvariable() -> None:
    data = (
        b"Event: Status\r\nChannel: PJSIP/6001-00000001\r\nVariable: A=1\r\n"
        b"ChanVariable: FOO=bar\r\nVariable: B=2\r\nChanVariable: BAZ=qux\r\n\r\n"
    )
    (event,) = feed_both(data).messages
    assert event["Variable"] == "A=1"
    assert event.get_all("variable") == ["A=1", "B=2"]
    assert event.get_all("ChanVariable") == ["FOO=bar", "BAZ=qux"]
    assert event.header_pairs() == [
        ("Event", "Status"),
        ("Channel", "PJSIP/6001-00000001"),
        ("Variable", "A=1"),
        ("ChanVariable", "FOO=bar"),
        ("Variable", "B=2"),
        ("ChanVariable", "BAZ=qux"),
    ]


# The event of transcript 12, as Asterisk sent it.
USEREVENT_12 = (
    b"Event: UserEvent\r\nPrivilege: user,all\r\nUserEvent: LabEvent\r\nActionID: uev-1\r\n"
    b"Header1: one\r\nHeader2: two words\r\nHeader1: dup\r\n\r\n"
)


def test_userevent_duplicate_headers() -> None:
    (event,) = feed_splits(USEREVENT_12).messages
    assert isinstance(event, Event)
    assert event.name == "UserEvent"
    assert event["Header1"] == "one"
    assert event["header1"] == "one"
    assert event.get_all("Header1") == ["one", "dup"]
    assert event["Header2"] == "two words"
    assert event.header_pairs() == [
        ("Event", "UserEvent"),
        ("Privilege", "user,all"),
        ("UserEvent", "LabEvent"),
        ("ActionID", "uev-1"),
        ("Header1", "one"),
        ("Header2", "two words"),
        ("Header1", "dup"),
    ]


def test_repeat_in_another_case_does_not_shadow_the_first_value() -> None:
    (event,) = feed_both(b"Event: UserEvent\r\nHeader1: one\r\nheader1: two\r\n\r\n").messages
    assert event.get_all("HEADER1") == ["one", "two"]
    assert event["header1"] == "one"
    assert event["Header1"] == "one"


# -- Command output ---------------------------------------------------------------------------

# The text of "dialplan show test" (transcript 05), one item per line.
DIALPLAN_LINES = [
    "[ Context 'test' created by 'pbx_config' ]",
    "  '100' =>          1. Answer()                                   [extensions.conf:14]",
    "                    2. Wait(2)                                    [extensions.conf:15]",
    "                    3. Hangup()                                   [extensions.conf:16]",
    "  '200' =>          1. Answer()                                   [extensions.conf:18]",
    "                    2. Set(FOO=bar)                               [extensions.conf:19]",
    "                    3. UserEvent(TestEvent,Key1: v1,Key2: v2)     [extensions.conf:20]",
    "                    4. Wait(2)                                    [extensions.conf:21]",
    "                    5. Hangup()                                   [extensions.conf:22]",
    "  '300' =>          1. AGI(agi://127.0.0.1:4573/hello)            [extensions.conf:24]",
    "                    2. Hangup()                                   [extensions.conf:25]",
    "  '400' =>          1. Answer()                                   [extensions.conf:27]",
    "                    2. Echo()                                     [extensions.conf:28]",
    "  '500' =>          1. Answer()                                   [extensions.conf:32]",
    "                    2. Wait(30)                                   [extensions.conf:33]",
    "                    3. Hangup()                                   [extensions.conf:34]",
    "  '600' =>          1. Wait(20)                                   [extensions.conf:37]",
    "                    2. Hangup()                                   [extensions.conf:38]",
    "",
    "-= 6 extensions (17 priorities) in 1 context. =-",
]

# Transcript 05's response to it (Asterisk 22), in the four reads it arrived in.
COMMAND_05_CHUNKS = [
    b"Response: Success\r\nActionID: cmd-multiline\r\n",
    b"Message: Command output follows\r\n",
    "".join(f"Output: {line}\r\n" for line in DIALPLAN_LINES[:18]).encode(),
    b"Output: \r\nOutput: -= 6 extensions (17 priorities) in 1 context. =-\r\n\r\n",
]


def legacy_command(output: bytes, action_id: str | None = "cmd-legacy") -> bytes:
    """An Asterisk 13 ``Response: Follows`` block around raw CLI ``output``."""
    head = b"Response: Follows\r\nPrivilege: Command\r\n"
    if action_id is not None:
        head += f"ActionID: {action_id}\r\n".encode()
    return head + output + b"--END COMMAND--\r\n\r\n"


def test_embedded_command_bytes_match_transcript_05() -> None:
    chunks = recv_chunks("05-command")
    start = chunks.index(COMMAND_05_CHUNKS[0])
    assert chunks[start : start + 4] == COMMAND_05_CHUNKS


def test_command_output_asterisk_14_and_later() -> None:
    fed = feed_both(COMMAND_05_CHUNKS)
    (message,) = fed.messages
    assert type(message) is Message
    assert message.name == "Success"
    assert message.action_id == "cmd-multiline"
    assert message["Message"] == "Command output follows"
    assert message.data == DIALPLAN_LINES
    assert message.get_all("Output") == DIALPLAN_LINES
    assert message["Output"] == DIALPLAN_LINES[0]
    assert fed.buffered == 0


def test_command_output_asterisk_13_and_earlier() -> None:
    output = "\n".join(DIALPLAN_LINES).encode() + b"\n"
    fed = feed_both(legacy_command(output))
    (message,) = fed.messages
    assert not isinstance(message, Event)
    assert message.name == "Follows"
    assert message.is_response
    assert message.action_id == "cmd-legacy"
    assert message["Privilege"] == "Command"
    assert message.data == DIALPLAN_LINES
    assert fed.buffered == 0


def test_both_command_formats_give_the_same_data() -> None:
    modern = feed_both(COMMAND_05_CHUNKS).messages[0]
    legacy = feed_both(legacy_command("\n".join(DIALPLAN_LINES).encode() + b"\n")).messages[0]
    assert modern.data == legacy.data == DIALPLAN_LINES


def test_legacy_output_with_blank_lines_and_colons() -> None:
    output = b"System uptime: 1 hour, 2 minutes\n\nLast reload: 3 minutes\n\n\nKey: value\n"
    fed = feed_splits(legacy_command(output))
    (message,) = fed.messages
    assert message.data == [
        "System uptime: 1 hour, 2 minutes",
        "",
        "Last reload: 3 minutes",
        "",
        "",
        "Key: value",
    ]
    assert "System uptime" not in message
    assert "Key" not in message


def test_legacy_end_marker_mid_line() -> None:
    output = b"first line\nlast line without newline"
    (message,) = feed_splits(legacy_command(output)).messages
    assert message.data == ["first line", "last line without newline"]


def test_legacy_empty_output() -> None:
    (message,) = feed_both(legacy_command(b"")).messages
    assert message.data == []
    assert message.action_id == "cmd-legacy"


def test_legacy_without_action_id() -> None:
    (message,) = feed_both(legacy_command(b"Asterisk 13.38.3\n", action_id=None)).messages
    assert message.data == ["Asterisk 13.38.3"]
    assert message.action_id is None


def test_legacy_between_other_messages() -> None:
    data = (
        PING
        + legacy_command(b"line 1\n\nline 3\n")
        + b"Event: FullyBooted\r\nStatus: Fully Booted\r\n\r\n"
    )
    fed = feed_both(data)
    assert [m.name for m in fed.messages] == ["Success", "Follows", "FullyBooted"]
    assert fed.messages[1].data == ["line 1", "", "line 3"]
    assert fed.messages[2]["Status"] == "Fully Booted"
    assert fed.buffered == 0


def test_legacy_after_banner() -> None:
    fed = feed_both(BANNER + legacy_command(b"a\n\nb\n"), expect_banner=True)
    assert fed.banner == "Asterisk Call Manager/11.0.0"
    assert [m.data for m in fed.messages] == [["a", "", "b"]]


def test_legacy_block_waits_for_its_end_marker() -> None:
    block = legacy_command(b"one\n\ntwo\n")
    cut = block.index(b"--END")
    parser = MessageParser()
    assert parser.feed(block[:cut]) == []  # the blank line inside is not an end
    (message,) = parser.feed(block[cut:])
    assert message.data == ["one", "", "two"]


def test_legacy_block_without_its_end_marker_ends_at_the_next_message() -> None:
    """A Follows block that never sees --END COMMAND-- ends where an empty line is
    followed by a new message, so the connection goes on instead of stalling."""
    lost_marker = b"Response: Follows\r\nPrivilege: Command\r\nActionID: c1\r\none\n\ntwo\n"
    data = (
        lost_marker
        + b"\r\n"
        + PING
        + b"Event: FullyBooted\r\nStatus: Fully Booted\r\n\r\n"
        + legacy_command(b"three\n")
    )
    fed = feed_splits(data)
    assert [m.name for m in fed.messages] == ["Follows", "Success", "FullyBooted", "Follows"]
    assert fed.messages[0].data == ["one", "", "two"]
    assert fed.messages[0].action_id == "c1"
    assert fed.messages[3].data == ["three"]
    assert fed.buffered == 0


def test_legacy_block_without_its_end_marker_before_an_event() -> None:
    data = b"Response: Follows\r\nActionID: c2\r\nno marker\n\nEvent: Hangup\r\nCause: 16\r\n\r\n"
    fed = feed_both(data)
    assert [m.name for m in fed.messages] == ["Follows", "Hangup"]
    assert fed.messages[0].data == ["no marker"]
    assert fed.messages[1]["Cause"] == "16"


# -- event typing ----------------------------------------------------------------------------


class PystrixParserTestEvent(Event):
    """Registered so that the parser must build this class."""


def test_event_messages_are_events() -> None:
    (event,) = feed_both(b"Event: Hangup\r\nChannel: x\r\nCause: 16\r\n\r\n").messages
    assert isinstance(event, Event)
    assert event.is_event
    assert event.name == "Hangup"


def test_responses_are_not_events() -> None:
    (message,) = feed_both(PING).messages
    assert not isinstance(message, Event)
    assert message.is_response


def test_originate_response_is_an_event() -> None:
    data = (
        b"Event: OriginateResponse\r\nPrivilege: call,all\r\nActionID: orig-busy-2\r\n"
        b"Response: Success\r\nChannel: Local/100@test-00000001;1\r\nReason: 4\r\n\r\n"
    )
    (event,) = feed_both(data).messages
    assert isinstance(event, Event)
    assert event.is_event
    assert not event.is_response
    assert event.name == "OriginateResponse"
    assert event["Response"] == "Success"


def test_registered_event_class_is_used() -> None:
    data = b"Event: PystrixParserTestEvent\r\nA: 1\r\n\r\nEvent: pystrixparsertestevent\r\n\r\n"
    fed = feed_both(data)
    assert [type(m) for m in fed.messages] == [PystrixParserTestEvent, PystrixParserTestEvent]


def test_event_header_in_another_case_still_makes_an_event() -> None:
    (event,) = feed_both(b"event: Hangup\r\nCause: 16\r\n\r\n").messages
    assert event.is_event
    assert isinstance(event, Event)


def test_event_header_not_first_still_makes_an_event() -> None:
    (event,) = feed_both(b"Privilege: call,all\r\nEvent: PystrixParserTestEvent\r\n\r\n").messages
    assert type(event) is PystrixParserTestEvent


def test_event_with_colonless_line_or_repeats_is_still_typed() -> None:
    data = b"Event: PystrixParserTestEvent\r\nodd line\r\nX: 1\r\nX: 2\r\n\r\n"
    (event,) = feed_both(data).messages
    assert type(event) is PystrixParserTestEvent
    assert event.data == ["odd line"]
    assert event.get_all("X") == ["1", "2"]


# -- size limit --------------------------------------------------------------------------------


def big_message(size: int) -> bytes:
    """A well-formed message of about ``size`` bytes (many short headers)."""
    lines = []
    total = 0
    index = 0
    while total < size:
        line = f"Variable: V{index}=value-{index}\r\n"
        lines.append(line)
        total += len(line)
        index += 1
    return "".join(lines).encode() + b"\r\n"


def test_message_over_the_limit_byte_by_byte() -> None:
    data = big_message(4096)
    for chunks in ([data[i : i + 1] for i in range(len(data))], [data[:3000], data[3000:]]):
        with pytest.raises(MessageTooLargeError) as caught:
            feed_chunks(chunks, max_message_size=1024)
        assert caught.value.limit == 1024
        assert caught.value.size > 1024
        assert isinstance(caught.value, RemoteProtocolError)


def test_message_over_the_limit_in_one_read() -> None:
    assert_too_large(big_message(4096), max_message_size=1024)


def test_over_the_limit_after_good_messages() -> None:
    assert_too_large(PING + PING + big_message(4096), max_message_size=1024)


def test_endless_header_line_is_too_large() -> None:
    assert_too_large(b"Response: Success\r\nX-Long: " + b"A" * 5000, max_message_size=1024)


def test_unterminated_legacy_block_is_too_large() -> None:
    # Blank lines inside would frame a normal message; a Follows block must hit the limit.
    output = b"".join(b"line %d\n\n" % i for i in range(400))
    block = b"Response: Follows\r\nPrivilege: Command\r\nActionID: x\r\n" + output
    assert_too_large(block, max_message_size=1024)


@pytest.mark.parametrize(
    "data",
    [
        b"Message: " + "\u00e9".encode() * 600 + b"\r\n\r\n",
        b"".join(b"V: %03d\r\n" % i for i in range(130)) + b"\r\n",
    ],
    ids=["multibyte", "crlf"],
)
def test_limit_counts_bytes_however_read(data: bytes) -> None:
    assert len(data) > 1024 + 4
    assert_too_large(data, max_message_size=1024)


def test_under_the_limit_passes() -> None:
    data = big_message(900)
    assert len(data) < 1024
    fed = feed_both(data + data, max_message_size=1024)
    assert len(fed.messages) == 2
    assert len(fed.messages[0].get_all("Variable")) > 10


def test_many_small_messages_are_not_limited_together() -> None:
    fed = feed_both(PING * 50, max_message_size=256)
    assert len(fed.messages) == 50


def test_legacy_under_the_limit_passes() -> None:
    block = legacy_command(b"a\n\n" * 100)
    assert len(block) < 1024
    (message,) = feed_both(block, max_message_size=1024).messages
    assert len(message.data) == 200


# -- transcript replay ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", ami_transcript_names())
def test_transcript_replay(name: str) -> None:
    chunks = recv_chunks(name)
    fed = feed_both(chunks, expect_banner=True)
    assert fed.banner == "Asterisk Call Manager/11.0.0"
    assert fed.buffered == 0
    assert fed.messages
    for message in fed.messages:
        assert message.header_pairs(), f"empty message in {name}"
        assert message.is_event == isinstance(message, Event)
        assert message.is_event or message.is_response, message


def test_transcript_04_ping_split_in_three_reads() -> None:
    chunks = recv_chunks("04-ping")
    start = chunks.index(b"Response: Success\r\n", 1)
    assert chunks[start + 1] == b"ActionID: ping-1\r\n"
    parser = MessageParser(expect_banner=True)
    for chunk in chunks[:start]:
        parser.feed(chunk)
    assert parser.feed(chunks[start]) == []
    assert parser.feed(chunks[start + 1]) == []
    (pong,) = parser.feed(chunks[start + 2])
    assert pong.header_pairs() == [
        ("Response", "Success"),
        ("ActionID", "ping-1"),
        ("Ping", "Pong"),
        ("Timestamp", "1795754748.053745"),
    ]
    messages = feed_both(chunks, expect_banner=True).messages
    assert [(m.name, m.action_id) for m in messages] == [
        ("Error", "ping-prelogin"),
        ("Success", "login-4"),
        ("FullyBooted", None),
        ("SuccessfulAuth", None),
        ("Success", "ping-1"),
        ("Success", None),
        ("Goodbye", "logoff-4"),
    ]
    assert messages[0]["Message"] == "Permission denied"


def test_transcript_05_command_outputs() -> None:
    messages = feed_both(recv_chunks("05-command"), expect_banner=True).messages
    by_id = {m.action_id: m for m in messages if m.action_id}
    version = by_id["cmd-version"]
    assert version.data == [
        "Asterisk 22.10.1 built by root @ vm on a x86_64 running Linux on 2026-11-27 04:38:48 UTC"
    ]
    channels = by_id["cmd-channels"]
    assert channels.data[1:] == ["0 active channels", "0 active calls", "0 calls processed"]
    assert channels.data[0].startswith("Channel   ")
    assert channels.data[0].endswith("Application(Data)             ")  # trailing spaces kept
    unknown = by_id["cmd-unknown"]
    assert unknown.name == "Error"
    assert unknown.data == [
        "No such command 'no such cli command' "
        "(type 'core show help no such' for other possible commands)"
    ]
    empty = by_id["cmd-empty"]
    assert empty.data == []
    assert empty["Message"] == "No command provided"
    assert by_id["cmd-multiline"].data == DIALPLAN_LINES


def test_transcript_12_userevent_duplicates() -> None:
    messages = feed_both(recv_chunks("12-userevent"), expect_banner=True).messages
    user_events = [m for m in messages if m.name == "UserEvent"]
    assert len(user_events) == 2
    first, empty = user_events
    assert first.get_all("Header1") == ["one", "dup"]
    assert first["Header2"] == "two words"
    assert first.action_id == "uev-1"
    assert empty["UserEvent"] == ""
    assert empty.action_id == "uev-2"


def test_transcript_14_odd_requests() -> None:
    messages = feed_both(recv_chunks("14-unknown-action"), expect_banner=True).messages
    by_id = {m.action_id: m for m in messages if m.action_id and m.is_response}
    assert by_id["nospace-1"]["Ping"] == "Pong"
    assert by_id["lowercase-1"]["Ping"] == "Pong"
    assert by_id["lf-only-1"]["Ping"] == "Pong"
    assert by_id["long-1"]["Message"] == "Failed to parse message: line too long"
    assert by_id["noaction-1"]["Message"] == "Missing action in request"
    bad = [m for m in messages if m.name == "RequestBadFormat"]
    assert [m["RequestType"] for m in bad] == ["Action: NoSuchThing", "Action: NONE"]


def test_transcript_23_busy_stream() -> None:
    data = recv_bytes("23-busy-event-stream")
    messages = feed_both(data, expect_banner=True).messages
    events = [m for m in messages if isinstance(m, Event)]
    kinds = collections.Counter(e.name for e in events)
    assert len(events) == 2118
    assert len(kinds) == 35
    assert len(messages) - len(events) == 1  # the login response
    assert kinds.most_common(1)[0][0] == "VarSet"
    assert 800_000 < len(data) < 900_000


def test_transcript_23_in_recorded_reads_and_odd_sizes() -> None:
    chunks = recv_chunks("23-busy-event-stream")
    data = b"".join(chunks)
    recorded = feed_chunks(chunks, expect_banner=True).snapshots()
    for size in (7, 1000, 65536):
        pieces = [data[i : i + size] for i in range(0, len(data), size)]
        assert feed_chunks(pieces, expect_banner=True).snapshots() == recorded
