"""Simulated channels: Local channel pairs running the recorded ``test`` dialplan.

:class:`Pbx` owns the channels, the global variables and the calls in progress, and emits
the events a real Asterisk 22 emits for them, in the recorded order (transcripts 07, 08, 09,
10, 15 and 22).  It does no locking and no I/O: the simulator calls it with its lock held,
passes an ``emit`` function that delivers events, and a ``schedule`` function (already
scaled by ``time_scale`` and taking the lock) for the steps that take time.
"""

from __future__ import annotations

import itertools
import re
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from ._scheduler import TimerHandle

__all__ = [
    "DEFAULT_DIALPLAN",
    "Channel",
    "LocalCall",
    "OriginateRequest",
    "Pbx",
]

Headers = list[tuple[str, str]]
Emit = Callable[[str, str, Headers], None]
Schedule = Callable[[float, Callable[[], None]], TimerHandle]

#: The dialplan of the recordings: context -> extension -> (application, data) per priority.
DEFAULT_DIALPLAN: dict[str, dict[str, list[tuple[str, str]]]] = {
    "test": {
        "100": [("Answer", ""), ("Wait", "2"), ("Hangup", "")],
        "200": [
            ("Answer", ""),
            ("Set", "FOO=bar"),
            ("UserEvent", "TestEvent,Key1: v1,Key2: v2"),
            ("Wait", "2"),
            ("Hangup", ""),
        ],
        "300": [("AGI", "agi://127.0.0.1:4573/hello"), ("Hangup", "")],
        "400": [("Answer", ""), ("Echo", "")],
        "500": [("Answer", ""), ("Wait", "30"), ("Hangup", "")],
        "600": [("Wait", "20"), ("Hangup", "")],
    }
}

STATE_DESC = {0: "Down", 4: "Ring", 5: "Ringing", 6: "Up"}
CAUSE_TEXT = {
    0: "Unknown",
    1: "Unallocated (unassigned) number",
    16: "Normal Clearing",
    17: "User busy",
    19: "User alerting, no answer",
    21: "Call Rejected",
}
# Answer() on a ringing Local channel waits this long before the next priority (recorded).
ANSWER_DELAY = 0.5
# Applications that keep a channel busy until the other side hangs up.
_ENDLESS = frozenset({"echo", "musiconhold", "confbridge", "queue", "park", "milliwatt"})
_LOCAL = re.compile(r"Local/([^@/]+)@([^/]+)(?:/.*)?", re.IGNORECASE)
_FUNCTION = re.compile(r"([A-Za-z_]+)\((.*)\)")


@dataclass(eq=False)
class Channel:
    """One simulated channel (a half of a Local pair)."""

    name: str
    uniqueid: str
    linkedid: str
    context: str
    exten: str
    index: int
    state: int = 0
    priority: int = 1
    application: str = ""
    app_data: str = ""
    variables: dict[str, str] = field(default_factory=dict)
    created: float = field(default_factory=time.monotonic)
    call: LocalCall | None = None

    @property
    def state_desc(self) -> str:
        """``Down``, ``Ring``, ``Up``..."""
        return STATE_DESC.get(self.state, "Unknown")

    def headers(self, prefix: str = "") -> Headers:
        """The standard channel snapshot headers, optionally prefixed (``Dest``...)."""
        return [
            (prefix + "Channel", self.name),
            (prefix + "ChannelState", str(self.state)),
            (prefix + "ChannelStateDesc", self.state_desc),
            (prefix + "CallerIDNum", "<unknown>"),
            (prefix + "CallerIDName", "<unknown>"),
            (prefix + "ConnectedLineNum", "<unknown>"),
            (prefix + "ConnectedLineName", "<unknown>"),
            (prefix + "Language", "en"),
            (prefix + "AccountCode", ""),
            (prefix + "Context", self.context),
            (prefix + "Exten", self.exten),
            (prefix + "Priority", str(self.priority)),
            (prefix + "Uniqueid", self.uniqueid),
            (prefix + "Linkedid", self.linkedid),
        ]


@dataclass
class OriginateRequest:
    """What an ``Originate`` action asked for."""

    channel: str
    application: str | None = None
    data: str = ""
    context: str = ""
    exten: str = ""
    priority: int = 1
    timeout: float = 30.0
    variables: list[tuple[str, str]] = field(default_factory=list)
    action_id: str | None = None
    is_async: bool = False
    caller_id_num: str = "<unknown>"
    caller_id_name: str = "<unknown>"


class LocalCall:
    """A Local channel pair created by Originate; ``outcome`` is set once it answers or fails."""

    def __init__(self, request: OriginateRequest, device: str) -> None:
        self.request = request
        self.device = device
        self.one: Channel | None = None
        self.two: Channel | None = None
        self.answered = False
        self.ended = False
        #: True once answered, False once failed; ``outcome`` is set either way.
        self.success: bool | None = None
        self.outcome = threading.Event()
        self.timers: list[TimerHandle] = []

    def cancel_timers(self) -> None:
        """Cancel every pending step of this call."""
        for timer in self.timers:
            timer.cancel()
        self.timers.clear()


class Pbx:
    """Channels, calls and global variables, with the events they cause."""

    def __init__(
        self,
        emit: Emit,
        schedule: Schedule,
        dialplan: dict[str, dict[str, list[tuple[str, str]]]] | None = None,
    ) -> None:
        self._emit = emit
        self._schedule = schedule
        self.dialplan = DEFAULT_DIALPLAN if dialplan is None else dialplan
        self.channels: dict[str, Channel] = {}
        self.globals: dict[str, str] = {}
        self.calls: list[LocalCall] = []
        self.calls_processed = 0
        self._local_ids = itertools.count()
        self._unique_ids = itertools.count()
        self._channel_index = itertools.count()
        self._device_use: Counter[str] = Counter()
        #: Reads a ``DB(family/key)`` value; the simulator plugs its AstDB in.
        self.db_get: Callable[[str], str | None] = lambda path: None
        #: AsyncAGI hooks (``pystrix.testing.agi``): a channel runs ``AGI(agi:async)``,
        #: and a channel hangs up.
        self.on_async_agi: Callable[[Channel], None] = lambda channel: None
        self.on_channel_gone: Callable[[Channel], None] = lambda channel: None

    # -- queries -----------------------------------------------------------------------

    def find(self, name: str) -> Channel | None:
        """The live channel called ``name`` (case-insensitive), or ``None``."""
        channel = self.channels.get(name)
        if channel is None:
            lowered = name.lower()
            for candidate in self.channels.values():
                if candidate.name.lower() == lowered:
                    return candidate
        return channel

    def listing(self) -> list[Channel]:
        """Live channels in the order Asterisk lists them (;2 halves first, newest first)."""
        return sorted(self.channels.values(), key=lambda c: (c.name.endswith(";1"), -c.index))

    def active_calls(self) -> int:
        """Calls in progress (one per Local pair)."""
        return sum(1 for call in self.calls if not call.ended)

    # -- variables ---------------------------------------------------------------------

    def get_var(self, channel: Channel | None, name: str) -> str | None:
        """A variable or function value; channel variables shadow globals."""
        match = _FUNCTION.fullmatch(name)
        if match:
            return self._function(channel, match.group(1).upper(), match.group(2))
        if channel is not None and name in channel.variables:
            return channel.variables[name]
        return self.globals.get(name)

    def _function(self, channel: Channel | None, function: str, argument: str) -> str | None:
        if function == "GLOBAL":
            return self.globals.get(argument)
        if function == "DB":
            return self.db_get("/" + argument.strip("/"))
        if function == "CHANNEL" and channel is not None:
            values = {
                "state": channel.state_desc,
                "name": channel.name,
                "uniqueid": channel.uniqueid,
                "linkedid": channel.linkedid,
                "context": channel.context,
                "exten": channel.exten,
                "language": "en",
                "channeltype": "Local",
            }
            return values.get(argument.lower())
        return None

    def set_var(self, channel: Channel | None, name: str, value: str) -> None:
        """Set a channel or (without a channel) global variable; emits VarSet."""
        match = _FUNCTION.fullmatch(name)
        if match and match.group(1).upper() == "GLOBAL":
            channel, name = None, match.group(2)
        if channel is None:
            self.globals[name] = value
            headers = [("Channel", "none"), ("Uniqueid", "none")]
        else:
            channel.variables[name] = value
            headers = channel.headers()
        self._emit("VarSet", "dialplan", [*headers, ("Variable", name), ("Value", value)])

    # -- originate ---------------------------------------------------------------------

    def originate(self, request: OriginateRequest) -> LocalCall:
        """Start a call; its ``outcome`` is set once it answers or fails."""
        match = _LOCAL.fullmatch(request.channel)
        if match is None:
            # Only Local channels exist here: fail the way an unreachable device does.
            call = LocalCall(request, request.channel)
            call.ended = True
            call.success = False
            if request.is_async:
                self._originate_response(call, "Failure", request.channel, 0, "<unknown>")
            call.outcome.set()
            return call
        exten, context = match.group(1), match.group(2)
        call = LocalCall(request, f"Local/{exten}@{context}")
        base = f"Local/{exten}@{context}-{next(self._local_ids):08x}"
        one = self._new_channel(base + ";1", context, exten, 0, None, call)
        two = self._new_channel(base + ";2", context, exten, 4, one.linkedid, call)
        call.one, call.two = one, two
        self.calls.append(call)
        self._emit("Newchannel", "call", one.headers())
        self._emit("Newchannel", "call", two.headers())
        one.application, one.app_data = "AppDial2", "(Outgoing Line)"
        self._newexten(one)
        for side in (one, two):
            for name, value in request.variables:
                side.variables[name] = value
                self._emit(
                    "VarSet", "dialplan", [*side.headers(), ("Variable", name), ("Value", value)]
                )
        if exten not in self.dialplan.get(context, {}):
            self._hangup_event(two, 0)
            self._hangup_event(one, 0)
            self._fail(call, reason=0, device_state="INVALID")
            return call
        self._emit(
            "LocalBridge",
            "call",
            [
                *one.headers("LocalOne"),
                *two.headers("LocalTwo"),
                ("Context", context),
                ("Exten", exten),
                ("LocalOptimization", "Yes"),
            ],
        )
        self._emit(
            "DialBegin", "call", [*one.headers("Dest"), ("DialString", f"{exten}@{context}")]
        )
        self.calls_processed += 1
        call.timers.append(self._schedule(request.timeout, lambda: self._no_answer(call)))
        self._run(two)
        return call

    def _new_channel(
        self,
        name: str,
        context: str,
        exten: str,
        state: int,
        linkedid: str | None,
        call: LocalCall,
    ) -> Channel:
        uniqueid = f"{int(time.time())}.{next(self._unique_ids)}"
        channel = Channel(
            name=name,
            uniqueid=uniqueid,
            linkedid=linkedid or uniqueid,
            context=context,
            exten=exten,
            index=next(self._channel_index),
            state=state,
            call=call,
        )
        self.channels[name] = channel
        return channel

    def _newexten(self, channel: Channel) -> None:
        self._emit(
            "Newexten",
            "dialplan",
            [
                *channel.headers(),
                ("Extension", channel.exten),
                ("Application", channel.application),
                ("AppData", channel.app_data),
            ],
        )

    def _answer(self, call: LocalCall) -> None:
        one, two = call.one, call.two
        assert one is not None and two is not None
        request = call.request
        two.state = 6
        self._emit("Newstate", "call", two.headers())
        if request.is_async:
            self._originate_response(call, "Success", one.name, 4, one.uniqueid)
        one.state = 6
        self._emit("Newstate", "call", one.headers())
        self._emit("DialEnd", "call", [*one.headers("Dest"), ("DialStatus", "ANSWER")])
        self._device_use[call.device] += 1
        self._device_state(call.device, "INUSE")
        call.cancel_timers()
        call.answered = True
        call.success = True
        call.outcome.set()
        if request.application is None:
            # Context/Exten form: the ;1 half runs that dialplan once answered.
            one.context, one.exten, one.priority = request.context, request.exten, request.priority
            call.timers.append(self._schedule(0, lambda: self._run(one)))
            return
        one.application, one.app_data = request.application, request.data
        app = request.application.lower()
        if app == "wait":
            delay = _seconds(request.data)
            call.timers.append(self._schedule(delay, lambda: self._side_ends(one, 0)))
        elif app == "agi" and _is_async_agi(request.data):
            self.on_async_agi(one)  # parked until ASYNCAGI BREAK or a hang-up
        elif app not in _ENDLESS:
            call.timers.append(self._schedule(0, lambda: self._side_ends(one, 16)))

    def _originate_response(
        self, call: LocalCall, response: str, channel: str, reason: int, uniqueid: str
    ) -> None:
        request = call.request
        headers: Headers = []
        if request.action_id:
            headers.append(("ActionID", request.action_id))
        headers += [("Response", response), ("Channel", channel)]
        if request.application is not None:
            headers += [("Application", request.application), ("Data", request.data)]
        else:
            headers += [("Context", request.context), ("Exten", request.exten)]
        headers += [
            ("Reason", str(reason)),
            ("Uniqueid", uniqueid),
            ("CallerIDNum", request.caller_id_num),
            ("CallerIDName", request.caller_id_name),
        ]
        self._emit("OriginateResponse", "call", headers)

    def _device_state(self, device: str, state: str) -> None:
        # Asterisk reports the Local device once per half.
        for _ in range(2):
            self._emit("DeviceStateChange", "call", [("Device", device), ("State", state)])

    # -- dialplan execution ------------------------------------------------------------

    def _run(self, channel: Channel) -> None:
        """Execute priorities from ``channel.priority`` until one takes time or hangs up."""
        call = channel.call
        assert call is not None
        while not call.ended:
            steps = self.dialplan.get(channel.context, {}).get(channel.exten, [])
            if channel.priority > len(steps):
                self._side_ends(channel, 16)
                return
            channel.application, channel.app_data = steps[channel.priority - 1]
            self._newexten(channel)
            delay = self._execute(channel, channel.application, channel.app_data)
            if delay is None or call.ended:
                return
            if delay > 0:
                call.timers.append(self._schedule(delay, lambda: self._advance(channel)))
                return
            channel.priority += 1

    def _advance(self, channel: Channel) -> None:
        channel.priority += 1
        self._run(channel)

    def _execute(self, channel: Channel, application: str, data: str) -> float | None:
        """Run one application; the delay before the next priority, ``None`` to stop."""
        call = channel.call
        assert call is not None
        app = application.lower()
        if app == "answer":
            if channel.state == 6:
                return 0
            if channel is call.two and not call.answered:
                self._answer(call)
            else:
                channel.state = 6
                self._emit("Newstate", "call", channel.headers())
            return ANSWER_DELAY
        if app == "set":
            name, _, value = data.partition("=")
            self.set_var(channel, name.strip(), value)
            return 0
        if app == "userevent":
            name, *items = data.split(",")
            headers = [*channel.headers(), ("UserEvent", name)]
            for item in items:
                key, _, value = item.partition(":")
                headers.append((key.strip(), value.strip()))
            self._emit("UserEvent", "user", headers)
            return 0
        if app == "wait":
            return _seconds(data)
        if app == "hangup":
            self._side_ends(channel, 16)
            return None
        if app == "agi" and _is_async_agi(data):
            self.on_async_agi(channel)
            return None
        if app in _ENDLESS:
            return None
        return 0

    # -- hangups -----------------------------------------------------------------------

    def resume(self, channel: Channel) -> None:
        """The application ``channel`` was running returned (ASYNCAGI BREAK): go on with
        the dialplan, or hang up an originated application's channel as Asterisk does."""
        call = channel.call
        if call is None or call.ended:
            return
        if channel is call.one and call.request.application is not None:
            self._side_ends(channel, 16)
        else:
            self._advance(channel)

    def hangup(self, channel: Channel, cause: int = 0) -> None:
        """Hang up ``channel`` as the ``Hangup`` action does."""
        self._side_ends(channel, cause)

    def _side_ends(self, channel: Channel, cause: int) -> None:
        """One half hangs up; the other follows, in the order Asterisk reports it."""
        call = channel.call
        assert call is not None
        one, two = call.one, call.two
        assert one is not None and two is not None
        if call.ended:
            return
        if channel is one:
            self._emit("HangupRequest", "call", [*two.headers(), ("Cause", str(cause))])
            self._hangup_event(one, cause)
            self._emit("SoftHangupRequest", "call", [*two.headers(), ("Cause", "16")])
            self._hangup_event(two, cause)
        else:
            self._emit("SoftHangupRequest", "call", [*two.headers(), ("Cause", str(cause))])
            self._emit("HangupRequest", "call", [*one.headers(), ("Cause", str(cause))])
            self._hangup_event(two, cause)
            self._hangup_event(one, cause)
        if call.answered:
            self._finish(call)
        else:
            self._fail(call, reason=0, device_state=None)

    def _no_answer(self, call: LocalCall) -> None:
        one, two = call.one, call.two
        assert one is not None and two is not None
        if call.ended or call.answered:
            return
        self._emit("HangupRequest", "call", [*two.headers(), ("Cause", "19")])
        self._hangup_event(one, 19)
        self._emit("SoftHangupRequest", "call", [*two.headers(), ("Cause", "16")])
        self._hangup_event(two, 19)
        self._fail(call, reason=3, device_state=None)

    def _hangup_event(self, channel: Channel, cause: int) -> None:
        self.on_channel_gone(channel)
        self.channels.pop(channel.name, None)
        self._emit(
            "Hangup",
            "call",
            [
                *channel.headers(),
                ("Cause", str(cause)),
                ("Cause-txt", CAUSE_TEXT.get(cause, "Unknown")),
            ],
        )

    def _finish(self, call: LocalCall) -> None:
        call.ended = True
        call.cancel_timers()
        self._device_use[call.device] -= 1
        self._device_state(
            call.device, "INUSE" if self._device_use[call.device] > 0 else "NOT_INUSE"
        )
        self._forget(call)

    def _fail(self, call: LocalCall, reason: int, device_state: str | None) -> None:
        call.ended = True
        call.cancel_timers()
        if call.request.is_async:
            self._originate_response(call, "Failure", call.request.channel, reason, "<unknown>")
        if device_state is None:
            device_state = "INUSE" if self._device_use[call.device] > 0 else "NOT_INUSE"
        self._device_state(call.device, device_state)
        call.success = False
        call.outcome.set()
        self._forget(call)

    def _forget(self, call: LocalCall) -> None:
        for side in (call.one, call.two):
            if side is not None:
                self.channels.pop(side.name, None)
        if call in self.calls:
            self.calls.remove(call)

    def shutdown(self) -> None:
        """Stop every call without events (the simulator is going away)."""
        for call in list(self.calls):
            call.ended = True
            call.cancel_timers()
            if call.success is None:
                call.success = False
            call.outcome.set()
        self.calls.clear()
        self.channels.clear()


def _seconds(text: str) -> float:
    try:
        return max(0.0, float(text.split(",")[0] or 0))
    except ValueError:
        return 0.0


def _is_async_agi(data: str) -> bool:
    return data.strip().lower().startswith("agi:async")
