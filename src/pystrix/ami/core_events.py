"""Event classes: pystrix 1.x's core events and every event of Asterisk 22's core modules.

Each class is registered under its event name (case-insensitively), so incoming events are
built as instances of it and ``Manager.register_callback(core_events.FullyBooted, fn)``
works.  Each lists the headers it knows the type of (``int_headers``, ``bool_headers``,
``time_headers``, ...): ``event.typed('ChannelState')`` gives an ``int``, and ``process()``
converts them all as pystrix 1.x did.  Headers a class does not list stay strings, and an
event whose headers do not match its class still arrives, every header kept as received.

Events that Asterisk has renamed or removed (``Dial``, ``Join``, ``AGIExec``, chan_sip's
``PeerEntry``, ...) keep a class for the versions that still send them; their
documentation names the modern event.  Events with no class at all arrive as
:class:`~pystrix.ami.events.Event`."""

from __future__ import annotations

from .events import Aggregate, Event

# The channel snapshot most events carry: numeric state and dialplan priority.
_CHANNEL = ("ChannelState", "Priority")


def _snapshot(prefix: str) -> tuple[str, str]:
    """The numeric headers of a prefixed channel snapshot (``DestChannelState``, ...)."""
    return (f"{prefix}ChannelState", f"{prefix}Priority")


__all__ = [
    "AOC_D",
    "AOC_E",
    "AOC_S",
    "CEL",
    "DTMF",
    "MCID",
    "AGIExec",
    "AGIExecEnd",
    "AGIExecStart",
    "AgentCalled",
    "AgentComplete",
    "AgentConnect",
    "AgentDump",
    "AgentLogin",
    "AgentLogoff",
    "AgentRingNoAnswer",
    "Agents",
    "AgentsComplete",
    "AsyncAGI",
    "AsyncAGIEnd",
    "AsyncAGIExec",
    "AsyncAGIStart",
    "AttendedTransfer",
    "AuthMethodNotAllowed",
    "BlindTransfer",
    "Bridge",
    "BridgeCreate",
    "BridgeDestroy",
    "BridgeEnter",
    "BridgeInfoChannel",
    "BridgeInfoComplete",
    "BridgeLeave",
    "BridgeListComplete",
    "BridgeListItem",
    "BridgeMerge",
    "BridgeTechnologyListComplete",
    "BridgeTechnologyListItem",
    "BridgeVideoSourceUpdate",
    "Cdr",
    "ChallengeResponseFailed",
    "ChallengeSent",
    "ChanSpyStart",
    "ChanSpyStop",
    "ChannelTalkingStart",
    "ChannelTalkingStop",
    "ChannelUpdate",
    "CoreShowChannel",
    "CoreShowChannelMap",
    "CoreShowChannelMapComplete",
    "CoreShowChannelsComplete",
    "CoreShowChannels_Aggregate",
    "DBGetComplete",
    "DBGetResponse",
    "DBGetTreeComplete",
    "DBGetTreeResponse",
    "DTMFBegin",
    "DTMFEnd",
    "DeadlockStart",
    "DeviceStateChange",
    "DeviceStateListComplete",
    "Dial",
    "DialBegin",
    "DialEnd",
    "DialState",
    "ExtensionStateListComplete",
    "ExtensionStatus",
    "FAXSession",
    "FAXSessionsComplete",
    "FAXSessionsEntry",
    "FAXStats",
    "FAXStatus",
    "FailedACL",
    "Flash",
    "FullyBooted",
    "Hangup",
    "HangupHandlerPop",
    "HangupHandlerPush",
    "HangupHandlerRun",
    "HangupRequest",
    "Hold",
    "InvalidAccountID",
    "InvalidPassword",
    "InvalidTransport",
    "Join",
    "Leave",
    "ListDialplan",
    "Load",
    "LoadAverageLimit",
    "LocalBridge",
    "LocalOptimizationBegin",
    "LocalOptimizationEnd",
    "LogChannel",
    "MWIGet",
    "MWIGetComplete",
    "Masquerade",
    "MemoryLimit",
    "MessageWaiting",
    "MiniVoiceMail",
    "MixMonitorMute",
    "MixMonitorStart",
    "MixMonitorStop",
    "MonitorStart",
    "MonitorStop",
    "MusicOnHoldStart",
    "MusicOnHoldStop",
    "NewAccountCode",
    "NewCallerid",
    "NewConnectedLine",
    "NewExten",
    "Newchannel",
    "Newexten",
    "Newstate",
    "OriginateResponse",
    "ParkedCall",
    "ParkedCallGiveUp",
    "ParkedCallSwap",
    "ParkedCallTimeOut",
    "ParkedCallsComplete",
    "ParkedCalls_Aggregate",
    "Parkinglot",
    "ParkinglotsComplete",
    "PeerEntry",
    "PeerStatus",
    "PeerlistComplete",
    "Pickup",
    "PresenceStateChange",
    "PresenceStateListComplete",
    "PresenceStatus",
    "QueueCallerAbandon",
    "QueueCallerJoin",
    "QueueCallerLeave",
    "QueueEntry",
    "QueueMember",
    "QueueMemberAdded",
    "QueueMemberPause",
    "QueueMemberPaused",
    "QueueMemberPenalty",
    "QueueMemberRemoved",
    "QueueMemberRinginuse",
    "QueueMemberStatus",
    "QueueParams",
    "QueueStatusComplete",
    "QueueStatus_Aggregate",
    "QueueSummary",
    "QueueSummaryComplete",
    "QueueSummary_Aggregate",
    "RTCPReceived",
    "RTCPSent",
    "ReceiveFAX",
    "RegistrationsComplete",
    "Registry",
    "RegistryEntry",
    "Reload",
    "Rename",
    "RequestBadFormat",
    "RequestNotAllowed",
    "RequestNotSupported",
    "SIPpeers_Aggregate",
    "SIPpeerstatusComplete",
    "SIPshowregistry_Aggregate",
    "SendFAX",
    "SessionLimit",
    "ShowDialPlanComplete",
    "Shutdown",
    "SoftHangupRequest",
    "Status",
    "StatusComplete",
    "Status_Aggregate",
    "SuccessfulAuth",
    "UnParkedCall",
    "UnexpectedAddress",
    "Unhold",
    "Unload",
    "UserEvent",
    "VarSet",
    "VoicemailBoxDetail",
    "VoicemailBoxDetailComplete",
    "VoicemailPasswordChange",
    "VoicemailUserDetail",
    "VoicemailUserDetailComplete",
    "VoicemailUserEntry",
    "VoicemailUserEntryComplete",
    "VoicemailUsersList_Aggregate",
    "Wink",
]


class AgentCalled(Event):
    """A queue member is being rung for a caller (app_queue). Since Asterisk 12.0.0."""

    int_headers = (*_CHANNEL, *_snapshot("Dest"))


class AgentComplete(Event):
    """A queue member finished a call (``HoldTime``, ``TalkTime``, ``Reason``). Since Asterisk
    12.0.0.
    """

    int_headers = (*_CHANNEL, *_snapshot("Dest"), "HoldTime", "TalkTime")


class AgentConnect(Event):
    """A queue member answered a caller (``HoldTime``, ``RingTime``). Since Asterisk 12.0.0."""

    int_headers = (*_CHANNEL, *_snapshot("Dest"), "RingTime", "HoldTime")


class AgentDump(Event):
    """A queue member hung up on a caller before the call was connected. Since Asterisk
    12.0.0.
    """

    int_headers = (*_CHANNEL, *_snapshot("Dest"))


class AgentLogin(Event):
    """An agent logged in (app_agent_pool). Since Asterisk 12.0.0."""

    int_headers = _CHANNEL


class AgentLogoff(Event):
    """An agent logged off (``Logintime`` seconds logged in). Since Asterisk 12.0.0."""

    int_headers = (*_CHANNEL, "Logintime")


class AgentRingNoAnswer(Event):
    """A queue member was rung and did not answer (``RingTime``). Since Asterisk 12.0.0."""

    int_headers = (*_CHANNEL, *_snapshot("Dest"), "RingTime")


class Agents(Event):
    """One agent in the answer to the ``Agents`` action. Since Asterisk 12.0.0."""

    int_headers = _CHANNEL
    time_headers = ("CallStarted", "LoggedInTime")


class AgentsComplete(Event):
    """The end of an ``Agents`` list. Since Asterisk 12.0.0."""


class AGIExec(Event):
    """An AGI command ran (Asterisk 11 and older; ``SubEvent: Start``/``End``).

    Asterisk 12 split it into ``AGIExecStart`` and ``AGIExecEnd``.
    """

    int_headers = ("ResultCode", "Priority")


class AGIExecEnd(Event):
    """An AGI command finished on a channel (``Command``, ``ResultCode``, ``Result``). Since
    Asterisk 12.0.0.
    """

    int_headers = (*_CHANNEL, "ResultCode")


class AGIExecStart(Event):
    """An AGI command started on a channel (``Command``, ``CommandId``). Since Asterisk
    12.0.0.
    """

    int_headers = _CHANNEL


class AOC_D(Event):
    """An Advice of Charge message sent during a call. Since Asterisk 12.0.0."""

    event_name = "AOC-D"

    int_headers = _CHANNEL


class AOC_E(Event):
    """An Advice of Charge message sent at the end of a call. Since Asterisk 12.0.0."""

    event_name = "AOC-E"

    int_headers = _CHANNEL


class AOC_S(Event):
    """An Advice of Charge message sent at call set-up. Since Asterisk 12.0.0."""

    event_name = "AOC-S"

    int_headers = _CHANNEL


class AsyncAGI(Event):
    """Async AGI activity (Asterisk 11 and older; ``SubEvent: Start``/``Exec``/``End``).

    Asterisk 12 split it into ``AsyncAGIStart``, ``AsyncAGIExec`` and ``AsyncAGIEnd``.
    """

    int_headers = ("Priority",)


class AsyncAGIEnd(Event):
    """Async AGI ended on a channel. Since Asterisk 12.0.0."""

    int_headers = _CHANNEL


class AsyncAGIExec(Event):
    """An Async AGI command ran (``CommandID``, ``Result``). Since Asterisk 12.0.0."""

    int_headers = _CHANNEL


class AsyncAGIStart(Event):
    """Async AGI started on a channel (``Env`` holds the AGI environment). Since Asterisk
    12.0.0.
    """

    int_headers = _CHANNEL


class AttendedTransfer(Event):
    """An attended transfer completed or failed (``Result``). Since Asterisk 12.0.0."""

    int_headers = (
        *_snapshot("LocalOne"),
        *_snapshot("LocalTwo"),
        *_snapshot("Transferee"),
        *_snapshot("OrigTransferer"),
        *_snapshot("SecondTransferer"),
        *_snapshot("TransferTarget"),
        "OrigBridgeNumChannels",
        "SecondBridgeNumChannels",
    )


class AuthMethodNotAllowed(Event):
    """Security: a request used an authentication method not allowed. Since Asterisk 12.1.0."""

    int_headers = ("EventVersion",)
    time_headers = ("EventTV", "SessionTV")


class BlindTransfer(Event):
    """A blind transfer completed or failed (``Result``). Since Asterisk 12.0.0."""

    int_headers = (*_snapshot("Transferee"), *_snapshot("Transferer"), "BridgeNumChannels")
    bool_headers = ("IsExternal",)


class Bridge(Event):
    """Two channels were bridged or unbridged (Asterisk 11 and older).

    Asterisk 12 has ``BridgeCreate``/``BridgeEnter``/``BridgeLeave``/``BridgeDestroy``.
    """


class BridgeCreate(Event):
    """A bridge was created. Since Asterisk 12.0.0."""

    int_headers = ("BridgeNumChannels",)


class BridgeDestroy(Event):
    """A bridge was destroyed. Since Asterisk 12.0.0."""

    int_headers = ("BridgeNumChannels",)


class BridgeEnter(Event):
    """A channel entered a bridge. Since Asterisk 12.0.0."""

    int_headers = (*_CHANNEL, "BridgeNumChannels")


class BridgeInfoChannel(Event):
    """One channel of the bridge in the answer to ``BridgeInfo``."""

    int_headers = _CHANNEL


class BridgeInfoComplete(Event):
    """The end of a ``BridgeInfo`` list, with the bridge's own headers."""

    int_headers = ("BridgeNumChannels", "ListItems")


class BridgeLeave(Event):
    """A channel left a bridge. Since Asterisk 12.0.0."""

    int_headers = (*_CHANNEL, "BridgeNumChannels")


class BridgeListComplete(Event):
    """The end of a ``BridgeList`` list."""

    int_headers = ("ListItems",)


class BridgeListItem(Event):
    """One bridge in the answer to ``BridgeList``."""

    int_headers = ("BridgeNumChannels",)


class BridgeMerge(Event):
    """Two bridges were merged. Since Asterisk 16.24.0."""

    int_headers = ("ToBridgeNumChannels", "FromBridgeNumChannels")


class BridgeTechnologyListComplete(Event):
    """The end of a ``BridgeTechnologyList`` list."""

    int_headers = ("ListItems",)


class BridgeTechnologyListItem(Event):
    """One bridging technology in the answer to ``BridgeTechnologyList``."""

    int_headers = ("BridgePriority",)
    bool_headers = ("BridgeSuspended",)


class BridgeVideoSourceUpdate(Event):
    """A bridge's video source changed. Since Asterisk 13.13.0."""

    int_headers = ("BridgeNumChannels",)


class Cdr(Event):
    """A Call Detail Record (cdr_manager). Since Asterisk 13.2.0."""

    int_headers = ("Duration", "BillableSeconds")
    time_headers = ("StartTime", "AnswerTime", "EndTime")


class CEL(Event):
    """A Channel Event Logging record (cel_manager). Since Asterisk 13.2.0."""

    time_headers = ("EventTime",)


class ChallengeResponseFailed(Event):
    """Security: a challenge response was wrong. Since Asterisk 12.1.0."""

    int_headers = ("EventVersion",)
    time_headers = ("EventTV", "SessionTV")


class ChallengeSent(Event):
    """Security: an authentication challenge was sent. Since Asterisk 12.1.0."""

    int_headers = ("EventVersion",)
    time_headers = ("EventTV", "SessionTV")


class ChannelTalkingStart(Event):
    """Talk detection: a channel started talking. Since Asterisk 12.4.0."""

    int_headers = _CHANNEL


class ChannelTalkingStop(Event):
    """Talk detection: a channel stopped talking (``Duration`` in ms). Since Asterisk 12.4.0."""

    int_headers = (*_CHANNEL, "Duration")


class ChannelUpdate(Event):
    """A channel driver's private ids (Asterisk 1.6 to 11).

    Removed in Asterisk 12; channel drivers' details are in ``Newchannel`` and friends.
    """


class ChanSpyStart(Event):
    """A channel started spying on another (ChanSpy). Since Asterisk 12.0.0."""

    int_headers = (*_snapshot("Spyee"), *_snapshot("Spyer"))


class ChanSpyStop(Event):
    """A channel stopped spying on another. Since Asterisk 12.0.0."""

    int_headers = (*_snapshot("Spyee"), *_snapshot("Spyer"))


class CoreShowChannel(Event):
    """One channel in the answer to ``CoreShowChannels``. Since Asterisk 18.26.0."""

    int_headers = _CHANNEL
    duration_headers = ("Duration",)


class CoreShowChannelMap(Event):
    """One channel in the answer to ``CoreShowChannelMap``."""


class CoreShowChannelMapComplete(Event):
    """The end of a ``CoreShowChannelMap`` list. Since Asterisk 18.26.0."""

    int_headers = ("ListItems",)


class CoreShowChannelsComplete(Event):
    """The end of a ``CoreShowChannels`` list (``ListItems``). Since Asterisk 18.26.0."""

    int_headers = ("ListItems",)


class DBGetComplete(Event):
    """The end of a ``DBGet`` answer."""

    int_headers = ("ListItems",)


class DBGetResponse(Event):
    """The value in the answer to ``DBGet`` (``Family``, ``Key``, ``Val``)."""


class DBGetTreeComplete(Event):
    """The end of a ``DBGetTree`` list."""

    int_headers = ("ListItems",)


class DBGetTreeResponse(Event):
    """One entry in the answer to ``DBGetTree`` (``Key`` is the full path)."""


class DeadlockStart(Event):
    """Asterisk detected a deadlock (lock debugging builds). Since Asterisk 16.29.0."""


class DeviceStateChange(Event):
    """A device changed state; also the items of ``DeviceStateList``. Since Asterisk 13.0.0."""


class DeviceStateListComplete(Event):
    """The end of a ``DeviceStateList`` list."""

    int_headers = ("ListItems",)


class Dial(Event):
    """A dial began or ended (Asterisk 11 and older; ``SubEvent: Begin``/``End``).

    Asterisk 12 split it into ``DialBegin`` and ``DialEnd``.
    """


class DialBegin(Event):
    """A dial began (``DestChannel``, ``DialString``). Since Asterisk 12.0.0."""

    int_headers = (*_CHANNEL, *_snapshot("Dest"))


class DialEnd(Event):
    """A dial ended (``DialStatus``). Since Asterisk 12.0.0."""

    int_headers = (*_CHANNEL, *_snapshot("Dest"))


class DialState(Event):
    """A dial's state changed (ringing, progress, ...). Since Asterisk 14.0.0."""

    int_headers = (*_CHANNEL, *_snapshot("Dest"))


class DTMF(Event):
    """A DTMF digit (Asterisk 11 and older; ``Begin``/``End`` say which edge).

    Asterisk 12 split it into ``DTMFBegin`` and ``DTMFEnd``.
    """

    bool_headers = ("Begin", "End")


class DTMFBegin(Event):
    """A DTMF digit started on a channel. Since Asterisk 16.24.0."""

    int_headers = _CHANNEL


class DTMFEnd(Event):
    """A DTMF digit ended on a channel (``DurationMs``). Since Asterisk 16.24.0."""

    int_headers = (*_CHANNEL, "DurationMs")


class ExtensionStateListComplete(Event):
    """The end of an ``ExtensionStateList`` list."""

    int_headers = ("ListItems",)


class ExtensionStatus(Event):
    """An extension's hint state changed; also the items of ``ExtensionStateList``. Since
    Asterisk 18.26.0.
    """

    int_headers = ("Status",)


class FailedACL(Event):
    """Security: a request was refused by an ACL. Since Asterisk 12.1.0."""

    int_headers = ("EventVersion",)
    time_headers = ("EventTV", "SessionTV")


class FAXSession(Event):
    """The answer to ``FAXSession``: one FAX session in detail. Since Asterisk 13.0.0."""

    int_headers = ("PageNumber", "PagesTransmitted", "PagesReceived", "TotalBadLines")


class FAXSessionsComplete(Event):
    """The end of a ``FAXSessions`` list (``Total``). Since Asterisk 13.0.0."""

    int_headers = ("Total",)


class FAXSessionsEntry(Event):
    """One FAX session in the answer to ``FAXSessions``. Since Asterisk 13.0.0."""


class FAXStats(Event):
    """The answer to ``FAXStats``: FAX statistics. Since Asterisk 13.0.0."""

    int_headers = (
        "CurrentSessions",
        "ReservedSessions",
        "TransmitAttempts",
        "ReceiveAttempts",
        "CompletedFAXes",
        "FailedFAXes",
    )


class FAXStatus(Event):
    """A FAX transmission's status changed. Since Asterisk 12.0.0."""

    int_headers = _CHANNEL


class Flash(Event):
    """A hook flash arrived on a channel. Since Asterisk 16.24.0."""

    int_headers = _CHANNEL


class FullyBooted(Event):
    """Asterisk has finished starting; sent after login to users with ``system`` read. Since
    Asterisk 12.0.0.
    """

    int_headers = ("Uptime", "LastReload")


class Hangup(Event):
    """A channel hung up (``Cause``, ``Cause-txt``). Since Asterisk 12.0.0."""

    int_headers = (*_CHANNEL, "Cause")


class HangupHandlerPop(Event):
    """A hangup handler was removed from a channel. Since Asterisk 12.0.0."""

    int_headers = _CHANNEL


class HangupHandlerPush(Event):
    """A hangup handler was added to a channel. Since Asterisk 12.0.0."""

    int_headers = _CHANNEL


class HangupHandlerRun(Event):
    """A channel runs its hangup handler. Since Asterisk 12.0.0."""

    int_headers = _CHANNEL


class HangupRequest(Event):
    """A hangup was requested on a channel. Since Asterisk 12.0.0."""

    int_headers = (*_CHANNEL, "Cause")


class Hold(Event):
    """A channel was put on hold. Since Asterisk 12.0.0."""

    int_headers = _CHANNEL


class InvalidAccountID(Event):
    """Security: a request named an unknown account. Since Asterisk 12.1.0."""

    int_headers = ("EventVersion",)
    time_headers = ("EventTV", "SessionTV")


class InvalidPassword(Event):
    """Security: a request gave a wrong password. Since Asterisk 12.1.0."""

    int_headers = ("EventVersion",)
    time_headers = ("EventTV", "SessionTV")


class InvalidTransport(Event):
    """Security: a request came over a transport not allowed. Since Asterisk 12.1.0."""

    int_headers = ("EventVersion",)
    time_headers = ("EventTV", "SessionTV")


class Join(Event):
    """A caller joined a queue (Asterisk 11 and older).

    Asterisk 12 renamed it ``QueueCallerJoin``.
    """

    int_headers = ("Position", "Count")


class Leave(Event):
    """A caller left a queue (Asterisk 11 and older).

    Asterisk 12 renamed it ``QueueCallerLeave``.
    """

    int_headers = ("Position", "Count")


class ListDialplan(Event):
    """One dialplan step in the answer to ``ShowDialPlan``."""

    int_headers = ("Priority",)


class Load(Event):
    """A module was loaded. Since Asterisk 16.0.0."""


class LoadAverageLimit(Event):
    """Security: a request was refused because the load average is too high. Since Asterisk
    12.1.0.
    """

    int_headers = ("EventVersion",)
    time_headers = ("EventTV", "SessionTV")


class LocalBridge(Event):
    """The two halves of a Local channel were bridged. Since Asterisk 12.0.0."""

    int_headers = (*_snapshot("LocalOne"), *_snapshot("LocalTwo"))
    bool_headers = ("LocalOptimization",)


class LocalOptimizationBegin(Event):
    """A Local channel pair began optimizing itself away. Since Asterisk 12.0.0."""

    int_headers = (*_snapshot("LocalOne"), *_snapshot("LocalTwo"), *_snapshot("Source"))


class LocalOptimizationEnd(Event):
    """A Local channel pair finished optimizing itself away (``Success``). Since Asterisk
    12.0.0.
    """

    int_headers = (*_snapshot("LocalOne"), *_snapshot("LocalTwo"))
    bool_headers = ("Success",)


class LogChannel(Event):
    """A logger channel was enabled or disabled. Since Asterisk 16.24.0."""


class Masquerade(Event):
    """A channel was masqueraded into another (Asterisk 11 and older).

    Removed in Asterisk 12.
    """


class MCID(Event):
    """A Malicious Call ID request was received. Since Asterisk 12.0.0."""

    int_headers = _CHANNEL


class MemoryLimit(Event):
    """Security: a request was refused for lack of memory. Since Asterisk 12.1.0."""

    int_headers = ("EventVersion",)
    time_headers = ("EventTV", "SessionTV")


class MessageWaiting(Event):
    """A mailbox's message counts changed (``Waiting``, ``New``, ``Old``). Since Asterisk
    16.24.0.
    """

    int_headers = (*_CHANNEL, "Waiting", "New", "Old")


class MiniVoiceMail(Event):
    """MinivmNotify sent a notification. Since Asterisk 12.0.0."""

    int_headers = _CHANNEL


class MixMonitorMute(Event):
    """A MixMonitor recording was muted or unmuted. Since Asterisk 16.17.0."""

    int_headers = _CHANNEL


class MixMonitorStart(Event):
    """A MixMonitor recording started. Since Asterisk 16.17.0."""

    int_headers = _CHANNEL


class MixMonitorStop(Event):
    """A MixMonitor recording stopped. Since Asterisk 16.17.0."""

    int_headers = _CHANNEL


class MonitorStart(Event):
    """A Monitor recording started (app_monitor).

    app_monitor was removed in Asterisk 21: MixMonitor sends ``MixMonitorStart``.
    """

    int_headers = _CHANNEL


class MonitorStop(Event):
    """A Monitor recording stopped (app_monitor).

    Asterisk 21+: ``MixMonitorStop``.
    """

    int_headers = _CHANNEL


class MusicOnHoldStart(Event):
    """A channel started hearing music on hold (``Class``). Since Asterisk 12.0.0."""

    int_headers = _CHANNEL


class MusicOnHoldStop(Event):
    """A channel stopped hearing music on hold. Since Asterisk 12.0.0."""

    int_headers = _CHANNEL


class MWIGet(Event):
    """One mailbox in the answer to ``MWIGet``. Since Asterisk 12.1.0."""

    int_headers = ("OldMessages", "NewMessages")


class MWIGetComplete(Event):
    """The end of an ``MWIGet`` list. Since Asterisk 12.1.0."""

    int_headers = ("ListItems",)


class NewAccountCode(Event):
    """A channel's account code changed. Since Asterisk 12.0.0."""

    int_headers = _CHANNEL


class NewCallerid(Event):
    """A channel's caller ID changed. Since Asterisk 12.0.0."""

    int_headers = _CHANNEL


class Newchannel(Event):
    """A channel was created. Since Asterisk 12.0.0."""

    int_headers = _CHANNEL


class NewConnectedLine(Event):
    """A channel's connected line changed. Since Asterisk 13.13.0."""

    int_headers = _CHANNEL


class Newexten(Event):
    """A channel moved to a new dialplan step (``Extension``, ``Application``, ``AppData``).
    Since Asterisk 12.0.0.
    """

    int_headers = _CHANNEL


class Newstate(Event):
    """A channel changed state (``ChannelState``, ``ChannelStateDesc``). Since Asterisk
    12.0.0.
    """

    int_headers = _CHANNEL


class OriginateResponse(Event):
    """The outcome of an asynchronous Originate (``Response: Success``/``Failure``). Since
    Asterisk 18.26.0.
    """

    int_headers = ("Reason",)


class ParkedCall(Event):
    """A channel was parked; also the items of ``ParkedCalls``. Since Asterisk 12.0.0."""

    int_headers = (*_snapshot("Parkee"), "ParkingTimeout", "ParkingDuration")


class ParkedCallGiveUp(Event):
    """A parked caller hung up. Since Asterisk 12.0.0."""

    int_headers = (*_snapshot("Parkee"), *_snapshot("Parker"), "ParkingTimeout", "ParkingDuration")


class ParkedCallsComplete(Event):
    """The end of a ``ParkedCalls`` list."""

    int_headers = ("ListItems", "Total")


class ParkedCallSwap(Event):
    """A parked call was swapped for another channel. Since Asterisk 13.5.0."""

    int_headers = (*_snapshot("Parkee"), *_snapshot("Parker"), "ParkingTimeout", "ParkingDuration")


class ParkedCallTimeOut(Event):
    """A parked call timed out. Since Asterisk 12.0.0."""

    int_headers = (*_snapshot("Parkee"), *_snapshot("Parker"), "ParkingTimeout", "ParkingDuration")


class Parkinglot(Event):
    """One parking lot in the answer to ``Parkinglots``."""

    int_headers = ("StartSpace", "StopSpace", "Timeout")


class ParkinglotsComplete(Event):
    """The end of a ``Parkinglots`` list."""

    int_headers = ("ListItems",)


class PeerEntry(Event):
    """One peer in the answer to ``SIPpeers`` or ``IAXpeerlist`` (chan_sip, chan_iax2).

    chan_sip was removed in Asterisk 21; PJSIP's ``PJSIPShowEndpoints`` gives
    ``EndpointList`` events.
    """

    int_headers = ("IPport",)
    bool_headers = ("Dynamic",)


class PeerlistComplete(Event):
    """The end of a ``SIPpeers`` or ``IAXpeerlist`` list."""

    int_headers = ("ListItems",)


class PeerStatus(Event):
    """A peer's registration or reachability changed. Since Asterisk 12.0.0."""

    int_headers = ("Cause", "Port")


class Pickup(Event):
    """A call was picked up. Since Asterisk 12.0.0."""

    int_headers = (*_CHANNEL, *_snapshot("Target"))


class PresenceStateChange(Event):
    """A presence state changed; also the items of ``PresenceStateList``. Since Asterisk
    13.0.0.
    """


class PresenceStateListComplete(Event):
    """The end of a ``PresenceStateList`` list."""

    int_headers = ("ListItems",)


class PresenceStatus(Event):
    """The answer to ``PresenceState`` on an extension hint. Since Asterisk 18.26.0."""


class QueueCallerAbandon(Event):
    """A caller left a queue before being answered. Since Asterisk 12.0.0."""

    int_headers = (*_CHANNEL, "Position", "OriginalPosition", "HoldTime")


class QueueCallerJoin(Event):
    """A caller joined a queue (``Position``, ``Count``). Since Asterisk 12.0.0."""

    int_headers = (*_CHANNEL, "Position", "Count")


class QueueCallerLeave(Event):
    """A caller left a queue. Since Asterisk 12.0.0."""

    int_headers = (*_CHANNEL, "Count", "Position")


class QueueEntry(Event):
    """One waiting caller in the answer to ``QueueStatus``. Since Asterisk 16.24.0."""

    int_headers = ("Position", "Priority")


class QueueMember(Event):
    """One member in the answer to ``QueueStatus``."""

    int_headers = ("Penalty", "CallsTaken", "Status", "Wrapuptime")
    bool_headers = ("InCall", "Paused")
    time_headers = ("LastCall", "LastPause", "LoginTime")


class QueueMemberAdded(Event):
    """A member was added to a queue. Since Asterisk 12.0.0."""

    int_headers = ("Penalty", "CallsTaken", "Status", "Wrapuptime")
    bool_headers = ("InCall", "Paused", "Ringinuse")
    time_headers = ("LastCall", "LastPause", "LoginTime")


class QueueMemberPause(Event):
    """A queue member was paused or unpaused. Since Asterisk 12.2.0."""

    int_headers = ("Penalty", "CallsTaken", "Status", "Wrapuptime")
    bool_headers = ("InCall", "Paused", "Ringinuse")
    time_headers = ("LastCall", "LastPause", "LoginTime")


class QueueMemberPaused(Event):
    """A queue member was paused or unpaused (Asterisk 11 and older).

    Asterisk 12 renamed it ``QueueMemberPause``.
    """

    int_headers = ("Penalty", "CallsTaken", "Status")
    bool_headers = ("Paused",)
    time_headers = ("LastCall",)


class QueueMemberPenalty(Event):
    """A queue member's penalty changed. Since Asterisk 12.0.0."""

    int_headers = ("Penalty", "CallsTaken", "Status", "Wrapuptime")
    bool_headers = ("InCall", "Paused", "Ringinuse")
    time_headers = ("LastCall", "LastPause", "LoginTime")


class QueueMemberRemoved(Event):
    """A member was removed from a queue. Since Asterisk 12.0.0."""

    int_headers = ("Penalty", "CallsTaken", "Status", "Wrapuptime")
    bool_headers = ("InCall", "Paused", "Ringinuse")
    time_headers = ("LastCall", "LastPause", "LoginTime")


class QueueMemberRinginuse(Event):
    """A queue member's ringinuse setting changed. Since Asterisk 12.0.0."""

    int_headers = ("Penalty", "CallsTaken", "Status", "Wrapuptime")
    bool_headers = ("InCall", "Paused", "Ringinuse")
    time_headers = ("LastCall", "LastPause", "LoginTime")


class QueueMemberStatus(Event):
    """A queue member's state changed. Since Asterisk 12.0.0."""

    int_headers = ("Penalty", "CallsTaken", "Status", "Wrapuptime")
    bool_headers = ("InCall", "Paused", "Ringinuse")
    time_headers = ("LastCall", "LastPause", "LoginTime")


class QueueParams(Event):
    """One queue's parameters in the answer to ``QueueStatus``. Since Asterisk 16.24.0."""

    int_headers = ("Max", "Calls", "Holdtime", "TalkTime", "Completed", "Abandoned")
    float_headers = ("ServiceLevelPerf", "ServiceLevelPerf2")


class QueueStatusComplete(Event):
    """The end of a ``QueueStatus`` list."""

    int_headers = ("ListItems",)


class QueueSummary(Event):
    """One queue in the answer to ``QueueSummary``."""

    int_headers = ("LoggedIn", "Available", "Callers", "HoldTime", "TalkTime", "LongestHoldTime")


class QueueSummaryComplete(Event):
    """The end of a ``QueueSummary`` list."""

    int_headers = ("ListItems",)


class ReceiveFAX(Event):
    """A FAX was received. Since Asterisk 12.0.0."""

    int_headers = (*_CHANNEL, "PagesTransferred")


class RegistrationsComplete(Event):
    """The end of a ``SIPshowregistry`` or ``IAXregistry`` list."""

    int_headers = ("ListItems",)


class Registry(Event):
    """An outbound registration changed state. Since Asterisk 12.0.0."""


class RegistryEntry(Event):
    """One registration in the answer to ``SIPshowregistry`` or ``IAXregistry``.

    PJSIP's ``PJSIPShowRegistrationsOutbound`` gives ``OutboundRegistrationDetail`` events.
    """

    int_headers = ("Port", "DomainPort", "Refresh")
    time_headers = ("RegistrationTime",)


class Reload(Event):
    """A module was reloaded. Since Asterisk 12.0.0."""


class Rename(Event):
    """A channel was renamed (documented without headers). Since Asterisk 16.24.0."""


class RequestBadFormat(Event):
    """Security: a request was malformed (an unknown action, for example). Since Asterisk
    12.1.0.
    """

    int_headers = ("EventVersion",)
    time_headers = ("EventTV", "SessionTV")


class RequestNotAllowed(Event):
    """Security: a request was not allowed. Since Asterisk 12.1.0."""

    int_headers = ("EventVersion",)
    time_headers = ("EventTV", "SessionTV")


class RequestNotSupported(Event):
    """Security: a request is not supported. Since Asterisk 12.1.0."""

    int_headers = ("EventVersion",)
    time_headers = ("EventTV", "SessionTV")


class RTCPReceived(Event):
    """An RTCP report was received. Since Asterisk 12.0.0."""

    int_headers = (*_CHANNEL, "PT", "ReportCount", "SentRTP", "SentPackets", "SentOctets")
    float_headers = ("RTT", "SentNTP")


class RTCPSent(Event):
    """An RTCP report was sent. Since Asterisk 12.0.0."""

    int_headers = (*_CHANNEL, "PT", "ReportCount", "SentRTP", "SentPackets", "SentOctets")
    float_headers = ("SentNTP",)


class SendFAX(Event):
    """A FAX was sent. Since Asterisk 12.0.0."""

    int_headers = (*_CHANNEL, "PagesTransferred")


class SessionLimit(Event):
    """Security: a request was refused: too many sessions. Since Asterisk 12.1.0."""

    int_headers = ("EventVersion",)
    time_headers = ("EventTV", "SessionTV")


class ShowDialPlanComplete(Event):
    """The end of a ``ShowDialPlan`` list."""

    int_headers = ("ListItems", "ListExtensions", "ListPriorities", "ListContexts")


class Shutdown(Event):
    """Asterisk is shutting down (``Shutdown: Cleanly``/``Uncleanly``, ``Restart``). Since
    Asterisk 12.0.0.
    """

    bool_headers = ("Restart",)


class SIPpeerstatusComplete(Event):
    """The end of a ``SIPpeerstatus`` list (chan_sip)."""

    int_headers = ("ListItems",)


class SoftHangupRequest(Event):
    """A soft hangup was requested on a channel. Since Asterisk 12.0.0."""

    int_headers = (*_CHANNEL, "Cause")


class Status(Event):
    """One channel in the answer to ``Status``. Since Asterisk 18.26.0."""

    int_headers = (*_CHANNEL, "TimeToHangup", "Seconds")


class StatusComplete(Event):
    """The end of a ``Status`` list (``Items``/``ListItems``). Since Asterisk 18.26.0."""

    int_headers = ("Items",)


class SuccessfulAuth(Event):
    """Security: a session authenticated. Since Asterisk 12.1.0."""

    int_headers = ("EventVersion",)
    bool_headers = ("UsingPassword",)
    time_headers = ("EventTV", "SessionTV")


class UnexpectedAddress(Event):
    """Security: a request came from an unexpected address. Since Asterisk 12.1.0."""

    int_headers = ("EventVersion",)
    time_headers = ("EventTV", "SessionTV")


class Unhold(Event):
    """A channel was taken off hold. Since Asterisk 12.0.0."""

    int_headers = _CHANNEL


class Unload(Event):
    """A module was unloaded. Since Asterisk 16.0.0."""


class UnParkedCall(Event):
    """A parked call was retrieved. Since Asterisk 12.0.0."""

    int_headers = (
        *_snapshot("Parkee"),
        *_snapshot("Parker"),
        *_snapshot("Retriever"),
        "ParkingTimeout",
        "ParkingDuration",
    )


class UserEvent(Event):
    """A user-defined event (``UserEvent`` names it; the other headers are the sender's).
    Since Asterisk 12.3.0.
    """

    int_headers = _CHANNEL
    free_form_headers = True  # the sender wrote these header names


class VarSet(Event):
    """A channel or global variable was set (``Variable``, ``Value``). Since Asterisk 12.0.0."""

    int_headers = _CHANNEL


class VoicemailBoxDetail(Event):
    """One message in the answer to ``VoicemailBoxSummary``."""

    int_headers = ("Duration",)


class VoicemailBoxDetailComplete(Event):
    """The end of a ``VoicemailBoxSummary`` list."""

    int_headers = ("ListItems",)


class VoicemailPasswordChange(Event):
    """A voicemail password was changed. Since Asterisk 18.21.0."""


class VoicemailUserDetail(Event):
    """The mailbox in the answer to ``VoicemailUserStatus``."""

    int_headers = (
        "SayDurationMinimum",
        "MaxMessageCount",
        "MaxMessageLength",
        "NewMessageCount",
        "OldMessageCount",
    )
    float_headers = ("VolumeGain",)
    bool_headers = (
        "SayEnvelope",
        "SayCID",
        "AttachMessage",
        "DeleteMessage",
        "CanReview",
        "CanMarkUrgent",
        "CallOperator",
    )


class VoicemailUserDetailComplete(Event):
    """The end of a ``VoicemailUserStatus`` answer."""

    int_headers = ("ListItems",)


class VoicemailUserEntry(Event):
    """One mailbox in the answer to ``VoicemailUsersList``."""

    int_headers = (
        "SayDurationMinimum",
        "MaxMessageCount",
        "MaxMessageLength",
        "NewMessageCount",
        "OldMessageCount",
    )
    float_headers = ("VolumeGain",)
    bool_headers = (
        "SayEnvelope",
        "SayCID",
        "AttachMessage",
        "DeleteMessage",
        "CanReview",
        "CanMarkUrgent",
        "CallOperator",
    )


class VoicemailUserEntryComplete(Event):
    """The end of a ``VoicemailUsersList`` list."""

    int_headers = ("ListItems",)


class Wink(Event):
    """A wink arrived on a channel. Since Asterisk 16.24.0."""

    int_headers = _CHANNEL


class CoreShowChannels_Aggregate(Aggregate):
    """Every ``CoreShowChannel`` of one list, sent when ``CoreShowChannelsComplete`` arrives."""


class ParkedCalls_Aggregate(Aggregate):
    """Every ``ParkedCall`` of one list, sent when ``ParkedCallsComplete`` arrives."""


class QueueStatus_Aggregate(Aggregate):
    """Every ``QueueParams``, ``QueueMember`` and ``QueueEntry`` of one ``QueueStatus``."""


class QueueSummary_Aggregate(Aggregate):
    """Every ``QueueSummary`` event of one list."""


class SIPpeers_Aggregate(Aggregate):
    """Every ``PeerEntry`` of one ``SIPpeers`` list (chan_sip)."""


class SIPshowregistry_Aggregate(Aggregate):
    """Every ``RegistryEntry`` of one ``SIPshowregistry`` list (chan_sip)."""


class Status_Aggregate(Aggregate):
    """Every ``Status`` event of one list, sent when ``StatusComplete`` arrives."""


class VoicemailUsersList_Aggregate(Aggregate):
    """Every ``VoicemailUserEntry`` of one ``VoicemailUsersList``."""


#: Asterisk 12+ spells it ``NewExten``; the registry ignores case, so both names are
#: this one class (``Newexten`` is the pystrix 1.x name).
NewExten = Newexten

#: pystrix 1.x programs import the base classes from here.
_Event = Event
_Aggregate = Aggregate
