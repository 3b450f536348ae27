"""AMI actions: pystrix 1.x's core classes and every action of Asterisk 22's core modules.

Each class builds one action; send it with ``Manager.send_action``.  Most are declared as a
list of headers (see :mod:`pystrix.ami.action`): the constructor takes the documented
headers, required ones first, with Python names (``BridgeUniqueid`` is
``bridge_uniqueid``), and ``None`` leaves a header out.  pystrix 1.x classes keep their
1.x parameter names and order; the headers Asterisk has added since are extra optional
parameters at the end.  ``pystrix.ami.catalog`` finds the class of any action by name.

Classes for actions Asterisk has since removed (``Monitor``, the ``SIP*`` actions of
chan_sip, ``SetCDRUserField``) still build the same request for users of those versions;
their documentation names the modern replacement.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Annotated, Any, cast

from .action import CSV, INDEXED, Action
from .errors import ManagerAuthError as ManagerAuthError  # 1.x programs import it from here
from .message import Message
from .request import Request, is_success

#: The only challenge type Asterisk offers.
AUTHTYPE_MD5 = "MD5"

#: ``Events`` masks (pystrix 1.x names): every class, none, or one class.
EVENTMASK_ALL = "on"
EVENTMASK_NONE = "off"
EVENTMASK_CALL = "call"
EVENTMASK_LOG = "log"
EVENTMASK_SYSTEM = "system"

#: ``Monitor`` file formats (pystrix 1.x names).
FORMAT_SLN = "sln"
FORMAT_G723 = "g723"
FORMAT_G729 = "g729"
FORMAT_GSM = "gsm"
FORMAT_ALAW = "alaw"
FORMAT_ULAW = "ulaw"
FORMAT_VOX = "vox"
FORMAT_WAV = "wav"

# ``OriginateResponse``'s ``Reason``: the control frame that ended the dial attempt.
#: The number or channel technology could not be dialled.
ORIGINATE_RESULT_BAD_NUMBER = 0
#: The far end rejected or hung up the call.
ORIGINATE_RESULT_REJECT = 1
#: The local end is ringing.
ORIGINATE_RESULT_RING_LOCAL = 2
#: The remote end is ringing (the call timed out while ringing).
ORIGINATE_RESULT_RING_REMOTE = 3
#: The call was answered.
ORIGINATE_RESULT_ANSWERED = 4
#: The far end was busy.
ORIGINATE_RESULT_BUSY = 5
#: The network was congested or the destination unavailable.
ORIGINATE_RESULT_CONGESTION = 8
#: The number dialled was incomplete.
ORIGINATE_RESULT_INCOMPLETE = 12
#: ``Reason`` values and what they mean.
ORIGINATE_RESULT_MAP = {
    ORIGINATE_RESULT_BAD_NUMBER: "no such number or channel",
    ORIGINATE_RESULT_REJECT: "rejected or hung up",
    ORIGINATE_RESULT_RING_LOCAL: "ringing locally",
    ORIGINATE_RESULT_RING_REMOTE: "ringing, no answer",
    ORIGINATE_RESULT_ANSWERED: "answered",
    ORIGINATE_RESULT_BUSY: "busy",
    ORIGINATE_RESULT_CONGESTION: "congested or not available",
    ORIGINATE_RESULT_INCOMPLETE: "incomplete number",
}

#: What a ``Variable`` parameter takes: a mapping, or ``"NAME=value"`` strings.
Variables = Mapping[str, Any] | Iterable[str]


# -- actions whose constructor computes headers (pystrix 1.x forms) ------------------------


class Events(Action):
    """Choose which event classes this session receives.

    ``mask``: ``True``/``'on'`` for all, ``False``/``'off'`` for none, or classes such as
    ``['call', 'system']`` (a list or a comma-separated string).
    """

    def __init__(self, mask: bool | str | Sequence[str]) -> None:
        Request.__init__(self, "Events")
        if mask is True:
            value = "on"
        elif mask is False:
            value = "off"
        elif isinstance(mask, str):
            value = mask
        else:
            value = ",".join(mask)
        self["EventMask"] = value


class Login(Action):
    """Authenticate, with the secret in plain text or, given ``challenge``, as an MD5 key.

    ``events=False`` logs in with events off.  A refused login raises
    :class:`ManagerAuthError` from ``send_action``.  The secret is kept in the ``secret``
    attribute (never in a header of an MD5 login, never in ``repr``) for reconnecting.
    """

    secret: str

    def __init__(
        self,
        username: str,
        secret: str,
        events: bool = True,
        challenge: str | None = None,
        authtype: str = AUTHTYPE_MD5,
    ) -> None:
        Request.__init__(self, "Login")
        # Kept out of the headers (and out of repr) so that a reconnecting Manager can
        # answer a fresh challenge; an MD5 key is only good for the challenge it answered.
        self.secret = secret
        self["Username"] = username
        if challenge is not None:
            self["AuthType"] = authtype
            self["Key"] = hashlib.md5((challenge + secret).encode("utf-8")).hexdigest()
        else:
            self["Secret"] = secret
        if not events:
            self["Events"] = "off"

    def process_response(self, response: Message) -> Message:
        """Raise :class:`ManagerAuthError` unless the login was accepted."""
        if not is_success(response):
            raise ManagerAuthError(response.get("Message") or "Authentication failed")
        return response


def _variables(variables: Variables) -> list[str]:
    if isinstance(variables, Mapping):
        return [f"{name}={value}" for name, value in variables.items()]
    return [str(item) for item in variables]


def _originate_wait(timeout: int | None, async_: bool) -> float | None:
    """How long ``send_action`` waits for a synchronous Originate (``None``: the default).

    A synchronous originate answers only when the call is answered or fails: ``timeout``
    (milliseconds, 30 s by default in Asterisk) plus 5 s.
    """
    if async_:
        return None
    return (timeout if timeout is not None else 30000) / 1000 + 5


# -- pystrix 1.x result conversions ---------------------------------------------------------
#
# A few pystrix 1.x actions turn values of their response into Python types in
# ``process_response``.  As in 1.x they convert the response itself, so ``send_action``'s
# ``result`` and ``response`` are the same object (as they are for every action): a
# program that read either in 1.x finds the same values.  A copy would cost every Ping
# (the keepalive) an allocation for no 1.x program's benefit.


def _as_int(value: str | None) -> int:
    """``value`` as an ``int``; -1 when absent or not a number (pystrix 1.x's failure value)."""
    if value is None:
        return -1
    try:
        return int(value)
    except ValueError:
        return -1


def _leading_int(value: str | None) -> int:
    """The number that starts ``value`` (``384 kbps``, ``3587 seconds``); -1 if none."""
    words = (value or "").split()
    return _as_int(words[0]) if words else -1


def _received_key(message: Message, name: str) -> str:
    """The header ``name`` as the message spells it (look-ups ignore case), else ``name``."""
    lowered = name.lower()
    for key in message:
        if key.lower() == lowered:
            return key
    return name


def _set_values(response: Message, values: Mapping[str, Any]) -> Message:
    """``response`` with ``values`` set, under the headers' received spellings."""
    # A Message is typed as holding strings; converted results hold other values too.
    target = cast("dict[str, Any]", response)
    for name, value in values.items():
        target[_received_key(response, name)] = value
    return response


class _Originate(Action):
    """Shared headers of the two pystrix 1.x Originate forms.

    ``timeout`` is in milliseconds, as Asterisk and pystrix 1.x take it: how long the
    channel may ring.  A synchronous originate (``async_=False``) answers only when the
    call is answered or fails, so the request waits ``timeout`` plus 5 s for it.
    """

    action_name = "Originate"

    def __init__(
        self,
        channel: str,
        timeout: int | None = None,
        callerid: str | None = None,
        variables: Variables = (),
        account: str | None = None,
        async_: bool = True,
    ) -> None:
        Request.__init__(self, "Originate")
        self["Channel"] = channel
        if timeout is not None:
            self["Timeout"] = int(timeout)
        wait = _originate_wait(timeout, async_)
        if wait is not None:
            self.timeout = wait
        if callerid is not None:
            self["CallerID"] = callerid
        values = _variables(variables)
        if values:
            self["Variable"] = values
        if account is not None:
            self["Account"] = account
        self["Async"] = "true" if async_ else "false"


class Originate_Application(_Originate):
    """Call ``channel`` and, once answered, run ``application`` with ``data``.

    ``data`` is a string or a sequence of arguments (joined with commas).
    """

    catalogued = False

    def __init__(
        self,
        channel: str,
        application: str,
        data: str | Sequence[str] = (),
        timeout: int | None = None,
        callerid: str | None = None,
        variables: Variables = (),
        account: str | None = None,
        async_: bool = True,
    ) -> None:
        super().__init__(channel, timeout, callerid, variables, account, async_)
        self["Application"] = application
        text = data if isinstance(data, str) else ",".join(str(item) for item in data)
        if text:
            self["Data"] = text


class Originate_Context(_Originate):
    """Call ``channel`` and, once answered, send it to ``context``/``extension``/``priority``."""

    catalogued = False

    def __init__(
        self,
        channel: str,
        context: str,
        extension: str,
        priority: int | str,
        timeout: int | None = None,
        callerid: str | None = None,
        variables: Variables = (),
        account: str | None = None,
        async_: bool = True,
    ) -> None:
        super().__init__(channel, timeout, callerid, variables, account, async_)
        self["Context"] = context
        self["Exten"] = extension
        self["Priority"] = priority


class Originate(Action):
    """Originate a call, with every header Asterisk documents.

    Give ``exten``/``context``/``priority`` to send the answered channel into the
    dialplan, or ``application``/``data`` to run one application
    (:class:`Originate_Application` and :class:`Originate_Context` are the pystrix 1.x
    forms).  ``timeout_ms`` is the ``Timeout`` header, in milliseconds (the name
    ``timeout`` is the request's own wait, in seconds); a synchronous originate
    (``async_`` false or left out, as in Asterisk) makes ``send_action`` wait
    ``timeout_ms`` plus 5 s.
    """

    channel: Annotated[str, "Channel"]
    exten: Annotated[str | None, "Exten"] = None
    context: Annotated[str | None, "Context"] = None
    priority: Annotated[int | str | None, "Priority"] = None
    application: Annotated[str | None, "Application"] = None
    data: Annotated[str | None, "Data"] = None
    timeout_ms: Annotated[int | None, "Timeout"] = None
    callerid: Annotated[str | None, "CallerID"] = None
    variables: Annotated[Variables | None, "Variable"] = None
    account: Annotated[str | None, "Account"] = None
    early_media: Annotated[bool | None, "EarlyMedia"] = None
    async_: Annotated[bool | None, "Async"] = None
    codecs: Annotated[str | None, "Codecs"] = None
    channel_id: Annotated[str | None, "ChannelId"] = None
    other_channel_id: Annotated[str | None, "OtherChannelId"] = None
    pre_dial_gosub: Annotated[str | None, "PreDialGoSub"] = None

    def prepare(self) -> None:
        """Make a synchronous originate wait for its answer."""
        timeout = self.get("Timeout")
        async_ = str(self.get("Async", "")).lower() in ("true", "yes", "1", "on")
        wait = _originate_wait(None if timeout is None else int(timeout), async_)
        if wait is not None:
            self.timeout = wait


class MuteAudio(Action):
    """Mute (``muted=True``) or unmute a channel's incoming (``input``) and/or outgoing
    (``output``) audio; Asterisk's ``Direction`` is ``in``, ``out`` or ``all``."""

    def __init__(
        self, channel: str, input: bool = False, output: bool = False, muted: bool = False
    ) -> None:
        Request.__init__(self, "MuteAudio")
        self["Channel"] = channel
        if input and output:
            self["Direction"] = "all"
        elif input:
            self["Direction"] = "in"
        elif output:
            self["Direction"] = "out"
        self["State"] = "on" if muted else "off"


class Park(Action):
    """Park ``channel``; ``channel_callback`` is the channel that gets it back on timeout.

    ``timeout`` is in milliseconds.  ``channel_callback`` is sent as ``TimeoutChannel``
    (Asterisk 12+) and as ``Channel2`` (Asterisk 11 and older), so both understand it.
    """

    def __init__(
        self,
        channel: str,
        channel_callback: str,
        timeout: int | None = None,
        announce_channel: str | None = None,
        parkinglot: str | None = None,
        parking_space: str | None = None,
    ) -> None:
        Request.__init__(self, "Park")
        self["Channel"] = channel
        if channel_callback:
            self["TimeoutChannel"] = channel_callback
            self["Channel2"] = channel_callback
        if timeout is not None:
            self["Timeout"] = int(timeout)
        if announce_channel is not None:
            self["AnnounceChannel"] = announce_channel
        if parkinglot is not None:
            self["Parkinglot"] = parkinglot
        if parking_space is not None:
            self["ParkingSpace"] = parking_space


class UpdateConfig(Action):
    """Change a configuration file: apply ``changes`` to ``src_filename`` and write
    ``dst_filename``, then reload the module that reads it when ``reload`` is true (or a
    module name).

    ``changes`` is a sequence of ``(action, category, variable, value, match)`` tuples
    (trailing items may be left out or ``None``); ``action`` is ``NewCat``, ``RenameCat``,
    ``DelCat``, ``EmptyCat``, ``Update``, ``Delete``, ``Append`` or ``Insert``.  They are
    sent as the numbered ``Action-000000``, ``Cat-000000``, ... headers, in order.
    """

    def __init__(
        self,
        src_filename: str,
        dst_filename: str,
        changes: Iterable[Sequence[Any]],
        reload: bool | str = True,
        preserve_effective_context: bool | None = None,
    ) -> None:
        Request.__init__(self, "UpdateConfig")
        self["SrcFilename"] = src_filename
        self["DstFilename"] = dst_filename
        if reload is True:
            self["Reload"] = "yes"
        elif reload:
            self["Reload"] = reload
        if preserve_effective_context is not None:
            self["PreserveEffectiveContext"] = preserve_effective_context
        names = ("Action", "Cat", "Var", "Value", "Match", "Line", "Options")
        for index, change in enumerate(changes):
            for name, value in zip(names, change, strict=False):
                if value is not None:
                    self[f"{name}-{index:06d}"] = value


class UserEvent(Action):
    """Broadcast a ``UserEvent`` to every session; keyword arguments become its headers.

    ``UserEvent(UserEvent='Name', Key1='v1')``, or the name as the first argument:
    ``UserEvent('Name', Key1='v1')``.  A list value repeats its header.
    """

    def __init__(self, user_event: str | None = None, **kwargs: Any) -> None:
        Request.__init__(self, "UserEvent")
        if user_event is not None:
            self["UserEvent"] = user_event
        for key, value in kwargs.items():
            self[key] = value


# -- removed from Asterisk, kept for the versions that still have them ---------------------


class ChangeMonitor(Action):
    """Change the file name of a ``Monitor`` recording (app_monitor, removed in Asterisk
    21: record with :class:`MixMonitor` instead)."""

    channel: Annotated[str, "Channel"]
    filename: Annotated[str, "File"]


class Monitor(Action):
    """Record a channel to ``filename`` in ``format``, mixing both directions when ``mix``
    (app_monitor, removed in Asterisk 21: use :class:`MixMonitor`)."""

    channel: Annotated[str, "Channel"]
    filename: Annotated[str, "File"]
    format: Annotated[str, "Format"] = FORMAT_WAV
    mix: Annotated[bool, "Mix"] = True


class PauseMonitor(Action):
    """Pause a ``Monitor`` recording (app_monitor, removed in Asterisk 21: use
    :class:`MixMonitorMute`)."""

    channel: Annotated[str, "Channel"]


class UnpauseMonitor(Action):
    """Resume a paused ``Monitor`` recording (app_monitor, removed in Asterisk 21: use
    :class:`MixMonitorMute`)."""

    channel: Annotated[str, "Channel"]


class StopMonitor(Action):
    """Stop a ``Monitor`` recording (app_monitor, removed in Asterisk 21: use
    :class:`StopMixMonitor`)."""

    channel: Annotated[str, "Channel"]


class SetCDRUserField(Action):
    """Set a channel's CDR user field (removed in Asterisk 12: use :class:`Setvar` on
    ``CDR(userfield)``)."""

    channel: Annotated[str, "Channel"]
    user_field: Annotated[str, "UserField"]
    append: Annotated[bool | None, "Append"] = None


class SIPnotify(Action):
    """Send a SIP NOTIFY to a chan_sip peer; ``headers`` become its SIP headers (chan_sip,
    removed in Asterisk 21: use :class:`~pystrix.ami.pjsip.PJSIPNotify`)."""

    channel: Annotated[str, "Channel"]
    headers: Annotated[Variables, "Variable"] = ()


class SIPpeers(Action):
    """List chan_sip peers: ``PeerEntry`` events, then ``PeerlistComplete`` (chan_sip,
    removed in Asterisk 21: use :class:`~pystrix.ami.pjsip.PJSIPShowEndpoints`)."""

    list_events = ("PeerEntry",)
    list_complete = "PeerlistComplete"


class SIPqualify(Action):
    """Qualify a chan_sip peer (removed in Asterisk 21: use
    :class:`~pystrix.ami.pjsip.PJSIPQualify`)."""

    peer: Annotated[str, "Peer"]


class SIPshowpeer(Action):
    """Show one chan_sip peer, in the response's headers (removed in Asterisk 21: use
    :class:`~pystrix.ami.pjsip.PJSIPShowEndpoint`).

    As in pystrix 1.x, the result converts some headers (and sets them when missing):
    ``ACL``, ``Dynamic``, ``MD5SecretExist``, ``SecretExist``, ``SIP-CanReinvite``,
    ``SIP-PromiscRedir``, ``SIP-UserPhone`` and ``SIP-VideoSupport`` become ``bool``
    (chan_sip writes ``Y``/``N``); ``SIP-AuthInsecure`` becomes ``bool`` (false for
    ``no``, true for ``port``, ``invite`` or ``port,invite``); ``Address-Port``,
    ``MaxCallBR`` (``384 kbps``) and ``RegExpire`` (``3587 seconds``) become ``int``,
    -1 when missing or not a number.
    """

    peer: Annotated[str, "Peer"]

    def process_response(self, response: Message) -> Message:
        """The response with the flags as ``bool`` and the numbers as ``int``."""
        values: dict[str, Any] = {
            name: (response.get(name) or "").strip().lower() in ("y", "yes")
            for name in _SIP_PEER_FLAGS
        }
        insecure = (response.get("SIP-AuthInsecure") or "").strip().lower()
        values["SIP-AuthInsecure"] = insecure not in ("", "no")
        values["Address-Port"] = _as_int(response.get("Address-Port"))
        for name in ("MaxCallBR", "RegExpire"):
            values[name] = _leading_int(response.get(name))
        return _set_values(response, values)


#: ``SIPshowpeer``'s ``Y``/``N`` headers that pystrix 1.x turned into booleans.
_SIP_PEER_FLAGS = (
    "ACL",
    "Dynamic",
    "MD5SecretExist",
    "SecretExist",
    "SIP-CanReinvite",
    "SIP-PromiscRedir",
    "SIP-UserPhone",
    "SIP-VideoSupport",
)


class SIPshowregistry(Action):
    """List chan_sip registrations: ``RegistryEntry`` events, then
    ``RegistrationsComplete`` (removed in Asterisk 21: use
    :class:`~pystrix.ami.pjsip.PJSIPShowRegistrationsOutbound`)."""

    list_events = ("RegistryEntry",)
    list_complete = "RegistrationsComplete"


# -- every other action, as Asterisk 22 documents it ----------------------------------------


class AbsoluteTimeout(Action):
    """Set absolute timeout. Since Asterisk 0.5.0."""

    channel: Annotated[str, "Channel"]
    seconds: Annotated[int, "Timeout"] = 0


class AgentLogoff(Action):
    """Log an agent off (app_agent_pool)."""

    agent: Annotated[str, "Agent"]
    soft: Annotated[bool | None, "Soft"] = None


class Agents(Action):
    """List agents and their status: ``Agents`` events (app_agent_pool). A list action:
    ``Agents`` events, then ``AgentsComplete``.
    """

    list_events = ("Agents",)
    list_complete = "AgentsComplete"


class AGI(Action):
    """Add an AGI command to execute by Async AGI. Since Asterisk 1.6.0."""

    channel: Annotated[str, "Channel"]
    command: Annotated[str, "Command"]
    command_id: Annotated[str | None, "CommandID"] = None


class AOCMessage(Action):
    """Generate an Advice of Charge message on a channel. Since Asterisk 1.8.0."""

    msg_type: Annotated[str, "MsgType"]
    channel: Annotated[str | None, "Channel"] = None
    channel_prefix: Annotated[str | None, "ChannelPrefix"] = None
    charge_type: Annotated[str | None, "ChargeType"] = None
    unit_amounts: Annotated[Sequence[int | str] | None, "UnitAmount", INDEXED] = None
    unit_types: Annotated[Sequence[int | str] | None, "UnitType", INDEXED] = None
    currency_name: Annotated[str | None, "CurrencyName"] = None
    currency_amount: Annotated[str | None, "CurrencyAmount"] = None
    currency_multiplier: Annotated[str | None, "CurrencyMultiplier"] = None
    total_type: Annotated[str | None, "TotalType"] = None
    aoc_billing_id: Annotated[str | None, "AOCBillingId"] = None
    charging_association_id: Annotated[str | None, "ChargingAssociationId"] = None
    charging_association_number: Annotated[str | None, "ChargingAssociationNumber"] = None
    charging_association_plan: Annotated[str | None, "ChargingAssociationPlan"] = None
    charged_item: Annotated[str | None, "ChargedItem"] = None
    rate_type: Annotated[str | None, "RateType"] = None
    time: Annotated[str | None, "Time"] = None
    time_scale: Annotated[str | None, "TimeScale"] = None
    granularity: Annotated[str | None, "Granularity"] = None
    granularity_time_scale: Annotated[str | None, "GranularityTimeScale"] = None
    charging_type: Annotated[str | None, "ChargingType"] = None
    volume_unit: Annotated[str | None, "VolumeUnit"] = None
    code: Annotated[str | None, "Code"] = None


class Atxfer(Action):
    """Attended transfer. Since Asterisk 1.6.1.0."""

    channel: Annotated[str, "Channel"]
    exten: Annotated[str, "Exten"]
    context: Annotated[str | None, "Context"] = None


class BlindTransfer(Action):
    """Blind transfer channel(s) to the given destination Since Asterisk 12.0.0."""

    channel: Annotated[str, "Channel"]
    context: Annotated[str | None, "Context"] = None
    exten: Annotated[str | None, "Exten"] = None


class Bridge(Action):
    """Bridge two channels already in the PBX. Since Asterisk 1.6.0."""

    channel_1: Annotated[str, "Channel1"]
    channel_2: Annotated[str, "Channel2"]
    tone: Annotated[bool, "Tone"] = False


class BridgeDestroy(Action):
    """Destroy a bridge. Since Asterisk 12.0.0."""

    bridge_uniqueid: Annotated[str, "BridgeUniqueid"]


class BridgeInfo(Action):
    """Get information about a bridge. Since Asterisk 12.0.0. A list action:
    ``BridgeInfoChannel`` events, then ``BridgeInfoComplete``.
    """

    list_events = ("BridgeInfoChannel",)
    list_complete = "BridgeInfoComplete"

    bridge_uniqueid: Annotated[str, "BridgeUniqueid"]


class BridgeKick(Action):
    """Kick a channel from a bridge. Since Asterisk 12.0.0."""

    channel: Annotated[str, "Channel"]
    bridge_uniqueid: Annotated[str | None, "BridgeUniqueid"] = None


class BridgeList(Action):
    """Get a list of bridges in the system. Since Asterisk 12.0.0. A list action:
    ``BridgeListItem`` events, then ``BridgeListComplete``.
    """

    list_events = ("BridgeListItem",)
    list_complete = "BridgeListComplete"

    bridge_type: Annotated[str | None, "BridgeType"] = None


class BridgeTechnologyList(Action):
    """List available bridging technologies and their statuses. Since Asterisk 12.0.0. A list
    action: ``BridgeTechnologyListItem`` events, then ``BridgeTechnologyListComplete``.
    """

    list_events = ("BridgeTechnologyListItem",)
    list_complete = "BridgeTechnologyListComplete"


class BridgeTechnologySuspend(Action):
    """Suspend a bridging technology. Since Asterisk 12.0.0."""

    bridge_technology: Annotated[str, "BridgeTechnology"]


class BridgeTechnologyUnsuspend(Action):
    """Unsuspend a bridging technology. Since Asterisk 12.0.0."""

    bridge_technology: Annotated[str, "BridgeTechnology"]


class CancelAtxfer(Action):
    """Cancel an attended transfer. Since Asterisk 15.1.0."""

    channel: Annotated[str, "Channel"]


class Challenge(Action):
    """Generate Challenge for MD5 Auth. Since Asterisk 0.4.0."""

    authtype: Annotated[str, "AuthType"] = AUTHTYPE_MD5


class Command(Action):
    """Execute Asterisk CLI Command. Since Asterisk 0.3.0."""

    command: Annotated[str, "Command"]


class ControlPlayback(Action):
    """Control the playback of a file being played to a channel. Since Asterisk 12.0.0."""

    channel: Annotated[str, "Channel"]
    control: Annotated[str, "Control"]


class CoreSettings(Action):
    """Show PBX core settings (version etc). Since Asterisk 1.6.0."""


class CoreShowChannelMap(Action):
    """List all channels connected to the specified channel. Since Asterisk 20.4.0. A list
    action: ``CoreShowChannelMap`` events, then ``CoreShowChannelMapComplete``.
    """

    list_events = ("CoreShowChannelMap",)
    list_complete = "CoreShowChannelMapComplete"

    channel: Annotated[str | None, "Channel"] = None


class CoreShowChannels(Action):
    """List currently active channels. Since Asterisk 1.6.0. A list action: ``CoreShowChannel``
    events, then ``CoreShowChannelsComplete``.
    """

    list_events = ("CoreShowChannel",)
    list_complete = "CoreShowChannelsComplete"


class CoreStatus(Action):
    """Show PBX core status variables. Since Asterisk 1.6.0."""


class CreateConfig(Action):
    """Creates an empty file in the configuration directory. Since Asterisk 1.6.0."""

    filename: Annotated[str, "Filename"]


class DBDel(Action):
    """Delete DB entry. Since Asterisk 1.6.0."""

    family: Annotated[str, "Family"]
    key: Annotated[str, "Key"]


class DBDelTree(Action):
    """Delete DB Tree. Since Asterisk 1.6.0."""

    family: Annotated[str, "Family"]
    key: Annotated[str | None, "Key"] = None


class DBGet(Action):
    """Get DB Entry. Since Asterisk 1.2.0. A list action: ``DBGetResponse`` events, then
    ``DBGetComplete``.

    Synchronous by default: ``result['Val']`` holds the value; a missing entry answers
    ``Error`` (``Database entry not found``).
    """

    list_events = ("DBGetResponse",)
    list_complete = "DBGetComplete"

    # The value arrives in an event: wait for it unless the caller says otherwise.
    synchronous = True

    def build_result(self, response: Message, events: list[Message]) -> Any:
        """The response, with ``Val`` copied from the ``DBGetResponse`` event."""
        result = self.process_response(response)
        for event in events:
            if event.name == "DBGetResponse" and "Val" in event:
                result["Val"] = event["Val"]
        return result

    family: Annotated[str, "Family"]
    key: Annotated[str, "Key"]


class DBGetTree(Action):
    """Get DB entries, optionally at a particular family/key Since Asterisk 19.6.0. A list
    action: ``DBGetTreeResponse`` events, then ``DBGetTreeComplete``.
    """

    list_events = ("DBGetTreeResponse",)
    list_complete = "DBGetTreeComplete"
    empty_list_error = "Database entry not found"

    family: Annotated[str | None, "Family"] = None
    key: Annotated[str | None, "Key"] = None


class DBPut(Action):
    """Put DB entry. Since Asterisk 1.2.0."""

    family: Annotated[str, "Family"]
    key: Annotated[str, "Key"]
    value: Annotated[str, "Val"]


class DeviceStateList(Action):
    """List the current known device states. Since Asterisk 13.0.0. A list action:
    ``DeviceStateChange`` events, then ``DeviceStateListComplete``.
    """

    list_events = ("DeviceStateChange",)
    list_complete = "DeviceStateListComplete"


class DialplanExtensionAdd(Action):
    """Add an extension to the dialplan Since Asterisk 13.0.0."""

    context: Annotated[str, "Context"]
    extension: Annotated[str, "Extension"]
    priority: Annotated[int | str, "Priority"]
    application: Annotated[str, "Application"]
    application_data: Annotated[str | None, "ApplicationData"] = None
    replace: Annotated[bool | None, "Replace"] = None


class DialplanExtensionRemove(Action):
    """Remove an extension from the dialplan Since Asterisk 13.0.0."""

    context: Annotated[str, "Context"]
    extension: Annotated[str, "Extension"]
    priority: Annotated[int | str | None, "Priority"] = None


class ExtensionState(Action):
    """Check Extension Status. Since Asterisk 0.4.0."""

    extension: Annotated[str, "Exten"]
    context: Annotated[str, "Context"]


class ExtensionStateList(Action):
    """List the current known extension states. Since Asterisk 13.0.0. A list action:
    ``ExtensionStatus`` events, then ``ExtensionStateListComplete``.
    """

    list_events = ("ExtensionStatus",)
    list_complete = "ExtensionStateListComplete"


class FAXSession(Action):
    """Responds with a detailed description of a single FAX session Since Asterisk 13.0.0."""

    session_number: Annotated[int, "SessionNumber"]


class FAXSessions(Action):
    """Lists active FAX sessions Since Asterisk 13.0.0. A list action: ``FAXSessionsEntry``
    events, then ``FAXSessionsComplete``.
    """

    list_events = ("FAXSessionsEntry",)
    list_complete = "FAXSessionsComplete"


class FAXStats(Action):
    """Responds with fax statistics Since Asterisk 13.0.0."""


class Filter(Action):
    """Dynamically add filters for the current manager session. Since Asterisk 10.0.0."""

    operation: Annotated[str | None, "Operation"] = None
    match_criteria: Annotated[str | None, "MatchCriteria"] = None
    filter: Annotated[str | None, "Filter"] = None


class GetConfigResult(Message):
    """The ``result`` of :class:`GetConfig`: its response, with :meth:`get_lines`."""

    __slots__ = ()

    def get_lines(self) -> Iterator[str]:
        """Every ``Line-XXXXXX-XXXXXX`` value (``name=value`` text), in the order received,
        which is the file's order (the pystrix 1.x function)."""
        return (value for key, value in self.header_pairs() if key.lower().startswith("line-"))


class GetConfig(Action):
    """Retrieve configuration. Since Asterisk 1.4.0.

    Asterisk answers with ``Category-XXXXXX`` headers and, for each line of a category,
    ``Line-XXXXXX-XXXXXX: name=value``.  As in pystrix 1.x, the result is that response
    with a ``get_lines()`` method yielding every line in order (a
    :class:`GetConfigResult`).
    """

    filename: Annotated[str, "Filename"]
    category: Annotated[str | None, "Category"] = None
    filter: Annotated[str | None, "Filter"] = None

    def process_response(self, response: Message) -> Message:
        """The response, made a :class:`GetConfigResult`."""
        # Same layout (no slots of its own): the response changes class in place, as
        # pystrix 1.x's reader gave events their classes.
        response.__class__ = GetConfigResult
        return response


class GetConfigJSON(Action):
    """Retrieve configuration (JSON format). Since Asterisk 1.6.0."""

    filename: Annotated[str, "Filename"]
    category: Annotated[str | None, "Category"] = None
    filter: Annotated[str | None, "Filter"] = None


class Getvar(Action):
    """Gets a channel variable or function value. Since Asterisk 1.0.0."""

    variable: Annotated[str, "Variable"]
    channel: Annotated[str | None, "Channel"] = None


class Hangup(Action):
    """Hangup channel. Since Asterisk 0.2.0."""

    channel: Annotated[str, "Channel"]
    cause: Annotated[int | None, "Cause"] = None


class IAXnetstats(Action):
    """Show IAX network statistics (chan_iax2)."""


class IAXpeerlist(Action):
    """List IAX peers (chan_iax2): ``PeerEntry`` events. A list action: ``PeerEntry`` events,
    then ``PeerlistComplete``.
    """

    list_events = ("PeerEntry",)
    list_complete = "PeerlistComplete"


class IAXpeers(Action):
    """List IAX peers (chan_iax2): ``PeerEntry`` events. A list action: ``PeerEntry`` events,
    then ``PeerlistComplete``.
    """

    list_events = ("PeerEntry",)
    list_complete = "PeerlistComplete"


class IAXregistry(Action):
    """List IAX registrations (chan_iax2): ``RegistryEntry`` events. A list action:
    ``RegistryEntry`` events, then ``RegistrationsComplete``.
    """

    list_events = ("RegistryEntry",)
    list_complete = "RegistrationsComplete"


class ListCategories(Action):
    """List categories in configuration file. Since Asterisk 1.6.0."""

    filename: Annotated[str, "Filename"]


class ListCommands(Action):
    """List available manager commands. Since Asterisk 1.0.0."""


class LocalOptimizeAway(Action):
    """Optimize away a local channel when possible. Since Asterisk 1.8.0."""

    channel: Annotated[str, "Channel"]


class LoggerRotate(Action):
    """Reload and rotate the Asterisk logger. Since Asterisk 13.0.0."""


class Logoff(Action):
    """Logoff Manager. Since Asterisk 0.2.0."""


class MailboxCount(Action):
    """Check Mailbox Message Count. Since Asterisk 0.5.0.

    ``mailbox`` is ``box@context`` (several joined by commas are counted together).  As in
    pystrix 1.x, the result's ``NewMessages`` and ``OldMessages`` are integers, -1 when
    missing or not a number (an ``Error`` response has neither), and so is
    ``UrgMessages`` when Asterisk sends it.
    """

    mailbox: Annotated[str, "Mailbox"]

    def process_response(self, response: Message) -> Message:
        """The response with the message counts as ``int`` (-1 on failure)."""
        values = {name: _as_int(response.get(name)) for name in ("NewMessages", "OldMessages")}
        if "UrgMessages" in response:
            values["UrgMessages"] = _as_int(response.get("UrgMessages"))
        return _set_values(response, values)


class MailboxStatus(Action):
    """Check mailbox. Since Asterisk 0.4.0.

    As in pystrix 1.x, the result's ``Waiting`` is an ``int`` (-1 when missing or not a
    number).  Asterisk writes 1 when the mailbox has new (or urgent) messages and 0 when
    not: use :class:`MailboxCount` for the counts.
    """

    mailbox: Annotated[str, "Mailbox"]

    def process_response(self, response: Message) -> Message:
        """The response with ``Waiting`` as an ``int`` (-1 on failure)."""
        return _set_values(response, {"Waiting": _as_int(response.get("Waiting"))})


class MessageSend(Action):
    """Send an out of call message to an endpoint. Since Asterisk 11.0.0."""

    destination: Annotated[str | None, "Destination"] = None
    to: Annotated[str | None, "To"] = None
    from_: Annotated[str | None, "From"] = None
    body: Annotated[str | None, "Body"] = None
    base64_body: Annotated[str | None, "Base64Body"] = None
    variables: Annotated[Variables | None, "Variable"] = None


class MixMonitor(Action):
    """Record a call and mix the audio during the recording. Use of StopMixMonitor is required
    to guarantee the audio file is available for processing during dialplan execution. Since
    Asterisk 11.0.0.
    """

    channel: Annotated[str, "Channel"]
    file: Annotated[str | None, "File"] = None
    options: Annotated[str | None, "Options"] = None
    command: Annotated[str | None, "Command"] = None


class MixMonitorMute(Action):
    """Mute / unMute a Mixmonitor recording. Since Asterisk 1.8.0."""

    channel: Annotated[str, "Channel"]
    direction: Annotated[str, "Direction"]
    mute: Annotated[bool, "State"]


class ModuleCheck(Action):
    """Check if module is loaded. Since Asterisk 1.6.0."""

    module: Annotated[str, "Module"]


class ModuleLoad(Action):
    """Module management. Since Asterisk 1.6.0."""

    load_type: Annotated[str, "LoadType"]
    module: Annotated[str | None, "Module"] = None
    recursive: Annotated[bool | None, "Recursive"] = None


class MWIDelete(Action):
    """Delete an external mailbox's counts (res_mwi_external_ami)."""

    mailbox: Annotated[str, "Mailbox"]


class MWIGet(Action):
    """Get the message counts of mailboxes: ``MWIGet`` events (res_mwi_external_ami). A list
    action: ``MWIGet`` events, then ``MWIGetComplete``.
    """

    list_events = ("MWIGet",)
    list_complete = "MWIGetComplete"

    mailbox: Annotated[str, "Mailbox"]


class MWIUpdate(Action):
    """Update the message counts of an external mailbox (res_mwi_external_ami)."""

    mailbox: Annotated[str, "Mailbox"]
    old_messages: Annotated[int | None, "OldMessages"] = None
    new_messages: Annotated[int | None, "NewMessages"] = None


class ParkedCalls(Action):
    """List parked calls. Since Asterisk 0.7.2. A list action: ``ParkedCall`` events, then
    ``ParkedCallsComplete``.
    """

    list_events = ("ParkedCall",)
    list_complete = "ParkedCallsComplete"

    parking_lot: Annotated[str | None, "ParkingLot"] = None


class Parkinglots(Action):
    """Get a list of parking lots Since Asterisk 11.0.0. A list action: ``Parkinglot`` events,
    then ``ParkinglotsComplete``.
    """

    list_events = ("Parkinglot",)
    list_complete = "ParkinglotsComplete"


class Ping(Action):
    """Keepalive command. Since Asterisk 0.2.0.

    As in pystrix 1.x, the result carries ``RTT``: the seconds (a ``float``) between
    sending the request and receiving its response (``send_action``'s ``time``), or -1
    when the answer was not a success (``Permission denied`` before a login).
    """

    # Written by send_action from the time it already measures: the keepalive's own
    # round trip costs no extra call (see Request.round_trip_header).
    round_trip_header = "RTT"


class PlayDTMF(Action):
    """Play DTMF signal on a specific channel. Since Asterisk 1.4.0."""

    channel: Annotated[str, "Channel"]
    digit: Annotated[str, "Digit"]
    duration: Annotated[int | None, "Duration"] = None
    receive: Annotated[bool | None, "Receive"] = None


class PlayMF(Action):
    """Play MF digit on a specific channel. Since Asterisk 16.21.0."""

    channel: Annotated[str, "Channel"]
    digit: Annotated[str, "Digit"]
    duration: Annotated[int | None, "Duration"] = None


class PresenceState(Action):
    """Check Presence State Since Asterisk 11.0.0."""

    provider: Annotated[str, "Provider"]


class PresenceStateList(Action):
    """List the current known presence states. Since Asterisk 13.0.0. A list action:
    ``PresenceStateChange`` events, then ``PresenceStateListComplete``.
    """

    list_events = ("PresenceStateChange",)
    list_complete = "PresenceStateListComplete"


class QueueAdd(Action):
    """Add interface to queue. Since Asterisk 1.0.0."""

    interface: Annotated[str, "Interface"]
    queue: Annotated[str, "Queue"]
    membername: Annotated[str | None, "MemberName"] = None
    penalty: Annotated[int | None, "Penalty"] = 0
    paused: Annotated[bool | None, "Paused"] = False
    reason: Annotated[str | None, "Reason"] = None
    state_interface: Annotated[str | None, "StateInterface"] = None


class QueueChangePriorityCaller(Action):
    """Change priority of a caller on queue. Since Asterisk 15.0.0."""

    queue: Annotated[str, "Queue"]
    caller: Annotated[str, "Caller"]
    priority: Annotated[int | str, "Priority"]
    immediate: Annotated[bool | None, "Immediate"] = None


class QueueLog(Action):
    """Adds custom entry in queue_log. Since Asterisk 1.6.0."""

    queue: Annotated[str, "Queue"]
    event: Annotated[str, "Event"]
    interface: Annotated[str | None, "Interface"] = None
    uniqueid: Annotated[str | None, "Uniqueid"] = None
    message: Annotated[str | None, "Message"] = None


class QueueMemberRingInUse(Action):
    """Set the ringinuse value for a queue member. Since Asterisk 11.0.0."""

    interface: Annotated[str, "Interface"]
    ring_in_use: Annotated[bool, "RingInUse"]
    queue: Annotated[str | None, "Queue"] = None


class QueuePause(Action):
    """Makes a queue member temporarily unavailable. Since Asterisk 1.2.0."""

    interface: Annotated[str, "Interface"]
    paused: Annotated[bool, "Paused"]
    queue: Annotated[str | None, "Queue"] = None
    reason: Annotated[str | None, "Reason"] = None


class QueuePenalty(Action):
    """Set the penalty for a queue member. Since Asterisk 1.6.0."""

    interface: Annotated[str, "Interface"]
    penalty: Annotated[int, "Penalty"]
    queue: Annotated[str | None, "Queue"] = None


class QueueReload(Action):
    """Reload a queue, queues, or any sub-section of a queue or queues. Since Asterisk 1.6.2.0."""

    queue: Annotated[str | None, "Queue"] = None
    members: Annotated[bool | str | None, "Members"] = "yes"
    rules: Annotated[bool | str | None, "Rules"] = "yes"
    parameters: Annotated[bool | str | None, "Parameters"] = "yes"


class QueueRemove(Action):
    """Remove interface from queue. Since Asterisk 1.0.0."""

    interface: Annotated[str, "Interface"]
    queue: Annotated[str, "Queue"]


class QueueReset(Action):
    """Reset queue statistics. Since Asterisk 1.6.2.0."""

    queue: Annotated[str | None, "Queue"] = None


class QueueRule(Action):
    """Queue Rules. Since Asterisk 1.6.0."""

    rule: Annotated[str | None, "Rule"] = None


class QueueStatus(Action):
    """Show queue status. Since Asterisk 0.5.0. A list action: ``QueueParams``,
    ``QueueMember``, ``QueueEntry`` events, then ``QueueStatusComplete``.
    """

    list_events = ("QueueParams", "QueueMember", "QueueEntry")
    list_complete = "QueueStatusComplete"

    queue: Annotated[str | None, "Queue"] = None
    member: Annotated[str | None, "Member"] = None


class QueueSummary(Action):
    """Show queue summary. Since Asterisk 1.6.0. A list action: ``QueueSummary`` events, then
    ``QueueSummaryComplete``.
    """

    list_events = ("QueueSummary",)
    list_complete = "QueueSummaryComplete"

    queue: Annotated[str | None, "Queue"] = None


class QueueWithdrawCaller(Action):
    """Request to withdraw a caller from the queue back to the dialplan. Since Asterisk 19.3.0."""

    queue: Annotated[str, "Queue"]
    caller: Annotated[str, "Caller"]
    withdraw_info: Annotated[str | None, "WithdrawInfo"] = None


class Redirect(Action):
    """Redirect (transfer) a call. Since Asterisk 0.2.0."""

    channel: Annotated[str, "Channel"]
    context: Annotated[str, "Context"]
    extension: Annotated[str, "Exten"]
    priority: Annotated[int | str, "Priority"]
    extra_channel: Annotated[str | None, "ExtraChannel"] = None
    extra_context: Annotated[str | None, "ExtraContext"] = None
    extra_extension: Annotated[str | None, "ExtraExten"] = None
    extra_priority: Annotated[int | str | None, "ExtraPriority"] = None


class Reload(Action):
    """Send a reload event. Since Asterisk 1.6.0."""

    module: Annotated[str | None, "Module"] = None


class SendFlash(Action):
    """Send a hook flash on a specific channel. Since Asterisk 20.3.0."""

    channel: Annotated[str, "Channel"]
    receive: Annotated[bool | None, "Receive"] = None


class SendText(Action):
    """Sends a text message to channel. A content type can be optionally specified. If not set
    it is set to an empty string allowing a custom handler to default it as it sees fit.
    Since Asterisk 1.6.0.
    """

    channel: Annotated[str, "Channel"]
    message: Annotated[str, "Message"]
    content_type: Annotated[str | None, "Content-Type"] = None


class Setvar(Action):
    """Sets a channel variable or function value. Since Asterisk 1.0.0."""

    variable: Annotated[str, "Variable"]
    value: Annotated[str, "Value"]
    channel: Annotated[str | None, "Channel"] = None


class ShowDialPlan(Action):
    """Show dialplan contexts and extensions Since Asterisk 1.6.0. A list action:
    ``ListDialplan`` events, then ``ShowDialPlanComplete``.
    """

    list_events = ("ListDialplan",)
    list_complete = "ShowDialPlanComplete"

    extension: Annotated[str | None, "Extension"] = None
    context: Annotated[str | None, "Context"] = None


class SIPpeerstatus(Action):
    """Show the status of chan_sip peers: ``PeerStatus`` events. A list action: ``PeerStatus``
    events, then ``SIPpeerstatusComplete``. chan_sip was removed in Asterisk 21; use PJSIP's
    ``PJSIPShowContacts``.
    """

    list_events = ("PeerStatus",)
    list_complete = "SIPpeerstatusComplete"

    peer: Annotated[str | None, "Peer"] = None


class SorceryMemoryCacheExpire(Action):
    """Expire (remove) ALL objects from a sorcery memory cache. Since Asterisk 13.5.0."""

    cache: Annotated[str, "Cache"]


class SorceryMemoryCacheExpireObject(Action):
    """Expire (remove) an object from a sorcery memory cache. Since Asterisk 13.5.0."""

    cache: Annotated[str, "Cache"]
    object_: Annotated[str, "Object"]


class SorceryMemoryCachePopulate(Action):
    """Expire all objects from a memory cache and populate it with all objects from the
    backend. Since Asterisk 13.7.0.
    """

    cache: Annotated[str, "Cache"]


class SorceryMemoryCacheStale(Action):
    """Marks ALL objects in a sorcery memory cache as stale. Since Asterisk 13.5.0."""

    cache: Annotated[str, "Cache"]


class SorceryMemoryCacheStaleObject(Action):
    """Mark an object in a sorcery memory cache as stale. Since Asterisk 13.5.0."""

    cache: Annotated[str, "Cache"]
    object_: Annotated[str, "Object"]
    reload: Annotated[bool | str | None, "Reload"] = None


class Status(Action):
    """List channel status. Since Asterisk 0.2.0. A list action: ``Status`` events, then
    ``StatusComplete``.

    ``variables`` names channel variables to include in each ``Status`` event
    (``event.variables`` maps them).
    """

    list_events = ("Status",)
    list_complete = "StatusComplete"

    channel: Annotated[str | None, "Channel"] = None
    variables: Annotated[Sequence[str] | str, "Variables", CSV] = ()
    all_variables: Annotated[bool | None, "AllVariables"] = None


class StopMixMonitor(Action):
    """Stop recording a call through MixMonitor, and free the recording's file handle. Since
    Asterisk 11.0.0.
    """

    channel: Annotated[str, "Channel"]
    mix_monitor_id: Annotated[str | None, "MixMonitorID"] = None


class VoicemailBoxSummary(Action):
    """List the messages of a mailbox: ``VoicemailBoxDetail`` events. Since Asterisk 20.5.0. A
    list action: ``VoicemailBoxDetail`` events, then ``VoicemailBoxDetailComplete``.
    """

    list_events = ("VoicemailBoxDetail",)
    list_complete = "VoicemailBoxDetailComplete"

    context: Annotated[str, "Context"]
    mailbox: Annotated[str, "Mailbox"]


class VoicemailForward(Action):
    """Forward a voicemail message to another mailbox. Since Asterisk 20.5.0."""

    context: Annotated[str, "Context"]
    mailbox: Annotated[str, "Mailbox"]
    folder: Annotated[str, "Folder"]
    id: Annotated[str, "ID"]
    to_context: Annotated[str, "ToContext"]
    to_mailbox: Annotated[str, "ToMailbox"]
    to_folder: Annotated[str, "ToFolder"]


class VoicemailMove(Action):
    """Move a voicemail message to another folder. Since Asterisk 20.5.0."""

    context: Annotated[str, "Context"]
    mailbox: Annotated[str, "Mailbox"]
    folder: Annotated[str, "Folder"]
    id: Annotated[str, "ID"]
    to_folder: Annotated[str, "ToFolder"]


class VoicemailRefresh(Action):
    """Tell Asterisk to poll mailboxes for a change. Since Asterisk 12.0.0."""

    context: Annotated[str | None, "Context"] = None
    mailbox: Annotated[str | None, "Mailbox"] = None


class VoicemailRemove(Action):
    """Remove a voicemail message from a folder. Since Asterisk 20.5.0."""

    context: Annotated[str, "Context"]
    mailbox: Annotated[str, "Mailbox"]
    folder: Annotated[str, "Folder"]
    id: Annotated[str, "ID"]


class VoicemailUsersList(Action):
    """List every voicemail user: ``VoicemailUserEntry`` events. Since Asterisk 1.6.0. A list
    action: ``VoicemailUserEntry`` events, then ``VoicemailUserEntryComplete``.
    """

    list_events = ("VoicemailUserEntry",)
    list_complete = "VoicemailUserEntryComplete"


class VoicemailUserStatus(Action):
    """Show one voicemail user: a ``VoicemailUserDetail`` event. Since Asterisk 16.0.0. A list
    action: ``VoicemailUserDetail`` events, then ``VoicemailUserDetailComplete``.
    """

    list_events = ("VoicemailUserDetail",)
    list_complete = "VoicemailUserDetailComplete"

    context: Annotated[str, "Context"]
    mailbox: Annotated[str, "Mailbox"]


class WaitEvent(Action):
    """Wait for an event to occur. Since Asterisk 1.4.0."""

    timeout_seconds: Annotated[int, "Timeout"]


#: pystrix 1.x programs import the base class from here.
_Request = Request
