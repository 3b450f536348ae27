"""Message: the ordered, case-insensitive multi-dict of headers; Event and its registry."""

from __future__ import annotations

import pickle
from typing import ClassVar

import pytest

from pystrix.ami import errors
from pystrix.ami.events import Aggregate, Event, event_class_for, registered_event_classes
from pystrix.ami.message import EVENT_GENERIC, Message, split_header_line

# -- construction and case-insensitive access -----------------------------------------


def test_lookup_ignores_case() -> None:
    message = Message([("Response", "Success"), ("ActionID", "abc-1"), ("Ping", "Pong")])
    assert message["ActionID"] == "abc-1"
    assert message["actionid"] == "abc-1"
    assert message["ACTIONID"] == "abc-1"
    assert message.get("actionId") == "abc-1"
    assert "actionid" in message
    assert "PING" in message
    assert "Timestamp" not in message
    number: object = 42
    assert number not in message  # a non-string key is simply absent


def test_missing_header() -> None:
    message = Message([("Response", "Success")])
    with pytest.raises(KeyError):
        message["ActionID"]
    with pytest.raises(KeyError):
        message["actionid"]
    assert message.get("ActionID") is None
    assert message.get("actionid", "fallback") == "fallback"
    assert message.get_all("ActionID") == []


def test_keys_keep_the_spelling_received() -> None:
    message = Message([("actionid", "x"), ("CallerIDNum", "100")])
    assert list(message) == ["actionid", "CallerIDNum"]
    assert message.headers == {"actionid": "x", "CallerIDNum": "100"}
    assert type(message.headers) is dict


def test_header_order_is_kept() -> None:
    pairs = [("Zeta", "1"), ("Alpha", "2"), ("Mu", "3"), ("Beta", "4")]
    message = Message(pairs)
    assert list(message) == ["Zeta", "Alpha", "Mu", "Beta"]
    assert message.header_pairs() == pairs


def test_built_from_a_dict() -> None:
    message = Message({"Event": "Hangup", "Cause": "16"})
    assert message.name == "Hangup"
    assert message["cause"] == "16"
    assert message.header_pairs() == [("Event", "Hangup"), ("Cause", "16")]
    assert message.raw is None


# -- repeated headers ------------------------------------------------------------------


def test_repeated_headers_keep_every_value_in_order() -> None:
    pairs = [
        ("Action", "Originate"),
        ("Variable", "A=1"),
        ("Channel", "Local/100@test"),
        ("Variable", "B=2"),
        ("Variable", "C=3"),
    ]
    message = Message(pairs)
    assert message["Variable"] == "A=1"  # the first value
    assert message["variable"] == "A=1"
    assert message.get("VARIABLE") == "A=1"
    assert message.get_all("variable") == ["A=1", "B=2", "C=3"]
    assert message.get_all("Channel") == ["Local/100@test"]
    assert message.header_pairs() == pairs
    # The dict side holds one entry per name.
    assert list(message) == ["Action", "Variable", "Channel"]


def test_get_all_collects_names_spelled_differently() -> None:
    message = Message([("Header1", "one"), ("header1", "two"), ("HEADER1", "three")])
    assert message.get_all("Header1") == ["one", "two", "three"]
    assert message.header_pairs() == [("Header1", "one"), ("header1", "two"), ("HEADER1", "three")]


def test_first_value_whatever_case_the_repeat_used() -> None:
    message = Message([("Header1", "one"), ("header1", "two")])
    assert message["Header1"] == "one"
    assert message["HEADER1"] == "one"
    assert message["header1"] == "one"
    assert message.get("header1") == "one"


def test_header_pairs_is_a_copy() -> None:
    message = Message([("A", "1"), ("A", "2")])
    message.header_pairs().append(("B", "3"))
    assert message.header_pairs() == [("A", "1"), ("A", "2")]


# -- names and kinds ---------------------------------------------------------------------


def test_name_of_event_response_action_and_generic() -> None:
    assert Message([("Event", "Newchannel"), ("Response", "x")]).name == "Newchannel"
    assert Message([("Response", "Error"), ("Message", "nope")]).name == "Error"
    assert Message([("Action", "Ping")]).name == "Ping"
    assert Message([("Foo", "bar")]).name == EVENT_GENERIC
    assert Message().name == EVENT_GENERIC
    assert Message([("event", "lowercase")]).name == "lowercase"


def test_action_id() -> None:
    assert Message([("ActionID", "a-1")]).action_id == "a-1"
    assert Message([("actionid", "a-2")]).action_id == "a-2"
    assert Message([("Response", "Success")]).action_id is None


def test_originate_response_is_an_event_not_a_response() -> None:
    message = Message(
        [
            ("Event", "OriginateResponse"),
            ("ActionID", "orig-1"),
            ("Response", "Success"),
            ("Reason", "4"),
        ]
    )
    assert message.is_event
    assert not message.is_response
    assert message.name == "OriginateResponse"


def test_response_kind() -> None:
    message = Message([("Response", "Success"), ("ActionID", "x")])
    assert message.is_response
    assert not message.is_event
    neither = Message([("Foo", "bar")])
    assert not neither.is_response
    assert not neither.is_event


# -- data ------------------------------------------------------------------------------


def test_data_defaults_to_an_empty_list_and_can_be_set() -> None:
    message = Message([("Response", "Follows")])
    assert message.data == []
    message.data.append("line 1")
    assert message.data == ["line 1"]
    message.data = ["a", "b"]
    assert message.data == ["a", "b"]
    assert Message([], data=["x"]).data == ["x"]


# -- pickling and repr -------------------------------------------------------------------


def test_pickle_keeps_everything() -> None:
    message = Message(
        [("Response", "Success"), ("Output", "a"), ("Output", "  b")],
        data=["a", "  b"],
        raw="Response: Success\nOutput: a\nOutput:   b",
    )
    copy = pickle.loads(pickle.dumps(message))
    assert type(copy) is Message
    assert copy.header_pairs() == message.header_pairs()
    assert copy.data == ["a", "  b"]
    assert copy.raw == message.raw
    assert copy["output"] == "a"


def test_pickle_keeps_event_class() -> None:
    event = Event([("Event", "Hangup"), ("Cause", "16")])
    copy = pickle.loads(pickle.dumps(event))
    assert type(copy) is Event
    assert copy.name == "Hangup"


def test_pickle_aggregate_keeps_its_events() -> None:
    aggregate = Aggregate([("Event", "Thing_Aggregate"), ("ListItems", "2")])
    aggregate.events = [Event([("Event", "Thing"), ("N", "1")]), Event([("Event", "Thing")])]
    copy = pickle.loads(pickle.dumps(aggregate))
    assert isinstance(copy, Aggregate)
    assert copy["ListItems"] == "2"
    assert [e.header_pairs() for e in copy.events] == [e.header_pairs() for e in aggregate.events]


def test_repr_names_the_message() -> None:
    text = repr(Message([("Event", "Hangup"), ("Cause", "16")]))
    assert "Hangup" in text
    assert "Cause" in text


# -- pystrix 1.x behaviour: equality, process(), per-channel variables ---------------------


def test_a_message_equals_its_name_and_otherwise_compares_as_a_dict() -> None:
    event = Event([("Event", "Hangup"), ("Cause", "16")])
    assert event == "Hangup"
    assert "Hangup" == event  # noqa: SIM300  (the reflected comparison is under test)
    assert event != "Newchannel" and (event != "Hangup") is False
    assert event != "hangup"  # exact, as pystrix 1.x compared
    assert event == {"Event": "Hangup", "Cause": "16"} and event != {"Event": "Hangup"}
    assert Message([("Response", "Error")]) == "Error"
    assert event in ["Newchannel", "Hangup"] and event not in ["Dial"]
    assert event != 16 and event != None  # noqa: E711
    with pytest.raises(TypeError):
        hash(event)


def test_process_of_a_plain_message_copies_headers_and_data() -> None:
    response = Message([("Response", "Follows"), ("Privilege", "Command")], data=["a", "b"])
    headers, data = response.process()
    assert headers == {"Response": "Follows", "Privilege": "Command"} and type(headers) is dict
    assert data == ["a", "b"]
    headers["Response"] = "x"
    data.append("c")
    assert response["Response"] == "Follows" and response.data == ["a", "b"]


def test_channel_variables_of_asterisk_11_are_kept_per_channel() -> None:
    # A Bridge event of Asterisk 1.8 to 11: both channels' variables, under the same names.
    bridge = Message(
        [
            ("Event", "Bridge"),
            ("Channel1", "SIP/trunk-0000a194"),
            ("Channel2", "Local/5842@from-queue-0000af99;1"),
            ("ChanVariable(SIP/trunk-0000a194)", "CDR(linkedid)=1469111531.131272"),
            ("ChanVariable(SIP/trunk-0000a194)", "CDR(dst)=5899"),
            ("ChanVariable(Local/5842@from-queue-0000af99;1)", "CDR(linkedid)=1469111531.131272"),
            ("ChanVariable(Local/5842@from-queue-0000af99;1)", "CDR(dst)=5842"),
            ("ChanVariable(SIP/[2001:db8::1]:5060-0001)", "NOVALUE"),
        ]
    )
    assert bridge.channel_variables == {
        "SIP/trunk-0000a194": {"CDR(linkedid)": "1469111531.131272", "CDR(dst)": "5899"},
        "Local/5842@from-queue-0000af99;1": {
            "CDR(linkedid)": "1469111531.131272",
            "CDR(dst)": "5842",
        },
    }
    assert bridge.variables == {}  # no value of one channel passes for another's


def test_channel_variables_of_asterisk_12_follow_the_prefixed_channel() -> None:
    dial = Message(
        [
            ("Event", "DialBegin"),
            ("Channel", "PJSIP/6001-00000001"),
            ("ChanVariable", "FOO=caller"),
            ("DestChannel", "PJSIP/6002-00000002"),
            ("DestChanVariable", "FOO=callee"),
            ("chanvariable", "BAR=1"),
        ]
    )
    assert dial.channel_variables == {
        "PJSIP/6001-00000001": {"FOO": "caller", "BAR": "1"},
        "PJSIP/6002-00000002": {"FOO": "callee"},
    }
    assert dial.variables == {"FOO": "caller", "BAR": "1"}
    orphan = Message([("Event", "Thing"), ("LocalOneChanVariable", "X=1")])
    assert orphan.channel_variables == {"": {"X": "1"}}  # no LocalOneChannel header


# -- split_header_line ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Key: Value", ("Key", "Value")),
        ("ActionID:x", ("ActionID", "x")),
        ("AccountCode: ", ("AccountCode", "")),
        ("AccountCode:", ("AccountCode", "")),
        ("Output:   '100' =>", ("Output", "  '100' =>")),
        ("RequestType: Action: NoSuchThing", ("RequestType", "Action: NoSuchThing")),
        ("a:b: c", ("a:b", "c")),
        ("a:b:c", ("a", "b:c")),
        (
            "ChanVariable(SIP/[2001:db8::1]:5060-0001): X=1",
            ("ChanVariable(SIP/[2001:db8::1]:5060-0001)", "X=1"),
        ),
        ("Key:\tvalue", ("Key", "\tvalue")),
        ("ThisLineHasNoColon", None),
        ("", None),
    ],
)
def test_split_header_line(line: str, expected: tuple[str, str] | None) -> None:
    assert split_header_line(line) == expected


# -- events and the registry -------------------------------------------------------------


class PystrixTestOnlyEvent(Event):
    """A class the registry should find by name, in any case."""

    int_headers: ClassVar[tuple[str, ...]] = ("Count",)
    float_headers: ClassVar[tuple[str, ...]] = ("Ratio",)
    bool_headers: ClassVar[tuple[str, ...]] = ("Flag", "Other", "Odd")


class _RenamedTestEvent(Event):
    event_name = "PystrixTestOnlyRenamed"


def test_subclasses_register_by_name() -> None:
    assert event_class_for("PystrixTestOnlyEvent") is PystrixTestOnlyEvent
    assert event_class_for("pystrixtestonlyevent") is PystrixTestOnlyEvent
    assert event_class_for("PystrixTestOnlyRenamed") is _RenamedTestEvent
    assert _RenamedTestEvent.event_name == "PystrixTestOnlyRenamed"
    assert PystrixTestOnlyEvent.event_name == "PystrixTestOnlyEvent"
    assert "pystrixtestonlyevent" in registered_event_classes()


def test_unknown_event_name_gives_the_base_class() -> None:
    assert event_class_for("NoSuchEventEverRegistered") is Event


def test_base_classes_are_not_registered() -> None:
    registry = registered_event_classes()
    assert "aggregate" not in registry
    assert Aggregate not in registry.values()


def test_registry_copy_is_detached() -> None:
    registered_event_classes()["zzz-not-an-event"] = Event
    assert "zzz-not-an-event" not in registered_event_classes()


def test_process_converts_known_headers_and_leaves_the_rest() -> None:
    event = PystrixTestOnlyEvent(
        [
            ("Event", "PystrixTestOnlyEvent"),
            ("Count", "12"),
            ("Ratio", "0.25"),
            ("Flag", "Yes"),
            ("Other", "off"),
            ("Odd", "maybe"),
            ("Text", "12"),
        ],
        data=["line"],
    )
    headers, data = event.process()
    assert headers["Count"] == 12
    assert headers["Ratio"] == 0.25
    assert headers["Flag"] is True
    assert headers["Other"] is False
    assert headers["Odd"] == "maybe"
    assert headers["Text"] == "12"
    assert data == ["line"]
    assert event["Count"] == "12"  # the event itself is unchanged


def test_process_keeps_values_that_do_not_convert() -> None:
    event = PystrixTestOnlyEvent([("Event", "x"), ("Count", "many"), ("Ratio", "n/a")])
    headers, _ = event.process()
    assert headers["Count"] == "many"
    assert headers["Ratio"] == "n/a"


def test_aggregate_is_an_event_with_events() -> None:
    aggregate = Aggregate([("Event", "Thing_Aggregate")])
    assert isinstance(aggregate, Event)
    assert aggregate.events == []
    assert aggregate.is_event


# -- errors ----------------------------------------------------------------------------------


def test_error_hierarchy() -> None:
    assert issubclass(errors.InvalidHeaderError, errors.LocalProtocolError)
    assert issubclass(errors.InvalidHeaderError, errors.ManagerError)
    assert issubclass(errors.InvalidHeaderError, ValueError)
    assert issubclass(errors.MessageTooLargeError, errors.RemoteProtocolError)
    assert issubclass(errors.MessageTooLargeError, errors.ManagerSocketError)
    assert issubclass(errors.ManagerError, errors.Error)
    assert issubclass(errors.ManagerSocketError, errors.Error)
    assert not issubclass(errors.ManagerSocketError, errors.ManagerError)


def test_invalid_header_error_names_the_header() -> None:
    error = errors.InvalidHeaderError("Channel", "the value holds CR, LF or NUL")
    assert error.header == "Channel"
    assert "Channel" in str(error)


def test_message_too_large_error_carries_sizes() -> None:
    error = errors.MessageTooLargeError(2048, 1024)
    assert (error.size, error.limit) == (2048, 1024)
    assert "1024" in str(error)
