"""ClientProtocol and the serializer: actions out, correlation of what comes back."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from ami_feed import bytewise
from pystrix.ami.errors import (
    InvalidHeaderError,
    LocalProtocolError,
    ManagerError,
    ManagerSocketError,
    MessageTooLargeError,
)
from pystrix.ami.events import Aggregate, Event
from pystrix.ami.message import Message
from pystrix.ami.protocol import (
    ClientProtocol,
    DeferredAggregate,
    MessageParser,
    PendingAction,
    Received,
    build_event,
    serialize_action,
    serialize_headers,
)
from transcripts import ami_transcript_names, load, recv_chunks

BANNER = b"Asterisk Call Manager/11.0.0\r\n"


def connected(**kwargs: object) -> ClientProtocol:
    """A protocol that has read the banner."""
    protocol = ClientProtocol(**kwargs)  # type: ignore[arg-type]
    assert protocol.receive_data(BANNER) == []
    return protocol


def msg(*lines: str) -> bytes:
    """One message from header lines."""
    return ("".join(line + "\r\n" for line in lines) + "\r\n").encode()


def response(action_id: str | None, status: str = "Success", *extra: str) -> bytes:
    lines = [f"Response: {status}"]
    if action_id is not None:
        lines.append(f"ActionID: {action_id}")
    return msg(*lines, *extra)


def receive(
    protocol: ClientProtocol, data: bytes, *, one_byte_at_a_time: bool = False
) -> list[Received]:
    if not one_byte_at_a_time:
        return protocol.receive_data(data)
    out: list[Received] = []
    for piece in bytewise(data):
        out.extend(protocol.receive_data(piece))
    return out


def kinds(items: Sequence[Received]) -> list[str]:
    """A compact picture of receive_data's output (a pending action may appear twice)."""
    picture = []
    for item in items:
        if isinstance(item, PendingAction):
            picture.append(f"wake:{item.action_id}")
        elif isinstance(item, Event):
            picture.append(f"event:{item.name}")
        else:
            picture.append(f"orphan:{item.name}:{item.action_id}")
    return picture


# -- serialization ------------------------------------------------------------------------------


def test_serialize_action_orders_action_first_and_action_id_last() -> None:
    payload = serialize_action(
        "Originate",
        [("ActionID", "ignored"), ("Channel", "Local/100@test"), ("action", "Ignored")],
        "orig-1",
    )
    assert payload == (b"Action: Originate\r\nChannel: Local/100@test\r\nActionID: orig-1\r\n\r\n")


def test_serialize_action_without_action_id() -> None:
    assert serialize_action("Ping", [], None) == b"Action: Ping\r\n\r\n"


def test_serialize_values() -> None:
    payload = serialize_headers(
        [
            ("Variable", ["A=1", "B=2"]),
            ("Codecs", ("ulaw", "alaw")),
            ("Skipped", None),
            ("Async", True),
            ("Mute", False),
            ("Timeout", 30000),
            ("Mixed", ["x", None, "y"]),
            ("Empty", ""),
            ("Data", "a: b, c"),
        ]
    )
    assert payload == (
        b"Variable: A=1\r\nVariable: B=2\r\nCodecs: ulaw\r\nCodecs: alaw\r\nAsync: true\r\n"
        b"Mute: false\r\nTimeout: 30000\r\nMixed: x\r\nMixed: y\r\nEmpty: \r\n"
        b"Data: a: b, c\r\n\r\n"
    )


def test_serialize_unicode_as_utf8() -> None:
    assert serialize_headers([("CallerID", "Jos\u00e9 <100>")]) == (
        b"CallerID: Jos\xc3\xa9 <100>\r\n\r\n"
    )


@pytest.mark.parametrize(
    ("action", "action_id"),
    [("Ping", "tab\there"), ("Jos\u00e9", "id-1"), ("Ping", "nbsp\u00a0x"), ("Ping", "bell\x07")],
)
def test_action_without_headers_keeps_any_other_character(action: str, action_id: str) -> None:
    # Only CR, LF and NUL are refused; a tab, a bell or a non-printable Unicode space is
    # sent as it is, whichever way the serializer takes.
    assert serialize_action(action, (), action_id) == (
        f"Action: {action}\r\nActionID: {action_id}\r\n\r\n".encode()
    )
    assert serialize_action(action, [("X", "1")], action_id) == (
        f"Action: {action}\r\nX: 1\r\nActionID: {action_id}\r\n\r\n".encode()
    )


def test_serialized_action_parses_back() -> None:
    payload = serialize_action("UserEvent", [("Header1", ["one", "dup"]), ("X", " sp")], "u-1")
    (message,) = MessageParser().feed(payload)
    assert message.header_pairs() == [
        ("Action", "UserEvent"),
        ("Header1", "one"),
        ("Header1", "dup"),
        ("X", " sp"),
        ("ActionID", "u-1"),
    ]


@pytest.mark.parametrize("bad", ["a\rb", "a\nb", "a\x00b", "\r\n", "x\r\nAction: Logoff"])
@pytest.mark.parametrize("where", ["value", "name", "list item", "action", "action id"])
def test_injection_is_refused(bad: str, where: str) -> None:
    headers: list[tuple[str, object]] = [("Channel", "ok")]
    name, action, action_id = "Channel", "Ping", "id-1"
    if where == "value":
        headers = [("Channel", bad)]
    elif where == "name":
        name = "Ch" + bad
        headers = [(name, "ok")]
    elif where == "list item":
        name = "Variable"
        headers = [("Variable", ["A=1", bad])]
    elif where == "action":
        name, action = "Action", bad
    else:
        name, action_id = "ActionID", bad
    with pytest.raises(InvalidHeaderError) as caught:
        serialize_action(action, headers, action_id)
    error = caught.value
    assert error.header == name
    assert isinstance(error, ValueError)
    assert isinstance(error, ManagerError)
    assert isinstance(error, LocalProtocolError)


@pytest.mark.parametrize("name", ["Bad:Name", "Bad: Name", ":", ""])
def test_bad_header_names_are_refused(name: str) -> None:
    with pytest.raises(InvalidHeaderError) as caught:
        serialize_headers([(name, "value")])
    assert caught.value.header == name


def test_refusal_names_the_header_in_the_message() -> None:
    with pytest.raises(InvalidHeaderError, match="Channel"):
        serialize_headers([("Data", "ok"), ("Channel", "evil\r\nAction: Logoff")])


# -- banner and ActionIDs ------------------------------------------------------------------------


def test_banner_and_version() -> None:
    protocol = ClientProtocol()
    assert protocol.banner is None
    assert protocol.asterisk_version is None
    assert protocol.receive_data(b"Asterisk Call Manager/11") == []
    assert protocol.asterisk_version is None
    assert protocol.receive_data(b".0.0\r\n") == []
    assert protocol.banner == "Asterisk Call Manager/11.0.0"
    assert protocol.asterisk_version == "11.0.0"


def test_generated_action_ids_are_unique_and_prefixed() -> None:
    protocol = connected(action_id_prefix="tst")
    first = protocol.send_action("Ping")
    second = protocol.send_action("Ping")
    assert first.action_id.startswith("tst")
    assert first.action_id != second.action_id
    assert first.payload == f"Action: Ping\r\nActionID: {first.action_id}\r\n\r\n".encode()
    ids = {protocol.next_action_id() for _ in range(100)}
    assert len(ids) == 100
    assert {first.action_id, second.action_id}.isdisjoint(ids)


def test_two_protocols_do_not_share_generated_ids() -> None:
    assert ClientProtocol().next_action_id() != ClientProtocol().next_action_id()


def test_send_action_payload_and_state() -> None:
    protocol = connected()
    pending = protocol.send_action("Getvar", [("Variable", "FOO")], action_id="gv-1", context="ctx")
    assert pending.payload == b"Action: Getvar\r\nVariable: FOO\r\nActionID: gv-1\r\n\r\n"
    assert pending.action == "Getvar"
    assert pending.context == "ctx"
    assert not pending.done
    assert pending.response is None
    assert protocol.pending_count == 1


# -- correlation ---------------------------------------------------------------------------------


@pytest.mark.parametrize("one_byte_at_a_time", [False, True], ids=["whole", "bytewise"])
def test_response_wakes_its_action(one_byte_at_a_time: bool) -> None:
    protocol = connected()
    pending = protocol.send_action("Ping", action_id="ping-1")
    out = receive(
        protocol,
        response("ping-1", "Success", "Ping: Pong"),
        one_byte_at_a_time=one_byte_at_a_time,
    )
    assert out == [pending]
    assert pending.done
    assert pending.response is not None
    assert pending.response["Ping"] == "Pong"
    assert pending.error is None
    assert protocol.pending_count == 0


def test_responses_out_of_order() -> None:
    protocol = connected()
    first = protocol.send_action("Ping", action_id="a")
    second = protocol.send_action("Ping", action_id="b")
    out = protocol.receive_data(response("b") + response("a", "Error", "Message: no"))
    assert out == [second, first]
    assert first.response is not None and first.response.name == "Error"
    assert second.response is not None and second.response.name == "Success"


def test_unknown_action_id_is_an_orphan() -> None:
    protocol = connected()
    pending = protocol.send_action("Ping", action_id="mine")
    out = protocol.receive_data(response("someone-else"))
    assert kinds(out) == ["orphan:Success:someone-else"]
    assert type(out[0]) is Message
    assert not pending.done
    assert protocol.pending_count == 1


def test_response_without_action_id_is_an_orphan() -> None:
    protocol = connected()
    protocol.send_action("Ping", action_id="mine")
    out = protocol.receive_data(response(None, "Success", "Ping: Pong"))
    assert kinds(out) == ["orphan:Success:None"]
    assert protocol.pending_count == 1


def test_duplicate_response_is_an_orphan() -> None:
    protocol = connected()
    pending = protocol.send_action("Ping", action_id="p")
    out = protocol.receive_data(response("p") + response("p", "Error"))
    assert kinds(out) == ["wake:p", "orphan:Error:p"]
    assert pending.response is not None and pending.response.name == "Success"


def test_duplicate_response_to_an_open_list_is_an_orphan() -> None:
    protocol = connected()
    pending = protocol.send_action("CoreShowChannels", action_id="l", collect_events=True)
    out = protocol.receive_data(
        response("l", "Success", "EventList: start") + response("l", "Success", "EventList: start")
    )
    assert kinds(out) == ["wake:l", "orphan:Success:l"]
    assert pending.list_open


def test_abandoned_action_gets_an_orphan() -> None:
    protocol = connected()
    pending = protocol.send_action("Ping", action_id="slow")
    protocol.abandon("slow")
    assert protocol.pending_count == 0
    out = protocol.receive_data(response("slow"))
    assert kinds(out) == ["orphan:Success:slow"]
    assert not pending.done
    assert pending.response is None
    protocol.abandon("never-sent")  # harmless


def test_abandoned_list_items_are_plain_events() -> None:
    protocol = connected()
    protocol.send_action("QueueStatus", action_id="q", collect_events=True)
    protocol.receive_data(response("q", "Success", "EventList: start"))
    protocol.abandon("q")
    out = protocol.receive_data(
        msg("Event: QueueParams", "ActionID: q")
        + msg("Event: QueueStatusComplete", "ActionID: q", "EventList: Complete")
    )
    assert kinds(out) == ["event:QueueParams", "event:QueueStatusComplete"]


def test_event_with_our_action_id_is_dispatched() -> None:
    protocol = connected()
    pending = protocol.send_action("Originate", action_id="orig-1")
    event = msg(
        "Event: OriginateResponse",
        "Privilege: call,all",
        "ActionID: orig-1",
        "Response: Success",
        "Reason: 4",
    )
    out = protocol.receive_data(event)
    assert kinds(out) == ["event:OriginateResponse"]
    assert not pending.done  # an event is never the response
    assert pending.response is None
    out = protocol.receive_data(response("orig-1", "Success", "Message: Originate successfully"))
    assert out == [pending]
    assert pending.done


def test_event_with_our_action_id_before_a_list_starts_is_dispatched() -> None:
    protocol = connected()
    pending = protocol.send_action("UserEvent", action_id="uev-1", collect_events=True)
    out = protocol.receive_data(USEREVENT_WITH_OUR_ID + response("uev-1", "Success"))
    assert kinds(out) == ["event:UserEvent", "wake:uev-1"]
    assert pending.done
    assert pending.events == []


USEREVENT_WITH_OUR_ID = msg(
    "Event: UserEvent", "Privilege: user,all", "UserEvent: LabEvent", "ActionID: uev-1"
)


def test_transcript_12_userevent_copies_our_action_id() -> None:
    protocol = ClientProtocol()
    chunks = recv_chunks("12-userevent")
    protocol.receive_data(chunks[0])
    assert protocol.asterisk_version == "11.0.0"
    login = protocol.send_action("Login", action_id="login-12")
    out = protocol.receive_data(chunks[1])
    assert kinds(out) == ["wake:login-12", "event:FullyBooted", "event:SuccessfulAuth"]
    assert login.response is not None and login.response["Message"] == "Authentication accepted"
    sender = protocol.send_action(
        "UserEvent",
        [("UserEvent", "LabEvent"), ("Header1", ["one", "dup"]), ("Header2", "two words")],
        action_id="uev-1",
    )
    out = protocol.receive_data(chunks[2])
    assert kinds(out) == ["wake:uev-1", "event:UserEvent"]
    user_event = out[1]
    assert isinstance(user_event, Event)
    assert user_event.action_id == "uev-1"
    assert user_event.get_all("Header1") == ["one", "dup"]
    assert sender.response is not None and sender.response["Message"] == "Event Sent"
    # The empty UserEvent: its event arrives in its own read, after the response.
    empty = protocol.send_action("UserEvent", action_id="uev-2")
    assert protocol.receive_data(chunks[3]) == [empty]
    assert kinds(protocol.receive_data(chunks[4])) == ["event:UserEvent"]


# -- event lists ---------------------------------------------------------------------------------

LIST_START = response("csc", "Success", "EventList: start", "Message: Channels will follow")


def item(n: int, action_id: str = "csc") -> bytes:
    return msg("Event: CoreShowChannel", f"ActionID: {action_id}", f"Channel: Local/{n}@test")


def complete(count: int, action_id: str = "csc", eventlist: str = "Complete") -> bytes:
    return msg(
        "Event: CoreShowChannelsComplete",
        f"ActionID: {action_id}",
        f"EventList: {eventlist}",
        f"ListItems: {count}",
    )


UNRELATED = msg("Event: Newexten", "Channel: Local/9@test", "Priority: 2")


@pytest.mark.parametrize("one_byte_at_a_time", [False, True], ids=["whole", "bytewise"])
def test_collect_events_keeps_the_list(one_byte_at_a_time: bool) -> None:
    protocol = connected()
    pending = protocol.send_action("CoreShowChannels", action_id="csc", collect_events=True)
    out = receive(protocol, LIST_START, one_byte_at_a_time=one_byte_at_a_time)
    assert out == [pending]
    assert not pending.done
    assert pending.list_open
    assert protocol.pending_count == 1
    out = receive(protocol, item(1) + UNRELATED + item(2), one_byte_at_a_time=one_byte_at_a_time)
    assert kinds(out) == ["event:Newexten"]  # list items are not dispatched
    assert not pending.done
    out = receive(protocol, complete(2), one_byte_at_a_time=one_byte_at_a_time)
    assert out == [pending]
    assert pending.done
    assert not pending.list_open
    assert [e["Channel"] for e in pending.events] == ["Local/1@test", "Local/2@test"]
    assert all(isinstance(e, Event) for e in pending.events)
    assert pending.complete_event is not None
    assert pending.complete_event["ListItems"] == "2"
    assert protocol.pending_count == 0


@pytest.mark.parametrize(
    ("start", "end"),
    [("start", "Complete"), ("Start", "complete"), ("START", "COMPLETE")],
)
def test_event_list_markers_ignore_case(start: str, end: str) -> None:
    protocol = connected()
    pending = protocol.send_action("QueueStatus", action_id="qs", collect_events=True)
    out = protocol.receive_data(
        response("qs", "Success", f"EventList: {start}")
        + msg("Event: QueueParams", "ActionID: qs", "Queue: q1")
        + msg("Event: QueueStatusComplete", "ActionID: qs", f"EventList: {end}", "ListItems: 1")
    )
    assert kinds(out) == ["wake:qs", "wake:qs"]
    assert pending.done
    assert [e.name for e in pending.events] == ["QueueParams"]


def test_without_collect_events_list_items_are_dispatched() -> None:
    protocol = connected()
    pending = protocol.send_action("CoreShowChannels", action_id="csc")
    out = protocol.receive_data(LIST_START + item(1) + item(2) + complete(2))
    assert kinds(out) == [
        "wake:csc",
        "event:CoreShowChannel",
        "event:CoreShowChannel",
        "event:CoreShowChannelsComplete",
    ]
    assert pending.done
    assert pending.events == []


@pytest.mark.parametrize("one_byte_at_a_time", [False, True], ids=["whole", "bytewise"])
def test_aggregate_without_collect(one_byte_at_a_time: bool) -> None:
    protocol = connected()
    pending = protocol.send_action("CoreShowChannels", action_id="csc", aggregate=True)
    out = receive(protocol, LIST_START, one_byte_at_a_time=one_byte_at_a_time)
    assert out == [pending]
    assert pending.done  # the response is all a caller waits for
    out = receive(
        protocol, item(1) + item(2) + item(3) + complete(3), one_byte_at_a_time=one_byte_at_a_time
    )
    assert kinds(out) == [
        "event:CoreShowChannel",
        "event:CoreShowChannel",
        "event:CoreShowChannel",
        "event:CoreShowChannelsComplete",
        "event:CoreShowChannels_Aggregate",
    ]
    aggregate = out[-1]
    assert isinstance(aggregate, Aggregate)
    assert aggregate.name == "CoreShowChannels_Aggregate"
    assert aggregate["ListItems"] == "3"
    assert aggregate["actionid"] == "csc"
    assert aggregate.get_all("Event") == ["CoreShowChannels_Aggregate"]
    assert [e["Channel"] for e in aggregate.events] == [f"Local/{n}@test" for n in (1, 2, 3)]
    assert list(aggregate.events) == out[:3]


def test_aggregate_with_collect() -> None:
    protocol = connected()
    pending = protocol.send_action("Status", action_id="st", collect_events=True, aggregate=True)
    out = protocol.receive_data(
        response("st", "Success", "EventList: start")
        + msg("Event: Status", "ActionID: st", "Channel: a")
        + UNRELATED
        + msg("Event: StatusComplete", "ActionID: st", "EventList: Complete", "ListItems: 1")
    )
    assert kinds(out) == ["wake:st", "event:Newexten", "event:Status_Aggregate", "wake:st"]
    aggregate = out[2]
    assert isinstance(aggregate, Aggregate)
    assert [e["Channel"] for e in aggregate.events] == ["a"]
    assert aggregate["ListItems"] == "1"
    assert pending.events == aggregate.events
    assert pending.complete_event is not None


class _CountingAggregate(Aggregate):
    """A program's aggregate with code of its own, counting when it runs."""

    _name = "PystrixCountingAggregate"
    built = 0

    def __init__(self, action_id: str) -> None:
        Aggregate.__init__(self, action_id)
        _CountingAggregate.built += 1


def test_deferred_aggregates_are_built_by_the_caller_and_equal_built_ones() -> None:
    """With ``defer_events`` the core runs no aggregate code: it hands over a recipe that
    builds the same aggregate the core builds without ``defer_events``."""
    data = (
        response("st", "Success", "EventList: start")
        + msg("Event: Status", "ActionID: st", "Channel: a")
        + msg("Event: StatusComplete", "ActionID: st", "EventList: Complete", "ListItems: 1")
    )
    built: list[Aggregate] = []
    for defer in (True, False):
        protocol = connected(defer_events=defer)
        protocol.send_action(
            "Status", action_id="st", aggregate=True, aggregates=(_CountingAggregate,)
        )
        _CountingAggregate.built = 0
        out = protocol.receive_data(data)
        last = out[-1]
        if defer:
            assert isinstance(last, DeferredAggregate) and _CountingAggregate.built == 0
            last = last.build()
        assert type(last) is _CountingAggregate and _CountingAggregate.built == 1
        built.append(last)
    deferred, at_once = built
    assert deferred.header_pairs() == at_once.header_pairs()
    assert [e.header_pairs() for e in deferred.events] == [e.header_pairs() for e in at_once.events]


def test_empty_list() -> None:
    protocol = connected()
    pending = protocol.send_action("CoreShowChannels", action_id="csc", collect_events=True)
    out = protocol.receive_data(LIST_START + complete(0))
    assert kinds(out) == ["wake:csc", "wake:csc"]
    assert pending.events == []
    assert pending.complete_event is not None
    assert pending.complete_event["ListItems"] == "0"


def test_list_action_answered_without_a_list() -> None:
    protocol = connected()
    pending = protocol.send_action("DBGet", action_id="db", collect_events=True)
    out = protocol.receive_data(response("db", "Success", "Message: Result will follow"))
    assert out == [pending]
    assert pending.done
    assert not pending.list_open


def test_error_response_ends_a_list_action_at_once() -> None:
    protocol = connected()
    pending = protocol.send_action(
        "ConfbridgeListRooms", action_id="cb-rooms-empty", collect_events=True, aggregate=True
    )
    out = protocol.receive_data(
        response("cb-rooms-empty", "Error", "Message: No active conferences.")
    )
    assert out == [pending]
    assert pending.done
    assert not pending.list_open
    assert protocol.pending_count == 0
    assert protocol.receive_data(UNRELATED) != []  # nothing is waiting for a list


def test_two_lists_interleaved() -> None:
    protocol = connected()
    one = protocol.send_action("CoreShowChannels", action_id="one", collect_events=True)
    two = protocol.send_action("CoreShowChannels", action_id="two", collect_events=True)
    out = protocol.receive_data(
        response("one", "Success", "EventList: start")
        + response("two", "Success", "EventList: start")
        + item(1, "two")
        + item(2, "one")
        + complete(1, "two")
        + item(3, "one")
        + complete(2, "one")
    )
    assert kinds(out) == ["wake:one", "wake:two", "wake:two", "wake:one"]
    assert [e["Channel"] for e in one.events] == ["Local/2@test", "Local/3@test"]
    assert [e["Channel"] for e in two.events] == ["Local/1@test"]


def test_transcript_07_core_show_channels() -> None:
    records = load("07-coreshowchannels-busy").records
    protocol = ClientProtocol()
    sent = MessageParser()
    listing: PendingAction | None = None
    dispatched: list[Received] = []
    for record in records:
        if record.direction == "send":
            for action in sent.feed(record.data.encode()):
                action_id = action.action_id
                assert action_id is not None
                pending = protocol.send_action(
                    action.name,
                    [(k, v) for k, v in action.header_pairs() if k not in ("Action", "ActionID")],
                    action_id=action_id,
                    collect_events=action.name == "CoreShowChannels",
                )
                (ours,) = MessageParser().feed(pending.payload)
                assert sorted(ours.header_pairs()) == sorted(action.header_pairs())
                if action_id == "csc-busy":
                    listing = pending
        elif record.eof:
            assert protocol.receive_eof() == []
        else:
            dispatched.extend(protocol.receive_data(record.data.encode()))
    assert listing is not None
    assert listing.done
    assert listing.error is None
    assert listing.response is not None
    assert listing.response["EventList"] == "start"
    assert len(listing.events) == 4
    assert {e.name for e in listing.events} == {"CoreShowChannel"}
    assert all(e.action_id == "csc-busy" for e in listing.events)
    assert sorted(e["Channel"] for e in listing.events) == [
        "Local/100@test-00000000;1",
        "Local/100@test-00000000;2",
        "Local/100@test-00000001;1",
        "Local/100@test-00000001;2",
    ]
    assert listing.complete_event is not None
    assert listing.complete_event.name == "CoreShowChannelsComplete"
    assert listing.complete_event["ListItems"] == "4"
    # Nothing of the list was dispatched; the OriginateResponse events were.
    events = [m for m in dispatched if isinstance(m, Event)]
    assert not [e for e in events if e.action_id == "csc-busy"]
    originate = [e for e in events if e.name == "OriginateResponse"]
    assert sorted(e.action_id or "" for e in originate) == ["orig-busy-1", "orig-busy-2"]
    assert not [m for m in dispatched if not isinstance(m, (Event, PendingAction))]
    assert protocol.logged_off


def test_transcript_18_confbridge_empty_then_listed() -> None:
    records = load("18-confbridge-listrooms").records
    protocol = ClientProtocol()
    sent = MessageParser()
    actions: dict[str, PendingAction] = {}
    for record in records:
        if record.direction == "send":
            for action in sent.feed(record.data.encode()):
                assert action.action_id is not None
                actions[action.action_id] = protocol.send_action(
                    action.name,
                    action_id=action.action_id,
                    collect_events=action.name.startswith("ConfbridgeList"),
                )
        elif not record.eof:
            protocol.receive_data(record.data.encode())
    empty = actions["cb-rooms-empty"]
    assert empty.done
    assert empty.response is not None and empty.response.name == "Error"
    assert empty.events == []
    rooms = actions["cb-rooms-1"]
    assert [e["Conference"] for e in rooms.events] == ["labconf"]
    assert rooms.complete_event is not None and rooms.complete_event["ListItems"] == "1"
    missing = actions["cb-list-missing"]
    assert missing.response is not None
    assert missing.response["Message"] == "No Conference by that name found."
    assert protocol.pending_count == 0


# -- end of the connection ------------------------------------------------------------------------


def test_receive_eof_ends_every_pending_action() -> None:
    protocol = connected()
    waiting = protocol.send_action("Ping", action_id="w")
    listing = protocol.send_action("CoreShowChannels", action_id="csc", collect_events=True)
    answered = protocol.send_action("Ping", action_id="done")
    protocol.receive_data(LIST_START + item(1) + response("done"))
    ended = protocol.receive_eof()
    assert set(ended) == {waiting, listing}
    assert answered not in ended
    for pending in ended:
        assert pending.done
        assert isinstance(pending.error, ManagerSocketError)
    assert waiting.error is listing.error is protocol.error
    assert answered.error is None
    assert protocol.pending_count == 0
    with pytest.raises(ManagerSocketError) as caught:
        protocol.send_action("Ping")
    assert caught.value is protocol.error


def test_fail_ends_every_pending_action_with_the_error() -> None:
    protocol = connected()
    pending = protocol.send_action("Ping")
    error = ManagerSocketError("reset by peer")
    assert protocol.fail(error) == [pending]
    assert pending.error is error
    assert pending.done
    assert protocol.error is error
    with pytest.raises(ManagerSocketError) as caught:
        protocol.send_action("Ping")
    assert caught.value is error
    # A second failure keeps the first error and ends nothing more.
    assert protocol.fail(ManagerSocketError("again")) == []
    assert protocol.error is error


def test_fail_after_aggregate_only_list_ends_nothing_twice() -> None:
    protocol = connected()
    pending = protocol.send_action("CoreShowChannels", action_id="csc", aggregate=True)
    protocol.receive_data(LIST_START + item(1))
    assert pending.done
    assert protocol.fail(ManagerSocketError("gone")) == []
    assert pending.error is None


def test_message_too_large_then_fail() -> None:
    protocol = connected(max_message_size=256)
    pending = protocol.send_action("Ping")
    with pytest.raises(MessageTooLargeError) as caught:
        protocol.receive_data(b"Response: Success\r\nX: " + b"A" * 1000)
    assert protocol.fail(caught.value) == [pending]
    assert pending.error is caught.value


def test_goodbye_marks_logged_off() -> None:
    protocol = connected()
    protocol.send_action("Logoff", action_id="bye")
    assert not protocol.logged_off
    protocol.receive_data(response("bye", "Goodbye", "Message: Thanks for all the fish."))
    assert protocol.logged_off


def test_goodbye_for_someone_else_does_not_log_us_off() -> None:
    protocol = connected()
    protocol.receive_data(response("other", "Goodbye"))
    assert not protocol.logged_off


SHUTDOWN = msg("Event: Shutdown", "Privilege: system,all", "Shutdown: Cleanly", "Restart: False")
NOT_SHUTDOWN = msg(
    "Event: UserEvent", "UserEvent: Event: Shutdown", "AppData: Event: Shutdown", "X: y"
)


@pytest.mark.parametrize("defer_events", [False, True])
@pytest.mark.parametrize(
    "reads",
    [
        [SHUTDOWN],  # alone in its read
        [UNRELATED + SHUTDOWN + UNRELATED],  # among other events
        [UNRELATED * 3 + SHUTDOWN],
        [response("x") + SHUTDOWN],  # after a response
        [UNRELATED + SHUTDOWN.replace(b"\r\n", b"\n")],  # bare LF endings
        [UNRELATED + SHUTDOWN[:9], SHUTDOWN[9:] + UNRELATED],  # split between reads
    ],
    ids=["alone", "among-events", "last", "after-response", "bare-lf", "split"],
)
def test_shutdown_event_makes_the_close_expected(reads: list[bytes], defer_events: bool) -> None:
    protocol = connected(defer_events=defer_events)
    assert not protocol.close_expected
    for data in reads:
        protocol.receive_data(data)
    assert protocol.close_expected


@pytest.mark.parametrize("defer_events", [False, True])
@pytest.mark.parametrize(
    "data", [NOT_SHUTDOWN, UNRELATED + NOT_SHUTDOWN + UNRELATED], ids=["alone", "among-events"]
)
def test_shutdown_mentioned_inside_an_event_is_not_a_shutdown(
    data: bytes, defer_events: bool
) -> None:
    protocol = connected(defer_events=defer_events)
    protocol.receive_data(data)
    assert not protocol.close_expected


# -- send_action refusals --------------------------------------------------------------------------


def test_duplicate_explicit_action_id_is_refused() -> None:
    protocol = connected()
    first = protocol.send_action("Ping", action_id="same")
    with pytest.raises(ValueError, match="same"):
        protocol.send_action("Ping", action_id="same")
    assert protocol.pending_count == 1
    assert protocol.receive_data(response("same")) == [first]
    # Once answered, the ActionID may be used again.
    again = protocol.send_action("Ping", action_id="same")
    assert protocol.receive_data(response("same")) == [again]


def test_duplicate_of_an_open_list_is_refused() -> None:
    protocol = connected()
    protocol.send_action("CoreShowChannels", action_id="csc", collect_events=True)
    protocol.receive_data(LIST_START)
    with pytest.raises(ValueError):
        protocol.send_action("Ping", action_id="csc")


def test_duplicate_of_an_open_aggregate_list_is_refused() -> None:
    protocol = connected()
    protocol.send_action("CoreShowChannels", action_id="csc", aggregate=True)
    protocol.receive_data(LIST_START + item(1))
    with pytest.raises(ValueError):
        protocol.send_action("CoreShowChannels", action_id="csc", aggregate=True)


def test_invalid_header_registers_nothing() -> None:
    protocol = connected()
    protocol.send_action("Ping", action_id="keep")
    with pytest.raises(InvalidHeaderError) as caught:
        protocol.send_action("Originate", [("Channel", "x\r\nAction: Logoff")], action_id="bad")
    assert caught.value.header == "Channel"
    with pytest.raises(InvalidHeaderError):
        protocol.send_action("Ping\r\n")
    assert protocol.pending_count == 1
    # "bad" was never registered: its response is an orphan and the id is free.
    assert kinds(protocol.receive_data(response("bad"))) == ["orphan:Success:bad"]
    protocol.send_action("Ping", action_id="bad")
    assert protocol.pending_count == 2


# -- every transcript through the client --------------------------------------------------


@pytest.mark.parametrize("name", ami_transcript_names())
def test_transcript_correlation(name: str) -> None:
    """Replay a session with its recorded ActionIDs: every response finds its action."""
    protocol = ClientProtocol()
    sent = MessageParser()
    orphans: list[Message] = []
    ended: list[PendingAction] = []
    registered: list[PendingAction] = []
    for record in load(name).records:
        if record.direction == "send":
            for action in sent.feed(record.data.encode()):
                if action.action_id is not None:
                    registered.append(
                        protocol.send_action(
                            action.get("Action", ""),
                            action_id=action.action_id,
                            collect_events=True,
                        )
                    )
        elif record.eof:
            ended = protocol.receive_eof()
        else:
            for out in protocol.receive_data(record.data.encode()):
                if not isinstance(out, (Event, PendingAction)) and out.header_pairs():
                    orphans.append(out)
    assert protocol.asterisk_version == "11.0.0"
    # The only orphans are responses to actions sent without an ActionID.
    assert [m.action_id for m in orphans if m.action_id is not None] == []
    # Every action was answered, except Asterisk's "core stop now", which closes instead.
    unanswered = sorted(p.action_id for p in registered if p.response is None)
    assert unanswered == (["cmd-stop"] if name == "21-shutdown-commander.jsonl" else [])
    assert [p.action_id for p in ended] == unanswered
    assert all(p.done for p in registered)
    assert all(not p.list_open for p in registered)
    # A list's items never leak out as events once its action collects them.
    for pending in registered:
        if pending.complete_event is not None:
            assert pending.complete_event.action_id == pending.action_id
            assert all(e.action_id == pending.action_id for e in pending.events)


_CRLF_EVENT = b"Event: Alpha\r\nKey: 1\r\nAddress: 127.0.0.1:5060\r\n\r\n"
_LF_EVENT = b"Event: Beta\nKey: 2\n\n"


@pytest.mark.parametrize(
    "data",
    [
        _CRLF_EVENT * 3,
        _CRLF_EVENT + _LF_EVENT + _CRLF_EVENT,
        _LF_EVENT + _CRLF_EVENT,
        b"Event: Gamma\r\nKey: 3\n\r\n" + _CRLF_EVENT,  # a bare LF ends the last line
        _CRLF_EVENT + b"\r\n\r\n" + _CRLF_EVENT,  # stray blank lines between events
        _CRLF_EVENT + b"Response: Success\r\nActionID: x\r\n\r\n" + _CRLF_EVENT,
        b"Event: Delta\r\nValue: a\rb\r\r\n\r\n",  # bare CRs stay in the value
    ],
    ids=["crlf", "crlf-lf-crlf", "lf-crlf", "bare-lf-line", "stray-blank", "response", "bare-cr"],
)
def test_deferred_events_parse_as_events_parsed_at_once(data: bytes) -> None:
    """Whatever the line endings, an event handed over as text and built later equals the
    event the parser builds at once: same framing, class, headers and ``raw``."""

    def picture(items: list[Received]) -> list[object]:
        out: list[object] = []
        for item in items:
            if type(item) is str:
                assert item.startswith("Event: ") and "\n" not in item.replace("\r\n", "")
                item = build_event(item)
            assert isinstance(item, Message)
            out.append((type(item), item.header_pairs(), item.data, item.raw))
        return out

    deferred = picture(connected(defer_events=True).receive_data(data))
    parsed = picture(connected(defer_events=False).receive_data(data))
    assert deferred == parsed
    assert len(parsed) == data.count(b"Event: ") + data.count(b"Response: ")


@pytest.mark.parametrize(
    "data",
    [
        b"Response: Success\r\nActionID: x\r\nPing: Pong\r\nTimestamp: 1795754748.053745\r\n\r\n",
        b"Response: Error\r\nActionID: x\r\nMessage: Missing action in request\r\n\r\n",
        b"Response: Success\r\nActionID: x\r\nactionid: y\r\n\r\n",  # a repeat in another case
        b"Response: Success\r\nActionID: x\r\nOutput: line one\r\nOutput: line two\r\n\r\n",
        b"Response: Success\r\nActionID: x\r\nOutput: only line\r\n\r\n",
        b"Response: Success\r\nActionID: x\r\nodd:key: value\r\n\r\n",
        b"Response: Success\r\nActionID: x\r\nno colon here\r\n\r\n",
        b"Response: Success\r\nevent: Lowered\r\nActionID: x\r\n\r\n",
        b"Response: Success\r\nActionID: x\r\nValue: a\rb\r\n\r\n",  # a bare CR in a value
        b"Response: Success\nActionID: x\n\n",  # bare LF throughout
        b"Response: Success\r\nActionID: x\n\r\n",  # a bare LF ends a line
        b"Response: Success\nActionID: x\r\n\r\n",  # a bare LF inside
        b"\r\nResponse: Success\r\nActionID: x\r\n\r\n",  # a stray blank line first
        b"Response: Follows\r\nActionID: x\r\nsome output\r\n\r\nmore\r\n--END COMMAND--\r\n\r\n",
        b"response: follows\r\nActionID: x\r\nout\r\n--END COMMAND--\r\n\r\n",
        b"Event: Alpha\r\nKey: 1\r\nActionID: x\r\n\r\n",
    ],
    ids=[
        "ping",
        "error",
        "case-repeat",
        "output-lines",
        "output-line",
        "colon-in-key",
        "no-colon",
        "lower-event",
        "bare-cr",
        "lf",
        "bare-lf-line",
        "bare-lf-inside",
        "stray-blank",
        "follows",
        "follows-lower",
        "event",
    ],
)
@pytest.mark.parametrize("defer_events", [False, True])
def test_a_message_alone_in_a_read_parses_as_among_others(data: bytes, defer_events: bool) -> None:
    """A read holding exactly one message takes a shorter path through the parser; what
    comes out is the same as when the message arrives after another in the same read."""

    def picture(item: Received) -> object:
        if isinstance(item, PendingAction):  # the response answered the action
            assert item.done
            item = item.response  # type: ignore[assignment]
        if type(item) is str:
            item = build_event(item)
        assert isinstance(item, Message)
        return (type(item), dict(item), item.header_pairs(), item.data, item.raw)

    alone = connected(defer_events=defer_events)
    alone.send_action("Ping", action_id="x")
    alone_out = alone.receive_data(data)
    among = connected(defer_events=defer_events)
    among.send_action("Ping", action_id="x")
    among_out = among.receive_data(b"Event: First\r\nKey: 0\r\n\r\n" + data)[1:]
    assert len(alone_out) == len(among_out) == 1
    assert type(alone_out[0]) is type(among_out[0])
    assert picture(alone_out[0]) == picture(among_out[0])


def test_the_first_bad_header_is_the_one_named() -> None:
    with pytest.raises(InvalidHeaderError) as caught:
        serialize_action(
            "Originate", [("Channel", "a\nb"), ("Bad:Name", "x"), ("Exten", "\x00")], "id"
        )
    assert caught.value.header == "Channel"
    with pytest.raises(InvalidHeaderError) as caught:
        serialize_headers([("Fine", "ok"), ("", "x"), ("Channel", "a\rb")])
    assert caught.value.header == ""


@pytest.mark.parametrize(
    "headers",
    [
        [("Channel", "PJSIP/6001"), ("Priority", 1), ("Async", True), ("Timeout", None)],
        [("Variable", ["A=1", None, "B=2"]), ("Codecs", ("ulaw", "alaw")), ("Empty", [])],
        [("action", "Ignored"), ("ACTIONID", "ignored"), ("Data", "a: b")],
    ],
    ids=["scalars", "sequences", "ids-ignored"],
)
def test_serialized_actions_read_back_header_for_header(
    headers: list[tuple[str, object]],
) -> None:
    payload = serialize_action("Originate", headers, "abc-1")
    parser = MessageParser()
    (message,) = parser.feed(payload)
    expected: list[tuple[str, str]] = [("Action", "Originate")]
    for name, value in headers:
        if name.lower() in ("action", "actionid"):
            continue
        for item in value if isinstance(value, (list, tuple)) else [value]:
            if item is not None:
                text = "true" if item is True else "false" if item is False else str(item)
                expected.append((name, text))
    expected.append(("ActionID", "abc-1"))
    assert message.header_pairs() == expected
    assert payload.endswith(b"\r\n\r\n") and payload.count(b"\r\n") == len(expected) + 1


def _answer_alone(data: bytes) -> Message:
    """The response ``data`` gives when it is the only message in a read."""
    protocol = connected()
    pending = protocol.send_action("Ping", action_id="x")
    assert protocol.receive_data(data) == [pending]
    assert pending.response is not None
    return pending.response


def test_responses_of_unusual_shapes_alone_in_a_read() -> None:
    """The shapes the parser must not take for plain ``Key: Value`` lines."""
    repeat = _answer_alone(b"Response: Success\r\nActionID: x\r\nactionid: y\r\n\r\n")
    assert dict(repeat) == {"Response": "Success", "ActionID": "x"}
    assert repeat.get_all("ActionID") == ["x", "y"]
    output = _answer_alone(b"Response: Success\r\nActionID: x\r\nOutput: only line\r\n\r\n")
    assert output.data == ["only line"]
    colon = _answer_alone(b"Response: Success\r\nActionID: x\r\nodd:key: value\r\n\r\n")
    assert colon["odd:key"] == "value"
    nospace = _answer_alone(b"Response: Success\r\nActionID: x\r\nKey:a: b\r\n\r\n")
    assert nospace["Key:a"] == "b"
    tight = _answer_alone(b"Response: Success\r\nActionID: x\r\nKey:a:b\r\n\r\n")
    assert tight["Key"] == "a:b"
    bare = _answer_alone(b"Response: Success\r\nActionID: x\r\nno colon here\r\n\r\n")
    assert bare.data == ["no colon here"] and len(bare) == 2
    plain = _answer_alone(b"Response: Success\r\nActionID: x\r\nPing: Pong\r\n\r\n")
    assert plain.header_pairs() == [("Response", "Success"), ("ActionID", "x"), ("Ping", "Pong")]
    assert plain.raw == "Response: Success\nActionID: x\nPing: Pong"
    assert plain.data == []


def test_an_event_alone_in_a_read_with_a_lower_case_event_header() -> None:
    protocol = connected()
    (event,) = protocol.receive_data(b"Response: Success\r\nevent: Lowered\r\n\r\n")
    assert isinstance(event, Event) and event.name == "Lowered"


@pytest.mark.parametrize("bad", ["a\rb", "a\nb", "a\r\nAction: Logoff", "a\x00b", "\r\n"])
@pytest.mark.parametrize("where", ["Action", "ActionID"])
def test_an_action_with_no_other_headers_is_checked_too(bad: str, where: str) -> None:
    """Ping and the like take a shorter way through the serializer; it refuses the same."""
    action, action_id = (bad, "id") if where == "Action" else ("Ping", bad)
    with pytest.raises(InvalidHeaderError) as caught:
        serialize_action(action, (), action_id)
    assert caught.value.header == where
    assert serialize_action("Ping", (), "id-1") == b"Action: Ping\r\nActionID: id-1\r\n\r\n"
