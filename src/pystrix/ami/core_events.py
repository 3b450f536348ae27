"""Core AMI events, with pystrix 1.x names.

Each class is registered under its event name, so incoming events are built as instances
of it and ``Manager.register_callback(core_events.FullyBooted, fn)`` works.  Events that
have no class here still arrive, as :class:`~pystrix.ami.events.Event`.
"""

from __future__ import annotations

from .events import Aggregate, Event

__all__ = [
    "CoreShowChannel",
    "CoreShowChannelsComplete",
    "CoreShowChannels_Aggregate",
    "DBGetComplete",
    "DBGetResponse",
    "DialBegin",
    "DialEnd",
    "FullyBooted",
    "Hangup",
    "HangupRequest",
    "Newchannel",
    "Newexten",
    "Newstate",
    "OriginateResponse",
    "Shutdown",
    "SoftHangupRequest",
    "Status",
    "StatusComplete",
    "Status_Aggregate",
    "SuccessfulAuth",
    "UserEvent",
    "VarSet",
]

# Headers of the channel snapshot Asterisk 12+ puts in most channel events.
_CHANNEL_INTS = ("ChannelState", "Priority")


class FullyBooted(Event):
    """Asterisk has finished starting; sent after login to users with ``system`` read."""

    int_headers = ("Uptime", "LastReload")


class Shutdown(Event):
    """Asterisk is shutting down (``Shutdown: Cleanly``/``Uncleanly``, ``Restart``)."""

    bool_headers = ("Restart",)


class SuccessfulAuth(Event):
    """A session authenticated (security class)."""

    int_headers = ("EventVersion",)
    bool_headers = ("UsingPassword",)


class Newchannel(Event):
    """A channel was created."""

    int_headers = _CHANNEL_INTS


class Newstate(Event):
    """A channel changed state (``ChannelState``, ``ChannelStateDesc``)."""

    int_headers = _CHANNEL_INTS


class Newexten(Event):
    """A channel moved to a new dialplan step (``Extension``, ``Application``, ``AppData``)."""

    int_headers = _CHANNEL_INTS


class VarSet(Event):
    """A channel or global variable was set (``Variable``, ``Value``)."""

    int_headers = _CHANNEL_INTS


class Hangup(Event):
    """A channel hung up (``Cause``, ``Cause-txt``)."""

    int_headers = (*_CHANNEL_INTS, "Cause")


class HangupRequest(Event):
    """A hangup was requested on a channel."""

    int_headers = (*_CHANNEL_INTS, "Cause")


class SoftHangupRequest(Event):
    """A soft hangup was requested on a channel."""

    int_headers = (*_CHANNEL_INTS, "Cause")


class DialBegin(Event):
    """A dial began (``DestChannel``, ``DialString``)."""


class DialEnd(Event):
    """A dial ended (``DialStatus``)."""


class OriginateResponse(Event):
    """The outcome of an asynchronous Originate (``Response: Success``/``Failure``).

    It carries a ``Response`` header and the Originate's ActionID but is an event.
    """

    int_headers = ("Reason",)


class CoreShowChannel(Event):
    """One channel in the answer to ``CoreShowChannels``."""

    int_headers = _CHANNEL_INTS


class CoreShowChannelsComplete(Event):
    """The end of a ``CoreShowChannels`` list (``ListItems``)."""

    int_headers = ("ListItems",)


class Status(Event):
    """One channel in the answer to ``Status``."""

    int_headers = (*_CHANNEL_INTS, "Seconds")


class StatusComplete(Event):
    """The end of a ``Status`` list (``Items``/``ListItems``)."""

    int_headers = ("Items", "ListItems")


class DBGetResponse(Event):
    """The value in the answer to ``DBGet`` (``Family``, ``Key``, ``Val``)."""


class DBGetComplete(Event):
    """The end of a ``DBGet`` answer."""

    int_headers = ("ListItems",)


class UserEvent(Event):
    """A user-defined event (``UserEvent`` names it; the other headers are the sender's)."""


class CoreShowChannels_Aggregate(Aggregate):
    """Every ``CoreShowChannel`` of one list, sent when ``CoreShowChannelsComplete`` arrives."""


class Status_Aggregate(Aggregate):
    """Every ``Status`` event of one list, sent when ``StatusComplete`` arrives."""
