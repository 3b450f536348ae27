"""The action and event catalog against Asterisk's own lists and pystrix 1.x's names.

``asterisk-info.txt`` (``manager show commands`` / ``manager show events``) and
``ami-syntax.md`` (each action's documented headers) come from the recorded Asterisk
22.10.1 (``tests/data/transcripts``).
"""

from __future__ import annotations

import datetime
import inspect
import re
from typing import Any

import pytest

from pystrix.ami import (
    app_confbridge,
    app_confbridge_events,
    app_meetme,
    app_meetme_events,
    catalog,
    core,
    core_events,
    dahdi,
    dahdi_events,
    pjsip,
)
from pystrix.ami.action import Action
from pystrix.ami.errors import InvalidHeaderError
from pystrix.ami.events import Aggregate, Event
from pystrix.ami.message import Message
from pystrix.ami.protocol import MessageParser, serialize_action
from transcripts import TRANSCRIPTS_DIR


def _reference(name: str) -> str:
    return (TRANSCRIPTS_DIR / name).read_text()


def _manager_show(section: str) -> list[str]:
    text = _reference("asterisk-info.txt")
    body = text.split(f"### manager show {section}")[1].split("\n### ")[0]
    if section == "commands":
        lines = body.strip().splitlines()[2:]  # the title and the dashes
        return [line.split()[0] for line in lines if line.strip()]
    body = body.split("registered")[0]
    names = re.findall(r"[A-Za-z][\w-]*", body)
    return [name for name in names if name not in ("Events", "events")]


def _documented_actions() -> dict[str, list[tuple[str, bool]]]:
    """Action name -> [(header, required)] from ami-syntax.md."""
    text = _reference("ami-syntax.md")
    part = text.split("\n## Events")[0]
    found: dict[str, list[tuple[str, bool]]] = {}
    for block in part.split("\n### ")[1:]:
        lines = block.strip().splitlines()
        name = lines[0].split()[0]
        headers = []
        for line in lines[1:]:
            match = re.match(r"(\[)?([^:\]\[]+):?\]?:? <value>", line)
            if match and match.group(2) != "ActionID":
                headers.append((match.group(2), match.group(1) is None))
        found[name] = headers
    return found


# -- completeness ------------------------------------------------------------------------


def test_every_action_of_manager_show_commands_has_a_class() -> None:
    names = _manager_show("commands")
    assert len(names) == 128
    missing = [name for name in names if catalog.action_class(name) is None]
    assert missing == []
    for name in names:
        cls = catalog.action_class(name)
        assert cls is not None and cls.action_name == name
        assert issubclass(cls, Action) and cls.__doc__


def test_every_event_of_manager_show_events_has_a_class() -> None:
    names = _manager_show("events")
    assert len(names) == 171
    missing = [name for name in names if catalog.event_class(name) is None]
    assert missing == []
    for name in names:
        cls = catalog.event_class(name)
        assert cls is not None and cls.event_name.lower() == name.lower() and cls.__doc__


def test_catalog_sizes() -> None:
    assert len(catalog.actions()) >= 150
    plain_events = [cls for cls in catalog.events().values() if not issubclass(cls, Aggregate)]
    assert len(plain_events) >= 200
    assert len(catalog.list_actions()) >= 40


def test_every_list_action_has_its_aggregate_and_list_event_classes() -> None:
    for name, cls in catalog.list_actions().items():
        aggregate = catalog.aggregate_class(name)
        assert aggregate is not None, name
        assert aggregate.event_name == f"{name}_Aggregate"
        assert cls.list_complete is not None
        assert catalog.event_class(cls.list_complete) is not None, cls.list_complete
        for item in cls.list_events:
            assert catalog.event_class(item) is not None, item


# -- constructors against the documented headers ------------------------------------------------

# Where a pystrix 1.x signature gives a documented required header a default, or builds it
# from other parameters, constructing with no argument is not an error.
_DEFAULTED = {"Challenge", "AbsoluteTimeout", "Events"}
# Required by the documentation but computed or alternative in the class.
_COMPUTED = {
    "Login": {"Username"},  # Secret or Key, depending on the challenge
    "MuteAudio": {"Channel", "State"},  # Direction only when a direction is chosen
    "UserEvent": set(),  # the name is optional, as in pystrix 1.x
    "UpdateConfig": {"SrcFilename", "DstFilename"},
}


def _placeholder(parameter: inspect.Parameter) -> Any:
    return "x" if parameter.name not in ("changes",) else []


def test_required_headers_are_required_parameters() -> None:
    for name, headers in _documented_actions().items():
        cls = catalog.action_class(name)
        assert cls is not None, name
        required = {header for header, needed in headers if needed}
        signature = inspect.signature(cls)
        needed_parameters = [
            p for p in signature.parameters.values() if p.default is inspect.Parameter.empty
        ]
        if required and name not in _DEFAULTED and name != "UserEvent":
            with pytest.raises(TypeError):
                cls()
        action = cls(*[_placeholder(p) for p in needed_parameters])
        sent = {key.lower() for key in action}
        expected = _COMPUTED.get(name, required)
        missing = {header for header in expected if header.lower() not in sent}
        assert missing == set(), f"{name} does not send {missing}"


def test_optional_documented_headers_are_parameters() -> None:
    for name, headers in _documented_actions().items():
        cls = catalog.action_class(name)
        assert cls is not None
        if not cls.header_fields:
            continue  # a hand-written pystrix 1.x form: checked by its own tests
        declared = {field.header.lower() for field in cls.header_fields}
        documented = {re.sub(r"\(0\)$", "", header).lower() for header, _ in headers}
        documented -= {"action-000000", "cat-000000", "var-000000", "value-000000"}
        documented -= {"match-000000", "line-000000", "options-000000"}
        assert documented <= declared, f"{name}: {documented - declared}"


def test_missing_required_parameter_is_a_type_error_naming_it() -> None:
    with pytest.raises(TypeError, match="bridge_uniqueid"):
        core.BridgeInfo()  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="endpoint"):
        pjsip.PJSIPShowEndpoint()  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        core.QueueAdd("Local/100@test")  # type: ignore[call-arg]


def test_values_with_line_breaks_cannot_be_sent() -> None:
    action = core.BridgeKick("SIP/a\r\nAction: Hangup")
    with pytest.raises(InvalidHeaderError):
        serialize_action(action.action, action.header_pairs(), "1")


def test_declared_attributes_read_and_write_headers() -> None:
    action = core.PlayDTMF("PJSIP/6001-1", "5", duration=200)
    assert action.channel == "PJSIP/6001-1" and action["Digit"] == "5"
    assert action.duration == 200
    action.receive = True
    assert action["Receive"] is True
    action.duration = None
    assert "Duration" not in action
    assert type(action).required_headers() == ("Channel", "Digit")


def test_mappings_lists_and_indexed_headers() -> None:
    notify = pjsip.PJSIPNotify(endpoint="6001", variables={"Event": "check-sync"})
    assert notify["Variable"] == ["Event=check-sync"]
    message = core.MessageSend(to="pjsip:6001", variables=["A=1", "B=2"])
    assert message["Variable"] == ["A=1", "B=2"]
    aoc = core.AOCMessage("D", channel="x", unit_amounts=[1, 2], unit_types=[3])
    assert aoc["UnitAmount(0)"] == 1 and aoc["UnitAmount(1)"] == 2 and aoc["UnitType(0)"] == 3
    assert aoc.unit_amounts == [1, 2]
    data = serialize_action(aoc.action, aoc.header_pairs(), "a1").decode()
    assert "UnitAmount(1): 2\r\n" in data
    status = core.Status("Local/100@test-1;1", ["FOO", "BAR"])
    assert status["Variables"] == "FOO,BAR"


def test_modern_originate_waits_for_a_synchronous_answer() -> None:
    assert core.Originate("Local/100@test", exten="100", async_=True).timeout == 5
    assert core.Originate("Local/100@test", exten="100", timeout_ms=10000).timeout == 15
    assert core.Originate("Local/100@test", application="Echo")["Channel"] == "Local/100@test"


def test_describe_names_parameters_and_lists() -> None:
    text = catalog.describe("QueueStatus")
    assert "queue" in text and "QueueParams" in text and "QueueStatusComplete" in text
    assert "required" in catalog.describe("BridgeKick")
    assert "parameters:" in catalog.describe("Login")
    assert "int:" in catalog.describe("QueueMember")
    with pytest.raises(KeyError):
        catalog.describe("NoSuchThing")


# -- pystrix 1.x names and signatures ----------------------------------------------------------

_V1_ACTIONS: dict[Any, dict[str, str]] = {
    core: {
        "AbsoluteTimeout": "channel, seconds=0",
        "AGI": "channel, command, command_id=None",
        "Bridge": "channel_1, channel_2, tone=False",
        "Challenge": "authtype='MD5'",
        "ChangeMonitor": "channel, filename",
        "Command": "command",
        "CoreShowChannels": "",
        "CreateConfig": "filename",
        "DBDel": "family, key",
        "DBDelTree": "family, key=None",
        "DBGet": "family, key",
        "DBPut": "family, key, value",
        "Events": "mask",
        "ExtensionState": "extension, context",
        "GetConfig": "filename",
        "Getvar": "variable, channel=None",
        "Hangup": "channel",
        "ListCommands": "",
        "ListCategories": "filename",
        "LocalOptimizeAway": "channel",
        "Login": "username, secret, events=True, challenge=None, authtype='MD5'",
        "Logoff": "",
        "MailboxCount": "mailbox",
        "MailboxStatus": "mailbox",
        "MixMonitorMute": "channel, direction, mute",
        "ModuleCheck": "module",
        "ModuleLoad": "load_type, module=None",
        "Monitor": "channel, filename, format='wav', mix=True",
        "MuteAudio": "channel, input=False, output=False, muted=False",
        "Originate_Application": (
            "channel, application, data=*, timeout=None, callerid=None, variables=*, "
            "account=None, async_=True"
        ),
        "Originate_Context": (
            "channel, context, extension, priority, timeout=None, callerid=None, "
            "variables=*, account=None, async_=True"
        ),
        "Park": "channel, channel_callback, timeout=None",
        "ParkedCalls": "",
        "PauseMonitor": "channel",
        "Ping": "",
        "PlayDTMF": "channel, digit",
        "QueueAdd": "interface, queue, membername=None, penalty=0, paused=False",
        "QueueLog": "queue, event, interface=None, uniqueid=None, message=None",
        "QueuePause": "interface, paused, queue=None",
        "QueuePenalty": "interface, penalty, queue=None",
        "QueueReload": "queue=None, members='yes', rules='yes', parameters='yes'",
        "QueueRemove": "interface, queue",
        "QueueStatus": "queue=None",
        "QueueSummary": "queue=None",
        "Redirect": "channel, context, extension, priority",
        "Reload": "module=None",
        "SendText": "channel, message",
        "SetCDRUserField": "channel, user_field",
        "Setvar": "variable, value, channel=None",
        "SIPnotify": "channel, headers=*",
        "SIPpeers": "",
        "SIPqualify": "peer",
        "SIPshowpeer": "peer",
        "SIPshowregistry": "",
        "Status": "channel=*",
        "StopMonitor": "channel",
        "UnpauseMonitor": "channel",
        "UpdateConfig": "src_filename, dst_filename, changes, reload=True",
        "UserEvent": "",
        "VoicemailUsersList": "",
    },
    dahdi: {
        "DAHDIDNDoff": "dahdi_channel",
        "DAHDIDNDon": "dahdi_channel",
        "DAHDIDialOffhook": "dahdi_channel, number",
        "DAHDIHangup": "dahdi_channel",
        "DAHDIRestart": "",
        "DAHDIShowChannels": "dahdi_channel=None",
    },
    app_confbridge: {
        "ConfbridgeKick": "conference, channel",
        "ConfbridgeList": "conference",
        "ConfbridgeListRooms": "",
        "ConfbridgeLock": "conference",
        "ConfbridgeUnlock": "conference",
        "ConfbridgeMoHOn": "conference, channel",
        "ConfbridgeMoHOff": "conference, channel",
        "ConfbridgeMute": "conference, channel",
        "ConfbridgeUnmute": "conference, channel",
        "ConfbridgePlayFile": "file, conference, channel=None",
        "ConfbridgeStartRecord": "conference, filename=None",
        "ConfbridgeStopRecord": "conference",
        "ConfbridgeSetSingleVideoSrc": "conference, channel",
    },
    app_meetme: {
        "MeetmeList": "conference=None",
        "MeetmeListRooms": "",
        "MeetmeMute": "meetme, usernum",
        "MeetmeUnmute": "meetme, usernum",
    },
}

_V1_EVENTS: dict[Any, list[str]] = {
    core_events: [
        "AGIExec",
        "AsyncAGI",
        "ChannelUpdate",
        "CoreShowChannel",
        "CoreShowChannelsComplete",
        "DBGetResponse",
        "DTMF",
        "FullyBooted",
        "Hangup",
        "HangupRequest",
        "MonitorStart",
        "MonitorStop",
        "NewAccountCode",
        "Newchannel",
        "Newexten",
        "Newstate",
        "OriginateResponse",
        "ParkedCall",
        "ParkedCallsComplete",
        "PeerEntry",
        "PeerlistComplete",
        "QueueEntry",
        "QueueMember",
        "QueueMemberAdded",
        "QueueMemberPaused",
        "QueueMemberRemoved",
        "QueueParams",
        "QueueStatusComplete",
        "QueueSummary",
        "QueueSummaryComplete",
        "RegistryEntry",
        "RegistrationsComplete",
        "Reload",
        "RTCPReceived",
        "RTCPSent",
        "Shutdown",
        "SoftHangupRequest",
        "Status",
        "StatusComplete",
        "UserEvent",
        "VarSet",
        "VoicemailUserEntry",
        "VoicemailUserEntryComplete",
        "CoreShowChannels_Aggregate",
        "ParkedCalls_Aggregate",
        "QueueStatus_Aggregate",
        "QueueSummary_Aggregate",
        "SIPpeers_Aggregate",
        "SIPshowregistry_Aggregate",
        "Status_Aggregate",
        "VoicemailUsersList_Aggregate",
    ],
    dahdi_events: [
        "DAHDIShowChannels",
        "DAHDIShowChannelsComplete",
        "DAHDIShowChannels_Aggregate",
    ],
    app_confbridge_events: [
        "ConfbridgeEnd",
        "ConfbridgeJoin",
        "ConfbridgeLeave",
        "ConfbridgeList",
        "ConfbridgeListComplete",
        "ConfbridgeListRooms",
        "ConfbridgeListRoomsComplete",
        "ConfbridgeStart",
        "ConfbridgeTalking",
        "ConfbridgeList_Aggregate",
        "ConfbridgeListRooms_Aggregate",
    ],
    app_meetme_events: [
        "MeetmeJoin",
        "MeetmeList",
        "MeetmeListComplete",
        "MeetmeListRooms",
        "MeetmeListRoomsComplete",
        "MeetmeMute",
        "MeetmeList_Aggregate",
        "MeetmeListRooms_Aggregate",
    ],
}


def _parameters(cls: type) -> list[tuple[str, Any]]:
    return [
        (p.name, p.default)
        for p in inspect.signature(cls).parameters.values()
        if p.kind is not inspect.Parameter.VAR_KEYWORD
    ]


@pytest.mark.parametrize(
    ("module", "name", "expected"),
    [(module, name, spec) for module, specs in _V1_ACTIONS.items() for name, spec in specs.items()],
)
def test_pystrix_1_action_signatures(module: Any, name: str, expected: str) -> None:
    cls = getattr(module, name)
    assert issubclass(cls, Action) and cls.__doc__
    actual = _parameters(cls)
    # Every 1.x parameter, in order, with its default (``*``: a default is there, of a
    # different but equivalent value, such as () for {}); new ones only after them.
    for index, item in enumerate(part for part in expected.split(", ") if part):
        pname, _, default = item.partition("=")
        assert actual[index][0] == pname, f"{name}: {actual}"
        if not default:
            assert actual[index][1] is inspect.Parameter.empty, f"{name}.{pname}"
        elif default != "*":
            assert repr(actual[index][1]) == default, f"{name}.{pname}"
    for _, default in actual[len([part for part in expected.split(", ") if part]) :]:
        assert default is not inspect.Parameter.empty, f"{name} added a required parameter"


@pytest.mark.parametrize(
    ("module", "name"),
    [(module, name) for module, names in _V1_EVENTS.items() for name in names],
)
def test_pystrix_1_event_classes(module: Any, name: str) -> None:
    cls = getattr(module, name)
    assert issubclass(cls, Event) and cls.__doc__
    if name.endswith("_Aggregate"):
        assert issubclass(cls, Aggregate)
    assert catalog.event_class(cls.event_name) is cls


def test_pystrix_1_constants() -> None:
    assert core.AUTHTYPE_MD5 == "MD5"
    assert core.EVENTMASK_ALL == "on" and core.EVENTMASK_NONE == "off"
    assert core.FORMAT_WAV == "wav"
    assert core.ORIGINATE_RESULT_ANSWERED == 4
    assert core.ORIGINATE_RESULT_MAP[core.ORIGINATE_RESULT_BUSY] == "busy"


def test_pystrix_1_forms_build_the_same_headers() -> None:
    assert dict(core.QueueAdd("Local/100@test", "q1", "labmember")) == {
        "Action": "QueueAdd",
        "Interface": "Local/100@test",
        "Queue": "q1",
        "MemberName": "labmember",
        "Penalty": 0,
        "Paused": False,
    }
    assert dict(core.Redirect("SIP/a", "test", "100", 1)) == {
        "Action": "Redirect",
        "Channel": "SIP/a",
        "Context": "test",
        "Exten": "100",
        "Priority": 1,
    }
    muted = core.MuteAudio("SIP/a", input=True, output=True, muted=True)
    assert muted["Direction"] == "all" and muted["State"] == "on"
    park = core.Park("SIP/a", "SIP/b", 30000)
    assert park["TimeoutChannel"] == park["Channel2"] == "SIP/b" and park["Timeout"] == 30000
    update = core.UpdateConfig(
        "a.conf", "b.conf", [("NewCat", "general"), ("Append", "x", "y", "1")]
    )
    assert update["Action-000000"] == "NewCat" and update["Cat-000000"] == "general"
    assert (
        update["Var-000001"] == "y" and update["Value-000001"] == "1" and update["Reload"] == "yes"
    )
    assert dahdi.DAHDIDialOffhook("1", "555")["DAHDIChannel"] == "1"
    assert app_meetme.MeetmeMute("600", "1")["Usernum"] == "1"
    assert app_confbridge.ConfbridgeStartRecord("c", "f.wav")["RecordFile"] == "f.wav"
    assert core.Originate_Application("Local/1@t", "Echo").action_name == "Originate"
    assert catalog.action_class("Originate") is core.Originate


# -- typed access ---------------------------------------------------------------------------------


def _parse(text: str) -> Message:
    messages = MessageParser().feed(text.replace("\n", "\r\n").encode() + b"\r\n\r\n")
    assert len(messages) == 1
    return messages[0]


def test_events_convert_numbers_booleans_and_times() -> None:
    event = _parse(
        "Event: QueueMember\nQueue: q1\nName: labmember\nPenalty: 2\nCallsTaken: 0\n"
        "LastCall: 0\nLastPause: 1795754800\nLoginTime: 1795754800\nInCall: 0\nStatus: 1\n"
        "Paused: 1\nPausedReason: lunch\nWrapuptime: 0"
    )
    assert isinstance(event, core_events.QueueMember)
    assert event.typed("Penalty") == 2 and event.typed("penalty") == 2
    assert event.typed("Paused") is True and event.typed("InCall") is False
    assert event.typed("LastCall") is None  # 0: never
    stamp = event.typed("LoginTime")
    assert stamp == datetime.datetime(2026, 11, 27, 4, 46, 40, tzinfo=datetime.timezone.utc)
    assert event.typed("PausedReason") == "lunch"
    assert event.typed("Missing", 7) == 7
    assert event["Penalty"] == "2"  # dict access is unchanged
    headers, _ = event.process()
    assert headers["Penalty"] == 2 and headers["Paused"] is True


def test_channel_snapshots_security_times_and_durations() -> None:
    event = _parse(
        "Event: DialBegin\nChannel: a\nChannelState: 4\nPriority: 1\nDestChannel: b\n"
        "DestChannelState: 0\nDestPriority: 1\nDialString: 100@test"
    )
    assert event.typed("ChannelState") == 4 and event.typed("DestChannelState") == 0
    auth = _parse(
        "Event: SuccessfulAuth\nEventTV: 2026-11-27T04:46:39.557+0000\nEventVersion: 1\n"
        "UsingPassword: 0"
    )
    when = auth.typed("EventTV")
    assert isinstance(when, datetime.datetime) and when.microsecond == 557000
    assert when.utcoffset() == datetime.timedelta(0)
    assert auth.typed("UsingPassword") is False and auth.typed("EventVersion") == 1
    channel = _parse("Event: CoreShowChannel\nChannel: a\nDuration: 01:02:03\nChannelState: 6")
    assert channel.typed("Duration") == 3723


def test_malformed_or_unexpected_headers_keep_the_raw_string() -> None:
    event = _parse(
        "Event: QueueMember\nPenalty: lots\nPaused: perhaps\nLoginTime: yesterday\nExtra: 1"
    )
    assert isinstance(event, core_events.QueueMember)
    assert event.typed("Penalty") == "lots"
    assert event.typed("Paused") == "perhaps"
    assert event.typed("LoginTime") == "yesterday"
    assert event.typed("Extra") == "1"
    assert event.get_int("Penalty") is None and event.get_int("Extra") == 1
    headers, _ = event.process()
    assert headers["Penalty"] == "lots" and headers["Extra"] == "1"
    empty = _parse("Event: QueueMember")
    assert isinstance(empty, core_events.QueueMember) and empty.typed("Penalty") is None


def test_variables_are_a_mapping() -> None:
    status = _parse(
        "Event: Status\nChannel: Local/100@test-1;1\nVariable: FOO=bar\nVariable: EMPTY=\n"
        "Variable: EQ=a=b\nChanVariable: X=1"
    )
    assert status.variables == {"FOO": "bar", "EMPTY": "", "EQ": "a=b", "X": "1"}
    varset = _parse("Event: VarSet\nVariable: BRIDGEPEER\nValue: x")
    assert varset.variables == {}


def test_responses_have_typed_access_too() -> None:
    response = _parse(
        "Response: Success\nMessage: Mailbox Message Count\nMailbox: 6001@default\n"
        "UrgMessages: 0\nNewMessages: 1\nOldMessages: 0"
    )
    assert response.typed("NewMessages") == 1
    assert response.get_int("OldMessages") == 0
    assert response.get_bool("Mailbox") is None
    ping = _parse("Response: Success\nPing: Pong\nTimestamp: 1795754800.500000")
    assert ping.get_time("Timestamp") == datetime.datetime(
        2026, 11, 27, 4, 46, 40, 500000, tzinfo=datetime.timezone.utc
    )
    assert ping.get_float("Timestamp") == 1795754800.5


def test_new_exten_is_the_pystrix_1_newexten() -> None:
    assert core_events.NewExten is core_events.Newexten
    assert catalog.event_class("NewExten") is core_events.Newexten
    assert isinstance(_parse("Event: Newexten\nPriority: 2"), core_events.Newexten)
